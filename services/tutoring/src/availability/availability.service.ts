import { and, asc, eq, gt, inArray, lt, or, sql } from 'drizzle-orm'
import { AppError, newId, type Principal, type Tx } from '@learnmesh/kernel'
import type { TutoringDeps } from '../deps.ts'
import { availabilityExceptions, availabilityRules, bookings, tutorProfiles } from '../db/schema.ts'
import {
  expandAvailability,
  isValidTimeZone,
  slotStarts,
  type AvailabilityException,
  type Interval,
  type WeeklyRule,
} from './windows.ts'

type Db = TutoringDeps['database']['db'] | Tx

/** What the availability area needs to know about a tutor. */
export interface TutorCalendarRef {
  /** `tut_...` */
  id: string
  timeZone: string
  bufferMinutes: number
}

/** Booking statuses that keep a tutor busy (a held slot counts until its hold expires). */
export const BUSY_STATUSES = ['held', 'booked', 'confirmed'] as const

/** Most weekly windows a tutor may have, and the longest exception. */
export const MAX_RULES = 70
export const MAX_EXCEPTION_DAYS = 62
/** Longest range one slots request may cover. */
export const MAX_SLOT_RANGE_DAYS = 31

/** The tutor's rules and the exceptions touching [from, to). */
async function loadCalendar(db: Db, tutorId: string, from: Date, to: Date) {
  const [rules, exceptions] = await Promise.all([
    db.select().from(availabilityRules).where(eq(availabilityRules.tutorId, tutorId)),
    db
      .select()
      .from(availabilityExceptions)
      .where(
        and(
          eq(availabilityExceptions.tutorId, tutorId),
          lt(availabilityExceptions.startsAt, to),
          gt(availabilityExceptions.endsAt, from),
        ),
      ),
  ])
  return {
    rules: rules as WeeklyRule[],
    exceptions: exceptions.map((e) => ({
      kind: e.kind as AvailabilityException['kind'],
      startsAt: e.startsAt,
      endsAt: e.endsAt,
    })),
  }
}

/**
 * The tutor's available windows in [from, to): weekly rules in the tutor's zone, plus `available`
 * exceptions, minus `unavailable` ones. Bookings are not subtracted (see `openSlots`).
 */
export async function availabilityWindows(
  db: Db,
  tutor: TutorCalendarRef,
  from: Date,
  to: Date,
): Promise<Interval[]> {
  // A day's margin on both sides: exceptions that only touch the edges still matter for merging.
  const { rules, exceptions } = await loadCalendar(
    db,
    tutor.id,
    new Date(from.getTime() - 86_400_000),
    new Date(to.getTime() + 86_400_000),
  )
  return expandAvailability(tutor.timeZone, rules, exceptions, from, to)
}

/** The spans the tutor is already busy in [from, to): live bookings and unexpired holds, buffers included. */
export async function busyBlocks(
  db: Db,
  tutorId: string,
  from: Date,
  to: Date,
  now: Date,
): Promise<Interval[]> {
  const rows = await db
    .select({ from: bookings.blocksFrom, until: bookings.blocksUntil })
    .from(bookings)
    .where(
      and(
        eq(bookings.tutorId, tutorId),
        inArray(bookings.status, [...BUSY_STATUSES]),
        lt(bookings.blocksFrom, to),
        gt(bookings.blocksUntil, from),
        or(sql`${bookings.status} <> 'held'`, gt(bookings.holdExpiresAt, now)),
      ),
    )
  return rows.map((r) => ({ start: r.from, end: r.until }))
}

/** Booking window options (from config and the clock). */
export interface BookingWindow {
  now: Date
  minNoticeHours: number
  horizonDays: number
}

/**
 * Open lesson slots of `minutes` in [from, to): inside the tutor's availability, after the minimum
 * notice, before the horizon, not colliding with existing bookings (their buffers and this lesson's
 * buffer included). Starts step by 30 minutes (15 for 45-minute lessons).
 */
