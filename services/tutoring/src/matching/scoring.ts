import { bayesianRating, bayesianResponseRate } from '../profiles/profiles.rules.ts'

/** The factors a match score is made of. */
export type Factor = 'subject' | 'availability' | 'rating' | 'price' | 'responseRate' | 'distance'

/**
 * Weights of each factor (they sum to 1, so a score is in 0..1). Online requests have no distance;
 * in-person ones give it 15 % taken from the others. docs/matching.md explains each choice.
 */
export const WEIGHTS: Record<'online' | 'in_person', Partial<Record<Factor, number>>> = {
  online: { subject: 0.3, availability: 0.3, rating: 0.2, price: 0.1, responseRate: 0.1 },
  in_person: {
    subject: 0.25,
    availability: 0.25,
    rating: 0.15,
    price: 0.1,
    responseRate: 0.1,
    distance: 0.15,
  },
}

/** Sub-score of a tutor who teaches the subject but not at the requested level. */
export const OTHER_LEVEL_FIT = 0.3
/** Overlap that saturates the availability factor: 10 hours over the next 14 days (or all the learner asked for, if less). */
export const AVAILABILITY_TARGET_MINUTES = 600
/** Days of open slots compared with the learner's preferred times. */
export const AVAILABILITY_DAYS = 14
/** Km at which the distance sub-score reaches 0 (linear from 1 at the centre). */
export const DISTANCE_SCALE_KM = 50
/** Tutors above budget × this are not candidates; between budget and it the price sub-score falls from 0.5 to 0. */
export const OVER_BUDGET_LIMIT = 1.5

/** One factor of a tutor's score, as explained to the learner. */
export interface FactorScore {
  factor: Factor
  /** What was measured (minutes, stars, minor units, km, …). */
  raw: Record<string, unknown>
  /** 0..1, higher is better. */
  subScore: number
  /** The factor's weight. */
  weight: number
  /** weight × subScore: what the factor adds to the score. */
  contribution: number
}

/** What scoring knows about a candidate. */
export interface CandidateFacts {
  levelsTaught: string[]
  ratingAverage: number | null
  ratingCount: number
  responseRate: number | null
  responseSamples: number
  hourlyRateMinor: number
  currency: string
  /** Km to the nearest containing area's centre; null for a postal-code match (in person only). */
  distanceKm: number | null
}

/** What the learner asked for, as scoring needs it. */
export interface RequestFacts {
  mode: 'online' | 'in_person'
  level?: string
  budgetMinor?: number
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000
const clamp01 = (n: number) => Math.min(1, Math.max(0, n))

/** Subject fit: 1 when the level is taught (or none was asked), OTHER_LEVEL_FIT otherwise. */
export function subjectFit(levelsTaught: string[], level: string | undefined): number {
  return level === undefined || levelsTaught.includes(level) ? 1 : OTHER_LEVEL_FIT
}

/**
 * Price against budget: within budget 1 − 0.5 × rate/budget (cheaper is better, never below 0.5);
 * above it falling linearly from 0.5 to 0 at OVER_BUDGET_LIMIT × budget. No budget: 1 (no preference).
 */
export function priceFit(rateMinor: number, budgetMinor: number | undefined): number {
  if (budgetMinor === undefined) return 1
  if (budgetMinor <= 0) return rateMinor <= 0 ? 1 : 0
  if (rateMinor <= budgetMinor) return 1 - (0.5 * rateMinor) / budgetMinor
  return clamp01(0.5 * (1 - (rateMinor - budgetMinor) / ((OVER_BUDGET_LIMIT - 1) * budgetMinor)))
}

/** Availability: overlap / min(wanted, AVAILABILITY_TARGET_MINUTES), capped at 1; 0 when nothing was wanted. */
export function availabilityFit(overlapMinutes: number, wantedMinutes: number): number {
  const target = Math.min(wantedMinutes, AVAILABILITY_TARGET_MINUTES)
  return target <= 0 ? 0 : clamp01(overlapMinutes / target)
}

/** Distance: 1 − km / DISTANCE_SCALE_KM, at least 0; a postal-code match (no km) is 1. */
export function distanceFit(distanceKm: number | null): number {
  return distanceKm === null ? 1 : clamp01(1 - distanceKm / DISTANCE_SCALE_KM)
}

/**
 * The factors of a candidate except availability (which needs the calendar): sub-scores rounded
 * to 4 decimals, so the explanation adds up exactly as shown.
 */
export function staticFactors(c: CandidateFacts, r: RequestFacts): FactorScore[] {
  const weights = WEIGHTS[r.mode]
  const make = (factor: Factor, raw: Record<string, unknown>, sub: number): FactorScore => {
    const weight = weights[factor] ?? 0
    const subScore = round4(sub)
    return { factor, raw, subScore, weight, contribution: round4(weight * subScore) }
  }
  const rating = bayesianRating(c.ratingCount > 0 ? c.ratingAverage : null, c.ratingCount)
  const out = [
    make(
      'subject',
      { levelRequested: r.level ?? null, levelsTaught: c.levelsTaught },
      subjectFit(c.levelsTaught, r.level),
    ),
    make(
      'rating',
      { average: c.ratingCount > 0 ? c.ratingAverage : null, count: c.ratingCount, bayesian: round4(rating) },
      rating / 5,
    ),
    make(
      'price',
      { hourlyRateMinor: c.hourlyRateMinor, currency: c.currency, budgetMinor: r.budgetMinor ?? null },
      priceFit(c.hourlyRateMinor, r.budgetMinor),
    ),
    make(
      'responseRate',
      { rate: c.responseRate, samples: c.responseSamples },
      bayesianResponseRate(c.responseRate, c.responseSamples),
    ),
  ]
  if (r.mode === 'in_person')
    out.push(
      make(
        'distance',
        { km: c.distanceKm === null ? null : round4(c.distanceKm) },
        distanceFit(c.distanceKm),
      ),
    )
  return out
}

/** The availability factor of a candidate. */
export function availabilityFactor(
  mode: 'online' | 'in_person',
  overlapMinutes: number,
  wantedMinutes: number,
  lessonMinutes: number,
): FactorScore {
  const weight = WEIGHTS[mode].availability ?? 0
  const subScore = round4(availabilityFit(overlapMinutes, wantedMinutes))
  return {
    factor: 'availability',
    raw: { overlapMinutes, wantedMinutes, lessonMinutes, days: AVAILABILITY_DAYS },
    subScore,
    weight,
    contribution: round4(weight * subScore),
  }
}

/** A score: Σ weight × sub-score, rounded to 4 decimals. */
export function totalScore(factors: FactorScore[]): number {
  return round4(factors.reduce((sum, f) => sum + f.weight * f.subScore, 0))
}

/** The best score a candidate could still reach: its static factors plus a perfect availability. */
export function upperBound(mode: 'online' | 'in_person', staticScores: FactorScore[]): number {
  return totalScore(staticScores) + (WEIGHTS[mode].availability ?? 0)
}
