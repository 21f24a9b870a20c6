import { and, eq, isNotNull } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { bookings, matchRequests } from '../db/schema.ts'

/** A match_requests row. */
export type MatchRequestRow = typeof matchRequests.$inferSelect
/** The booking columns a replacement checks. */
export type TrialBookingRow = Pick<
  typeof bookings.$inferSelect,
  'id' | 'tutorId' | 'learnerId' | 'trial' | 'status' | 'endsAt'
>

/** Drizzle access to match requests (and, read-only, the bookings a replacement refers to). */
export function createMatchingRepository() {
  return {
    /** Stores a request and its answer; undefined when a replacement of that booking already exists. */
    async insert(
      db: DbOrTx,
      values: typeof matchRequests.$inferInsert,
    ): Promise<MatchRequestRow | undefined> {
      const [row] = await db.insert(matchRequests).values(values).onConflictDoNothing().returning()
      return row
    },

    /** A learner's match request by id. */
    async findForLearner(
      db: DbOrTx,
      orgId: string,
      learnerId: string,
      id: string,
    ): Promise<MatchRequestRow | undefined> {
      const [row] = await db
        .select()
        .from(matchRequests)
        .where(
          and(
            eq(matchRequests.orgId, orgId),
            eq(matchRequests.learnerId, learnerId),
            eq(matchRequests.id, id),
          ),
        )
        .limit(1)
      return row
    },

    /** The replacement already made for a trial booking, if any. */
    async findReplacement(
      db: DbOrTx,
      orgId: string,
      bookingId: string,
    ): Promise<MatchRequestRow | undefined> {
      const [row] = await db
        .select()
        .from(matchRequests)
        .where(and(eq(matchRequests.orgId, orgId), eq(matchRequests.replacesBookingId, bookingId)))
        .limit(1)
      return row
    },

    /** Tutors (`tut_...`) the learner asked to replace so far. */
    async replacedTutors(db: DbOrTx, orgId: string, learnerId: string): Promise<string[]> {
      const rows = await db
        .selectDistinct({ tutorId: matchRequests.replacesTutorId })
        .from(matchRequests)
        .where(
          and(
            eq(matchRequests.orgId, orgId),
            eq(matchRequests.learnerId, learnerId),
            isNotNull(matchRequests.replacesTutorId),
          ),
        )
      return rows.map((r) => r.tutorId!)
    },

    /** A booking of the organization by id (bookings are written by the bookings area only). */
    async findBooking(db: DbOrTx, orgId: string, bookingId: string): Promise<TrialBookingRow | undefined> {
      const [row] = await db
        .select({
          id: bookings.id,
          tutorId: bookings.tutorId,
          learnerId: bookings.learnerId,
          trial: bookings.trial,
          status: bookings.status,
          endsAt: bookings.endsAt,
        })
        .from(bookings)
        .where(and(eq(bookings.orgId, orgId), eq(bookings.id, bookingId)))
        .limit(1)
      return row
    },
  }
}

/** What createMatchingRepository returns. */
export type MatchingRepository = ReturnType<typeof createMatchingRepository>
