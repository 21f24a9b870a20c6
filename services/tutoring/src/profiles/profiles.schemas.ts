import { Type, IdString } from '@learnmesh/kernel'
import {
  LEVELS,
  MAX_AREAS,
  MAX_LANGUAGES,
  MAX_PACKAGES,
  MAX_RADIUS_KM,
  MAX_SUBJECTS,
} from './profiles.rules.ts'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

const LevelSchema = Type.Union(
  LEVELS.map((l) => Type.Literal(l)),
  { description: 'beginner | intermediate | advanced | exam (exam preparation).' },
)
const LessonLength = Type.Union([Type.Literal(30), Type.Literal(45), Type.Literal(60), Type.Literal(90)], {
  description: 'Lesson length in minutes: 30, 45, 60 or 90.',
})
const OrgIdString = Type.String({ pattern: '^org_[0-9a-f]{32}$', description: 'Organization id' })
const Revision = Type.Integer({
  minimum: 1,
  maximum: 999_999_999,
  description: 'The profile revision the change is based on (alternative to If-Match); stale → 409.',
})

/** A subject taught, with its levels. */
const SubjectInput = Type.Object(
  {
    /** Subject name or slug (`Mathematics`, `spanish`); stored as a slug. */
    subject: Type.String({ minLength: 1, maxLength: 60 }),
    /** Levels taught (at least one). */
    levels: Type.Array(LevelSchema, { minItems: 1, maxItems: LEVELS.length * 2 }),
  },
  { additionalProperties: false },
)

/** A package of lessons at a discount. */
const PackageInput = Type.Object(
  {
    /** Lessons in the package, 2–100. */
    lessons: Type.Integer({ minimum: 2, maximum: 100 }),
    /** Percent off N × the single-lesson price, 0–90. */
    discountPercent: Type.Integer({ minimum: 0, maximum: 90 }),
  },
  { additionalProperties: false },
)

const profileFields = {
  /** Name shown to learners (1–100 characters, not blank). */
  displayName: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  /** One-line pitch, up to 120 characters (required to list). */
  headline: Type.String({ maxLength: 120 }),
  /** About the tutor, up to 5,000 characters (required to list). */
  bio: Type.String({ maxLength: 5000 }),
  /** IANA time zone (`Europe/Paris`): weekly availability is in this zone. Unknown → 422. */
  timeZone: Type.String({ minLength: 1, maxLength: 64 }),
  /** ISO 4217 currency of the rate (`EUR`). Unknown → 422. */
  currency: Type.String({ minLength: 3, maxLength: 3 }),
  /** Price of 60 minutes in minor units (1 to 1,000,000). */
  hourlyRateMinor: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  /** Lesson lengths offered (at least one of 30, 45, 60, 90). */
  lessonMinutes: Type.Array(LessonLength, { minItems: 1, maxItems: 4 }),
  /** Minutes kept free after each lesson: 0–60, a multiple of 5. */
  bufferMinutes: Type.Integer({ minimum: 0, maximum: 60, multipleOf: 5 }),
  /** Packages (at most 5, distinct sizes). */
  packages: Type.Array(PackageInput, { maxItems: MAX_PACKAGES }),
  /** Length of the trial lesson offered (one of the lesson lengths), or null for no trial. */
  trialMinutes: Nullable(LessonLength),
  /** Intro video: a media asset id (`med_...`) or an https URL; null for none. */
  introVideoRef: Nullable(
    Type.String({ maxLength: 500, pattern: '^(?:[a-z]{2,5}_[0-9a-f]{32}|https://[^\\s]+)$' }),
  ),
  /** Teaches online. */
  offersOnline: Type.Boolean(),
  /** Teaches in person (needs at least one service area to list). */
  offersInPerson: Type.Boolean(),
  /** Subjects with levels (at most 20). */
  subjects: Type.Array(SubjectInput, { maxItems: MAX_SUBJECTS }),
  /** Languages taught in, BCP 47 (`en`, `pt-BR`), at most 10. */
  languages: Type.Array(Type.String({ minLength: 2, maxLength: 35 }), { maxItems: MAX_LANGUAGES }),
}

