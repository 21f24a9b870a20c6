import { describe, expect, it } from 'vitest'
import { formatNumber, includedTax, netOf, taxLines } from './tax.ts'

describe('happy', () => {
  it('included tax at 20%: 1200 → 200, 1000 → 167 (net 833.33 rounds to 833)', () => {
    expect(includedTax(1200, 2000)).toBe(200)
    expect(includedTax(1000, 2000)).toBe(167)
    expect(netOf(1000, 2000)).toBe(833)
  })

  it('rounds the net half up: 21 at 5% → net 20 (20.0), 1 at 100% → net 1 (0.5 rounds up)', () => {
    expect(netOf(21, 500)).toBe(20)
    expect(netOf(1, 10_000)).toBe(1)
    expect(netOf(3, 10_000)).toBe(2) // 1.5 → 2
  })

  it('rate 0 means no tax', () => {
    expect(includedTax(999, 0)).toBe(0)
  })

  it('lines add up exactly to the totals for many amounts and rates', () => {
    for (const bp of [0, 550, 700, 1900, 2000, 2100, 2500]) {
      const lines = [1, 2, 3, 99, 1000, 1999, 4999, 12345, 0].map((a, i) => ({
        orderItemId: `oit_${i}`,
        title: 't',
        productType: 'course',
        quantity: 1,
        amountMinor: a,
      }))
      const r = taxLines(lines, bp)
      expect(r.totalMinor).toBe(lines.reduce((s, l) => s + l.amountMinor, 0))
      expect(r.lines.reduce((s, l) => s + l.taxMinor, 0)).toBe(r.taxMinor)
      expect(r.subtotalMinor + r.taxMinor).toBe(r.totalMinor)
      for (const l of r.lines) {
        expect(l.netMinor + l.taxMinor).toBe(l.amountMinor)
        expect(l.taxMinor).toBeGreaterThanOrEqual(0)
      }
    }
  })

  it('a negative (adjustment) line carries negative tax and still adds up', () => {
    const r = taxLines(
      [
        { orderItemId: 'a', title: 'a', productType: 'course', quantity: 1, amountMinor: 1200 },
        { orderItemId: '', title: 'Adjustment', productType: 'adjustment', quantity: 1, amountMinor: -600 },
      ],
      2000,
    )
    expect(r.lines.map((l) => l.taxMinor)).toEqual([200, -100])
    expect(r).toMatchObject({ totalMinor: 600, taxMinor: 100, subtotalMinor: 500 })
  })

  it('formats numbers with year and 6-digit sequence', () => {
    expect(formatNumber('invoice', 2026, 123)).toBe('INV-2026-000123')
    expect(formatNumber('credit_note', 2026, 7)).toBe('CN-2026-000007')
    expect(formatNumber('invoice', 2026, 1234567)).toBe('INV-2026-1234567')
  })
})

describe('errors', () => {
  it('refuses negative or fractional amounts and rates', () => {
    expect(() => netOf(-1, 2000)).toThrow(RangeError)
    expect(() => netOf(1.5, 2000)).toThrow(RangeError)
    expect(() => netOf(100, -1)).toThrow(RangeError)
  })
})
