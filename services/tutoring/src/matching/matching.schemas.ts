import { Type, IdString } from '@learnmesh/kernel'
import { LEVELS } from '../profiles/profiles.rules.ts'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const LocalTime = Type.String({
  pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$',
  description: 'Local time HH:MM (00:00–24:00).',
})

/** POST /match-requests. */
export const MatchRequestBody = Type.Object(
  {
    /** Subject (name or slug): only tutors teaching it are candidates. */
    subject: Type.String({ minLength: 1, maxLength: 60 }),
    /** Level wanted (scored, not a filter). */
    level: Type.Optional(Type.Union(LEVELS.map((l) => Type.Literal(l)))),
    /** Language the lessons must be in (BCP 47): a filter. */
    language: Type.Optional(Type.String({ minLength: 2, maxLength: 35 })),
    /** Most the learner wants to pay for 60 minutes; tutors in another currency are not candidates. */
    budget: Type.Optional(
      Type.Object(
        {
          /** Per hour, minor units. */
          maxHourlyMinor: Type.Integer({ minimum: 1, maximum: 100_000_000 }),
          /** ISO 4217. */
          currency: Type.String({ minLength: 3, maxLength: 3 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** The learner's IANA time zone: weekly windows are in it. Unknown → 422. */
    timeZone: Type.String({ minLength: 1, maxLength: 64 }),
    /** When the learner could have lessons (at least one window or range). */
    preferredTimes: Type.Object(
      {
        /** Weekly windows in the learner's zone (ISO weekday 1 = Monday). */
        weekly: Type.Optional(
          Type.Array(
            Type.Object(
              { weekday: Type.Integer({ minimum: 1, maximum: 7 }), start: LocalTime, end: LocalTime },
              { additionalProperties: false },
            ),
            { maxItems: 50 },
          ),
        ),
        /** Concrete ranges (instants with an offset). */
        ranges: Type.Optional(
          Type.Array(
            Type.Object(
              {
                startsAt: Type.String({ format: 'date-time' }),
                endsAt: Type.String({ format: 'date-time' }),
              },
              { additionalProperties: false },
            ),
            { maxItems: 50 },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    /** online | in_person (in person needs a location). */
    mode: Type.Union([Type.Literal('online'), Type.Literal('in_person')]),
    /** Where the learner is (in person): a point and/or a postal code. */
    location: Type.Optional(
      Type.Object(
        {
          lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
          lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
          postalCode: Type.Optional(
            Type.String({ minLength: 2, maxLength: 12, pattern: '^[A-Za-z0-9][A-Za-z0-9 -]*$' }),
          ),
          /** ISO 3166-1 alpha-2 country of the postal code. */
          country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Lesson length wanted (default 60); tutors not offering it are measured with their shortest length. */
    lessonMinutes: Type.Optional(
      Type.Union([Type.Literal(30), Type.Literal(45), Type.Literal(60), Type.Literal(90)]),
    ),
    /** Only tutors offering a trial lesson (availability is then measured with the trial length). */
    trial: Type.Optional(Type.Boolean()),
    /** How many tutors to return, 1–20 (default 10). */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
  },
  { additionalProperties: false },
)

/** POST /match-requests/:matchRequestId/replacement. */
export const ReplacementBody = Type.Object(
  {
    /** The trial booking (`bkg_...`) with the tutor being replaced. */
    bookingId: IdString('bkg', 'Booking id'),
    /** Why (kept for the platform's quality follow-up), 1–1,000 characters. */
    reason: Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S' }),
  },
  { additionalProperties: false },
)

/** Path with a match request id. */
export const MatchRequestParams = Type.Object(
  {
    /** Match request id (`mrq_...`). */
    matchRequestId: IdString('mrq', 'Match request id'),
  },
  { additionalProperties: false },
)

/** One factor of a score. */
const FactorSchema = Type.Object({
  /** subject | availability | rating | price | responseRate | distance */
  factor: Type.String(),
  /** What was measured. */
  raw: Type.Record(Type.String(), Type.Unknown()),
  /** 0..1, higher is better (4 decimals). */
  subScore: Type.Number(),
  /** The factor's weight (the weights sum to 1). */
  weight: Type.Number(),
  /** weight × subScore. */
  contribution: Type.Number(),
})

/** A ranked tutor. */
const MatchSchema = Type.Object({
  /** 1-based rank. */
  rank: Type.Integer(),
  /** Tutor profile id (`tut_...`). */
  tutorId: Type.String(),
  /** The tutor's user id. */
  userId: Type.String(),
  displayName: Type.String(),
  headline: Type.String(),
  hourlyRate: Type.Object({ amountMinor: Type.Integer(), currency: Type.String() }),
  verified: Type.Boolean(),
  /** The trial lesson this tutor offers, or null. */
  trial: Nullable(Type.Object({ minutes: Type.Integer() })),
  /** Σ weight × subScore (4 decimals). */
  score: Type.Number(),
  /** Every factor with its raw value, sub-score and weight. */
  explanation: Type.Array(FactorSchema),
})

/** A stored match request and its ranked answer. */
export const MatchRequestSchema = Type.Object({
  /** `mrq_...` */
  id: Type.String(),
  learnerId: Type.String(),
  /** The request as normalized (subject slug, currency, zone …). */
  criteria: Type.Record(Type.String(), Type.Unknown()),
  /** Ranked tutors, best first. */
  results: Type.Array(MatchSchema),
  /** Set on a replacement: the tutor replaced and the trial booking. */
  replacesTutorId: Nullable(Type.String()),
  replacesBookingId: Nullable(Type.String()),
  /** Tutors left out because the learner already replaced them. */
  excludedTutorIds: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
})
