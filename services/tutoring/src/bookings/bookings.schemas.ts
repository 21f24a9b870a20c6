import { Type, IdString } from '@learnmesh/kernel'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const DateTime = Type.String({ format: 'date-time' })

/** `POST /bookings`. */
export const HoldBody = Type.Object(
  {
    /** The tutor profile (`tut_…`). */
    tutorId: IdString('tut', 'The tutor profile'),
    /** Lesson start (ISO 8601 with offset); on the quarter hour, inside the tutor's availability. */
    startsAt: DateTime,
    /** Lesson length: one the tutor offers (30, 45, 60, 90). */
    minutes: Type.Integer({ minimum: 15, maximum: 240 }),
    /** online (default) or in_person. */
    mode: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('in_person')])),
    /** A trial lesson: the first with this tutor, at the tutor's trial length. */
    trial: Type.Optional(Type.Boolean()),
    /** A note for the tutor. */
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    /** checkout: hold the slot and pay it in commerce; credit: use a package credit now. */
    payWith: Type.Union([Type.Literal('checkout'), Type.Literal('credit')]),
  },
  { additionalProperties: false },
)

/** A booking as its learner, its tutor and org admins see it. */
export const BookingSchema = Type.Object({
  /** `bkg_…` */
  id: Type.String(),
  /** Tutor profile (`tut_…`). */
  tutorId: Type.String(),
  /** The tutor's user id. */
  tutorUserId: Type.String(),
  /** The tutor's profile name (null when the profile is gone). */
  tutorName: Nullable(Type.String()),
  /** The learner's user id. */
  learnerId: Type.String(),
  /** The learner's name (null until tutoring has heard of the learner from identity). */
  learnerName: Nullable(Type.String()),
  /** Lesson start and end. */
  startsAt: DateTime,
  endsAt: DateTime,
  /** Lesson length. */
  minutes: Type.Integer(),
  /** held | booked | confirmed | completed | cancelled | expired | rejected | disputed. */
  status: Type.String(),
  /** A first (trial) lesson. */
  trial: Type.Boolean(),
  /** online | in_person. */
  mode: Type.String(),
  /** checkout | credit. */
  paidWith: Type.String(),
  /** Price of the lesson (minor units) and its currency. */
  priceMinor: Type.Integer(),
  currency: Type.String(),
  /** The commerce product to buy for a hold (`tut:<tutorUserId>:<minutes>`). */
  productRef: Type.String(),
  /** Until when a held slot waits for its payment. */
  holdExpiresAt: Nullable(DateTime),
  /** The order line that paid the lesson (a package line for credit-paid lessons). */
  orderId: Nullable(Type.String()),
  orderItemId: Nullable(Type.String()),
  /** The package credit used (`lcr_…`). */
  creditId: Nullable(Type.String()),
  /** Link of an online lesson (once paid). */
  meetingUrl: Nullable(Type.String()),
  /** The learner's note. */
  note: Type.String(),
  /** When the tutor acknowledged it, when it completed, when it was cancelled, by whom, why. */
  confirmedAt: Nullable(DateTime),
  completedAt: Nullable(DateTime),
  /** When the tutor reported that the learner did not come (the lesson completed: the tutor is paid). */
  learnerNoShowAt: Nullable(DateTime),
  cancelledAt: Nullable(DateTime),
  cancelledBy: Nullable(Type.String()),
  cancelReason: Nullable(Type.String()),
  /** Share of the price refunded by a cancellation (0–100). */
  refundPercent: Nullable(Type.Integer()),
  /** How many times it was moved. */
  rescheduleCount: Type.Integer(),
  createdAt: DateTime,
  updatedAt: DateTime,
})

/** What to put in the cart to pay a held slot. */
export const CheckoutHint = Type.Object({
  /** Always `tutoring_lesson`. */
  productType: Type.String(),
  /** The product's ref in commerce. */
  productRef: Type.String(),
  /** The booking id: the cart line's reference. */
  reference: Type.String(),
})

/** `POST /bookings` answer. */
export const HoldResponse = Type.Object({
  booking: BookingSchema,
  /** Present for payWith checkout: the cart line to add (then check out before holdExpiresAt). */
  checkout: Nullable(CheckoutHint),
})

