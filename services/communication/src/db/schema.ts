import {
  boolean,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'
import { inboxTable, jobsTable, outboxTable } from '@learnmesh/kernel'

/** Everything communication owns lives in this schema; no other service reads it. */
export const communication = pgSchema('communication')

const ts = (name: string) => timestamp(name, { withTimezone: true })

/** Events communication publishes (outbox) and has consumed (inbox); jobs (email sending, reminders, digests). */
export const outbox = outboxTable(communication)
export const inbox = inboxTable(communication)
export const jobs = jobsTable(communication)

/** People communication can reach (identity.user.registered): their address and name. */
export const people = communication.table(
  'people',
  {
    userId: text('user_id').primaryKey(),
    orgId: text('org_id').notNull(),
    displayName: text('display_name').notNull(),
    email: text('email').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  // Chat contacts search and page people of one org by name.
  (t) => [index('people_org_name_idx').on(t.orgId, sql`lower(${t.displayName})`)],
)

/**
 * Tutors who offer lessons (tutoring.tutor.listed): anyone of their org may message them before
 * booking (a tutor's public page has a "Message" link). Newest listing event wins.
 */
export const listedTutors = communication.table('listed_tutors', {
  /** The tutor's user id. */
  userId: text('user_id').primaryKey(),
  orgId: text('org_id').notNull(),
  /** False once the tutor is not bookable any more. */
  active: boolean('active').notNull(),
  /** When the applied listing event happened (older deliveries are ignored). */
  listedAt: ts('listed_at').notNull(),
})

/**
 * Memberships (identity.membership.changed), newest event per (org, user): a removed member is no
 * longer anyone's contact in that org nor in its course channels, and a demoted org admin loses the
 * org-wide contacts search before their token expires. Rows are kept on removal (a tombstone), so a
 * late older event cannot bring a membership back.
 */
export const orgMembers = communication.table(
  'org_members',
  {
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    /** The roles after the change (empty once removed). */
    roles: text('roles').array().notNull(),
    /** True after a `removed` change (until a newer `joined`). */
    removed: boolean('removed').notNull(),
    /** When the applied membership event happened (older deliveries are ignored). */
    changedAt: ts('changed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] })],
)

/**
 * Enrollments (learning.enrollment.created / .revoked), newest event per enrollment: a learner is in
 * a course's channel while one of their enrollments in it is active. A revoked row stays (a
 * tombstone), so a late `created` cannot put the learner back.
 */
export const courseEnrollments = communication.table(
  'course_enrollments',
  {
    enrollmentId: text('enrollment_id').primaryKey(),
    orgId: text('org_id').notNull(),
    courseId: text('course_id').notNull(),
    userId: text('user_id').notNull(),
    /** False once revoked. */
    active: boolean('active').notNull(),
    /** When the applied enrollment event happened (older deliveries are ignored). */
    changedAt: ts('changed_at').notNull(),
  },
  (t) => [index('course_enrollments_user_idx').on(t.orgId, t.userId, t.courseId)],
)

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

/** A browser's Web Push subscription (one per device/browser); deleted when the push service says 404/410. */
export const pushSubscriptions = communication.table(
  'push_subscriptions',
  {
    /** `psb_...` */
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    /** The push service URL (unique: a browser has one subscription per application server key). */
    endpoint: text('endpoint').notNull(),
    /** The browser's P-256 public key (base64url) and auth secret (base64url), for payload encryption. */
    p256dh: text('p256dh').notNull(),
    auth: text('auth').notNull(),
    userAgent: text('user_agent'),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastSuccessAt: ts('last_success_at'),
  },
  (t) => [
    uniqueIndex('push_subscriptions_endpoint').on(t.endpoint),
    index('push_subscriptions_user_idx').on(t.userId),
  ],
)

/** The VAPID key pair generated once in development when none is configured (production requires config). */
export const pushVapidKeys = communication.table('push_vapid_keys', {
  /** Always `default`: one pair per deployment. */
  id: text('id').primaryKey(),
  publicKey: text('public_key').notNull(),
  privateKey: text('private_key').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
})

/** A person enrolled in an email sequence (drip campaign); each step is a scheduled job. */
export const sequenceEnrollments = communication.table(
  'sequence_enrollments',
  {
    /** `sqe_...` */
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    /** A sequence of `sequences/definitions.ts`. */
    sequenceId: text('sequence_id').notNull(),
    /** active | completed | stopped */
    status: text('status').notNull(),
    /** Index of the next step to send (= steps sent so far). */
    nextStep: integer('next_step').notNull().default(0),
    /** Why it stopped: goal (the person did what the sequence leads to), unsubscribed, opted_out, no_address. */
    stopReason: text('stop_reason'),
    /** When the sequence's goal was reached (e.g. enrolled in a course): the next step stops it. */
    goalReachedAt: ts('goal_reached_at'),
    enrolledAt: ts('enrolled_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('sequence_enrollments_user_seq').on(t.userId, t.sequenceId),
    index('sequence_enrollments_org_idx').on(t.orgId, t.sequenceId, t.status),
  ],
)

/** Sequences an organization's admin paused: their steps wait until resumed. */
export const sequencePauses = communication.table(
  'sequence_pauses',
  {
    orgId: text('org_id').notNull(),
    sequenceId: text('sequence_id').notNull(),
    pausedBy: text('paused_by').notNull(),
    pausedAt: ts('paused_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.sequenceId] })],
)

/** A lead from a landing-page form (anonymous), worked by the org's admins until converted or lost. */
export const leads = communication.table(
  'leads',
  {
    /** `led_...` (UUIDv7: ordered by creation) */
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** Lower-cased. */
    email: text('email').notNull(),
    name: text('name').notNull(),
    interest: text('interest'),
    message: text('message'),
    /** The person agreed to be contacted (required to submit). */
    consent: boolean('consent').notNull(),
    /** new | contacted | qualified | converted | lost */
    status: text('status').notNull(),
    notes: text('notes'),
    /** Set on conversion (identity.user.registered with the same email in the org). */
    userId: text('user_id'),
    convertedAt: ts('converted_at'),
    /** HMAC of the client IP (rate limiting without storing addresses). */
    ipHash: text('ip_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('leads_org_status_idx').on(t.orgId, t.status, t.id),
    index('leads_org_email_idx').on(t.orgId, t.email),
    index('leads_ip_idx').on(t.ipHash, t.createdAt),
    index('leads_email_created_idx').on(t.email, t.createdAt),
  ],
)

/** A chat conversation: direct (two people), group, or a course's channel. */
export const conversations = communication.table(
  'conversations',
  {
    /** `cnv_...` */
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** direct | group | course */
    kind: text('kind').notNull(),
    title: text('title'),
    /** Direct conversations: the two user ids, sorted and joined (one conversation per pair). */
    directKey: text('direct_key'),
    /** Course channels: the course (one channel per course). */
    courseId: text('course_id'),
    createdBy: text('created_by'),
    /** The newest message (null: none yet); lists sort by it. */
    lastMessageId: text('last_message_id'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('conversations_direct_key').on(t.orgId, t.directKey),
    uniqueIndex('conversations_course').on(t.orgId, t.courseId),
  ],
)

/** Who is in a conversation, and how far they have read. */
export const conversationParticipants = communication.table(
  'conversation_participants',
  {
    conversationId: text('conversation_id').notNull(),
    userId: text('user_id').notNull(),
    orgId: text('org_id').notNull(),
    /** member | owner | admin (groups) | instructor (course channels) */
    role: text('role').notNull(),
    /** The newest message this person has read (null: none). */
    lastReadMessageId: text('last_read_message_id'),
    joinedAt: ts('joined_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.userId] }),
    index('conversation_participants_user_idx').on(t.userId, t.orgId),
  ],
)

/**
 * Groups a member went out of because they were removed from (or left) the organization
 * (identity.membership.changed `removed`): when they join it again, they are put back in those
 * groups that still exist ("Bob rejoined"), and the rows go. Leaving a group oneself, or being
 * removed from it by its owner or an admin, leaves no row.
 */
export const orgGroupDepartures = communication.table(
  'org_group_departures',
  {
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    /** Their read mark then: messages written while they were away count as unread when they are back. */
    lastReadMessageId: text('last_read_message_id'),
    departedAt: ts('departed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId, t.conversationId] })],
)

/**
 * What a system message records (a group's membership or title changed): who did it and to whom,
 * with the names as they were then (a removed person is no longer a participant to look up).
 */
export interface ChatSystemEvent {
  /**
   * created | member_added | member_removed | member_left | left_org | removed_from_org | rejoined |
   * renamed | owner_changed | role_changed
   */
  type: string
  actor: { userId: string; displayName: string | null }
  /** Who was added, removed, promoted, or became owner (empty for created, renamed, departures and rejoined). */
  users: { userId: string; displayName: string | null }[]
  /** created: the group's name; renamed: the new title; role_changed: the new role. */
  title?: string
  role?: string
}

/** A chat message. Ids are UUIDv7 (`msg_...`): history pages by id (keyset). Edits and deletes are soft. */
export const messages = communication.table(
  'messages',
  {
    /** `msg_...` (UUIDv7: ordered by creation) */
    id: text('id').primaryKey(),
    conversationId: text('conversation_id').notNull(),
    orgId: text('org_id').notNull(),
    senderId: text('sender_id').notNull(),
    /** The sender's own id for the message: a retried send with the same id stores nothing new. */
    clientMessageId: text('client_message_id').notNull(),
    /** Empty once deleted. */
    body: text('body').notNull(),
    /** References to files stored elsewhere: `{ kind, ref, name, size }`. */
    attachments: jsonb('attachments')
      .$type<{ kind: string; ref: string; name: string; size: number }[]>()
      .notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    editedAt: ts('edited_at'),
    deletedAt: ts('deleted_at'),
    /** user (someone wrote it) | system (a group change, written by chat: "Ann added Bob"). */
    kind: text('kind').notNull().default('user'),
    /** System messages: what happened (the body is the same in words). */
    event: jsonb('event').$type<ChatSystemEvent>(),
  },
  (t) => [
    index('messages_conversation_idx').on(t.conversationId, t.id),
    uniqueIndex('messages_client_id').on(t.conversationId, t.senderId, t.clientMessageId),
  ],
)
