import { AppError, newId, type Principal } from '@learnmesh/kernel'
import type { TutoringDeps } from '../deps.ts'
import { openSlots } from '../availability/availability.service.ts'
import { mergeIntervals } from '../availability/windows.ts'
import { createProfilesRepository, type ProfileRow } from '../profiles/profiles.repository.ts'
import {
  canonicalTimeZone,
  normalizeCurrency,
  normalizeLanguage,
  normalizePostalCode,
  normalizeSubject,
} from '../profiles/profiles.rules.ts'
import type { TutorSearch } from '../profiles/search.query.ts'
import { searchProfiles } from '../profiles/search.repository.ts'
import { createMatchingRepository, type MatchRequestRow } from './matching.repository.ts'
import { minutesIn, overlapMinutes, preferredIntervals, type PreferredTimesInput } from './preferences.ts'
import {
  AVAILABILITY_DAYS,
  OVER_BUDGET_LIMIT,
  availabilityFactor,
  staticFactors,
  totalScore,
  upperBound,
  type FactorScore,
} from './scoring.ts'

/** Most listed tutors one request considers (pre-ranked by Bayesian rating in SQL). */
export const MAX_CANDIDATES = 500
/** Tutors returned when the request does not say. */
export const DEFAULT_RESULTS = 10

/** A match request as the learner sends it. */
export interface MatchInput {
  subject: string
  level?: 'beginner' | 'intermediate' | 'advanced' | 'exam'
  language?: string
  budget?: { maxHourlyMinor: number; currency: string }
  timeZone: string
  preferredTimes: PreferredTimesInput
  mode: 'online' | 'in_person'
  location?: { lat?: number; lng?: number; postalCode?: string; country?: string }
  lessonMinutes?: 30 | 45 | 60 | 90
  trial?: boolean
  limit?: number
}

/** The normalized request, as stored in `criteria`. */
export interface MatchCriteria extends MatchInput {
  lessonMinutes: 30 | 45 | 60 | 90
  trial: boolean
  limit: number
  /** Tutors left out because the learner replaced them before. */
  excludedTutorIds: string[]
  /** A replacement's reason. */
  replacementReason?: string
}

/** One ranked tutor, as stored in `results` and returned. */
export interface MatchResult {
  rank: number
  tutorId: string
  userId: string
  displayName: string
  headline: string
  hourlyRate: { amountMinor: number; currency: string }
  verified: boolean
  trial: { minutes: number } | null
  score: number
  explanation: FactorScore[]
}

const FACTOR_ORDER = ['subject', 'availability', 'rating', 'price', 'responseRate', 'distance']

/** Validates and normalizes a request (400 on contradictions, 422 on unknown zones, currencies, languages). */
export function normalizeCriteria(input: MatchInput): Omit<MatchCriteria, 'excludedTutorIds'> {
  const weekly = input.preferredTimes.weekly ?? []
  const ranges = input.preferredTimes.ranges ?? []
  if (weekly.length + ranges.length === 0)
    throw new AppError('bad_request', 'Give at least one preferred time (a weekly window or a range)')
  const loc = input.location
  if (loc && (loc.lat === undefined) !== (loc.lng === undefined))
    throw new AppError('bad_request', 'Give both lat and lng')
  if (loc?.country !== undefined && loc.postalCode === undefined)
    throw new AppError('bad_request', 'location.country goes with location.postalCode')
  if (input.mode === 'in_person' && (!loc || (loc.lat === undefined && loc.postalCode === undefined)))
    throw new AppError('bad_request', 'An in-person request needs a location (lat and lng, or a postal code)')
  if (input.mode === 'online' && loc) throw new AppError('bad_request', 'An online request takes no location')
  const out: Omit<MatchCriteria, 'excludedTutorIds'> = {
    subject: normalizeSubject(input.subject),
    timeZone: canonicalTimeZone(input.timeZone),
    preferredTimes: { weekly, ranges },
    mode: input.mode,
    lessonMinutes: input.lessonMinutes ?? 60,
    trial: input.trial ?? false,
    limit: input.limit ?? DEFAULT_RESULTS,
  }
  if (input.level) out.level = input.level
  if (input.language) out.language = normalizeLanguage(input.language)
  if (input.budget)
    out.budget = {
      maxHourlyMinor: input.budget.maxHourlyMinor,
      currency: normalizeCurrency(input.budget.currency),
    }
  if (loc) {
    out.location = {
      ...(loc.lat !== undefined ? { lat: loc.lat, lng: loc.lng! } : {}),
      ...(loc.postalCode !== undefined ? { postalCode: normalizePostalCode(loc.postalCode) } : {}),
      ...(loc.country !== undefined ? { country: loc.country.toUpperCase() } : {}),
    }
  }
  return out
}

