import { sql } from 'drizzle-orm'
import {
  boolean,
  bigint,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { inboxTable, jobsTable, outboxTable } from '@learnmesh/kernel'

/** Everything tutoring owns lives in this schema; no other service reads it. */
export const tutoring = pgSchema('tutoring')

const ts = (name: string) => timestamp(name, { withTimezone: true })
/** Money: integer minor units. bigint in the database, a JS number (safe below 2^53) in code. */
const money = (name: string) => bigint(name, { mode: 'number' })

/** Events tutoring publishes (outbox) and has consumed (inbox); jobs (hold expiry, auto-confirm). */
export const outbox = outboxTable(tutoring)
export const inbox = inboxTable(tutoring)
export const jobs = jobsTable(tutoring)

/** People tutoring has heard of (identity.user.registered): names on bookings and calendars. */
export const people = tutoring.table('people', {
  userId: text('user_id').primaryKey(),
  orgId: text('org_id').notNull(),
  displayName: text('display_name').notNull(),
  email: text('email').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
})

// ---------------------------------------------------------------------------------------------
// Profiles, subjects, service areas (profiles area)
// ---------------------------------------------------------------------------------------------

/** A tutor's public profile, one per (organization, user). */
export const tutorProfiles = tutoring.table(
  'tutor_profiles',
  {
    /** `tut_...` */
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** The tutor's user id: the payee of their lessons. */
    userId: text('user_id').notNull(),
    displayName: text('display_name').notNull(),
    headline: text('headline').notNull().default(''),
    bio: text('bio').notNull().default(''),
    /** IANA time zone of the tutor: weekly availability is in this zone. */
    timeZone: text('time_zone').notNull(),
    currency: text('currency').notNull(),
    /** Price of 60 minutes, minor units. */
    hourlyRateMinor: money('hourly_rate_minor').notNull(),
    /** Lesson lengths offered, among 30/45/60/90. */
    lessonMinutes: integer('lesson_minutes').array().notNull(),
    /** Minutes kept free after each lesson. */
    bufferMinutes: integer('buffer_minutes').notNull().default(0),
    /** Packages: `[{ lessons, discountPercent }]`. */
    packages: jsonb('packages').$type<{ lessons: number; discountPercent: number }[]>().notNull().default([]),
    /** Whether a first (trial) lesson with this tutor is offered, and its length. */
    trialMinutes: integer('trial_minutes'),
    /** A media reference to an intro video (media service, later). */
    introVideoRef: text('intro_video_ref'),
    offersOnline: boolean('offers_online').notNull().default(true),
    offersInPerson: boolean('offers_in_person').notNull().default(false),
    /** unverified | pending | verified | rejected (an admin reviews). */
    verificationStatus: text('verification_status').notNull().default('unverified'),
    verificationNote: text('verification_note'),
    /** When the tutor last submitted the profile for review (the admin queue is oldest first). */
    verificationRequestedAt: ts('verification_requested_at'),
    verifiedBy: text('verified_by'),
    verifiedAt: ts('verified_at'),
    /** draft | listed | unlisted: only listed profiles are searchable and bookable. */
    status: text('status').notNull().default('draft'),
    /** Rating aggregate (community reviews, later). */
    ratingAvg: real('rating_avg'),
    ratingCount: integer('rating_count').notNull().default(0),
    /** Share of booking requests / messages answered (0..1), and how many it is computed from. */
    responseRate: real('response_rate'),
    responseSamples: integer('response_samples').notNull().default(0),
    lessonsTaught: integer('lessons_taught').notNull().default(0),
    revision: integer('revision').notNull().default(1),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('tutor_profiles_org_user_key').on(t.orgId, t.userId),
    index('tutor_profiles_org_status_idx').on(t.orgId, t.status),
    // Search by price (filter maxRate + currency, sort price_asc/desc): listed profiles only.
    index('tutor_profiles_listed_rate_idx')
      .on(t.orgId, t.currency, t.hourlyRateMinor, t.id)
      .where(sql`${t.status} = 'listed'`),
    index('tutor_profiles_verification_idx').on(t.orgId, t.verificationStatus, t.verificationRequestedAt),
  ],
)

/** A subject a tutor teaches, with the levels they teach it at. */
export const tutorSubjects = tutoring.table(
  'tutor_subjects',
  {
    tutorId: text('tutor_id').notNull(),
    orgId: text('org_id').notNull(),
    /** Normalized slug (`mathematics`, `spanish`). */
    subject: text('subject').notNull(),
    /** Among beginner | intermediate | advanced | exam (documented in docs/profiles.md). */
    levels: text('levels').array().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tutorId, t.subject] }),
    index('tutor_subjects_org_subject_idx').on(t.orgId, t.subject),
  ],
)

