import type { Static } from '@learnmesh/kernel'
import type { BookingNames, BookingRow, CreditRow, DisputeRow } from './bookings.repository.ts'
import type { BookingSchema, CreditSchema, DisputeSchema } from './bookings.schemas.ts'

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** A booking row as the API shows it, with the learner's and the tutor's names when known. */
export function presentBooking(b: BookingRow, names?: BookingNames): Static<typeof BookingSchema> {
  return {
    id: b.id,
    tutorId: b.tutorId,
    tutorUserId: b.tutorUserId,
    tutorName: names?.tutors.get(b.tutorId) ?? null,
    learnerId: b.learnerId,
    learnerName: names?.learners.get(b.learnerId) ?? null,
    startsAt: b.startsAt.toISOString(),
    endsAt: b.endsAt.toISOString(),
    minutes: b.minutes,
    status: b.status,
    trial: b.trial,
    mode: b.mode,
    paidWith: b.paidWith,
    priceMinor: b.priceMinor,
    currency: b.currency,
    productRef: b.productRef,
    holdExpiresAt: iso(b.holdExpiresAt),
    orderId: b.orderId,
    orderItemId: b.orderItemId,
    creditId: b.creditId,
    meetingUrl: b.meetingUrl,
    note: b.note,
    confirmedAt: iso(b.confirmedAt),
    completedAt: iso(b.completedAt),
    learnerNoShowAt: iso(b.learnerNoShowAt),
    cancelledAt: iso(b.cancelledAt),
    cancelledBy: b.cancelledBy,
    cancelReason: b.cancelReason,
    refundPercent: b.refundPercent,
    rescheduleCount: b.rescheduleCount,
    createdAt: b.createdAt.toISOString(),
    updatedAt: b.updatedAt.toISOString(),
  }
}

/** A dispute row as the API shows it. */
export function presentDispute(d: DisputeRow): Static<typeof DisputeSchema> {
  return {
    id: d.id,
    bookingId: d.bookingId,
    openedBy: d.openedBy,
    reason: d.reason,
    status: d.status,
    resolution: d.resolution,
    refundPercent: d.refundPercent,
    resolvedBy: d.resolvedBy,
    resolutionNote: d.resolutionNote,
    createdAt: d.createdAt.toISOString(),
    resolvedAt: iso(d.resolvedAt),
  }
}

/** A credit row as the API shows it. */
export function presentCredit(c: CreditRow): Static<typeof CreditSchema> {
  return {
    id: c.id,
    tutorUserId: c.tutorUserId,
    minutes: c.minutes,
    orderId: c.orderId,
    orderItemId: c.orderItemId,
    lessonsTotal: c.lessonsTotal,
    lessonsUsed: c.lessonsUsed,
    lessonsLeft: Math.max(0, c.lessonsTotal - c.lessonsUsed),
    createdAt: c.createdAt.toISOString(),
  }
}