/** Booking statuses after which a trial counts as having taken place (with endsAt passed for booked/confirmed). */
const TRIAL_DONE = ['completed', 'disputed']
const TRIAL_LIVE = ['booked', 'confirmed']

/**
 * Matching: ranks the listed tutors of the learner's organization for a request (subject fit,
 * availability overlap over the next 14 days, Bayesian rating, price against budget, response rate
 * and, in person, distance), stores the request with its answer, and ranks replacements after a
 * trial without the tutors the learner already replaced.
 */
export function createMatchingService(deps: TutoringDeps) {
  const { database, config } = deps
  const repo = createMatchingRepository()
  const profiles = createProfilesRepository()
  const db = database.db

  /** The ranked answer for normalized criteria. */
  async function rank(orgId: string, learnerId: string, c: MatchCriteria): Promise<MatchResult[]> {
    const search: TutorSearch = { subject: c.subject, verifiedOnly: false, mode: c.mode }
    if (c.language) search.language = c.language
    if (c.budget) {
      search.currency = c.budget.currency
      search.maxRate = Math.floor(c.budget.maxHourlyMinor * OVER_BUDGET_LIMIT)
    }
    if (c.location?.lat !== undefined) search.point = { lat: c.location.lat, lng: c.location.lng! }
    if (c.location?.postalCode) search.postalCode = c.location.postalCode
    if (c.location?.country) search.country = c.location.country
    const excluded = new Set(c.excludedTutorIds)
    const rows = (await searchProfiles(db, orgId, search, 'rating', { limit: MAX_CANDIDATES - 1 })).filter(
      (r) =>
        !excluded.has(r.profile.id) &&
        r.profile.userId !== learnerId &&
        (!c.trial || r.profile.trialMinutes !== null),
    )
    const subjects = await profiles.subjectsOf(
      db,
      rows.map((r) => r.profile.id),
    )
    const candidates = rows
      .map((r) => {
        const levelsTaught = subjects.get(r.profile.id)?.find((s) => s.subject === c.subject)?.levels ?? []
        const factors = staticFactors(
          {
            levelsTaught,
            ratingAverage: r.profile.ratingAvg,
            ratingCount: r.profile.ratingCount,
            responseRate: r.profile.responseRate,
            responseSamples: r.profile.responseSamples,
            hourlyRateMinor: r.profile.hourlyRateMinor,
            currency: r.profile.currency,
            distanceKm: r.distanceKm,
          },
          {
            mode: c.mode,
            ...(c.level ? { level: c.level } : {}),
            ...(c.budget ? { budgetMinor: c.budget.maxHourlyMinor } : {}),
          },
        )
        return { profile: r.profile, factors, bound: upperBound(c.mode, factors) }
      })
      .sort((a, b) => b.bound - a.bound || (a.profile.id < b.profile.id ? -1 : 1))

    const now = deps.now()
    const to = new Date(now.getTime() + AVAILABILITY_DAYS * 86_400_000)
    const wanted = preferredIntervals(c.timeZone, c.preferredTimes, now, to)
    const wantedMinutes = minutesIn(wanted)
    const top: { profile: ProfileRow; score: number; explanation: FactorScore[] }[] = []
    for (const cand of candidates) {
      // Branch and bound: once the last kept score beats what this candidate could reach with a
      // perfect calendar, no later candidate (sorted by that bound) can enter the top.
      if (top.length === c.limit && top[top.length - 1]!.score > cand.bound + 1e-4) break
      const p = cand.profile
      const minutes = c.trial
        ? p.trialMinutes!
        : p.lessonMinutes.includes(c.lessonMinutes) || p.lessonMinutes.length === 0
          ? c.lessonMinutes
          : Math.min(...p.lessonMinutes)
      const slots = await openSlots(
        db,
        { id: p.id, timeZone: p.timeZone, bufferMinutes: p.bufferMinutes },
        now,
        to,
        minutes,
        {
          now,
          minNoticeHours: config.BOOKING_MIN_NOTICE_HOURS,
          horizonDays: config.BOOKING_HORIZON_DAYS,
        },
      )
      const open = mergeIntervals(slots.map((s) => ({ start: s.startsAt, end: s.endsAt })))
      const explanation = [
        ...cand.factors,
        availabilityFactor(c.mode, overlapMinutes(open, wanted), wantedMinutes, minutes),
      ].sort((a, b) => FACTOR_ORDER.indexOf(a.factor) - FACTOR_ORDER.indexOf(b.factor))
      const entry = { profile: p, score: totalScore(explanation), explanation }
      top.push(entry)
      top.sort((a, b) => b.score - a.score || (a.profile.id < b.profile.id ? -1 : 1))
      if (top.length > c.limit) top.pop()
    }
    return top.map((e, i) => ({
      rank: i + 1,
      tutorId: e.profile.id,
      userId: e.profile.userId,
      displayName: e.profile.displayName,
      headline: e.profile.headline,
      hourlyRate: { amountMinor: e.profile.hourlyRateMinor, currency: e.profile.currency },
      verified: e.profile.verificationStatus === 'verified',
      trial: e.profile.trialMinutes === null ? null : { minutes: e.profile.trialMinutes },
      score: e.score,
      explanation: e.explanation,
    }))
  }

  return {
    /** Ranks tutors for the learner's request and stores both. Tutors the learner replaced before stay out. */
    async request(principal: Principal, input: MatchInput): Promise<MatchRequestRow> {
      const base = normalizeCriteria(input)
      const excludedTutorIds = await repo.replacedTutors(db, principal.orgId, principal.userId)
      const criteria: MatchCriteria = { ...base, excludedTutorIds }
      const results = await rank(principal.orgId, principal.userId, criteria)
      const row = await repo.insert(db, {
        id: newId('mrq'),
        orgId: principal.orgId,
        learnerId: principal.userId,
        criteria: criteria as unknown as Record<string, unknown>,
        results,
        createdAt: deps.now(),
      })
      return row!
    },

    /** One of the learner's match requests (404 for anyone else's). */
    async get(principal: Principal, id: string): Promise<MatchRequestRow> {
      const row = await repo.findForLearner(db, principal.orgId, principal.userId, id)
      if (!row) throw new AppError('not_found', 'Match request not found')
      return row
    },

    /**
     * After a trial: a new ranking for the same request without the trial's tutor nor any tutor
     * the learner replaced before. The booking must be the learner's own trial that took place
     * (completed, disputed, or booked/confirmed and over). One replacement per trial booking: asking
     * again returns the stored one (`created: false`).
     */
    async replacement(
      principal: Principal,
      matchRequestId: string,
      input: { bookingId: string; reason: string },
    ): Promise<{ row: MatchRequestRow; created: boolean }> {
      const original = await repo.findForLearner(db, principal.orgId, principal.userId, matchRequestId)
      if (!original) throw new AppError('not_found', 'Match request not found')
      const booking = await repo.findBooking(db, principal.orgId, input.bookingId)
      if (!booking || booking.learnerId !== principal.userId)
        throw new AppError('not_found', 'Booking not found')
      const existing = await repo.findReplacement(db, principal.orgId, booking.id)
      if (existing) {
        if (existing.learnerId !== principal.userId) throw new AppError('not_found', 'Booking not found')
        return { row: existing, created: false }
      }
      if (!booking.trial) throw new AppError('conflict', 'Only a trial lesson leads to a replacement')
      const now = deps.now()
      const done =
        TRIAL_DONE.includes(booking.status) ||
        (TRIAL_LIVE.includes(booking.status) && booking.endsAt.getTime() <= now.getTime())
      if (!done)
        throw new AppError('conflict', 'The trial lesson has not taken place', {
          bookingStatus: booking.status,
        })
      const previous = await repo.replacedTutors(db, principal.orgId, principal.userId)
      const before = original.criteria as unknown as MatchCriteria
      const criteria: MatchCriteria = {
        ...before,
        excludedTutorIds: [...new Set([...previous, booking.tutorId])],
        replacementReason: input.reason.trim(),
      }
      const results = await rank(principal.orgId, principal.userId, criteria)
      const row = await repo.insert(db, {
        id: newId('mrq'),
        orgId: principal.orgId,
        learnerId: principal.userId,
        criteria: criteria as unknown as Record<string, unknown>,
        results,
        replacesTutorId: booking.tutorId,
        replacesBookingId: booking.id,
        createdAt: now,
      })
      if (row) return { row, created: true }
      // A concurrent request for the same booking won the unique index: answer with its result.
      return { row: (await repo.findReplacement(db, principal.orgId, booking.id))!, created: false }
    },
  }
}
