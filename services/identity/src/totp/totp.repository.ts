import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { mfaChallenges, recoveryCodes } from '../db/schema.ts'

/** An mfa_challenges row. */
export type MfaChallengeRow = typeof mfaChallenges.$inferSelect

/** Data access for recovery codes and pending second-factor challenges. */
export function createTotpRepository() {
  return {
    /** Replaces a user's recovery codes with these hashes. */
    async replaceRecoveryCodes(
      db: DbOrTx,
      userId: string,
      rows: { id: string; codeHash: string }[],
    ): Promise<void> {
      await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId))
      if (rows.length) await db.insert(recoveryCodes).values(rows.map((r) => ({ ...r, userId })))
    },
    /** Deletes a user's recovery codes. */
    async deleteRecoveryCodes(db: DbOrTx, userId: string): Promise<void> {
      await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId))
    },
    /** Uses a recovery code once; true when it was valid and unused. */
    async consumeRecoveryCode(db: DbOrTx, userId: string, codeHash: string): Promise<boolean> {
      const rows = await db
        .update(recoveryCodes)
        .set({ usedAt: new Date() })
        .where(
          and(
            eq(recoveryCodes.userId, userId),
            eq(recoveryCodes.codeHash, codeHash),
            isNull(recoveryCodes.usedAt),
          ),
        )
        .returning({ id: recoveryCodes.id })
      return rows.length === 1
    },
    /** How many unused recovery codes a user has left. */
    async remainingRecoveryCodes(db: DbOrTx, userId: string): Promise<number> {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(recoveryCodes)
        .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
      return row?.n ?? 0
    },
    /** Stores a challenge. */
    async insertChallenge(db: DbOrTx, row: typeof mfaChallenges.$inferInsert): Promise<void> {
      await db.insert(mfaChallenges).values(row)
    },
    /** A live challenge (unused, unexpired, attempts left) by token hash, locked for the transaction. */
    async findLiveChallenge(
      db: DbOrTx,
      tokenHash: string,
      maxAttempts: number,
    ): Promise<MfaChallengeRow | undefined> {
      const [row] = await db
        .select()
        .from(mfaChallenges)
        .where(
          and(
            eq(mfaChallenges.tokenHash, tokenHash),
            isNull(mfaChallenges.usedAt),
            gt(mfaChallenges.expiresAt, new Date()),
            lt(mfaChallenges.attempts, maxAttempts),
          ),
        )
        .limit(1)
        .for('update')
      return row
    },
    /** Counts a wrong code against a challenge. */
    async addAttempt(db: DbOrTx, id: string): Promise<void> {
      await db
        .update(mfaChallenges)
        .set({ attempts: sql`${mfaChallenges.attempts} + 1` })
        .where(eq(mfaChallenges.id, id))
    },
    /** Marks a challenge used; true when it was still unused. */
    async useChallenge(db: DbOrTx, id: string): Promise<boolean> {
      const rows = await db
        .update(mfaChallenges)
        .set({ usedAt: new Date() })
        .where(and(eq(mfaChallenges.id, id), isNull(mfaChallenges.usedAt)))
        .returning({ id: mfaChallenges.id })
      return rows.length === 1
    },
  }
}

/** The TOTP repository type. */
export type TotpRepository = ReturnType<typeof createTotpRepository>