/** A language a tutor teaches in (BCP 47 tag, lower case). */
export const tutorLanguages = tutoring.table(
  'tutor_languages',
  {
    tutorId: text('tutor_id').notNull(),
    orgId: text('org_id').notNull(),
    language: text('language').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tutorId, t.language] }),
    index('tutor_languages_org_lang_idx').on(t.orgId, t.language),
  ],
)

/** Where a tutor teaches in person: a centre with a radius, or a list of postal codes. */
export const serviceAreas = tutoring.table(
  'service_areas',
  {
    /** `sar_...` */
    id: text('id').primaryKey(),
    tutorId: text('tutor_id').notNull(),
    orgId: text('org_id').notNull(),
    label: text('label').notNull().default(''),
    latitude: doublePrecision('latitude'),
    longitude: doublePrecision('longitude'),
    radiusKm: real('radius_km'),
    /** Upper-cased, spaces removed. */
    postalCodes: text('postal_codes').array(),
    countryCode: text('country_code'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('service_areas_tutor_idx').on(t.tutorId),
    index('service_areas_org_idx').on(t.orgId),
    // Distance search: the bounding-box prefilter is a latitude range in the organization.
    index('service_areas_org_lat_idx').on(t.orgId, t.latitude),
    index('service_areas_postal_idx').using('gin', t.postalCodes),
  ],
)

// ---------------------------------------------------------------------------------------------
// Availability (availability area)
// ---------------------------------------------------------------------------------------------

/** A weekly recurring window in the tutor's own time zone (local wall-clock minutes). */
export const availabilityRules = tutoring.table(
  'availability_rules',
  {
    /** `avr_...` */
    id: text('id').primaryKey(),
    tutorId: text('tutor_id').notNull(),
    orgId: text('org_id').notNull(),
    /** ISO weekday: 1 = Monday … 7 = Sunday. */
    weekday: smallint('weekday').notNull(),
    /** Minutes after local midnight, [start, end). */
    startMinute: smallint('start_minute').notNull(),
    endMinute: smallint('end_minute').notNull(),
  },
  (t) => [index('availability_rules_tutor_idx').on(t.tutorId)],
)

/** A one-off change: time off (`unavailable`) or an extra window (`available`), as instants. */
export const availabilityExceptions = tutoring.table(
  'availability_exceptions',
  {
    /** `avx_...` */
    id: text('id').primaryKey(),
    tutorId: text('tutor_id').notNull(),
    orgId: text('org_id').notNull(),
    kind: text('kind').notNull(),
    startsAt: ts('starts_at').notNull(),
    endsAt: ts('ends_at').notNull(),
    note: text('note').notNull().default(''),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('availability_exceptions_tutor_idx').on(t.tutorId, t.startsAt)],
)

// ---------------------------------------------------------------------------------------------
// Matching (matching area)
// ---------------------------------------------------------------------------------------------

/** A learner's request for a tutor and the ranked answer it got (kept for replacements and analytics). */
export const matchRequests = tutoring.table(
  'match_requests',
  {
    /** `mrq_...` */
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    learnerId: text('learner_id').notNull(),
    /** The request as sent (subject, level, budget, preferred times, mode, location). */
    criteria: jsonb('criteria').$type<Record<string, unknown>>().notNull(),
    /** Ranked tutor ids with their score explanation, as answered. */
    results: jsonb('results').$type<unknown[]>().notNull(),
    /** When the learner asked for a replacement after a trial: the tutor being replaced. */
    replacesTutorId: text('replaces_tutor_id'),
    replacesBookingId: text('replaces_booking_id'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('match_requests_learner_idx').on(t.orgId, t.learnerId, t.createdAt),
    // One replacement ranking per trial booking: a repeated request gets the stored one.
    uniqueIndex('match_requests_replaces_booking_key')
      .on(t.orgId, t.replacesBookingId)
      .where(sql`${t.replacesBookingId} is not null`),
  ],
)

// ---------------------------------------------------------------------------------------------
// Bookings, credits, disputes (bookings area)
// ---------------------------------------------------------------------------------------------

/**
 * A lesson booking. `held` while the learner pays (expires), `booked` once paid, `confirmed` when
 * the tutor accepted it, `completed` after delivery; `cancelled`, `expired`, `rejected`
 * (paid but impossible: compensated), `disputed`. Overlaps are excluded by constraints
 * (db/postamble.sql) on [blocks_from, blocks_until) per tutor and [starts_at, ends_at) per learner.
 */
export const bookings = tutoring.table(
  'bookings',
  {
    /** `bkg_...` */
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** The tutor profile (`tut_...`) and the tutor's user id (payee, calendar owner). */
    tutorId: text('tutor_id').notNull(),
    tutorUserId: text('tutor_user_id').notNull(),
    learnerId: text('learner_id').notNull(),
    startsAt: ts('starts_at').notNull(),
    endsAt: ts('ends_at').notNull(),
    /** The span this booking keeps the tutor busy: the lesson plus the tutor's buffer. */
    blocksFrom: ts('blocks_from').notNull(),
    blocksUntil: ts('blocks_until').notNull(),
    minutes: integer('minutes').notNull(),
    status: text('status').notNull(),
    trial: boolean('trial').notNull().default(false),
    /** online | in_person */
    mode: text('mode').notNull().default('online'),
    /** checkout (a single lesson bought for this hold) | credit (a package credit). */
    paidWith: text('paid_with').notNull(),
    priceMinor: money('price_minor').notNull(),
    currency: text('currency').notNull(),
    /** What the learner buys in commerce for this hold (`tut:<tutorUserId>:<minutes>`). */
    productRef: text('product_ref').notNull(),
    holdExpiresAt: ts('hold_expires_at'),
    orderId: text('order_id'),
    orderItemId: text('order_item_id'),
    creditId: text('credit_id'),
    meetingUrl: text('meeting_url'),
    note: text('note').notNull().default(''),
    /** When it became booked (paid): the tutor's response clock starts here. */
    bookedAt: ts('booked_at'),
    confirmedAt: ts('confirmed_at'),
    /** Whether this booking already counted toward the tutor's response rate. */
    responseCounted: boolean('response_counted').notNull().default(false),
    learnerConfirmedAt: ts('learner_confirmed_at'),
    /** When the tutor reported the learner absent: the lesson completed then, the tutor is paid. */
    learnerNoShowAt: ts('learner_no_show_at'),
    completedAt: ts('completed_at'),
    cancelledAt: ts('cancelled_at'),
    cancelledBy: text('cancelled_by'),
    cancelReason: text('cancel_reason'),
    /** Share of the price refunded by the cancellation policy (0–100). */
    refundPercent: integer('refund_percent'),
    rescheduleCount: integer('reschedule_count').notNull().default(0),
    revision: integer('revision').notNull().default(1),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('bookings_tutor_time_idx').on(t.tutorId, t.startsAt),
    index('bookings_learner_time_idx').on(t.orgId, t.learnerId, t.startsAt),
    index('bookings_tutor_user_time_idx').on(t.orgId, t.tutorUserId, t.startsAt),
    index('bookings_status_idx').on(t.status, t.holdExpiresAt),
    /** A refunded order line's bookings (commerce.payment.refunded). */
    index('bookings_order_idx').on(t.orderId),
    uniqueIndex('bookings_order_item_key')
      .on(t.orderItemId)
      .where(sql`${t.paidWith} = 'checkout' and ${t.orderItemId} is not null`),
  ],
)

/** Lessons a learner bought as a package with one tutor, consumed by bookings. */
export const lessonCredits = tutoring.table(
  'lesson_credits',
  {
    /** `lcr_...` */
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    learnerId: text('learner_id').notNull(),
    tutorUserId: text('tutor_user_id').notNull(),
    minutes: integer('minutes').notNull(),
    orderId: text('order_id').notNull(),
    orderItemId: text('order_item_id').notNull(),
    lessonsTotal: integer('lessons_total').notNull(),
    lessonsUsed: integer('lessons_used').notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('lesson_credits_order_item_key').on(t.orderItemId),
    index('lesson_credits_learner_idx').on(t.orgId, t.learnerId, t.tutorUserId),
  ],
)

/** A dispute about a lesson, resolved by an admin: refund (all or part) or release to the tutor. */
export const disputes = tutoring.table(
  'disputes',
  {
    /** `dsp_...` */
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    bookingId: text('booking_id').notNull(),
    openedBy: text('opened_by').notNull(),
    reason: text('reason').notNull(),
    /** open | resolved */
    status: text('status').notNull().default('open'),
    /** refund | release | split */
    resolution: text('resolution'),
    refundPercent: integer('refund_percent'),
    resolvedBy: text('resolved_by'),
    resolutionNote: text('resolution_note'),
    createdAt: ts('created_at').notNull().defaultNow(),
    resolvedAt: ts('resolved_at'),
  },
  (t) => [
    uniqueIndex('disputes_booking_key').on(t.bookingId),
    index('disputes_org_status_idx').on(t.orgId, t.status, t.createdAt),
  ],
)

// ---------------------------------------------------------------------------------------------
// Calendar feeds (calendar area)
// ---------------------------------------------------------------------------------------------

/** A user's private iCalendar feed URL: the token is shown once, stored hashed (SHA-256). */
export const calendarFeeds = tutoring.table(
  'calendar_feeds',
  {
    userId: text('user_id').notNull(),
    orgId: text('org_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.userId] }),
    uniqueIndex('calendar_feeds_token_key').on(t.tokenHash),
  ],
)
