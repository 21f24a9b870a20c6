import { describe, expect, it } from 'vitest'
import { addIntervals, dunning, proratedMinor, retryDays } from './periods.ts'

const d = (iso: string) => new Date(iso)

describe('happy', () => {
  it('months keep the anchor day, clamped to shorter months, without drifting', () => {
    const anchor = d('2026-01-31T10:00:00.000Z')
    expect(addIntervals(anchor, 'month', 1).toISOString()).toBe('2026-02-28T10:00:00.000Z')
    expect(addIntervals(anchor, 'month', 2).toISOString()).toBe('2026-03-31T10:00:00.000Z')
    expect(addIntervals(anchor, 'month', 13).toISOString()).toBe('2027-02-28T10:00:00.000Z')
    expect(addIntervals(d('2027-12-15T00:00:00.000Z'), 'month', 1).toISOString()).toBe(
      '2028-01-15T00:00:00.000Z',
    )
  })

  it('years from a leap day land on Feb 28, and on Feb 29 again four years later', () => {
    const anchor = d('2028-02-29T00:00:00.000Z')
    expect(addIntervals(anchor, 'year', 1).toISOString()).toBe('2029-02-28T00:00:00.000Z')
    expect(addIntervals(anchor, 'year', 4).toISOString()).toBe('2032-02-29T00:00:00.000Z')
  })

  it('dunning: retries on the configured days after the period end, then none', () => {
    const end = d('2026-05-01T00:00:00.000Z')
    const days = retryDays({ SUBSCRIPTION_RETRY_DAYS: ' 5, 1,3,3' })
    expect(days).toEqual([1, 3, 5])
    expect(dunning(days, end, 1)).toEqual({
      nextAttemptAt: d('2026-05-02T00:00:00.000Z'),
      graceUntil: d('2026-05-06T00:00:00.000Z'),
    })
    expect(dunning(days, end, 3).nextAttemptAt).toEqual(d('2026-05-06T00:00:00.000Z'))
    expect(dunning(days, end, 4).nextAttemptAt).toBeNull()
  })

  it('prorating refunds the unused share, floored, never more than paid and never negative', () => {
    const start = d('2026-01-01T00:00:00.000Z')
    const end = d('2026-01-31T00:00:00.000Z')
    expect(proratedMinor(3000, start, end, d('2026-01-16T00:00:00.000Z'))).toBe(1500)
    expect(proratedMinor(1000, start, end, d('2026-01-21T00:00:00.000Z'))).toBe(333)
    expect(proratedMinor(1000, start, end, d('2025-12-01T00:00:00.000Z'))).toBe(1000)
    expect(proratedMinor(1000, start, end, d('2026-02-01T00:00:00.000Z'))).toBe(0)
  })
})
