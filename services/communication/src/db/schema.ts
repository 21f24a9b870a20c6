import {
  boolean,
  index,
  integer,
  pgSchema,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { inboxTable, jobsTable, outboxTable } from '@learnmesh/kernel'

/** Everything communication owns lives in this schema; no other service reads it. */
export const communication = pgSchema('communication')

const ts = (name: string) => timestamp(name, { withTimezone: true })

/** Events communication publishes (outbox) and has consumed (inbox); jobs (email sending, reminders, digests). */
export const outbox = outboxTable(communication)
export const inbox = inboxTable(communication)
export const jobs = jobsTable(communication)

/** People communication can reach (identity.user.registered): their address and name. */
export const people = communication.table('people', {
  userId: text('user_id').primaryKey(),
  orgId: text('org_id').notNull(),
  displayName: text('display_name').notNull(),
  email: text('email').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
})

/** Course titles (learning.course.published), for messages about enrollments and completions. */
export const courses = communication.table('courses', {
  courseId: text('course_id').primaryKey(),
  orgId: text('org_id').notNull(),
  title: text('title').notNull(),
  slug: text('slug').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
})

/** Lessons communication reminds people of (tutoring.lesson.*): reminders check the status when they fire. */
export const lessons = communication.table('lessons', {
  bookingId: text('booking_id').primaryKey(),
  orgId: text('org_id').notNull(),
  tutorUserId: text('tutor_user_id').notNull(),
  learnerId: text('learner_id').notNull(),
  startsAt: ts('starts_at').notNull(),
  endsAt: ts('ends_at').notNull(),
  meetingUrl: text('meeting_url'),
  /** booked | cancelled | completed */
  status: text('status').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
})

/** An in-app notification (also the record of what was sent on other channels). */
export const notifications = communication.table(
  'notifications',
  {
    /** `ntf_...` (UUIDv7: ordered by creation) */
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    /** A notification type of the catalogue (`notifications/catalogue.ts`). */
    type: text('type').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    /** Where it leads in the web app (a path). */
    link: text('link'),
    /** high | normal | low (low ones gather into the daily digest by email). */
    priority: text('priority').notNull(),
    /** Whether it is shown in the in-app list (the in_app channel may be switched off). */
    inApp: boolean('in_app').notNull().default(true),
    /** The event that caused it: one notification per (event, user, type). */
    sourceKey: text('source_key').notNull(),
    readAt: ts('read_at'),
    /** Low-priority ones already sent in a digest email. */
    digestedAt: ts('digested_at'),
    /** Whether it is waiting for the digest. */
    digestPending: boolean('digest_pending').notNull().default(false),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('notifications_source_key').on(t.userId, t.type, t.sourceKey),
    index('notifications_user_idx').on(t.orgId, t.userId, t.id),
    index('notifications_digest_idx').on(t.digestPending, t.userId),
  ],
)

/** A user's choice for one notification type and channel (absent = the catalogue's default). */
export const notificationPreferences = communication.table(
  'notification_preferences',
  {
    userId: text('user_id').notNull(),
    orgId: text('org_id').notNull(),
    type: text('type').notNull(),
    /** in_app | email | push */
    channel: text('channel').notNull(),
    enabled: boolean('enabled').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.type, t.channel] })],
)

/** A user's delivery settings: time zone, quiet hours, digest hour. */
export const deliverySettings = communication.table('delivery_settings', {
  userId: text('user_id').primaryKey(),
  orgId: text('org_id').notNull(),
  timeZone: text('time_zone').notNull().default('UTC'),
  /** Local minutes after midnight; quiet hours may wrap midnight (22:00–07:00). Null = none. */
  quietStartMinute: smallint('quiet_start_minute'),
  quietEndMinute: smallint('quiet_end_minute'),
  /** Local hour (0–23) of the daily digest. */
  digestHour: smallint('digest_hour').notNull().default(8),
  /** Emails are never sent (unsubscribed from everything but account emails). */
  emailOptOut: boolean('email_opt_out').notNull().default(false),
  updatedAt: ts('updated_at').notNull().defaultNow(),
})

/**
 * An email: queued, then sent by a job through SMTP, or kept in the dev mailbox when no SMTP
 * server is configured. The body is stored (links with single-use tokens expire; the mailbox needs
 * them) but never logged.
 */
export const emails = communication.table(
  'emails',
  {
    /** `eml_...` */
    id: text('id').primaryKey(),
    orgId: text('org_id'),
    userId: text('user_id'),
    to: text('to_address').notNull(),
    subject: text('subject').notNull(),
    html: text('html').notNull(),
    text: text('text').notNull(),
    /** Template name (`verify_email`, `lesson_reminder`, `digest`...). */
    template: text('template').notNull(),
    /** queued | sent | failed | mailbox (kept locally, dev mode) | suppressed */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    messageId: text('message_id'),
    /** Not before this time (quiet hours delay non-urgent mail). */
    sendAfter: ts('send_after').notNull().defaultNow(),
    /** One email per (source, template, recipient). */
    sourceKey: text('source_key').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    sentAt: ts('sent_at'),
  },
  (t) => [
    uniqueIndex('emails_source_key').on(t.to, t.template, t.sourceKey),
    index('emails_created_idx').on(t.createdAt),
    index('emails_user_idx').on(t.userId, t.createdAt),
  ],
)

/** Unsubscribe tokens are stateless (HMAC); this records what was unsubscribed, for the audit trail. */
export const unsubscribes = communication.table(
  'unsubscribes',
  {
    userId: text('user_id').notNull(),
    /** A notification type, or `*` for every non-account email. */
    scope: text('scope').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.scope] })],
)