/** PUT /tutors/me: the whole profile (created when absent; omitted optional fields take their defaults). */
export const PutProfileBody = Type.Object(
  {
    displayName: profileFields.displayName,
    headline: Type.Optional(profileFields.headline),
    bio: Type.Optional(profileFields.bio),
    timeZone: profileFields.timeZone,
    currency: profileFields.currency,
    hourlyRateMinor: profileFields.hourlyRateMinor,
    lessonMinutes: profileFields.lessonMinutes,
    bufferMinutes: Type.Optional(profileFields.bufferMinutes),
    packages: Type.Optional(profileFields.packages),
    trialMinutes: Type.Optional(profileFields.trialMinutes),
    introVideoRef: Type.Optional(profileFields.introVideoRef),
    offersOnline: Type.Optional(profileFields.offersOnline),
    offersInPerson: Type.Optional(profileFields.offersInPerson),
    subjects: Type.Optional(profileFields.subjects),
    languages: Type.Optional(profileFields.languages),
    /** Expected revision when replacing (or send If-Match). */
    revision: Type.Optional(Revision),
  },
  { additionalProperties: false },
)

/** PATCH /tutors/me: only the fields given change. */
export const PatchProfileBody = Type.Object(
  {
    displayName: Type.Optional(profileFields.displayName),
    headline: Type.Optional(profileFields.headline),
    bio: Type.Optional(profileFields.bio),
    timeZone: Type.Optional(profileFields.timeZone),
    currency: Type.Optional(profileFields.currency),
    hourlyRateMinor: Type.Optional(profileFields.hourlyRateMinor),
    lessonMinutes: Type.Optional(profileFields.lessonMinutes),
    bufferMinutes: Type.Optional(profileFields.bufferMinutes),
    packages: Type.Optional(profileFields.packages),
    trialMinutes: Type.Optional(profileFields.trialMinutes),
    introVideoRef: Type.Optional(profileFields.introVideoRef),
    offersOnline: Type.Optional(profileFields.offersOnline),
    offersInPerson: Type.Optional(profileFields.offersInPerson),
    subjects: Type.Optional(profileFields.subjects),
    languages: Type.Optional(profileFields.languages),
    /** Expected revision (or send If-Match). */
    revision: Type.Optional(Revision),
  },
  { additionalProperties: false },
)

/** Body of a workflow step (list, unlist, submit for review): only the optional revision. */
export const WorkflowBody = Type.Object(
  {
    /** Expected revision (or send If-Match). */
    revision: Type.Optional(Revision),
  },
  { additionalProperties: false },
)

