import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { commissionAt, flatCommission, tieredCommission } from './commission.ts'
import { lessonShare, mulDivFloor, proportionalPart, splitShare } from './money.ts'

const amount = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })

describe('happy', () => {
  it('a revenue split adds up to the cent and rounds the payee down', () => {
    fc.assert(
      fc.property(amount, fc.integer({ min: 0, max: 100 }), (a, pct) => {
        const s = splitShare(a, pct)
        expect(s.payee + s.platform).toBe(a)
        expect(s.payee).toBe(Number((BigInt(a) * BigInt(pct)) / 100n))
        expect(s.platform).toBeGreaterThanOrEqual(0)
      }),
      { numRuns: 5000 },
    )
    expect(splitShare(1999, 80)).toEqual({ payee: 1599, platform: 400 })
    expect(splitShare(1, 80)).toEqual({ payee: 0, platform: 1 })
  })

  it('successive partial refunds give back exactly the payee’s credit when the whole line is refunded', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 20 }),
        (a, pct, steps) => {
          const payee = splitShare(a, pct).payee
          let before = 0
          let given = 0
          for (const raw of steps) {
            const step = Math.min(raw, a - before)
            if (step === 0) break
            const part = proportionalPart(before, step, payee, a)
            expect(part).toBeGreaterThanOrEqual(0)
            expect(part).toBeLessThanOrEqual(step)
            given += part
            before += step
            expect(given).toBe(mulDivFloor(before, payee, a))
          }
          given += proportionalPart(before, a - before, payee, a)
          expect(given).toBe(payee)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('lesson shares add up to the hold exactly, the last one carrying the remainder', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 60 }), (a, n) => {
        let sum = 0
        for (let k = 1; k <= n; k++) sum += lessonShare(a, n, k)
        expect(sum).toBe(a)
        expect(lessonShare(a, n, n + 1)).toBe(0)
      }),
      { numRuns: 2000 },
    )
    expect([1, 2, 3].map((k) => lessonShare(1000, 3, k))).toEqual([333, 333, 334])
  })

  it('commission policies stay within the amount; flat is 20% by default with the tutor rounded down', () => {
    expect(flatCommission(20).platformShareMinor({ amountMinor: 1001, minutesTaughtBefore: 0 })).toBe(201)
    expect(commissionAt(999, 20)).toBe(200) // tutor floor(799.2) = 799
    const tiered = tieredCommission()
    expect(tiered.platformShareMinor({ amountMinor: 10_000, minutesTaughtBefore: 0 })).toBe(2500)
    expect(tiered.platformShareMinor({ amountMinor: 10_000, minutesTaughtBefore: 20 * 60 - 1 })).toBe(2500)
    expect(tiered.platformShareMinor({ amountMinor: 10_000, minutesTaughtBefore: 20 * 60 })).toBe(2000)
    expect(tiered.platformShareMinor({ amountMinor: 10_000, minutesTaughtBefore: 100 * 60 })).toBe(1500)
    fc.assert(
      fc.property(amount, fc.nat({ max: 1_000_000 }), (a, m) => {
        for (const p of [tiered, flatCommission(20), flatCommission(0), flatCommission(100)]) {
          const c = p.platformShareMinor({ amountMinor: a, minutesTaughtBefore: m })
          expect(Number.isSafeInteger(c) && c >= 0 && c <= a).toBe(true)
        }
      }),
    )
  })
})

describe('errors', () => {
  it('refuses non-integer or negative money and out-of-range percentages', () => {
    expect(() => splitShare(1.5, 80)).toThrow(RangeError)
    expect(() => splitShare(-1, 80)).toThrow(RangeError)
    expect(() => splitShare(100, 101)).toThrow(RangeError)
    expect(() => lessonShare(0.5, 2, 1)).toThrow(RangeError)
    expect(() => mulDivFloor(1, 1, 0)).toThrow(RangeError)
  })
})
