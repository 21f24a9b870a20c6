import { and, eq, isNotNull, sql } from 'drizzle-orm'
import type { Tx } from '@learnmesh/kernel'
import { bookings, tutorProfiles } from '../db/schema.ts'

/** A tutor answers a booking in time by confirming it within this many hours (or before it starts). */
export const RESPONSE_WINDOW_HOURS = 24

type Booking = Pick<typeof bookings.$inferSelect, 'id' | 'tutorId' | 'bookedAt' | 'startsAt'>

/** The moment a booking's answer is due: 24 h after it was booked, or its start if sooner. */
export function responseDue(b: Booking): Date | null {
  if (!b.bookedAt) return null
  return new Date(Math.min(b.bookedAt.getTime() + RESPONSE_WINDOW_HOURS * 3_600_000, b.startsAt.getTime()))
}

/** Whether a confirmation at `at` answers the booking in time. */
export function responseInTime(b: Booking, at: Date): boolean {
  const due = responseDue(b)
  return due !== null && at.getTime() <= due.getTime()
}

/**
 * Counts one booking toward its tutor's response rate, once (guarded by `response_counted`): the
 * rate is the running share of paid bookings the tutor acknowledged within the window.
 */
export async function countResponse(tx: Tx, b: Booking, answered: boolean): Promise<boolean> {
  const [marked] = await tx
    .update(bookings)
    .set({ responseCounted: true })
    .where(and(eq(bookings.id, b.id), eq(bookings.responseCounted, false), isNotNull(bookings.bookedAt)))
    .returning({ id: bookings.id })
  if (!marked) return false
  const x = answered ? 1 : 0
  await tx
    .update(tutorProfiles)
    .set({
      responseRate: sql`(coalesce(${tutorProfiles.responseRate}, 0) * ${tutorProfiles.responseSamples} + ${x}) / (${tutorProfiles.responseSamples} + 1)`,
      responseSamples: sql`${tutorProfiles.responseSamples} + 1`,
    })
    .where(eq(tutorProfiles.id, b.tutorId))
  return true
}

/**
 * The sweep: booked lessons whose answer is overdue (24 h after booking, or the start) and that the
 * tutor never acknowledged count as not answered. It runs in its own transaction and takes every
 * booking row first (skipping rows another transaction holds: the next sweep gets them), then each
 * tutor's profile row once: the same order as a confirmation (booking, then profile), so the two
 * never deadlock. Returns how many were counted.
 */
export async function countUnanswered(tx: Tx, now: Date, batch = 500): Promise<number> {
  const marked = await tx.execute<{ tutor_id: string }>(sql`
    update ${bookings} set response_counted = true
    where id in (
      select id from ${bookings}
      where status = 'booked' and response_counted = false and booked_at is not null
        and (booked_at < ${new Date(now.getTime() - RESPONSE_WINDOW_HOURS * 3_600_000).toISOString()}::timestamptz
             or starts_at < ${now.toISOString()}::timestamptz)
      order by booked_at
      limit ${batch}
      for update skip locked
    )
    returning tutor_id`)
  const rows = (marked as unknown as { rows: { tutor_id: string }[] }).rows
  const perTutor = new Map<string, number>()
  for (const r of rows) perTutor.set(r.tutor_id, (perTutor.get(r.tutor_id) ?? 0) + 1)
  for (const [tutorId, n] of [...perTutor].sort(([a], [b]) => a.localeCompare(b))) {
    await tx
      .update(tutorProfiles)
      .set({
        responseRate: sql`(coalesce(${tutorProfiles.responseRate}, 0) * ${tutorProfiles.responseSamples}) / (${tutorProfiles.responseSamples} + ${n})`,
        responseSamples: sql`${tutorProfiles.responseSamples} + ${n}`,
      })
      .where(eq(tutorProfiles.id, tutorId))
  }
  return rows.length
}
