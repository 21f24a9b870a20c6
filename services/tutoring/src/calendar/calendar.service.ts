import { createHash, randomBytes } from 'node:crypto'
import { and, asc, eq, gte, inArray, or } from 'drizzle-orm'
import ical, { ICalAlarmType, ICalCalendarMethod, ICalEventStatus } from 'ical-generator'
import { AppError, type Principal } from '@learnmesh/kernel'
import type { TutoringDeps } from '../deps.ts'
import { bookings, calendarFeeds, people, tutorProfiles } from '../db/schema.ts'

/** Booking statuses that appear in calendars (cancelled ones as STATUS:CANCELLED, so clients remove them). */
const CALENDAR_STATUSES = ['booked', 'confirmed', 'completed', 'disputed', 'cancelled']
/** How far back a feed reaches, and how many lessons it lists at most. */
const FEED_PAST_DAYS = 30
const FEED_MAX_EVENTS = 500

/** SHA-256 of a feed token, hex: what is stored and looked up. */
export function hashFeedToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

type BookingRow = typeof bookings.$inferSelect

/**
 * Calendar feeds: one private iCalendar (RFC 5545) URL per user listing their lessons as learner
 * and as tutor. Calendar apps cannot send a bearer token, so the URL carries an unguessable token
 * (256 bits), shown once and stored hashed; rotating it invalidates the old URL.
 */
export function createCalendarService(deps: TutoringDeps) {
  const { db } = deps.database
  const feedUrl = (token: string) => `${deps.config.PUBLIC_URL}/api/tutoring/calendar/feeds/${token}.ics`

  /** Names of the people and tutors on these bookings. */
  async function names(rows: BookingRow[]) {
    const learnerIds = [...new Set(rows.map((r) => r.learnerId))]
    const tutorIds = [...new Set(rows.map((r) => r.tutorId))]
    const [learners, tutors] = await Promise.all([
      learnerIds.length
        ? db
            .select({ id: people.userId, name: people.displayName })
            .from(people)
            .where(inArray(people.userId, learnerIds))
        : [],
      tutorIds.length
        ? db
            .select({ id: tutorProfiles.id, name: tutorProfiles.displayName })
            .from(tutorProfiles)
            .where(inArray(tutorProfiles.id, tutorIds))
        : [],
    ])
    return {
      learner: new Map(learners.map((l) => [l.id, l.name])),
      tutor: new Map(tutors.map((t) => [t.id, t.name])),
    }
  }

  /** Renders bookings as a VCALENDAR from `userId`'s point of view. */
  async function render(userId: string, rows: BookingRow[], name: string): Promise<string> {
    const n = await names(rows)
    const cal = ical({
      name,
      prodId: { company: 'learnmesh', product: 'tutoring', language: 'EN' },
      method: ICalCalendarMethod.PUBLISH,
      ttl: 60 * 15,
    })
    for (const b of rows) {
      const asTutor = b.tutorUserId === userId
      const other = asTutor
        ? (n.learner.get(b.learnerId) ?? 'your learner')
        : (n.tutor.get(b.tutorId) ?? 'your tutor')
      const manage = `${deps.config.PUBLIC_URL}/lessons/${b.id}`
      const lines = [
        `${b.trial ? 'Trial lesson' : 'Lesson'} (${b.minutes} min) with ${other}.`,
        b.meetingUrl && b.status !== 'cancelled' ? `Join: ${b.meetingUrl}` : null,
        `Manage: ${manage}`,
      ].filter(Boolean)
      cal.createEvent({
        id: `${b.id}@learnmesh`,
        start: b.startsAt,
        end: b.endsAt,
        stamp: b.updatedAt,
        created: b.createdAt,
        lastModified: b.updatedAt,
        sequence: b.revision,
        summary: `${b.trial ? 'Trial lesson' : 'Lesson'} with ${other}`,
        description: lines.join('\n'),
        location: b.mode === 'online' ? (b.meetingUrl ?? 'Online') : 'In person',
        url: manage,
        status: b.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
        alarms: b.status === 'cancelled' ? [] : [{ type: ICalAlarmType.display, trigger: 15 * 60 }],
      })
    }
    return cal.toString()
  }

  return {
    /** Creates (or rotates) the caller's feed URL; the token is returned only now. */
    async rotateFeed(principal: Principal) {
      const token = randomBytes(32).toString('base64url')
      const now = deps.now()
      await db
        .insert(calendarFeeds)
        .values({
          userId: principal.userId,
          orgId: principal.orgId,
          tokenHash: hashFeedToken(token),
          createdAt: now,
        })
        .onConflictDoUpdate({
          target: [calendarFeeds.orgId, calendarFeeds.userId],
          set: { tokenHash: hashFeedToken(token), createdAt: now },
        })
      return { url: feedUrl(token), createdAt: now }
    },

    /** Whether the caller has a feed (the URL itself is not recoverable). */
    async feedStatus(principal: Principal) {
      const [row] = await db
        .select()
        .from(calendarFeeds)
        .where(and(eq(calendarFeeds.orgId, principal.orgId), eq(calendarFeeds.userId, principal.userId)))
      return { active: Boolean(row), createdAt: row?.createdAt ?? null }
    },

    /** Revokes the caller's feed URL. */
    async revokeFeed(principal: Principal) {
      await db
        .delete(calendarFeeds)
        .where(and(eq(calendarFeeds.orgId, principal.orgId), eq(calendarFeeds.userId, principal.userId)))
    },

    /** The feed behind a token: the user's lessons from 30 days ago on. Unknown token → 404. */
    async feed(token: string): Promise<string> {
      const [owner] = await db
        .select()
        .from(calendarFeeds)
        .where(eq(calendarFeeds.tokenHash, hashFeedToken(token)))
      if (!owner) throw new AppError('not_found', 'Calendar feed not found')
      const since = new Date(deps.now().getTime() - FEED_PAST_DAYS * 86_400_000)
      const rows = await db
        .select()
        .from(bookings)
        .where(
          and(
            eq(bookings.orgId, owner.orgId),
            or(eq(bookings.learnerId, owner.userId), eq(bookings.tutorUserId, owner.userId)),
            inArray(bookings.status, CALENDAR_STATUSES),
            gte(bookings.startsAt, since),
          ),
        )
        .orderBy(asc(bookings.startsAt))
        .limit(FEED_MAX_EVENTS)
      return render(owner.userId, rows, 'learnmesh lessons')
    },

    /** One booking as an .ics file, for its learner, its tutor or an org admin. */
    async bookingIcs(principal: Principal, bookingId: string): Promise<string> {
      const [b] = await db
        .select()
        .from(bookings)
        .where(and(eq(bookings.id, bookingId), eq(bookings.orgId, principal.orgId)))
      const allowed =
        b &&
        (b.learnerId === principal.userId ||
          b.tutorUserId === principal.userId ||
          principal.roles.includes('org_admin'))
      if (!b || !allowed || !CALENDAR_STATUSES.includes(b.status))
        throw new AppError('not_found', 'Booking not found')
      return render(principal.userId, [b], 'learnmesh lesson')
    },
  }
}
