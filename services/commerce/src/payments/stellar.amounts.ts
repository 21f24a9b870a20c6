/** Stellar amounts have exactly 7 decimals: 1 unit = 10^7 stroops. */
export const STELLAR_DECIMALS = 7

const AMOUNT = /^(\d{1,12})(?:\.(\d{1,7}))?$/
/** The largest amount Stellar can carry: 2^63 − 1 stroops (`922337203685.4775807`). */
export const MAX_STROOPS = 2n ** 63n - 1n

/**
 * Minor units of a currency with `decimals` decimals (USD: 2) → the asset amount in stroops, exactly
 * (BigInt: 1 cent = 100000 stroops of USDC).
 */
export function minorToStroops(amountMinor: number, decimals: number): bigint {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) throw new Error(`invalid amount ${amountMinor}`)
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > STELLAR_DECIMALS) {
    throw new Error(`invalid decimals ${decimals}`)
  }
  const stroops = BigInt(amountMinor) * 10n ** BigInt(STELLAR_DECIMALS - decimals)
  if (stroops > MAX_STROOPS) throw new Error(`amount ${amountMinor} exceeds what Stellar can carry`)
  return stroops
}

/** Stroops → Stellar's amount string with 7 decimals (`12.3400000`). */
export function stroopsToAmount(stroops: bigint): string {
  if (stroops < 0n) throw new Error('negative amount')
  const s = stroops.toString().padStart(STELLAR_DECIMALS + 1, '0')
  return `${s.slice(0, -STELLAR_DECIMALS)}.${s.slice(-STELLAR_DECIMALS)}`
}

/** Minor units → Stellar's 7-decimal amount string (`1234` cents → `12.3400000`). */
export function minorToAmount(amountMinor: number, decimals: number): string {
  return stroopsToAmount(minorToStroops(amountMinor, decimals))
}

/** A Stellar amount string (`12.34`, `12.3400000`) → stroops; null when it is not one. */
export function amountToStroops(amount: string): bigint | null {
  const m = AMOUNT.exec(amount)
  if (!m) return null
  const stroops = BigInt(m[1]!) * 10n ** 7n + BigInt((m[2] ?? '').padEnd(STELLAR_DECIMALS, '0'))
  return stroops <= MAX_STROOPS ? stroops : null
}

/**
 * Stroops → minor units, only when the amount is a whole number of minor units (null otherwise:
 * `12.345` USDC is not a number of cents).
 */
export function stroopsToMinor(stroops: bigint, decimals: number): number | null {
  const unit = 10n ** BigInt(STELLAR_DECIMALS - decimals)
  if (stroops % unit !== 0n) return null
  const minor = stroops / unit
  return minor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(minor) : null
}
