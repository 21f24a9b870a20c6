import { sql, type SQL } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'

/**
 * How a job that calls the payment provider after its commit (card expiry, renewal charges) paces
 * itself: rows claimed per run, how long a claim holds (a run that died frees its rows after this),
 * the failed calls after which a row is no longer tried (logged for a person), and the back-off after
 * a failed call (`retryMs`, doubling with each failure, at most `maxRetryMs`).
 */
export interface ProviderCallPolicy {
  batch: number
  leaseMs: number
  maxAttempts: number
  retryMs: number
  maxRetryMs: number
}

/** `commerce.payments.expire_abandoned` (payments/card.expiry.ts). */
export const CARD_EXPIRY_CALLS: ProviderCallPolicy = {
  batch: 50,
  leaseMs: 15 * 60_000,
  maxAttempts: 8,
  retryMs: 10 * 60_000,
  maxRetryMs: 6 * 3_600_000,
}

/** `commerce.subscriptions.charge` (subscriptions/subscriptions.charges.ts). */
export const RENEWAL_CALLS: ProviderCallPolicy = {
  batch: 50,
  leaseMs: 15 * 60_000,
  maxAttempts: 8,
  retryMs: 5 * 60_000,
  maxRetryMs: 6 * 3_600_000,
}

/**
 * SQL for when a row whose call just failed may be tried again, given its failed calls before this
 * one: `now() + retryMs × 2^attempts`, at most `maxRetryMs`.
 */
export function retryAtSql(attempts: AnyPgColumn, policy: ProviderCallPolicy): SQL {
  return sql`now() + least(${policy.retryMs}::bigint * power(2, least(${attempts}, 30))::bigint, ${policy.maxRetryMs}::bigint) * interval '1 millisecond'`
}

/** Whether a failed call means the provider is out (no answer, 5xx, 429): the run stops calling. */
export const isOutage = (status: number | undefined): boolean =>
  status === undefined || status >= 500 || status === 429

/** A provider failure for logs and `last_error`: its type, code and HTTP status, never its message. */
export function failureOf(err: unknown): { error: string; status: number | undefined } {
  const e = (err ?? {}) as { name?: unknown; type?: unknown; code?: unknown; statusCode?: unknown }
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined
  const parts = [e.name, e.type, e.code].filter((p): p is string => typeof p === 'string' && p.length > 0)
  const error = [...new Set(parts)].join(':').slice(0, 200) || 'error'
  return { error: status ? `${error} (${status})` : error, status }
}
