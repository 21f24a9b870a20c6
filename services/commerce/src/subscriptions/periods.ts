import type { CommerceConfig } from '../config.ts'

/** A plan price's billing interval. */
export type PlanInterval = 'month' | 'year'

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * `anchor` plus `count` intervals, Stripe style: the day of month is kept and clamped to the end of
 * shorter months (Jan 31 → Feb 28 → Mar 31), always computed from the anchor so it never drifts.
 */
export function addIntervals(anchor: Date, interval: PlanInterval, count: number): Date {
  const months = interval === 'year' ? 12 * count : count
  const y = anchor.getUTCFullYear()
  const m = anchor.getUTCMonth() + months
  const targetYear = y + Math.floor(m / 12)
  const targetMonth = ((m % 12) + 12) % 12
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate()
  return new Date(
    Date.UTC(
      targetYear,
      targetMonth,
      Math.min(anchor.getUTCDate(), lastDay),
      anchor.getUTCHours(),
      anchor.getUTCMinutes(),
      anchor.getUTCSeconds(),
      anchor.getUTCMilliseconds(),
    ),
  )
}

/** `date` plus whole days. */
export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS)
}

/** SUBSCRIPTION_RETRY_DAYS as increasing, de-duplicated day offsets after the period end (e.g. [1, 3, 5]). */
export function retryDays(config: Pick<CommerceConfig, 'SUBSCRIPTION_RETRY_DAYS'>): number[] {
  const days = config.SUBSCRIPTION_RETRY_DAYS.split(',')
    .map((d) => Number(d.trim()))
    .filter((d) => Number.isInteger(d) && d >= 0)
  return [...new Set(days)].sort((a, b) => a - b)
}

/**
 * The dunning schedule after `failedAttempts` failures of the renewal due at `periodEnd`: when the
 * next retry is due (null = no retry left: cancel) and the last retry's time (access lasts until then).
 */
export function dunning(
  days: number[],
  periodEnd: Date,
  failedAttempts: number,
): { nextAttemptAt: Date | null; graceUntil: Date } {
  const next = days[failedAttempts - 1]
  const last = days[days.length - 1] ?? 0
  return {
    nextAttemptAt: next === undefined ? null : addDays(periodEnd, next),
    graceUntil: addDays(periodEnd, last),
  }
}

/** The part of `amountMinor` matching the unused time of a period (floored: never refunds more than paid). */
export function proratedMinor(amountMinor: number, periodStart: Date, periodEnd: Date, now: Date): number {
  const total = periodEnd.getTime() - periodStart.getTime()
  const left = Math.min(Math.max(periodEnd.getTime() - now.getTime(), 0), total)
  if (total <= 0 || left <= 0) return 0
  return Number((BigInt(amountMinor) * BigInt(left)) / BigInt(total))
}
