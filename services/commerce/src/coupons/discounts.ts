/** A cart/order line as discounting sees it. */
export interface DiscountLine {
  /** Stable key (price id). */
  key: string
  productId: string
  /** unit × quantity, minor units. */
  grossMinor: number
}

/** A coupon as discounting sees it. */
export interface DiscountCoupon {
  code: string
  kind: 'percent' | 'fixed'
  percentOff: number | null
  amountOffMinor: number | null
  /** Empty: every line; otherwise only lines of these products. */
  productIds: string[]
}

/** The outcome: per line and per coupon, summing exactly. */
export interface DiscountResult {
  /** Discount per line key (every line present, 0 when none). */
  lineDiscounts: Map<string, number>
  /** Discount each coupon produced, in application order. */
  couponDiscounts: { code: string; discountMinor: number }[]
  totalDiscountMinor: number
}

/**
 * Splits `total` across `weights` in proportion, in integers, with the largest-remainder
 * (Hamilton) method: everyone gets floor(total·wᵢ/W), and the cents left go one each to the
 * largest fractional remainders (ties: the earlier line). The parts sum to `total` exactly and no
 * part exceeds its weight when total ≤ W. BigInt inside, so large amounts cannot overflow.
 */
export function allocateLargestRemainder(total: number, weights: number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError('total must be a safe integer >= 0')
  const W = weights.reduce((s, w) => s + BigInt(w), 0n)
  if (weights.length === 0) {
    if (total === 0) return []
    throw new RangeError('cannot allocate over no weights')
  }
  if (W === 0n) {
    if (total === 0) return weights.map(() => 0)
    throw new RangeError('cannot allocate over zero weights')
  }
  const T = BigInt(total)
  const parts = weights.map((w) => (T * BigInt(w)) / W)
  const remainders = weights.map((w, i) => ({ i, r: (T * BigInt(w)) % W }))
  let left = Number(T - parts.reduce((s, p) => s + p, 0n))
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1))
  for (const { i } of remainders) {
    if (left === 0) break
    parts[i]! += 1n
    left--
  }
  return parts.map(Number)
}

/** round(amount × percent / 100), half up, in integers. */
export function percentOf(amountMinor: number, percent: number): number {
  return Number((BigInt(amountMinor) * BigInt(percent) + 50n) / 100n)
}

/**
 * Applies coupons to lines. Order: every percent coupon first (in the order they were applied to
 * the cart), each on what its eligible lines still cost after the previous coupons; then every
 * fixed coupon, capped at what its eligible lines still cost. Each coupon's discount is allocated
 * over its eligible lines by largest remainder, weighted by their remaining amounts, so a line is
 * never discounted below 0 and line discounts sum exactly to the order discount.
 */
export function applyDiscounts(lines: DiscountLine[], coupons: DiscountCoupon[]): DiscountResult {
  const remaining = new Map(lines.map((l) => [l.key, l.grossMinor]))
  const lineDiscounts = new Map(lines.map((l) => [l.key, 0]))
  const ordered = [
    ...coupons.filter((c) => c.kind === 'percent'),
    ...coupons.filter((c) => c.kind === 'fixed'),
  ]
  const couponDiscounts: DiscountResult['couponDiscounts'] = []
  for (const coupon of ordered) {
    const eligible = lines.filter(
      (l) =>
        (coupon.productIds.length === 0 || coupon.productIds.includes(l.productId)) &&
        remaining.get(l.key)! > 0,
    )
    const base = eligible.reduce((s, l) => s + remaining.get(l.key)!, 0)
    const wanted =
      coupon.kind === 'percent'
        ? percentOf(base, Math.min(100, Math.max(0, coupon.percentOff ?? 0)))
        : Math.max(0, coupon.amountOffMinor ?? 0)
    const discount = Math.min(base, wanted)
    const parts = allocateLargestRemainder(
      discount,
      eligible.map((l) => remaining.get(l.key)!),
    )
    eligible.forEach((l, i) => {
      remaining.set(l.key, remaining.get(l.key)! - parts[i]!)
      lineDiscounts.set(l.key, lineDiscounts.get(l.key)! + parts[i]!)
    })
    couponDiscounts.push({ code: coupon.code, discountMinor: discount })
  }
  const totalDiscountMinor = couponDiscounts.reduce((s, c) => s + c.discountMinor, 0)
  return { lineDiscounts, couponDiscounts, totalDiscountMinor }
}