export async function openSlots(
  db: Db,
  tutor: TutorCalendarRef,
  from: Date,
  to: Date,
  minutes: number,
  opts: BookingWindow,
): Promise<{ startsAt: Date; endsAt: Date }[]> {
  const earliest = new Date(Math.max(from.getTime(), opts.now.getTime() + opts.minNoticeHours * 3_600_000))
  const latest = new Date(Math.min(to.getTime(), opts.now.getTime() + opts.horizonDays * 86_400_000))
  if (latest <= earliest) return []
  const windows = await availabilityWindows(
    db,
    tutor,
    earliest,
    new Date(latest.getTime() + minutes * 60_000),
  )
  const busy = await busyBlocks(
    db,
    tutor.id,
    new Date(earliest.getTime() - 86_400_000),
    new Date(latest.getTime() + 86_400_000),
    opts.now,
  )
  return slotStarts(windows, busy, {
    minutes,
    bufferMinutes: tutor.bufferMinutes,
    stepMinutes: minutes % 30 === 0 ? 30 : 15,
    earliest,
    latest: new Date(latest.getTime() - 1),
  }).map((i) => ({ startsAt: i.start, endsAt: i.end }))
}

/** Why a requested lesson time cannot be booked. */
export type NotBookableReason = 'outside_availability' | 'too_soon' | 'too_far' | 'bad_alignment'

/** People-readable explanations of NotBookableReason. */
export const notBookableDetail: Record<NotBookableReason, string> = {
  outside_availability: 'The tutor is not available at that time',
  too_soon: 'That time is too soon: lessons must be booked further ahead',
  too_far: 'That time is too far ahead to book',
  bad_alignment: 'Lessons start on a quarter hour',
}

/**
 * Whether [startsAt, startsAt + minutes) lies inside the tutor's availability, after the minimum
 * notice, before the horizon, and on the slot grid. Existing bookings are NOT checked here:
 * overlaps are the database's job (exclusion constraints on bookings).
 */
export async function checkBookable(
  db: Db,
  tutor: TutorCalendarRef,
  startsAt: Date,
  minutes: number,
  opts: BookingWindow,
): Promise<{ ok: true } | { ok: false; reason: NotBookableReason }> {
  const start = startsAt.getTime()
  const end = start + minutes * 60_000
  if (start % (15 * 60_000) !== 0) return { ok: false, reason: 'bad_alignment' }
  if (start < opts.now.getTime() + opts.minNoticeHours * 3_600_000) return { ok: false, reason: 'too_soon' }
  if (start > opts.now.getTime() + opts.horizonDays * 86_400_000) return { ok: false, reason: 'too_far' }
  const windows = await availabilityWindows(db, tutor, new Date(start), new Date(end))
  const inside = windows.some((w) => w.start.getTime() <= start && w.end.getTime() >= end)
  return inside ? { ok: true } : { ok: false, reason: 'outside_availability' }
}

/** A weekly rule as the API speaks it: local `HH:MM` times. */
export interface WeeklyRuleInput {
  weekday: number
  start: string
  end: string
}

/** `HH:MM` (00:00–24:00) → minutes after midnight, or null. */
export function parseLocalTime(value: string): number | null {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(value)
  if (!m) return null
  const minutes = Number(m[1]) * 60 + Number(m[2])
  return minutes <= 1440 ? minutes : null
}

/** Minutes after midnight → `HH:MM`. */
export function formatLocalTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
}

/** Validates weekly rules: times on a 15-minute grid, start before end, no overlap within a weekday. */
export function validateRules(input: WeeklyRuleInput[]): WeeklyRule[] {
  if (input.length > MAX_RULES) throw new AppError('unprocessable', `At most ${MAX_RULES} weekly windows`)
  const rules = input.map((r, i) => {
    const startMinute = parseLocalTime(r.start)
    const endMinute = parseLocalTime(r.end)
    if (startMinute === null || endMinute === null) {
      throw new AppError('unprocessable', `Window ${i + 1}: times are HH:MM between 00:00 and 24:00`)
    }
    if (startMinute % 15 !== 0 || endMinute % 15 !== 0) {
      throw new AppError('unprocessable', `Window ${i + 1}: times are on a quarter hour`)
    }
    if (endMinute <= startMinute) {
      throw new AppError('unprocessable', `Window ${i + 1}: the end must be after the start`)
    }
    return { weekday: r.weekday, startMinute, endMinute }
  })
  const sorted = [...rules].sort((a, b) => a.weekday - b.weekday || a.startMinute - b.startMinute)
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!
    const b = sorted[i]!
    if (a.weekday === b.weekday && b.startMinute < a.endMinute) {
      throw new AppError(
        'unprocessable',
        `Overlapping availability on weekday ${b.weekday}: ${formatLocalTime(a.startMinute)}–${formatLocalTime(a.endMinute)} and ${formatLocalTime(b.startMinute)}–${formatLocalTime(b.endMinute)}`,
      )
    }
  }
  return sorted
}

