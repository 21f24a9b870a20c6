import { AppError } from '@learnmesh/kernel'
import { isValidTimeZone } from '../availability/windows.ts'

/** Levels a subject is taught at (docs/profiles.md). */
export const LEVELS = ['beginner', 'intermediate', 'advanced', 'exam'] as const
/** A teaching level. */
export type Level = (typeof LEVELS)[number]
/** Lesson lengths a tutor may offer, in minutes. */
export const LESSON_LENGTHS = [30, 45, 60, 90] as const
/** Most subjects, languages, packages and service areas one tutor may have. */
export const MAX_SUBJECTS = 20
export const MAX_LANGUAGES = 10
export const MAX_PACKAGES = 5
export const MAX_AREAS = 20
/** Largest radius of an in-person area (km): beyond it "in person" means nothing to a learner. */
export const MAX_RADIUS_KM = 200

/** A subject with the levels it is taught at, as stored. */
export interface SubjectInput {
  subject: string
  levels: string[]
}

/** A package: `lessons` lessons at `discountPercent` % off. */
export interface PackageInput {
  lessons: number
  discountPercent: number
}

// Latin letters NFKD does not decompose into ASCII.
const FOLD: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ł: 'l', þ: 'th' }

/**
 * A subject as stored and searched: a slug (`Mathématiques avancées` → `mathematiques-avancees`).
 * Nothing usable left is a 422.
 */
export function normalizeSubject(raw: string): string {
  const slug = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[ßæœøđłþ]/g, (ch) => FOLD[ch] ?? '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '')
  if (!slug) throw new AppError('unprocessable', `'${raw}' is not a usable subject name`)
  return slug
}

/**
 * Subjects as stored: slugs, levels deduplicated in the canonical order; the same subject twice
 * (after normalization) merges its levels.
 */
export function normalizeSubjects(input: SubjectInput[]): { subject: string; levels: Level[] }[] {
  const bySubject = new Map<string, Set<string>>()
  for (const s of input) {
    const slug = normalizeSubject(s.subject)
    const levels = bySubject.get(slug) ?? new Set<string>()
    for (const l of s.levels) levels.add(l)
    bySubject.set(slug, levels)
  }
  if (bySubject.size > MAX_SUBJECTS)
    throw new AppError('unprocessable', `A tutor teaches at most ${MAX_SUBJECTS} subjects`)
  return [...bySubject].map(([subject, levels]) => ({
    subject,
    levels: LEVELS.filter((l) => levels.has(l)),
  }))
}

/**
 * A language tag as stored: canonical BCP 47, lower-cased (`pt-BR` → `pt-br`). Not a well-formed
 * tag is a 422.
 */
export function normalizeLanguage(tag: string): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag.trim())
    if (canonical) return canonical.toLowerCase()
  } catch {
    // RangeError: not a well-formed BCP 47 tag.
  }
  throw new AppError('unprocessable', `'${tag}' is not a BCP 47 language tag (e.g. en, pt-BR)`)
}

/** Languages as stored: normalized, deduplicated, first occurrence order. */
export function normalizeLanguages(tags: string[]): string[] {
  const out = [...new Set(tags.map(normalizeLanguage))]
  if (out.length > MAX_LANGUAGES)
    throw new AppError('unprocessable', `A tutor teaches in at most ${MAX_LANGUAGES} languages`)
  return out
}

const currencies = new Set(Intl.supportedValuesOf('currency'))

/** An ISO 4217 currency code the runtime knows, upper case; anything else is a 422. */
export function normalizeCurrency(code: string): string {
  const upper = code.trim().toUpperCase()
  if (!/^[A-Z]{3}$/.test(upper) || !currencies.has(upper))
    throw new AppError('unprocessable', `'${code}' is not an ISO 4217 currency code`, { field: 'currency' })
  return upper
}

/**
 * An IANA time zone in its canonical spelling (`europe/paris` → `Europe/Paris`); an unknown zone
 * (or an offset such as `+01:00`, which knows nothing of DST) is a 422.
 */
export function canonicalTimeZone(zone: string): string {
  const trimmed = zone.trim()
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(trimmed) || !isValidTimeZone(trimmed))
    throw new AppError('unprocessable', `'${zone}' is not an IANA time zone (e.g. Europe/Paris)`, {
      field: 'timeZone',
    })
  return new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone
}

/** Lesson lengths as stored: deduplicated, ascending. */
export function normalizeLessonMinutes(minutes: number[]): number[] {
  return [...new Set(minutes)].sort((a, b) => a - b)
}

