import { and, asc, eq, isNotNull, lt, or, sql } from 'drizzle-orm'
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
 * tutor never acknowledged count as not answered. Returns how many were counted.
 */
export async function countUnanswered(tx: Tx, now: Date, batch = 500): Promise<number> {
  const overdue = await tx
    .select({
      id: bookings.id,
      tutorId: bookings.tutorId,
      bookedAt: bookings.bookedAt,
      startsAt: bookings.startsAt,
    })
    .from(bookings)
    .where(
      and(
        eq(bookings.status, 'booked'),
        eq(bookings.responseCounted, false),
        isNotNull(bookings.bookedAt),
        or(
          lt(bookings.bookedAt, new Date(now.getTime() - RESPONSE_WINDOW_HOURS * 3_600_000)),
          lt(bookings.startsAt, now),
        ),
      ),
    )
    .orderBy(asc(bookings.bookedAt))
    .limit(batch)
  let n = 0
  for (const b of overdue) if (await countResponse(tx, b, false)) n++
  return n
}