/** The profile of the signed-in tutor, or 404 (a profile comes first). */
async function myProfile(db: Db, principal: Principal) {
  const [row] = await db
    .select()
    .from(tutorProfiles)
    .where(and(eq(tutorProfiles.orgId, principal.orgId), eq(tutorProfiles.userId, principal.userId)))
    .limit(1)
  if (!row) throw new AppError('not_found', 'Create your tutor profile first')
  return row
}

/** A tutor visible to the audience: listed profiles of the org (and any of one's own). */
export async function visibleTutor(db: Db, orgId: string, tutorId: string, viewerUserId: string | null) {
  const [row] = await db
    .select()
    .from(tutorProfiles)
    .where(and(eq(tutorProfiles.orgId, orgId), eq(tutorProfiles.id, tutorId)))
    .limit(1)
  if (!row || (row.status !== 'listed' && row.userId !== viewerUserId)) {
    throw new AppError('not_found', 'Tutor not found')
  }
  return row
}

/** The availability area: weekly rules, exceptions, open slots. */
export function createAvailabilityService(deps: TutoringDeps) {
  const { db } = deps.database
  const window = (): BookingWindow => ({
    now: deps.now(),
    minNoticeHours: deps.config.BOOKING_MIN_NOTICE_HOURS,
    horizonDays: deps.config.BOOKING_HORIZON_DAYS,
  })

  async function weekly(tutorId: string) {
    return db
      .select()
      .from(availabilityRules)
      .where(eq(availabilityRules.tutorId, tutorId))
      .orderBy(asc(availabilityRules.weekday), asc(availabilityRules.startMinute))
  }

  async function upcomingExceptions(tutorId: string) {
    return db
      .select()
      .from(availabilityExceptions)
      .where(and(eq(availabilityExceptions.tutorId, tutorId), gt(availabilityExceptions.endsAt, deps.now())))
      .orderBy(asc(availabilityExceptions.startsAt))
      .limit(200)
  }

  return {
    window,

    /** The signed-in tutor's weekly rules and upcoming exceptions. */
    async mine(principal: Principal) {
      const profile = await myProfile(db, principal)
      return { profile, rules: await weekly(profile.id), exceptions: await upcomingExceptions(profile.id) }
    },

    /** A listed tutor's weekly rules (public) and upcoming time off. */
    async ofTutor(orgId: string, tutorId: string, viewerUserId: string | null) {
      const profile = await visibleTutor(db, orgId, tutorId, viewerUserId)
      return { profile, rules: await weekly(profile.id), exceptions: await upcomingExceptions(profile.id) }
    },

    /** Replaces the signed-in tutor's weekly rules (validated) in one transaction. */
    async replaceWeekly(principal: Principal, input: WeeklyRuleInput[]) {
      const rules = validateRules(input)
      return db.transaction(async (tx) => {
        const profile = await myProfile(tx, principal)
        await tx.delete(availabilityRules).where(eq(availabilityRules.tutorId, profile.id))
        if (rules.length > 0) {
          await tx
            .insert(availabilityRules)
            .values(rules.map((r) => ({ id: newId('avr'), tutorId: profile.id, orgId: profile.orgId, ...r })))
        }
        return {
          profile,
          rules: await tx
            .select()
            .from(availabilityRules)
            .where(eq(availabilityRules.tutorId, profile.id))
            .orderBy(asc(availabilityRules.weekday), asc(availabilityRules.startMinute)),
        }
      })
    },

    /** Adds time off or an extra window. Overlapping exceptions of the same kind are refused. */
    async addException(
      principal: Principal,
      input: { kind: 'available' | 'unavailable'; startsAt: string; endsAt: string; note?: string },
    ) {
      const startsAt = new Date(input.startsAt)
      const endsAt = new Date(input.endsAt)
      if (Number.isNaN(startsAt.getTime()) || Number.isNaN(endsAt.getTime())) {
        throw new AppError('bad_request', 'startsAt and endsAt are date-times')
      }
      if (endsAt <= startsAt) throw new AppError('unprocessable', 'The end must be after the start')
      if (endsAt.getTime() - startsAt.getTime() > MAX_EXCEPTION_DAYS * 86_400_000) {
        throw new AppError('unprocessable', `An exception lasts at most ${MAX_EXCEPTION_DAYS} days`)
      }
      if (endsAt <= deps.now()) throw new AppError('unprocessable', 'That time is already in the past')
      if (startsAt.getTime() % 60_000 !== 0 || endsAt.getTime() % 60_000 !== 0) {
        throw new AppError('unprocessable', 'Exceptions start and end on a whole minute')
      }
      return db.transaction(async (tx) => {
        const profile = await myProfile(tx, principal)
        // Serialize a tutor's exception edits so the overlap check holds under concurrency.
        await tx
          .select({ id: tutorProfiles.id })
          .from(tutorProfiles)
          .where(eq(tutorProfiles.id, profile.id))
          .for('update')
        const [clash] = await tx
          .select({ id: availabilityExceptions.id })
          .from(availabilityExceptions)
          .where(
            and(
              eq(availabilityExceptions.tutorId, profile.id),
              eq(availabilityExceptions.kind, input.kind),
              lt(availabilityExceptions.startsAt, endsAt),
              gt(availabilityExceptions.endsAt, startsAt),
            ),
          )
          .limit(1)
        if (clash)
          throw new AppError(
            'conflict',
            `It overlaps another ${input.kind === 'available' ? 'extra window' : 'time off'} (${clash.id})`,
          )
        const [row] = await tx
          .insert(availabilityExceptions)
          .values({
            id: newId('avx'),
            tutorId: profile.id,
            orgId: profile.orgId,
            kind: input.kind,
            startsAt,
            endsAt,
            note: input.note ?? '',
          })
          .returning()
        return row!
      })
    },

    /** Removes one of the signed-in tutor's exceptions. */
    async removeException(principal: Principal, id: string) {
      const profile = await myProfile(db, principal)
      const deleted = await db
        .delete(availabilityExceptions)
        .where(and(eq(availabilityExceptions.id, id), eq(availabilityExceptions.tutorId, profile.id)))
        .returning({ id: availabilityExceptions.id })
      if (deleted.length === 0) throw new AppError('not_found', 'Exception not found')
    },

    /** Open slots of a visible tutor, for a lesson length the tutor offers. */
    async slots(
      orgId: string,
      tutorId: string,
      viewerUserId: string | null,
      q: { from?: string; to?: string; minutes: number; timeZone?: string },
    ) {
      if (q.timeZone !== undefined && !isValidTimeZone(q.timeZone)) {
        throw new AppError('unprocessable', `Unknown time zone: ${q.timeZone}`)
      }
      const profile = await visibleTutor(db, orgId, tutorId, viewerUserId)
      if (!profile.lessonMinutes.includes(q.minutes)) {
        throw new AppError(
          'unprocessable',
          `This tutor offers lessons of ${profile.lessonMinutes.join(', ')} minutes`,
        )
      }
      const now = deps.now()
      const from = q.from ? new Date(q.from) : now
      const to = q.to ? new Date(q.to) : new Date(from.getTime() + 14 * 86_400_000)
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
        throw new AppError('bad_request', 'from and to are date-times')
      }
      if (to <= from) throw new AppError('unprocessable', '`to` must be after `from`')
      if (to.getTime() - from.getTime() > MAX_SLOT_RANGE_DAYS * 86_400_000) {
        throw new AppError('unprocessable', `Ask for at most ${MAX_SLOT_RANGE_DAYS} days of slots at a time`)
      }
      const slots = await openSlots(db, profile, from, to, q.minutes, window())
      return { profile, slots, timeZone: q.timeZone ?? profile.timeZone }
    },
  }
}
