/**
 * Pure money arithmetic of the ledger. Everything is integer minor units; products that could
 * pass 2^53 are computed with BigInt. Every split returns parts that add up to the input exactly.
 */

/** Throws unless `n` is a non-negative safe integer (a programming error upstream otherwise). */
export function assertMinor(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`${what} must be a non-negative integer, got ${n}`)
}

/** floor(a × b / c) for non-negative integers, exact (BigInt), c > 0. */
export function mulDivFloor(a: number, b: number, c: number): number {
  if (c <= 0) throw new RangeError('mulDivFloor: divisor must be positive')
  return Number((BigInt(a) * BigInt(b)) / BigInt(c))
}

/**
 * Splits `amount` into the payee's share and the platform's: payee = floor(amount × pct / 100),
 * platform = the remainder. Rounding favours the platform by at most one minor unit, and the two
 * parts always add up to `amount`.
 */
export function splitShare(amount: number, payeePercent: number): { payee: number; platform: number } {
  assertMinor(amount, 'amount')
  if (!Number.isInteger(payeePercent) || payeePercent < 0 || payeePercent > 100) {
    throw new RangeError(`percent must be an integer 0..100, got ${payeePercent}`)
  }
  const payee = mulDivFloor(amount, payeePercent, 100)
  return { payee, platform: amount - payee }
}

/**
 * The payee's part of a refund step when a line credited `payeeTotal` of `lineTotal` to the payee.
 * Cumulative rule: after refunding `before + step` in total the payee has given back
 * floor((before + step) × payeeTotal / lineTotal); this step is the difference. Successive partial
 * refunds therefore never drift: refunding the whole line gives back exactly `payeeTotal`.
 * The result is clamped to [0, step] (the ratio may change between steps for escrowed lines).
 */
export function proportionalPart(
  before: number,
  step: number,
  payeeTotal: number,
  lineTotal: number,
): number {
  assertMinor(before, 'before')
  assertMinor(step, 'step')
  if (lineTotal <= 0 || step === 0) return 0
  const part = mulDivFloor(before + step, payeeTotal, lineTotal) - mulDivFloor(before, payeeTotal, lineTotal)
  return Math.min(step, Math.max(0, part))
}

/**
 * The share of an escrow hold the `k`-th settled lesson (1-based) of `lessons` carries:
 * floor(amount / lessons) for every lesson but the last, which takes the remainder, so the shares
 * of all lessons add up to `amount` exactly. Beyond the last lesson the share is 0.
 */
export function lessonShare(amount: number, lessons: number, k: number): number {
  assertMinor(amount, 'amount')
  const n = Math.max(1, lessons)
  if (k < 1 || k > n) return 0
  const each = Math.floor(amount / n)
  return k === n ? amount - each * (n - 1) : each
}
