import { AppError, type Database, type DbOrTx, type Tx } from '@learnmesh/kernel'
import { lt, sql } from 'drizzle-orm'
import { emailSends } from '../db/schema.ts'
import type { IdentityConfig } from '../config.ts'
import { createLoginAttemptsRepository } from './login-attempts.repository.ts'

const HOUR_MS = 3_600_000

/** Who is attempting: the account (when known), the email typed and the client IP. */
export interface AttemptSubject {
  userId: string | null
  email: string
  ip: string
}

/**
 * Brute-force limits over identity.login_attempts, shared by every replica: at most
 * LOGIN_MAX_FAILURES_PER_ACCOUNT_HOUR failures per account and LOGIN_MAX_FAILURES_PER_IP_HOUR per
 * IP in any rolling hour. Wrong passwords and wrong second-factor codes both count. Over the limit
 * is a 429 `rate_limited` whose Retry-After says when the oldest failure leaves the window.
 */
export function createLoginLimiter(options: { database: Database; config: IdentityConfig }) {
  const { database, config } = options
  const repo = createLoginAttemptsRepository()

  function retryAfter(oldest: Date | null): number {
    if (!oldest) return 60
    return Math.max(1, Math.ceil((oldest.getTime() + HOUR_MS - Date.now()) / 1000))
  }

  return {
    /** Throws 429 when the account or the IP is over its limit. */
    async assertAllowed(subject: AttemptSubject): Promise<void> {
      const since = new Date(Date.now() - HOUR_MS)
      const byIp = await repo.failuresForIp(database.db, subject.ip, since)
      if (byIp.count >= config.LOGIN_MAX_FAILURES_PER_IP_HOUR) {
        throw new AppError(
          'rate_limited',
          'Too many failed sign-in attempts from this network; try again later',
          {
            retryAfter: retryAfter(byIp.oldest),
          },
        )
      }
      const byAccount = await repo.failuresForAccount(database.db, subject, since)
      if (byAccount.count >= config.LOGIN_MAX_FAILURES_PER_ACCOUNT_HOUR) {
        throw new AppError(
          'rate_limited',
          'Too many failed sign-in attempts for this account; try again later',
          {
            retryAfter: retryAfter(byAccount.oldest),
          },
        )
      }
    },
    /** Records a failed attempt. */
    recordFailure: (subject: AttemptSubject) => repo.record(database.db, { ...subject, success: false }),
    /** Records a successful attempt (kept for the audit trail; it does not reset the window). */
    recordSuccess: (subject: AttemptSubject) => repo.record(database.db, { ...subject, success: true }),
    /** Deletes attempts older than a day. */
    prune: () => repo.prune(database.db, new Date(Date.now() - 24 * HOUR_MS)),
  }
}

/** The login limiter type. */
export type LoginLimiter = ReturnType<typeof createLoginLimiter>

/** What the email throttle counts: the emails a person can ask for again and again. */
export type ThrottledEmail = 'password_reset' | 'verify_email'

/**
 * Per-account throttle of the emails anyone can trigger repeatedly (a reset link by typing an
 * address, a verification resend), over identity.email_sends, shared by every replica: at most
 * EMAIL_MAX_PER_ACCOUNT_HOUR of one kind per account in any rolling hour, and
 * EMAIL_MIN_INTERVAL_SECONDS apart. Stops an inbox from being flooded through our mail server.
 */
export function createEmailThrottle(options: { config: IdentityConfig }) {
  const { config } = options
  return {
    /**
     * In the caller's transaction: when this email may go, records it and returns null; else the
     * seconds until it may, recording nothing. Serialized per account and kind (advisory lock), so
     * concurrent requests cannot both slip under the limit.
     */
    async take(tx: Tx, userId: string, purpose: ThrottledEmail): Promise<number | null> {
      const key = `identity.email:${purpose}:${userId}`
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`)
      const res = (await tx.execute(sql`
        select count(*)::int as n,
          extract(epoch from (min(at) + interval '1 hour' - now()))::float8 as window_left,
          extract(epoch from (max(at) + make_interval(secs => ${config.EMAIL_MIN_INTERVAL_SECONDS}) - now()))::float8 as gap_left
        from ${emailSends}
        where user_id = ${userId} and purpose = ${purpose} and at > now() - interval '1 hour'`)) as unknown as {
        rows: { n: number; window_left: number | null; gap_left: number | null }[]
      }
      const row = res.rows[0]!
      const waits: number[] = []
      if (row.n >= config.EMAIL_MAX_PER_ACCOUNT_HOUR && row.window_left !== null) waits.push(row.window_left)
      if (row.gap_left !== null && row.gap_left > 0) waits.push(row.gap_left)
      if (waits.length > 0) return Math.max(1, Math.ceil(Math.max(...waits)))
      await tx.insert(emailSends).values({ userId, purpose })
      return null
    },
    /** Deletes sends older than a day (housekeeping). */
    async prune(db: DbOrTx): Promise<void> {
      await db.delete(emailSends).where(lt(emailSends.at, new Date(Date.now() - 24 * HOUR_MS)))
    },
  }
}

/** The email throttle type. */
export type EmailThrottle = ReturnType<typeof createEmailThrottle>
