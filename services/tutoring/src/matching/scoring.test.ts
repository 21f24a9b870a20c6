import { describe, expect, it } from 'vitest'
import { bayesianRating } from '../profiles/profiles.rules.ts'
import { overlapMinutes, preferredIntervals } from './preferences.ts'
import {
  WEIGHTS,
  availabilityFactor,
  availabilityFit,
  distanceFit,
  priceFit,
  staticFactors,
  subjectFit,
  totalScore,
  upperBound,
} from './scoring.ts'

const facts = {
  levelsTaught: ['beginner', 'advanced'],
  ratingAverage: null,
  ratingCount: 0,
  responseRate: null,
  responseSamples: 0,
  hourlyRateMinor: 4000,
  currency: 'EUR',
  distanceKm: null,
}

describe('weights', () => {
  it('sum to 1 in both modes, so a score is in 0..1', () => {
    for (const mode of ['online', 'in_person'] as const) {
      const sum = Object.values(WEIGHTS[mode]).reduce((a, b) => a + b, 0)
      expect(sum).toBeCloseTo(1, 12)
    }
    expect(WEIGHTS.online.distance).toBeUndefined()
  })
})

describe('sub-scores', () => {
  it('subject fit: the requested level taught, no level asked, another level only', () => {
    expect(subjectFit(['advanced'], 'advanced')).toBe(1)
    expect(subjectFit(['advanced'], undefined)).toBe(1)
    expect(subjectFit(['beginner'], 'exam')).toBe(0.3)
  })

  it('price: cheaper within budget is better, falls to 0 at 150 % of budget, neutral without budget', () => {
    expect(priceFit(0, 5000)).toBe(1)
    expect(priceFit(2500, 5000)).toBe(0.75)
    expect(priceFit(5000, 5000)).toBe(0.5)
    expect(priceFit(6250, 5000)).toBe(0.25)
    expect(priceFit(7500, 5000)).toBe(0)
    expect(priceFit(9000, 5000)).toBe(0)
    expect(priceFit(9000, undefined)).toBe(1)
  })

  it('availability saturates at the smaller of what was wanted and 10 hours', () => {
    expect(availabilityFit(120, 240)).toBe(0.5)
    expect(availabilityFit(600, 3000)).toBe(1)
    expect(availabilityFit(300, 3000)).toBe(0.5)
    expect(availabilityFit(0, 0)).toBe(0)
  })

  it('distance: linear to 0 at 50 km; a postal-code match counts as 1', () => {
    expect(distanceFit(0)).toBe(1)
    expect(distanceFit(25)).toBe(0.5)
    expect(distanceFit(80)).toBe(0)
    expect(distanceFit(null)).toBe(1)
  })

  it('Bayesian rating: one 5.0 review does not beat 200 reviews of 4.8', () => {
    expect(bayesianRating(5, 1)).toBeLessThan(bayesianRating(4.8, 200))
    expect(bayesianRating(null, 0)).toBe(4)
  })
})

describe('score', () => {
  it('is Σ weight × sub-score of the explanation, each contribution shown', () => {
    const factors = [
      ...staticFactors(
        { ...facts, ratingAverage: 4.5, ratingCount: 30, responseRate: 0.9, responseSamples: 20 },
        { mode: 'in_person', level: 'exam', budgetMinor: 5000 },
      ),
      availabilityFactor('in_person', 100, 300, 60),
    ]
    expect(factors.map((f) => f.factor).sort()).toEqual(
      ['availability', 'distance', 'price', 'rating', 'responseRate', 'subject'].sort(),
    )
    const sum = factors.reduce((s, f) => s + f.weight * f.subScore, 0)
    expect(totalScore(factors)).toBeCloseTo(sum, 4)
    for (const f of factors) expect(f.contribution).toBeCloseTo(f.weight * f.subScore, 4)
    expect(factors.find((f) => f.factor === 'subject')!.subScore).toBe(0.3)
  })

  it('the upper bound is the static score plus a perfect availability', () => {
    const s = staticFactors(facts, { mode: 'online' })
    const best = totalScore([...s, availabilityFactor('online', 600, 600, 60)])
    expect(upperBound('online', s)).toBeCloseTo(best, 4)
  })
})

describe('preferred times', () => {
  it('weekly windows are wall-clock time in the learner zone, across a DST change', () => {
    // Europe/Paris goes to summer time on Sunday 29 March 2026.
    const from = new Date('2026-03-23T00:00:00Z')
    const to = new Date('2026-04-06T00:00:00Z')
    const iv = preferredIntervals(
      'Europe/Paris',
      { weekly: [{ weekday: 1, start: '18:00', end: '20:00' }] },
      from,
      to,
    )
    expect(iv.map((i) => i.start.toISOString())).toEqual([
      '2026-03-23T17:00:00.000Z',
      '2026-03-30T16:00:00.000Z',
    ])
  })

  it('ranges are clipped to the horizon and merged with weekly windows', () => {
    const from = new Date('2026-03-02T00:00:00Z')
    const to = new Date('2026-03-16T00:00:00Z')
    const iv = preferredIntervals(
      'UTC',
      {
        weekly: [{ weekday: 1, start: '10:00', end: '12:00' }],
        ranges: [
          { startsAt: '2026-03-02T11:00:00Z', endsAt: '2026-03-02T13:00:00Z' },
          { startsAt: '2026-03-15T23:00:00Z', endsAt: '2026-03-16T05:00:00Z' },
        ],
      },
      from,
      to,
    )
    expect(iv.map((i) => [i.start.toISOString(), i.end.toISOString()])).toEqual([
      ['2026-03-02T10:00:00.000Z', '2026-03-02T13:00:00.000Z'],
      ['2026-03-09T10:00:00.000Z', '2026-03-09T12:00:00.000Z'],
      ['2026-03-15T23:00:00.000Z', '2026-03-16T00:00:00.000Z'],
    ])
  })

  it('overlap counts minutes present in both lists', () => {
    const d = (h: number) => new Date(Date.UTC(2026, 2, 2, h))
    expect(
      overlapMinutes(
        [
          { start: d(9), end: d(11) },
          { start: d(13), end: d(15) },
        ],
        [{ start: d(10), end: d(14) }],
      ),
    ).toBe(120)
  })

  it('a window ending before it starts is a 422', () => {
    expect(() =>
      preferredIntervals(
        'UTC',
        { weekly: [{ weekday: 1, start: '12:00', end: '10:00' }] },
        new Date(),
        new Date(),
      ),
    ).toThrow(/end must be after/)
  })
})
