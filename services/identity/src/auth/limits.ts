import { AppError, type Database } from '@learnmesh/kernel'
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