/** Packages as stored, by size; the same size twice is a 422 (which discount would apply?). */
export function normalizePackages(packages: PackageInput[]): PackageInput[] {
  const sizes = new Set<number>()
  for (const p of packages) {
    if (sizes.has(p.lessons))
      throw new AppError('unprocessable', `Two packages of ${p.lessons} lessons: keep one`, {
        field: 'packages',
      })
    sizes.add(p.lessons)
  }
  return [...packages]
    .map((p) => ({ lessons: p.lessons, discountPercent: p.discountPercent }))
    .sort((a, b) => a.lessons - b.lessons)
}

/** A postal code as stored and compared: upper case, spaces and dashes removed (`sw1a 1aa` → `SW1A1AA`). */
export function normalizePostalCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]+/g, '')
}

/**
 * The price of one lesson of `minutes` at `hourlyRateMinor`: rate × minutes / 60 rounded half up,
 * exactly as commerce prices the product (commerce stays the authority at checkout).
 */
export function lessonPriceMinor(hourlyRateMinor: number, minutes: number): number {
  return Number((2n * BigInt(hourlyRateMinor) * BigInt(minutes) + 60n) / 120n)
}

/** What a profile needs before it can be listed or reviewed. */
export interface ListingFacts {
  headline: string
  bio: string
  subjects: number
  languages: number
  offersOnline: boolean
  offersInPerson: boolean
  areas: number
}

/**
 * What is missing for the profile to be listed (empty: complete). A listed profile must stay
 * complete: a change that would make it incomplete is refused.
 */
export function missingForListing(f: ListingFacts): string[] {
  const missing: string[] = []
  if (!f.headline.trim()) missing.push('headline')
  if (!f.bio.trim()) missing.push('bio')
  if (f.subjects === 0) missing.push('subjects')
  if (f.languages === 0) missing.push('languages')
  if (!f.offersOnline && !f.offersInPerson) missing.push('mode')
  if (f.offersInPerson && f.areas === 0) missing.push('serviceAreas')
  return missing
}

/** The part of a profile commerce sells (tutoring.tutor.listed). */
export interface Offer {
  displayName: string
  currency: string
  hourlyRateMinor: number
  lessonMinutes: number[]
  packages: PackageInput[]
  status: string
}

/**
 * Whether commerce must hear about the change from `before` to `after`, and what: `true` (list or
 * update the products), `false` (archive them) or null (nothing it sells changed).
 */
export function listingChange(before: Offer | null, after: Offer): boolean | null {
  const wasListed = before?.status === 'listed'
  const isListed = after.status === 'listed'
  if (!isListed) return wasListed ? false : null
  if (!wasListed) return true
  const same =
    before.displayName === after.displayName &&
    before.currency === after.currency &&
    before.hourlyRateMinor === after.hourlyRateMinor &&
    JSON.stringify(before.lessonMinutes) === JSON.stringify(after.lessonMinutes) &&
    JSON.stringify(before.packages) === JSON.stringify(after.packages)
  return same ? null : true
}

/** Bayesian rating: a prior of RATING_PRIOR_MEAN stars weighing RATING_PRIOR_WEIGHT reviews. */
export const RATING_PRIOR_MEAN = 4.0
export const RATING_PRIOR_WEIGHT = 10

/**
 * The rating ranking uses: (prior × weight + average × count) / (weight + count). One 5.0 review
 * gives 4.09, two hundred of 4.8 give 4.76: volume earns trust. Without reviews: the prior.
 */
export function bayesianRating(average: number | null, count: number): number {
  const n = average === null ? 0 : count
  return (RATING_PRIOR_MEAN * RATING_PRIOR_WEIGHT + (average ?? 0) * n) / (RATING_PRIOR_WEIGHT + n)
}

/** Response rate prior: RESPONSE_PRIOR_RATE weighing RESPONSE_PRIOR_WEIGHT requests. */
export const RESPONSE_PRIOR_RATE = 0.7
export const RESPONSE_PRIOR_WEIGHT = 5

/** The response rate ranking uses: shrunk towards the prior while there are few samples. */
export function bayesianResponseRate(rate: number | null, samples: number): number {
  const n = rate === null ? 0 : samples
  return (RESPONSE_PRIOR_RATE * RESPONSE_PRIOR_WEIGHT + (rate ?? 0) * n) / (RESPONSE_PRIOR_WEIGHT + n)
}
