import { describe, expect, it } from 'vitest'
import { allocateLargestRemainder, applyDiscounts, percentOf, type DiscountCoupon } from './discounts.ts'

const line = (key: string, grossMinor: number, productId = `prd_${key}`) => ({ key, productId, grossMinor })
const pct = (code: string, percentOff: number, productIds: string[] = []): DiscountCoupon => ({
  code,
  kind: 'percent',
  percentOff,
  amountOffMinor: null,
  productIds,
})
const fixed = (code: string, amountOffMinor: number, productIds: string[] = []): DiscountCoupon => ({
  code,
  kind: 'fixed',
  percentOff: null,
  amountOffMinor,
  productIds,
})

/** A small deterministic PRNG so failures are replayable. */
function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

describe('happy', () => {
  it('largest remainder: 100 over three equal lines is 34/33/33 (ties go to the earlier line)', () => {
    expect(allocateLargestRemainder(100, [1, 1, 1])).toEqual([34, 33, 33])
    expect(allocateLargestRemainder(10, [3333, 3333, 3334])).toEqual([3, 3, 4])
  })

  it('percent rounds half up in integers', () => {
    expect(percentOf(4999, 10)).toBe(500) // 499.9
    expect(percentOf(5, 10)).toBe(1) // 0.5 → 1
    expect(percentOf(4, 10)).toBe(0) // 0.4 → 0
  })

  it('percent coupons apply before fixed ones, whatever order they were added in', () => {
    const r = applyDiscounts([line('a', 10_000)], [fixed('F', 1000), pct('P', 10)])
    // 10% of 10000 = 1000, then 1000 fixed off the remaining 9000 → 2000 total (not 1900).
    expect(r.couponDiscounts).toEqual([
      { code: 'P', discountMinor: 1000 },
      { code: 'F', discountMinor: 1000 },
    ])
    expect(r.totalDiscountMinor).toBe(2000)
  })

  it('a product coupon only touches its product; a sitewide one is spread over all lines', () => {
    const r = applyDiscounts([line('a', 3000), line('b', 1000)], [pct('P', 50, ['prd_a'])])
    expect(r.lineDiscounts.get('a')).toBe(1500)
    expect(r.lineDiscounts.get('b')).toBe(0)
    const s = applyDiscounts([line('a', 3000), line('b', 1000)], [fixed('F', 101)])
    expect([s.lineDiscounts.get('a'), s.lineDiscounts.get('b')]).toEqual([76, 25])
  })

  it('random carts: line discounts always sum to the order discount and no line goes below 0', () => {
    const rand = rng(42)
    for (let run = 0; run < 2000; run++) {
      const lines = Array.from({ length: 1 + Math.floor(rand() * 6) }, (_, i) =>
        line(`l${i}`, Math.floor(rand() * 1_000_000_000) * (rand() < 0.1 ? 0 : 1)),
      )
      const coupons: DiscountCoupon[] = []
      for (let c = 0; c < Math.floor(rand() * 4); c++) {
        const only = rand() < 0.3 ? [lines[Math.floor(rand() * lines.length)]!.productId] : []
        coupons.push(
          rand() < 0.5
            ? pct(`P${c}`, 1 + Math.floor(rand() * 100), only)
            : fixed(`F${c}`, 1 + Math.floor(rand() * 2_000_000_000), only),
        )
      }
      const r = applyDiscounts(lines, coupons)
      const sum = [...r.lineDiscounts.values()].reduce((s, v) => s + v, 0)
      expect(sum, `seed 42 run ${run}`).toBe(r.totalDiscountMinor)
      for (const l of lines) {
        const d = r.lineDiscounts.get(l.key)!
        expect(d).toBeGreaterThanOrEqual(0)
        expect(d).toBeLessThanOrEqual(l.grossMinor)
      }
    }
  })
})

describe('errors', () => {
  it('a fixed coupon larger than the cart discounts the whole cart, never below 0', () => {
    const r = applyDiscounts([line('a', 300), line('b', 200)], [fixed('F', 10_000)])
    expect(r.totalDiscountMinor).toBe(500)
    expect(r.lineDiscounts.get('a')).toBe(300)
    expect(r.lineDiscounts.get('b')).toBe(200)
  })

  it('100% plus a fixed coupon leaves the fixed coupon nothing to take', () => {
    const r = applyDiscounts([line('a', 999)], [pct('P', 100), fixed('F', 50)])
    expect(r.couponDiscounts).toEqual([
      { code: 'P', discountMinor: 999 },
      { code: 'F', discountMinor: 0 },
    ])
  })

  it('allocation refuses negative totals and allocating money over nothing', () => {
    expect(() => allocateLargestRemainder(-1, [1])).toThrow(RangeError)
    expect(() => allocateLargestRemainder(5, [0, 0])).toThrow(RangeError)
    expect(allocateLargestRemainder(0, [0, 0])).toEqual([0, 0])
  })
})

describe('security', () => {
  it('huge amounts do not overflow (BigInt inside): parts still sum exactly', () => {
    const parts = allocateLargestRemainder(99_999_999_999, [1_000_000_000_000, 999_999_999_999, 7])
    expect(parts.reduce((s, p) => s + p, 0)).toBe(99_999_999_999)
  })
})