/** Body of an admin's verification decision. */
export const ReviewBody = Type.Object(
  {
    /** Note to the tutor (required when rejecting), up to 1,000 characters. */
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
)

/** Path with a tutor profile id. */
export const TutorParams = Type.Object(
  {
    /** Tutor profile id (`tut_...`). */
    tutorId: IdString('tut', 'Tutor profile id'),
  },
  { additionalProperties: false },
)

/** GET /tutors/:tutorId query. */
export const PublicProfileQuery = Type.Object(
  {
    /** The tutor's organization; required when anonymous, defaults to the caller's. */
    orgId: Type.Optional(OrgIdString),
  },
  { additionalProperties: false },
)

/** Price of one lesson length (computed as commerce prices it). */
const LessonPrice = Type.Object({
  /** Lesson length. */
  minutes: Type.Integer(),
  /** Rate × minutes / 60, rounded half up, minor units. */
  amountMinor: Type.Integer(),
})

/** A subject with levels. */
const SubjectSchema = Type.Object({
  /** Subject slug. */
  subject: Type.String(),
  /** Levels taught. */
  levels: Type.Array(Type.String()),
})

/** A service area as shown on a profile. */
export const ServiceAreaSchema = Type.Object({
  /** `sar_...` */
  id: Type.String(),
  /** `radius` (a centre and a radius) or `postal_codes`. */
  kind: Type.Union([Type.Literal('radius'), Type.Literal('postal_codes')]),
  /** Free label (`Central Lyon`). */
  label: Type.String(),
  /** Centre (radius areas). Public views round it to 2 decimals (~1 km): it may be the tutor's home. */
  latitude: Nullable(Type.Number()),
  longitude: Nullable(Type.Number()),
  /** Radius in km (radius areas). */
  radiusKm: Nullable(Type.Number()),
  /** Postal codes, normalized (postal-code areas). */
  postalCodes: Nullable(Type.Array(Type.String())),
  /** ISO 3166-1 alpha-2 country of the postal codes. */
  countryCode: Nullable(Type.String()),
})

/** Rating aggregate (fed by community reviews). */
const RatingSchema = Type.Object({
  /** Mean of the reviews (1–5), null without reviews. */
  average: Nullable(Type.Number()),
  /** Number of reviews. */
  count: Type.Integer(),
  /** Bayesian average (prior 4.0 weighing 10 reviews): what ranking uses. */
  bayesian: Type.Number(),
})

/** Verification as the owner and admins see it. */
const VerificationSchema = Type.Object({
  /** unverified | pending | verified | rejected */
  status: Type.String(),
  /** The admin's note (a rejection's reason). */
  note: Nullable(Type.String()),
  /** When the tutor last submitted for review. */
  requestedAt: Nullable(Type.String({ format: 'date-time' })),
  /** When it was verified. */
  verifiedAt: Nullable(Type.String({ format: 'date-time' })),
})

/** A tutor profile. Owner-only members are absent from public views. */
export const TutorProfileSchema = Type.Object({
  /** `tut_...` */
  id: Type.String(),
  /** The tutor's user id. */
  userId: Type.String(),
  orgId: Type.String(),
  displayName: Type.String(),
  headline: Type.String(),
  bio: Type.String(),
  timeZone: Type.String(),
  /** Rate of 60 minutes. */
  hourlyRate: Type.Object({ amountMinor: Type.Integer(), currency: Type.String() }),
  lessonMinutes: Type.Array(Type.Integer()),
  /** Price of each lesson length. */
  lessonPrices: Type.Array(LessonPrice),
  bufferMinutes: Type.Integer(),
  packages: Type.Array(Type.Object({ lessons: Type.Integer(), discountPercent: Type.Integer() })),
  /** The trial lesson offered, or null. */
  trial: Nullable(Type.Object({ minutes: Type.Integer() })),
  introVideoRef: Nullable(Type.String()),
  offersOnline: Type.Boolean(),
  offersInPerson: Type.Boolean(),
  subjects: Type.Array(SubjectSchema),
  languages: Type.Array(Type.String()),
  serviceAreas: Type.Array(ServiceAreaSchema),
  /** An admin verified this tutor (the badge). */
  verified: Type.Boolean(),
  rating: RatingSchema,
  /** Share of requests answered (0–1) and its sample size; rate null until measured. */
  responseRate: Type.Object({ rate: Nullable(Type.Number()), samples: Type.Integer() }),
  lessonsTaught: Type.Integer(),
  /** draft | listed | unlisted (owner and admins). */
  status: Type.Optional(Type.String()),
  /** Verification detail (owner and admins). */
  verification: Type.Optional(VerificationSchema),
  /** Revision for If-Match (owner and admins). */
  revision: Type.Optional(Type.Integer()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

/** A page of profiles waiting for review. */
export const ReviewQueueSchema = Type.Object({
  /** Pending profiles, oldest request first. */
  items: Type.Array(TutorProfileSchema),
})

/** GET /tutors/review-queue query. */
export const ReviewQueueQuery = Type.Object(
  {
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  },
  { additionalProperties: false },
)

// --- service areas -------------------------------------------------------------------------------

/** POST /tutors/me/areas and PUT /tutors/me/areas/:areaId. */
export const AreaBody = Type.Union([
  Type.Object(
    {
      /** A centre and a radius. */
      kind: Type.Literal('radius'),
      /** Free label, up to 80 characters. */
      label: Type.Optional(Type.String({ maxLength: 80 })),
      /** Centre latitude, −90 to 90. */
      latitude: Type.Number({ minimum: -90, maximum: 90 }),
      /** Centre longitude, −180 to 180. */
      longitude: Type.Number({ minimum: -180, maximum: 180 }),
      /** Radius in km, 0.5 to 200. */
      radiusKm: Type.Number({ minimum: 0.5, maximum: MAX_RADIUS_KM }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      /** A list of postal codes in one country. */
      kind: Type.Literal('postal_codes'),
      /** Free label, up to 80 characters. */
      label: Type.Optional(Type.String({ maxLength: 80 })),
      /** ISO 3166-1 alpha-2 country (`FR`). */
      countryCode: Type.String({ pattern: '^[A-Za-z]{2}$' }),
      /** Postal codes (1–200), letters, digits, spaces and dashes. */
      postalCodes: Type.Array(
        Type.String({ minLength: 2, maxLength: 12, pattern: '^[A-Za-z0-9][A-Za-z0-9 -]*$' }),
        {
          minItems: 1,
          maxItems: 200,
        },
      ),
    },
    { additionalProperties: false },
  ),
])

/** Path with a service area id. */
export const AreaParams = Type.Object(
  {
    /** Service area id (`sar_...`). */
    areaId: IdString('sar', 'Service area id'),
  },
  { additionalProperties: false },
)

/** The tutor's service areas. */
export const AreasResponse = Type.Object({
  /** At most 20, oldest first. */
  items: Type.Array(ServiceAreaSchema, { maxItems: MAX_AREAS }),
})

// --- search --------------------------------------------------------------------------------------

/** GET /tutors query. */
export const SearchQuery = Type.Object(
  {
    /** The organization to search; required when anonymous, defaults to the caller's. */
    orgId: Type.Optional(OrgIdString),
    /** Subject (name or slug). */
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
    /** Level the subject must be taught at. */
    level: Type.Optional(LevelSchema),
    /** Language taught in (BCP 47). */
    language: Type.Optional(Type.String({ minLength: 2, maxLength: 35 })),
    /** Highest hourly rate, minor units (needs `currency`). */
    maxRate: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
    /** Only tutors charging in this currency. */
    currency: Type.Optional(Type.String({ minLength: 3, maxLength: 3 })),
    /** online | in_person */
    mode: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('in_person')])),
    /** The learner's point (with `lng`, needs mode=in_person): tutors whose area contains it. */
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    /** The learner's postal code (needs mode=in_person): tutors listing it. */
    postalCode: Type.Optional(
      Type.String({ minLength: 2, maxLength: 12, pattern: '^[A-Za-z0-9][A-Za-z0-9 -]*$' }),
    ),
    /** Country of `postalCode` (ISO 3166-1 alpha-2). */
    country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })),
    /** true: only verified tutors (false: no filter). */
    verified: Type.Optional(Type.Boolean()),
    /** relevance (default) | rating | price_asc | price_desc (need currency) | distance (needs lat/lng). */
    sort: Type.Optional(
      Type.Union([
        Type.Literal('relevance'),
        Type.Literal('rating'),
        Type.Literal('price_asc'),
        Type.Literal('price_desc'),
        Type.Literal('distance'),
      ]),
    ),
    /** `nextCursor` of the previous page (same filters and sort). */
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    /** Page size, 1–50. */
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
  },
  { additionalProperties: false },
)

