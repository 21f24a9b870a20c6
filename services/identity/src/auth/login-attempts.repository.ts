import { and, eq, gt, lt, sql } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { loginAttempts } from '../db/schema.ts'

/** Failures counted in a window and when the oldest of them leaves it. */
export interface FailureCount {
  count: number
  /** The oldest failure in the window (null when none). */
  oldest: Date | null
}

/** Data access for identity.login_attempts: the shared brute-force ledger of every replica. */
export function createLoginAttemptsRepository() {
  async function count(db: DbOrTx, where: ReturnType<typeof and>): Promise<FailureCount> {
    const [row] = await db
      .select({ count: sql<number>`count(*)::int`, oldest: sql<string | null>`min(${loginAttempts.at})` })
      .from(loginAttempts)
      .where(where)
    return { count: row?.count ?? 0, oldest: row?.oldest ? new Date(row.oldest) : null }
  }
  return {
    /** Records one attempt. */
    async record(
      db: DbOrTx,
      row: { userId: string | null; email: string; ip: string; success: boolean },
    ): Promise<void> {
      await db.insert(loginAttempts).values(row)
    },
    /** Failures for an account (by user id when known, else by the email typed) since `since`. */
    async failuresForAccount(
      db: DbOrTx,
      account: { userId: string | null; email: string },
      since: Date,
    ): Promise<FailureCount> {
      const who = account.userId
        ? eq(loginAttempts.userId, account.userId)
        : eq(loginAttempts.email, account.email)
      return count(db, and(who, eq(loginAttempts.success, false), gt(loginAttempts.at, since)))
    },
    /** Failures from an IP since `since`. */
    async failuresForIp(db: DbOrTx, ip: string, since: Date): Promise<FailureCount> {
      return count(
        db,
        and(eq(loginAttempts.ip, ip), eq(loginAttempts.success, false), gt(loginAttempts.at, since)),
      )
    },
    /** Deletes attempts older than `before` (housekeeping). */
    async prune(db: DbOrTx, before: Date): Promise<void> {
      await db.delete(loginAttempts).where(lt(loginAttempts.at, before))
    },
  }
}

/** The login attempts repository type. */
export type LoginAttemptsRepository = ReturnType<typeof createLoginAttemptsRepository>