/** `GET /bookings` query. */
export const ListQuery = Type.Object(
  {
    /** Only bookings where I am the learner, or the tutor (default both). */
    role: Type.Optional(Type.Union([Type.Literal('learner'), Type.Literal('tutor')])),
    /** upcoming: not ended yet, soonest first; past: ended, latest first. */
    when: Type.Optional(Type.Union([Type.Literal('upcoming'), Type.Literal('past')])),
    /** Only this status. */
    status: Type.Optional(
      Type.Union(
        ['held', 'booked', 'confirmed', 'completed', 'cancelled', 'expired', 'rejected', 'disputed'].map(
          (s) => Type.Literal(s),
        ),
      ),
    ),
    /** org: every booking of the organization (org admins). */
    scope: Type.Optional(Type.Union([Type.Literal('mine'), Type.Literal('org')])),
    /** Page size (default 20). */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** nextCursor of the previous page. */
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)

/** A page of bookings. */
export const BookingPage = Type.Object({
  items: Type.Array(BookingSchema),
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: Nullable(Type.String()),
})

/** `:id` of a booking. */
export const BookingParams = Type.Object({ id: IdString('bkg', 'The booking') })
/** `:id` of a dispute. */
export const DisputeParams = Type.Object({ id: IdString('dsp', 'The dispute') })

/** `POST /bookings/:id/cancel`. */
export const CancelBody = Type.Object(
  {
    /** Why (shown to the other party). */
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
)

/** `GET /bookings/:id/cancellation`: what cancelling now would give the caller (nothing changes). */
export const CancellationQuoteSchema = Type.Object({
  bookingId: Type.String(),
  /** Whether the caller may cancel now. */
  allowed: Type.Boolean(),
  /** `release` (an unpaid hold), `full_refund`, `late_cancel`; when not allowed `started` or `bad_status`. */
  reason: Type.String(),
  /** Percent of the price refunded (null when not allowed). */
  refundPercent: Nullable(Type.Integer()),
  /** Refund in minor units, estimated from the booking price (a coupon lowers the real one); null when not allowed. */
  refundMinor: Nullable(Type.Integer()),
  currency: Type.String(),
  /** `checkout` or `credit`. */
  paidWith: Type.String(),
  /** A credit-paid lesson cancelled with a full refund gives the credit back instead of money. */
  creditReturned: Type.Boolean(),
  /** Until when cancelling is free for this caller (tutors and admins: the start). */
  freeCancelUntil: Type.String({ format: 'date-time' }),
  /** Percent refunded for the caller after `freeCancelUntil`. */
  lateCancelRefundPercent: Type.Integer(),
})

/** `POST /bookings/:id/reschedule`. */
export const RescheduleBody = Type.Object(
  {
    /** The new start; same length, inside the tutor's availability. */
    startsAt: DateTime,
  },
  { additionalProperties: false },
)

/** `POST /bookings/:id/disputes`. */
export const DisputeBody = Type.Object(
  {
    /** What went wrong. */
    reason: Type.String({ minLength: 3, maxLength: 2000 }),
  },
  { additionalProperties: false },
)

/** A dispute. */
export const DisputeSchema = Type.Object({
  /** `dsp_…` */
  id: Type.String(),
  bookingId: Type.String(),
  /** The user who opened it. */
  openedBy: Type.String(),
  reason: Type.String(),
  /** open | resolved. */
  status: Type.String(),
  /** refund | release | split. */
  resolution: Nullable(Type.String()),
  /** Share refunded to the learner. */
  refundPercent: Nullable(Type.Integer()),
  resolvedBy: Nullable(Type.String()),
  resolutionNote: Nullable(Type.String()),
  createdAt: DateTime,
  resolvedAt: Nullable(DateTime),
})

/** A dispute with its booking. */
export const DisputeWithBooking = Type.Object({ dispute: DisputeSchema, booking: BookingSchema })

/** `GET /disputes` query. */
export const DisputeListQuery = Type.Object(
  {
    /** open | resolved (default both). */
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)

/** A page of disputes. */
export const DisputePage = Type.Object({
  items: Type.Array(DisputeSchema),
  nextCursor: Nullable(Type.String()),
})

/** `POST /disputes/:id/resolve`. */
export const ResolveBody = Type.Object(
  {
    /** refund: all back to the learner; release: the tutor is paid; split: refundPercent back. */
    resolution: Type.Union([Type.Literal('refund'), Type.Literal('release'), Type.Literal('split')]),
    /** For split: 1–99. */
    refundPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    /** Why (kept with the dispute). */
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
)

/** A package credit. */
export const CreditSchema = Type.Object({
  /** `lcr_…` */
  id: Type.String(),
  /** The tutor's user id and the lesson length. */
  tutorUserId: Type.String(),
  minutes: Type.Integer(),
  /** The package's order line. */
  orderId: Type.String(),
  orderItemId: Type.String(),
  lessonsTotal: Type.Integer(),
  lessonsUsed: Type.Integer(),
  /** lessonsTotal − lessonsUsed. */
  lessonsLeft: Type.Integer(),
  createdAt: DateTime,
})

/** `GET /credits`. */
export const CreditList = Type.Object({ items: Type.Array(CreditSchema) })

/** `GET /booking-policy`: the rules a learner agrees to when booking (the deployment's configuration). */
export const BookingPolicySchema = Type.Object({
  /** A held slot waits this many minutes for its payment. */
  holdMinutes: Type.Integer(),
  /** Lessons start at least this many hours after they are booked or moved. */
  minNoticeHours: Type.Integer(),
  /** Lessons can be booked up to this many days ahead. */
  horizonDays: Type.Integer(),
  /** A learner cancelling or moving a lesson at least this many hours before it starts gets everything back. */
  freeCancelHours: Type.Integer(),
  /** Share of the price refunded to a learner who cancels later (0–100). */
  lateCancelRefundPercent: Type.Integer(),
  /** A no-show is reported from this many minutes after the start … */
  noShowGraceMinutes: Type.Integer(),
  /** … until this many hours after the end. */
  noShowReportHours: Type.Integer(),
  /** A lesson nobody disputed completes (and the tutor is paid) this many hours after its end. */
  autoCompleteHours: Type.Integer(),
})
