import { Type } from '@learnmesh/kernel'

const LocalTime = Type.String({
  pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$',
  description: 'Local wall-clock time `HH:MM` in the tutor’s time zone (24:00 = end of day).',
})
const TutorId = Type.String({ pattern: '^tut_[0-9a-f]{32}$', description: 'Tutor profile id.' })
const OrgId = Type.String({ pattern: '^org_[0-9a-f]{32}$', description: 'Organization (anonymous callers).' })

/** One weekly window, in the tutor's zone. */
export const WeeklyRuleSchema = Type.Object(
  {
    /** ISO weekday: 1 = Monday … 7 = Sunday. */
    weekday: Type.Integer({ minimum: 1, maximum: 7 }),
    /** Start (inclusive), local time. */
    start: LocalTime,
    /** End (exclusive), local time, after the start. */
    end: LocalTime,
  },
  { additionalProperties: false },
)

/** A one-off exception as returned. */
export const ExceptionSchema = Type.Object({
  /** `avx_...` */
  id: Type.String(),
  /** `unavailable` (time off) or `available` (an extra window). */
  kind: Type.Union([Type.Literal('available'), Type.Literal('unavailable')]),
  startsAt: Type.String({ format: 'date-time' }),
  endsAt: Type.String({ format: 'date-time' }),
  note: Type.String(),
})

/** A tutor's availability: the zone it is expressed in, weekly windows, upcoming exceptions. */
export const AvailabilitySchema = Type.Object({
  tutorId: Type.String(),
  /** IANA zone of the weekly windows (the tutor's). */
  timeZone: Type.String(),
  weekly: Type.Array(WeeklyRuleSchema),
  exceptions: Type.Array(ExceptionSchema),
})

/** PUT /tutors/me/availability. */
export const ReplaceWeeklyBody = Type.Object(
  {
    /** The complete weekly schedule (replaces the previous one); at most 70 windows, none overlapping. */
    weekly: Type.Array(WeeklyRuleSchema, { maxItems: 70 }),
  },
  { additionalProperties: false },
)

/** POST /tutors/me/availability/exceptions. */
export const AddExceptionBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('available'), Type.Literal('unavailable')]),
    /** Instant with an offset (`2026-12-24T00:00:00+01:00`). */
    startsAt: Type.String({ format: 'date-time' }),
    endsAt: Type.String({ format: 'date-time' }),
    note: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)

/** Path of one exception. */
export const ExceptionParams = Type.Object({
  id: Type.String({ pattern: '^avx_[0-9a-f]{32}$' }),
})

/** Path with a tutor id. */
export const TutorParams = Type.Object({ tutorId: TutorId })

/** GET /tutors/:tutorId/availability query. */
export const TutorQuery = Type.Object({ orgId: Type.Optional(OrgId) }, { additionalProperties: false })

/** GET /tutors/:tutorId/slots query. */
export const SlotsQuery = Type.Object(
  {
    /** Lesson length (one the tutor offers). */
    minutes: Type.Integer({ enum: [30, 45, 60, 90] }),
    /** Range start (default: now). */
    from: Type.Optional(Type.String({ format: 'date-time' })),
    /** Range end (default: 14 days after `from`; at most 31 days). */
    to: Type.Optional(Type.String({ format: 'date-time' })),
    /** The viewer's IANA time zone: `localStart`/`localEnd` are given in it (default: the tutor's). */
    timeZone: Type.Optional(Type.String({ maxLength: 64 })),
    orgId: Type.Optional(OrgId),
  },
  { additionalProperties: false },
)

/** One open slot. */
export const SlotSchema = Type.Object({
  startsAt: Type.String({ format: 'date-time', description: 'UTC instant.' }),
  endsAt: Type.String({ format: 'date-time', description: 'UTC instant.' }),
  /** The same instants in the viewer's time zone, with its offset (`2026-03-30T09:00:00.000+02:00`). */
  localStart: Type.String(),
  localEnd: Type.String(),
})

/** GET /tutors/:tutorId/slots. */
export const SlotsResponse = Type.Object({
  tutorId: Type.String(),
  minutes: Type.Integer(),
  /** The zone of `localStart`/`localEnd`. */
  timeZone: Type.String(),
  slots: Type.Array(SlotSchema),
})
