import type { CommerceConfig } from '../config.ts'
import { mulDivFloor } from './money.ts'

/** What a commission policy decides on. */
export interface CommissionInput {
  /** The amount released from escrow for one lesson, minor units. */
  amountMinor: number
  /** Minutes the tutor had taught in this organization before this lesson. */
  minutesTaughtBefore: number
}

/**
 * How much of a released tutoring lesson the platform keeps. Implementations must return an
 * integer in [0, amountMinor]; the tutor gets the rest.
 */
export interface CommissionPolicy {
  /** Name for logs and docs (`flat`, `tiered`). */
  readonly name: string
  /** The platform's commission on one lesson, minor units. */
  platformShareMinor(input: CommissionInput): number
}

/**
 * Platform commission at `percent`: the tutor gets floor(amount × (100 − percent) / 100) and the
 * platform the remainder (same rounding rule as course sales: the payee's share rounds down).
 */
export function commissionAt(amountMinor: number, percent: number): number {
  return amountMinor - mulDivFloor(amountMinor, 100 - percent, 100)
}

/** The same percentage on every lesson. */
export function flatCommission(percent: number): CommissionPolicy {
  return { name: 'flat', platformShareMinor: (i) => commissionAt(i.amountMinor, percent) }
}

/** A tier: from `fromHours` hours taught (inclusive) the platform takes `percent`. */
export interface CommissionTier {
  fromHours: number
  percent: number
}

/** Default tiers: 0–20 h taught 25 %, 20–100 h 20 %, 100 h and more 15 %. */
export const DEFAULT_TIERS: readonly CommissionTier[] = [
  { fromHours: 0, percent: 25 },
  { fromHours: 20, percent: 20 },
  { fromHours: 100, percent: 15 },
]

/**
 * The rate falls with the hours the tutor has taught before the lesson (the whole lesson is charged
 * at the tier reached before it starts; a lesson is never split across tiers).
 */
export function tieredCommission(tiers: readonly CommissionTier[] = DEFAULT_TIERS): CommissionPolicy {
  const sorted = [...tiers].sort((a, b) => a.fromHours - b.fromHours)
  return {
    name: 'tiered',
    platformShareMinor(i) {
      let percent = sorted[0]?.percent ?? 0
      for (const t of sorted) if (i.minutesTaughtBefore >= t.fromHours * 60) percent = t.percent
      return commissionAt(i.amountMinor, percent)
    },
  }
}

/** The policy TUTORING_COMMISSION_POLICY selects. */
export function commissionPolicyFrom(config: CommerceConfig): CommissionPolicy {
  switch (config.TUTORING_COMMISSION_POLICY) {
    case 'flat':
      return flatCommission(config.TUTORING_COMMISSION_PERCENT)
    case 'tiered':
      return tieredCommission()
  }
}
