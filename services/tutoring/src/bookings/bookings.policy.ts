import { randomBytes } from 'node:crypto'

/** Booking statuses. See docs/bookings.md for the state diagram. */
export type BookingStatus =
  'held' | 'booked' | 'confirmed' | 'completed' | 'cancelled' | 'expired' | 'rejected' | 'disputed'

/** Statuses that occupy the tutor's and the learner's time (the exclusion constraints' predicate). */
export const LIVE_STATUSES = ['held', 'booked', 'confirmed'] as const
/** Statuses of a paid lesson that has not been settled yet. */
export const PAID_OPEN_STATUSES = ['booked', 'confirmed'] as const

/** Unpaid holds one learner may have at once (a learner cannot squat a tutor's calendar). */
export const MAX_OPEN_HOLDS = 3
/** How many times one booking may be moved (learner and tutor together). */
export const MAX_RESCHEDULES = 3
/** A learner may report a tutor's no-show from this many minutes after the start … */
export const NO_SHOW_GRACE_MINUTES = 10
/** … until this many hours after the end (and before the lesson completes). */
export const NO_SHOW_REPORT_HOURS = 24

/**
 * Price of one lesson as commerce sells it (`tutoring.tutor.listed`): hourly rate × minutes / 60,
 * rounded half up, in exact integer arithmetic.
 */
export function lessonPriceMinor(hourlyRateMinor: number, minutes: number): number {
  return Number((BigInt(hourlyRateMinor) * BigInt(minutes) * 2n + 60n) / 120n)
}

/** The commerce product ref of a single lesson: `tut:<tutorUserId>:<minutes>`. */
export function lessonProductRef(tutorUserId: string, minutes: number): string {
  return `tut:${tutorUserId}:${minutes}`
}

/** Parses a package ref `tut:<tutorUserId>:<minutes>:x<lessons>`; null when it is not one. */
export function parsePackageRef(
  ref: string,
): { tutorUserId: string; minutes: number; lessons: number } | null {
  const m = /^tut:([A-Za-z0-9_-]{1,100}):(\d{1,3}):x(\d{1,3})$/.exec(ref)
  if (!m) return null
  return { tutorUserId: m[1]!, minutes: Number(m[2]), lessons: Number(m[3]) }
}

/** Who acts on a booking. */
export type Actor = 'learner' | 'tutor' | 'admin'

/**
 * The share of the price refunded when `actor` cancels a paid lesson starting at `startsAt`:
 * a tutor or an admin cancelling → 100; a learner at least FREE_CANCEL_HOURS ahead → 100, later →
 * LATE_CANCEL_REFUND_PERCENT.
 */
export function cancelRefundPercent(
  actor: Actor,
  startsAt: Date,
  now: Date,
  policy: { freeCancelHours: number; lateCancelRefundPercent: number },
): number {
  if (actor !== 'learner') return 100
  const hoursAhead = (startsAt.getTime() - now.getTime()) / 3_600_000
  return hoursAhead >= policy.freeCancelHours ? 100 : policy.lateCancelRefundPercent
}

/**
 * What a cancellation of a paid booking means for money. A booking paid by checkout always settles
 * through commerce (`tutoring.lesson.cancelled` with the percent). A credit-paid booking with a
 * full refund gives the credit back instead and tells commerce nothing (the package's escrow keeps
 * that lesson for the booking the credit will pay next); with a partial or no refund the credit is
 * spent and commerce settles the lesson like a checkout one.
 */
export function cancellationSettlement(
  paidWith: string,
  refundPercent: number,
): { returnCredit: boolean; publish: boolean } {
  if (paidWith === 'credit' && refundPercent >= 100) return { returnCredit: true, publish: false }
  return { returnCredit: false, publish: true }
}

/** An unguessable token for a meeting link (128 random bits, hex). */
export function meetingToken(): string {
  return randomBytes(16).toString('hex')
}

/** Fills MEETING_URL_TEMPLATE's `{bookingId}`, `{tutorId}` and `{token}`. */
export function meetingUrl(
  template: string,
  v: { bookingId: string; tutorId: string; token: string },
): string {
  return template
    .replaceAll('{bookingId}', encodeURIComponent(v.bookingId))
    .replaceAll('{tutorId}', encodeURIComponent(v.tutorId))
    .replaceAll('{token}', v.token)
}

/** Whether a thrown database error (or its `cause`) has this SQLSTATE; returns the constraint name too. */
export function sqlState(error: unknown): { code: string; constraint?: string } | null {
  for (
    let e = error as { code?: unknown; constraint?: unknown; cause?: unknown } | undefined, d = 0;
    e && d < 4;
    d++
  ) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
      return { code: e.code, ...(typeof e.constraint === 'string' ? { constraint: e.constraint } : {}) }
    }
    e = e.cause as typeof e
  }
  return null
}