/** A tutor in search results. */
export const TutorCardSchema = Type.Object({
  /** `tut_...` */
  id: Type.String(),
  userId: Type.String(),
  /** The tutor's organization (pass it as `orgId` to the profile and slots routes when anonymous). */
  orgId: Type.String(),
  displayName: Type.String(),
  headline: Type.String(),
  timeZone: Type.String(),
  hourlyRate: Type.Object({ amountMinor: Type.Integer(), currency: Type.String() }),
  lessonMinutes: Type.Array(Type.Integer()),
  /** The trial lesson offered, or null. */
  trial: Nullable(Type.Object({ minutes: Type.Integer() })),
  subjects: Type.Array(SubjectSchema),
  languages: Type.Array(Type.String()),
  offersOnline: Type.Boolean(),
  offersInPerson: Type.Boolean(),
  verified: Type.Boolean(),
  rating: RatingSchema,
  responseRate: Type.Object({ rate: Nullable(Type.Number()), samples: Type.Integer() }),
  /** Km from the learner's point to the nearest containing area's centre (with lat/lng), else null. */
  distanceKm: Nullable(Type.Number()),
})

/** GET /tutors response. */
export const SearchResponse = Type.Object({
  items: Type.Array(TutorCardSchema),
  /** The sort applied. */
  sort: Type.String(),
  /** Cursor of the next page, null at the end. */
  nextCursor: Nullable(Type.String()),
})
