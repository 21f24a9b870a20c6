import Type from 'typebox'
import { defineEvent } from './envelope.ts'

/** A booked tutoring lesson took place (both sides confirmed, or the confirmation window passed). */
export const tutoringLessonCompleted = defineEvent({
  type: 'tutoring.lesson.completed',
  version: 1,
  producer: 'tutoring',
  description:
    'A tutoring lesson was delivered. Commerce releases its escrowed payment: the commission to platform revenue, the rest to the tutor’s payable.',
  payload: Type.Object({
    /** The booking (`bkg_...`). */
    bookingId: Type.String(),
    /** The tutor's USER id (the payee), not the profile id (`tut_...`). */
    tutorId: Type.String(),
    learnerId: Type.String(),
    /** The order that paid for it and the order line (a package pays several lessons). */
    orderId: Type.String(),
    orderItemId: Type.String(),
    /** Minutes taught (tiered commission policies count hours taught). */
    minutes: Type.Integer({ minimum: 1 }),
    completedAt: Type.String({ format: 'date-time' }),
  }),
})

/** A booked tutoring lesson was cancelled. */
export const tutoringLessonCancelled = defineEvent({
  type: 'tutoring.lesson.cancelled',
  version: 1,
  producer: 'tutoring',
  description:
    'A booking was cancelled. `refundable` says whether the learner gets the escrowed money back (cancellation policy decided by tutoring).',
  payload: Type.Object({
    bookingId: Type.String(),
    /** The tutor's USER id (the payee), not the profile id (`tut_...`). */
    tutorId: Type.String(),
    learnerId: Type.String(),
    orderId: Type.String(),
    orderItemId: Type.String(),
    cancelledBy: Type.Union([Type.Literal('learner'), Type.Literal('tutor'), Type.Literal('admin')]),
    refundable: Type.Boolean(),
    /**
     * Optional: the percent of the lesson's price refunded to the learner (a late cancellation's
     * partial refund). Absent: 100 when `refundable`, else 0. Commerce refunds that part (rounded
     * half up) and releases the rest to the tutor like a delivered lesson.
     */
    refundPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  }),
})

/** A tutor's sellable offer changed (listed, rate or packages changed, or withdrawn). */
export const tutoringTutorListed = defineEvent({
  type: 'tutoring.tutor.listed',
  version: 1,
  producer: 'tutoring',
  description:
    'A tutor’s offer as commerce must sell it. Commerce upserts one `tutoring_lesson` product per lesson length (ref `tut:<tutorId>:<minutes>`, price = hourly rate × minutes / 60, rounded half up) and one `tutoring_package` product per package and length (ref `tut:<tutorId>:<minutes>:x<lessons>`), payee = the tutor; `active: false` archives them all.',
  payload: Type.Object({
    /** The tutor's user id (the payee of their lessons). */
    /** The tutor's USER id (the payee), not the profile id (`tut_...`). */
    tutorId: Type.String(),
    displayName: Type.String(),
    currency: Type.String({ minLength: 3, maxLength: 3 }),
    /** Price of 60 minutes, minor units. */
    hourlyRateMinor: Type.Integer({ minimum: 0 }),
    /** Lesson lengths the tutor offers. */
    lessonMinutes: Type.Array(
      Type.Union([Type.Literal(30), Type.Literal(45), Type.Literal(60), Type.Literal(90)]),
      {
        minItems: 1,
      },
    ),
    /** Packages: N lessons at a discount (percent off N × the single-lesson price). */
    packages: Type.Array(
      Type.Object({
        lessons: Type.Integer({ minimum: 2, maximum: 100 }),
        discountPercent: Type.Integer({ minimum: 0, maximum: 90 }),
      }),
    ),
    /** False: the tutor is not bookable any more (commerce archives the products). */
    active: Type.Boolean(),
  }),
})

/** A slot was booked (paid by checkout or by a package credit). */
export const tutoringLessonBooked = defineEvent({
  type: 'tutoring.lesson.booked',
  version: 1,
  producer: 'tutoring',
  description:
    'A lesson is booked and paid (escrowed in commerce). Communication sends confirmations and schedules reminders.',
  payload: Type.Object({
    bookingId: Type.String(),
    /** The tutor's USER id (the payee), not the profile id (`tut_...`). */
    tutorId: Type.String(),
    learnerId: Type.String(),
    startsAt: Type.String({ format: 'date-time' }),
    endsAt: Type.String({ format: 'date-time' }),
    minutes: Type.Integer({ minimum: 1 }),
    orderId: Type.String(),
    orderItemId: Type.String(),
    trial: Type.Boolean(),
    meetingUrl: Type.Optional(Type.String()),
  }),
})

/** A booked lesson moved to another time. */
export const tutoringLessonRescheduled = defineEvent({
  type: 'tutoring.lesson.rescheduled',
  version: 1,
  producer: 'tutoring',
  description: 'A booked lesson moved to a new time (reminders are rescheduled).',
  payload: Type.Object({
    bookingId: Type.String(),
    /** The tutor's USER id (the payee), not the profile id (`tut_...`). */
    tutorId: Type.String(),
    learnerId: Type.String(),
    previousStartsAt: Type.String({ format: 'date-time' }),
    startsAt: Type.String({ format: 'date-time' }),
    endsAt: Type.String({ format: 'date-time' }),
  }),
})

/** A paid order line for a held slot could not become a booking (the hold expired and the slot was taken). */
export const tutoringBookingRejected = defineEvent({
  type: 'tutoring.booking.rejected',
  version: 1,
  producer: 'tutoring',
  description:
    'Compensation: a paid tutoring line could not be booked. Commerce refunds the order line in full.',
  payload: Type.Object({
    bookingId: Type.String(),
    learnerId: Type.String(),
    orderId: Type.String(),
    orderItemId: Type.String(),
    reason: Type.String(),
  }),
})
