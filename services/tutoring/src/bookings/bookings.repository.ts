import { and, asc, desc, eq, gt, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx, Tx } from '@learnmesh/kernel'
import { bookings, disputes, lessonCredits, people, tutorProfiles } from '../db/schema.ts'
import type { BookingStatus } from './bookings.policy.ts'

/** A booking row. */
export type BookingRow = typeof bookings.$inferSelect
/** A new booking. */
export type NewBooking = typeof bookings.$inferInsert
/** A lesson credit row. */
export type CreditRow = typeof lessonCredits.$inferSelect
/** A dispute row. */
export type DisputeRow = typeof disputes.$inferSelect
/** A tutor profile row. */
export type TutorRow = typeof tutorProfiles.$inferSelect

/** Which bookings a list returns. */
export interface BookingListFilter {
  orgId: string
  /** The caller: bookings where they are the learner or the tutor (null: the whole org, admins). */
  userId: string | null
  role?: 'learner' | 'tutor'
  when?: 'upcoming' | 'past'
  status?: string
  now: Date
  limit: number
  /** Keyset: the last row of the previous page. */
  after?: { startsAt: Date; id: string }
}

/** The names a booking is shown with: learners by user id, tutors by profile id. */
export interface BookingNames {
  learners: Map<string, string>
  tutors: Map<string, string>
}

