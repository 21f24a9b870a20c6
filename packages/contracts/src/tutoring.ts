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
    tutorId: Type.String(),
    learnerId: Type.String(),
    orderId: Type.String(),
    orderItemId: Type.String(),
    cancelledBy: Type.Union([Type.Literal('learner'), Type.Literal('tutor'), Type.Literal('admin')]),
    refundable: Type.Boolean(),
  }),
})