/** Drizzle only: plain rows in and out. Every query is scoped by org. */
export function createBookingsRepository() {
  return {
    /**
     * The learners' names (tutoring's copy from identity.user.registered) and the tutors' profile
     * names of these bookings: two indexed lookups, whatever the number of bookings.
     */
    async namesOf(db: DbOrTx, rows: readonly BookingRow[]): Promise<BookingNames> {
      const learnerIds = [...new Set(rows.map((r) => r.learnerId))]
      const tutorIds = [...new Set(rows.map((r) => r.tutorId))]
      const [learners, tutors] = [
        learnerIds.length
          ? await db
              .select({ id: people.userId, name: people.displayName })
              .from(people)
              .where(inArray(people.userId, learnerIds))
          : [],
        tutorIds.length
          ? await db
              .select({ id: tutorProfiles.id, name: tutorProfiles.displayName })
              .from(tutorProfiles)
              .where(inArray(tutorProfiles.id, tutorIds))
          : [],
      ]
      return {
        learners: new Map(learners.map((r) => [r.id, r.name])),
        tutors: new Map(tutors.map((r) => [r.id, r.name])),
      }
    },

    /** A tutor profile of the org (any status). */
    async findTutor(db: DbOrTx, orgId: string, tutorId: string): Promise<TutorRow | null> {
      const [row] = await db
        .select()
        .from(tutorProfiles)
        .where(and(eq(tutorProfiles.orgId, orgId), eq(tutorProfiles.id, tutorId)))
        .limit(1)
      return row ?? null
    },

    /** Marks holds past their expiry as expired for this tutor or learner, so a stale hold never blocks. */
    async expireStaleHolds(tx: Tx, tutorId: string, learnerId: string, now: Date): Promise<void> {
      await tx
        .update(bookings)
        .set({ status: 'expired', updatedAt: now })
        .where(
          and(
            eq(bookings.status, 'held'),
            lte(bookings.holdExpiresAt, now),
            or(eq(bookings.tutorId, tutorId), eq(bookings.learnerId, learnerId)),
          ),
        )
    },

    /** Every hold past its expiry → expired. Returns how many. */
    async expireAllStaleHolds(tx: Tx, now: Date): Promise<number> {
      const rows = await tx
        .update(bookings)
        .set({ status: 'expired', updatedAt: now })
        .where(and(eq(bookings.status, 'held'), lte(bookings.holdExpiresAt, now)))
        .returning({ id: bookings.id })
      return rows.length
    },

    async insert(tx: Tx, row: NewBooking): Promise<BookingRow> {
      const [created] = await tx.insert(bookings).values(row).returning()
      return created!
    },

    /** A booking of the org, optionally row-locked. */
    async find(db: DbOrTx, orgId: string, id: string, lock = false): Promise<BookingRow | null> {
      const q = db
        .select()
        .from(bookings)
        .where(and(eq(bookings.orgId, orgId), eq(bookings.id, id)))
        .limit(1)
      const [row] = lock ? await q.for('update') : await q
      return row ?? null
    },

    /**
     * Moves a booking from one of `from` to a new status (and other fields) in one guarded UPDATE:
     * null when its status was not in `from` any more (someone else moved it first). This guard is
     * what makes completion, cancellation and dispute resolution happen once.
     */
    async transition(
      tx: Tx,
      id: string,
      from: readonly BookingStatus[],
      set: Partial<NewBooking> & { status?: BookingStatus },
      now: Date,
    ): Promise<BookingRow | null> {
      const [row] = await tx
        .update(bookings)
        .set({ ...set, updatedAt: now, revision: sql`${bookings.revision} + 1` })
        .where(and(eq(bookings.id, id), inArray(bookings.status, [...from])))
        .returning()
      return row ?? null
    },

    /** One more lesson taught on the tutor's profile (shown on profiles). */
    async countLessonTaught(tx: Tx, tutorId: string): Promise<void> {
      await tx
        .update(tutorProfiles)
        .set({ lessonsTaught: sql`${tutorProfiles.lessonsTaught} + 1` })
        .where(eq(tutorProfiles.id, tutorId))
    },

    /** Whether the learner already has (or had) a lesson with this tutor (trials are for first lessons). */
    async hasLessonWith(
      tx: Tx,
      orgId: string,
      learnerId: string,
      tutorId: string,
      now: Date,
    ): Promise<boolean> {
      const [row] = await tx
        .select({ id: bookings.id })
        .from(bookings)
        .where(
          and(
            eq(bookings.orgId, orgId),
            eq(bookings.learnerId, learnerId),
            eq(bookings.tutorId, tutorId),
            or(
              inArray(bookings.status, ['booked', 'confirmed', 'completed', 'disputed']),
              and(eq(bookings.status, 'held'), gt(bookings.holdExpiresAt, now)),
            ),
          ),
        )
        .limit(1)
      return Boolean(row)
    },

    /**
     * Serializes checks that span rows (a learner's open holds, a first-lesson trial) for one key
     * until the transaction ends.
     */
    async lockKey(tx: Tx, key: string): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`)
    },

    /** The learner's holds that have not expired. */
    async openHolds(tx: Tx, orgId: string, learnerId: string, now: Date): Promise<number> {
      const [row] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(bookings)
        .where(
          and(
            eq(bookings.orgId, orgId),
            eq(bookings.learnerId, learnerId),
            eq(bookings.status, 'held'),
            gt(bookings.holdExpiresAt, now),
          ),
        )
      return Number(row?.n ?? 0)
    },

    /** Bookings of a paid order line that still hold time or wait for settlement. */
    async openOfOrderLine(tx: Tx, orgId: string, orderId: string, productRef: string): Promise<BookingRow[]> {
      return tx
        .select()
        .from(bookings)
        .where(
          and(
            eq(bookings.orgId, orgId),
            eq(bookings.orderId, orderId),
            eq(bookings.productRef, productRef),
            eq(bookings.paidWith, 'checkout'),
            inArray(bookings.status, ['booked', 'confirmed', 'disputed']),
          ),
        )
        .for('update')
    },

    /** How many bookings (any status) of an order carry this product ref. */
    async countOfOrderRef(tx: Tx, orgId: string, orderId: string, productRef: string): Promise<number> {
      const [row] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(bookings)
        .where(
          and(eq(bookings.orgId, orgId), eq(bookings.orderId, orderId), eq(bookings.productRef, productRef)),
        )
      return Number(row?.n ?? 0)
    },

    /** Bookings paid by a credit that are not settled yet (the credit's order narrows the search). */
    async openOfCredit(tx: Tx, credit: { id: string; orderId: string }): Promise<BookingRow[]> {
      return tx
        .select()
        .from(bookings)
        .where(
          and(
            eq(bookings.orderId, credit.orderId),
            eq(bookings.creditId, credit.id),
            inArray(bookings.status, ['booked', 'confirmed', 'disputed']),
          ),
        )
        .for('update')
    },

    /** Lessons past their end + the auto-confirm delay and not completed yet (skipping rows others hold). */
    async dueForAutoComplete(tx: Tx, endedBefore: Date, limit: number): Promise<BookingRow[]> {
      return tx
        .select()
        .from(bookings)
        .where(and(inArray(bookings.status, ['booked', 'confirmed']), lte(bookings.endsAt, endedBefore)))
        .orderBy(asc(bookings.endsAt))
        .limit(limit)
        .for('update', { skipLocked: true })
    },

    /** One page of bookings, keyset-paginated on (starts_at, id): upcoming ascending, past descending. */
    async list(db: DbOrTx, f: BookingListFilter): Promise<BookingRow[]> {
      const conds: (SQL | undefined)[] = [eq(bookings.orgId, f.orgId)]
      if (f.userId) {
        if (f.role === 'learner') conds.push(eq(bookings.learnerId, f.userId))
        else if (f.role === 'tutor') conds.push(eq(bookings.tutorUserId, f.userId))
        else conds.push(or(eq(bookings.learnerId, f.userId), eq(bookings.tutorUserId, f.userId)))
      }
      if (f.status) conds.push(eq(bookings.status, f.status))
      const past = f.when === 'past'
      if (f.when === 'upcoming') conds.push(gt(bookings.endsAt, f.now))
      if (past) conds.push(lte(bookings.endsAt, f.now))
      if (f.after) {
        const { startsAt, id } = f.after
        conds.push(
          past
            ? sql`(${bookings.startsAt}, ${bookings.id}) < (${startsAt.toISOString()}::timestamptz, ${id})`
            : sql`(${bookings.startsAt}, ${bookings.id}) > (${startsAt.toISOString()}::timestamptz, ${id})`,
        )
      }
      return db
        .select()
        .from(bookings)
        .where(and(...conds))
        .orderBy(
          past ? desc(bookings.startsAt) : asc(bookings.startsAt),
          past ? desc(bookings.id) : asc(bookings.id),
        )
        .limit(f.limit)
    },

    /** The oldest credit of the learner with this tutor and length that has lessons left, row-locked. */
    async lockUsableCredit(
      tx: Tx,
      orgId: string,
      learnerId: string,
      tutorUserId: string,
      minutes: number,
    ): Promise<CreditRow | null> {
      const [row] = await tx
        .select()
        .from(lessonCredits)
        .where(
          and(
            eq(lessonCredits.orgId, orgId),
            eq(lessonCredits.learnerId, learnerId),
            eq(lessonCredits.tutorUserId, tutorUserId),
            eq(lessonCredits.minutes, minutes),
            lt(lessonCredits.lessonsUsed, lessonCredits.lessonsTotal),
          ),
        )
        .orderBy(asc(lessonCredits.createdAt), asc(lessonCredits.id))
        .limit(1)
        .for('update')
      return row ?? null
    },

    /** Uses (+1) or gives back (−1) one lesson of a credit, within 0..lessonsTotal. */
    async adjustCredit(tx: Tx, creditId: string, delta: 1 | -1): Promise<boolean> {
      const rows = await tx
        .update(lessonCredits)
        .set({ lessonsUsed: sql`${lessonCredits.lessonsUsed} + ${delta}` })
        .where(
          and(
            eq(lessonCredits.id, creditId),
            delta > 0
              ? lt(lessonCredits.lessonsUsed, lessonCredits.lessonsTotal)
              : gt(lessonCredits.lessonsUsed, 0),
          ),
        )
        .returning({ id: lessonCredits.id })
      return rows.length === 1
    },

    /** Inserts a credit once per order line; false when it already existed. */
    async insertCredit(tx: Tx, row: typeof lessonCredits.$inferInsert): Promise<boolean> {
      const rows = await tx
        .insert(lessonCredits)
        .values(row)
        .onConflictDoNothing({ target: lessonCredits.orderItemId })
        .returning({ id: lessonCredits.id })
      return rows.length === 1
    },

    /** Credits of an order with this package ref, row-locked. */
    async creditsOfOrder(tx: Tx, orgId: string, orderId: string): Promise<CreditRow[]> {
      return tx
        .select()
        .from(lessonCredits)
        .where(and(eq(lessonCredits.orgId, orgId), eq(lessonCredits.orderId, orderId)))
        .for('update')
    },

    /** Leaves a credit with no lesson left (its line was refunded). */
    async exhaustCredit(tx: Tx, creditId: string): Promise<void> {
      await tx
        .update(lessonCredits)
        .set({ lessonsTotal: lessonCredits.lessonsUsed })
        .where(eq(lessonCredits.id, creditId))
    },

    /** The learner's credits, newest first. */
    async creditsOf(db: DbOrTx, orgId: string, learnerId: string): Promise<CreditRow[]> {
      return db
        .select()
        .from(lessonCredits)
        .where(and(eq(lessonCredits.orgId, orgId), eq(lessonCredits.learnerId, learnerId)))
        .orderBy(desc(lessonCredits.createdAt), desc(lessonCredits.id))
        .limit(200)
    },

    async insertDispute(tx: Tx, row: typeof disputes.$inferInsert): Promise<DisputeRow> {
      const [created] = await tx.insert(disputes).values(row).returning()
      return created!
    },

    async findDispute(db: DbOrTx, orgId: string, id: string, lock = false): Promise<DisputeRow | null> {
      const q = db
        .select()
        .from(disputes)
        .where(and(eq(disputes.orgId, orgId), eq(disputes.id, id)))
        .limit(1)
      const [row] = lock ? await q.for('update') : await q
      return row ?? null
    },

    async disputeOfBooking(db: DbOrTx, bookingId: string): Promise<DisputeRow | null> {
      const [row] = await db.select().from(disputes).where(eq(disputes.bookingId, bookingId)).limit(1)
      return row ?? null
    },

    /** An org's disputes, oldest first, keyset on (created_at, id). */
    async listDisputes(
      db: DbOrTx,
      orgId: string,
      status: string | undefined,
      limit: number,
      after?: { createdAt: Date; id: string },
    ): Promise<DisputeRow[]> {
      return db
        .select()
        .from(disputes)
        .where(
          and(
            eq(disputes.orgId, orgId),
            status ? eq(disputes.status, status) : undefined,
            after
              ? sql`(${disputes.createdAt}, ${disputes.id}) > (${after.createdAt.toISOString()}::timestamptz, ${after.id})`
              : undefined,
          ),
        )
        .orderBy(asc(disputes.createdAt), asc(disputes.id))
        .limit(limit)
    },

    /** Resolves an open dispute once; null when it was resolved already. */
    async resolveDispute(
      tx: Tx,
      id: string,
      set: Pick<DisputeRow, 'resolution' | 'refundPercent' | 'resolvedBy' | 'resolutionNote' | 'resolvedAt'>,
    ): Promise<DisputeRow | null> {
      const [row] = await tx
        .update(disputes)
        .set({ ...set, status: 'resolved' })
        .where(and(eq(disputes.id, id), eq(disputes.status, 'open')))
        .returning()
      return row ?? null
    },
  }
}

/** The bookings repository's type. */
export type BookingsRepository = ReturnType<typeof createBookingsRepository>
