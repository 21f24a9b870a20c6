import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { and, eq } from 'drizzle-orm'
import { newId } from '@learnmesh/kernel'
import { createTestTutoring, type TestTutoring, type TestUser } from '../test-helpers.ts'
import { bookings, matchRequests, serviceAreas, tutorProfiles } from '../db/schema.ts'

// Sunday 1 March 2026, 12:00 UTC: the next 14 days hold Mondays 2 and 9 March (Paris is UTC+1).
const NOW = new Date('2026-03-01T12:00:00Z')

let t: TestTutoring
beforeAll(async () => {
  t = await createTestTutoring({ now: NOW })
})
afterAll(() => t.close())

type Factor = {
  factor: string
  raw: Record<string, unknown>
  subScore: number
  weight: number
  contribution: number
}
type Result = {
  rank: number
  tutorId: string
  score: number
  trial: { minutes: number } | null
  explanation: Factor[]
}
type MatchResponse = {
  id: string
  results: Result[]
  replacesTutorId: string | null
  excludedTutorIds: string[]
  criteria: Record<string, unknown>
}

const MONDAY_MORNINGS = { weekly: [{ weekday: 1, start: '10:00', end: '12:00' }] }

/** A learner's request body (maths, advanced, ≤ 50 EUR/h, Monday mornings in Paris, online). */
const body = (over: Record<string, unknown> = {}) => ({
  subject: 'Mathematics',
  level: 'advanced',
  budget: { maxHourlyMinor: 5000, currency: 'eur' },
  timeZone: 'Europe/Paris',
  preferredTimes: MONDAY_MORNINGS,
  mode: 'online',
  ...over,
})

async function match(learner: TestUser, over: Record<string, unknown> = {}): Promise<MatchResponse> {
  const res = await t.call(learner, 'POST', '/match-requests', body(over))
  expect(res.statusCode, res.body).toBe(201)
  return res.json()
}

/** A listed tutor of `org` (defaults: maths all levels, Mon–Fri 09–17 Paris, 40 EUR/h, 30-min trial). */
async function tutorIn(
  org: string,
  opts: Parameters<TestTutoring['tutor']>[0] = {},
  set: Partial<typeof tutorProfiles.$inferInsert> = {},
) {
  const { tutorId, user } = await t.tutor({ user: t.user(['tutor'], org), ...opts })
  if (Object.keys(set).length > 0)
    await t.db.update(tutorProfiles).set(set).where(eq(tutorProfiles.id, tutorId))
  return { tutorId, userId: user.userId }
}

/** A trial booking of `learner` with `tutor`, straight into the table. */
async function trialBooking(
  learner: TestUser,
  tutor: { tutorId: string; userId: string },
  opts: { status?: string; trial?: boolean; startsAt?: Date } = {},
) {
  const startsAt = opts.startsAt ?? new Date('2026-02-23T10:00:00Z')
  const endsAt = new Date(startsAt.getTime() + 30 * 60_000)
  const id = newId('bkg')
  await t.db.insert(bookings).values({
    id,
    orgId: learner.orgId,
    tutorId: tutor.tutorId,
    tutorUserId: tutor.userId,
    learnerId: learner.userId,
    startsAt,
    endsAt,
    blocksFrom: startsAt,
    blocksUntil: endsAt,
    minutes: 30,
    status: opts.status ?? 'completed',
    trial: opts.trial ?? true,
    paidWith: 'checkout',
    priceMinor: 2000,
    currency: 'EUR',
    productRef: `tut:${tutor.userId}:30`,
  })
  return id
}

const factor = (r: Result, name: string) => r.explanation.find((f) => f.factor === name)!

async function storedRequests(learner: TestUser) {
  return (
    await t.db
      .select()
      .from(matchRequests)
      .where(and(eq(matchRequests.orgId, learner.orgId), eq(matchRequests.learnerId, learner.userId)))
  ).length
}

describe('happy', () => {
  it('ranks by the weighted factors and explains each score (Σ weight × sub-score)', async () => {
    const org = newId('org')
    const best = await tutorIn(org, { subjects: [{ subject: 'mathematics', levels: ['advanced'] }] })
    const otherLevel = await tutorIn(org, { subjects: [{ subject: 'mathematics', levels: ['beginner'] }] })
    const tuesdays = await tutorIn(org, {
      subjects: [{ subject: 'mathematics', levels: ['advanced'] }],
      weekly: [{ weekday: 2, startMinute: 540, endMinute: 1020 }],
    })
    const learner = t.user(['learner'], org)
    const res = await match(learner)
    expect(res.results.map((r) => r.tutorId)).toEqual([best.tutorId, otherLevel.tutorId, tuesdays.tutorId])
    expect(res.results.map((r) => r.rank)).toEqual([1, 2, 3])
    const top = res.results[0]!
    expect(top.explanation.map((f) => f.factor)).toEqual([
      'subject',
      'availability',
      'rating',
      'price',
      'responseRate',
    ])
    // Two Mondays × 10:00–12:00 Paris wanted; the tutor is open all of it.
    expect(factor(top, 'availability')).toMatchObject({
      raw: { overlapMinutes: 240, wantedMinutes: 240, lessonMinutes: 60 },
      subScore: 1,
      weight: 0.3,
    })
    expect(factor(top, 'price')).toMatchObject({
      raw: { hourlyRateMinor: 4000, currency: 'EUR', budgetMinor: 5000 },
      subScore: 0.6,
    })
    expect(factor(top, 'rating')).toMatchObject({
      raw: { average: null, count: 0, bayesian: 4 },
      subScore: 0.8,
    })
    expect(top.score).toBeCloseTo(0.3 + 0.3 + 0.16 + 0.06 + 0.07, 4)
    expect(factor(res.results[1]!, 'subject').subScore).toBe(0.3)
    expect(factor(res.results[2]!, 'availability').raw.overlapMinutes).toBe(0)
    for (const r of res.results) {
      const sum = r.explanation.reduce((s, f) => s + f.weight * f.subScore, 0)
      expect(r.score).toBeCloseTo(sum, 4)
      expect(r.explanation.reduce((s, f) => s + f.weight, 0)).toBeCloseTo(1, 10)
      expect(r.trial).toEqual({ minutes: 30 })
    }
    // Stored with its answer.
    const again = await t.call(learner, 'GET', `/match-requests/${res.id}`)
    expect(again.statusCode).toBe(200)
    expect(again.json().results).toEqual(res.results)
    expect(again.json().criteria).toMatchObject({
      subject: 'mathematics',
      timeZone: 'Europe/Paris',
      limit: 10,
    })
  })

  it('a booked slot no longer counts as available', async () => {
    const org = newId('org')
    const a = await tutorIn(org)
    const learner = t.user(['learner'], org)
    const other = t.user(['learner'], org)
    // Monday 2 March 10:00–12:00 Paris = 09:00–11:00 UTC, booked by someone else.
    await trialBooking(other, a, { status: 'booked', startsAt: new Date('2026-03-02T09:00:00Z') })
    await t.db
      .update(bookings)
      .set({
        endsAt: new Date('2026-03-02T11:00:00Z'),
        blocksUntil: new Date('2026-03-02T11:00:00Z'),
        minutes: 120,
      })
      .where(eq(bookings.tutorId, a.tutorId))
    const res = await match(learner)
    expect(factor(res.results[0]!, 'availability').raw.overlapMinutes).toBe(120)
  })

  it('Bayesian rating: 200 reviews of 4.8 outrank a single 5.0', async () => {
    const org = newId('org')
    const one = await tutorIn(org, {}, { ratingAvg: 5, ratingCount: 1 })
    const many = await tutorIn(org, {}, { ratingAvg: 4.8, ratingCount: 200 })
    const res = await match(t.user(['learner'], org))
    expect(res.results.map((r) => r.tutorId)).toEqual([many.tutorId, one.tutorId])
  })

  it('filters: subject, language, budget currency and 150 % ceiling, listed, same org, trial offered, not oneself', async () => {
    const org = newId('org')
    const ok = await tutorIn(org)
    await tutorIn(org, { subjects: [{ subject: 'physics', levels: ['advanced'] }] })
    await tutorIn(org, { currency: 'USD' })
    const pricey = await tutorIn(org, { hourlyRateMinor: 7000 })
    await tutorIn(org, { hourlyRateMinor: 7600 })
    await tutorIn(org, { status: 'unlisted' })
    const noTrial = await tutorIn(org, { trialMinutes: null })
    await tutorIn(newId('org'))
    const learnerTutor = t.user(['learner', 'tutor'], org)
    await t.tutor({ user: learnerTutor })
    const res = await match(learnerTutor)
    expect(new Set(res.results.map((r) => r.tutorId))).toEqual(
      new Set([ok.tutorId, pricey.tutorId, noTrial.tutorId]),
    )
    expect(
      factor(
        res.results.find((r) => r.tutorId === pricey.tutorId)!,
        'price',
      ).subScore,
    ).toBe(0.1)
    const trials = await match(learnerTutor, { trial: true })
    expect(new Set(trials.results.map((r) => r.tutorId))).toEqual(new Set([ok.tutorId, pricey.tutorId]))
    expect(factor(trials.results[0]!, 'availability').raw.lessonMinutes).toBe(30)
    const english = await match(learnerTutor, { language: 'fr' })
    expect(english.results).toEqual([])
  })

  it('in person: distance is a factor and only tutors whose area holds the learner are candidates', async () => {
    const org = newId('org')
    const near = await tutorIn(org, {}, { offersInPerson: true })
    const far = await tutorIn(org, {}, { offersInPerson: true })
    const online = await tutorIn(org)
    await t.db.insert(serviceAreas).values([
      {
        id: newId('sar'),
        tutorId: near.tutorId,
        orgId: org,
        latitude: 48.853,
        longitude: 2.35,
        radiusKm: 10,
      },
      {
        id: newId('sar'),
        tutorId: far.tutorId,
        orgId: org,
        latitude: 48.8049,
        longitude: 2.1204,
        radiusKm: 30,
      },
      {
        id: newId('sar'),
        tutorId: online.tutorId,
        orgId: org,
        latitude: 48.853,
        longitude: 2.35,
        radiusKm: 10,
      },
    ])
    const res = await match(t.user(['learner'], org), {
      mode: 'in_person',
      location: { lat: 48.853, lng: 2.3499 },
    })
    expect(res.results.map((r) => r.tutorId)).toEqual([near.tutorId, far.tutorId])
    const d = factor(res.results[1]!, 'distance')
    expect(d.weight).toBe(0.15)
    expect(d.raw.km as number).toBeGreaterThan(16)
    expect(d.subScore).toBeCloseTo(1 - (d.raw.km as number) / 50, 3)
  })

  it('limit keeps the same head of the ranking (the pruning never drops a better tutor)', async () => {
    const org = newId('org')
    for (let i = 0; i < 6; i++)
      await tutorIn(org, { hourlyRateMinor: 2000 + i * 500 }, { ratingAvg: 3 + i * 0.3, ratingCount: 5 * i })
    const learner = t.user(['learner'], org)
    const all = await match(learner)
    for (const limit of [1, 2, 3]) {
      const head = await match(learner, { limit })
      expect(head.results.map((r) => [r.tutorId, r.score])).toEqual(
        all.results.slice(0, limit).map((r) => [r.tutorId, r.score]),
      )
    }
  })

  it('replacement after a trial excludes that tutor, then every tutor replaced before, for good', async () => {
    const org = newId('org')
    const a = await tutorIn(org, {}, { ratingAvg: 5, ratingCount: 100 })
    const b = await tutorIn(org, {}, { ratingAvg: 4.5, ratingCount: 100 })
    const c = await tutorIn(org)
    const learner = t.user(['learner'], org)
    const first = await match(learner)
    expect(first.results.map((r) => r.tutorId)).toEqual([a.tutorId, b.tutorId, c.tutorId])

    const trialA = await trialBooking(learner, a)
    const r1 = await t.call(learner, 'POST', `/match-requests/${first.id}/replacement`, {
      bookingId: trialA,
      reason: 'Too fast for me',
    })
    expect(r1.statusCode, r1.body).toBe(201)
    const rep1: MatchResponse = r1.json()
    expect(rep1.replacesTutorId).toBe(a.tutorId)
    expect(rep1.excludedTutorIds).toEqual([a.tutorId])
    expect(rep1.results.map((r) => r.tutorId)).toEqual([b.tutorId, c.tutorId])

    // Asking again for the same trial returns the stored answer.
    const repeat = await t.call(learner, 'POST', `/match-requests/${first.id}/replacement`, {
      bookingId: trialA,
      reason: 'again',
    })
    expect(repeat.statusCode).toBe(200)
    expect(repeat.json().id).toBe(rep1.id)

    const trialB = await trialBooking(learner, b, {
      status: 'confirmed',
      startsAt: new Date('2026-02-24T10:00:00Z'),
    })
    const rep2: MatchResponse = (
      await t.call(learner, 'POST', `/match-requests/${rep1.id}/replacement`, {
        bookingId: trialB,
        reason: 'No chemistry',
      })
    ).json()
    expect(new Set(rep2.excludedTutorIds)).toEqual(new Set([a.tutorId, b.tutorId]))
    expect(rep2.results.map((r) => r.tutorId)).toEqual([c.tutorId])
    // A fresh request keeps them out too.
    expect((await match(learner)).results.map((r) => r.tutorId)).toEqual([c.tutorId])
    // Another learner still sees everyone.
    expect((await match(t.user(['learner'], org))).results).toHaveLength(3)
  })
})

describe('errors', () => {
  it.each([
    ['an unknown learner time zone', { timeZone: 'Atlantis/Capital' }, 422],
    ['an unknown budget currency', { budget: { maxHourlyMinor: 5000, currency: 'QQQ' } }, 422],
    ['no preferred time', { preferredTimes: {} }, 400],
    [
      'a window ending before it starts',
      { preferredTimes: { weekly: [{ weekday: 1, start: '12:00', end: '10:00' }] } },
      422,
    ],
    [
      'a time that is not HH:MM',
      { preferredTimes: { weekly: [{ weekday: 1, start: '9am', end: '10:00' }] } },
      400,
    ],
    ['weekday 8', { preferredTimes: { weekly: [{ weekday: 8, start: '09:00', end: '10:00' }] } }, 400],
    [
      'a range that is not a date-time',
      { preferredTimes: { ranges: [{ startsAt: 'tomorrow', endsAt: 'later' }] } },
      400,
    ],
    ['in person without a location', { mode: 'in_person' }, 400],
    ['in person with lat but no lng', { mode: 'in_person', location: { lat: 1 } }, 400],
    ['online with a location', { location: { lat: 1, lng: 1 } }, 400],
    ['a limit of 50', { limit: 50 }, 400],
    ['an unknown field', { urgent: true }, 400],
    ['a NUL byte', { subject: 'ma\u0000ths' }, 400],
  ])('%s → 4xx problem+json, nothing stored', async (_name, over, status) => {
    const learner = t.user(['learner'])
    const res = await t.call(learner, 'POST', '/match-requests', body(over))
    expect(res.statusCode, res.body).toBe(status)
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
    expect(await storedRequests(learner)).toBe(0)
  })

  it('replacement refusals: not a trial, a trial still ahead, unknown booking; nothing stored', async () => {
    const org = newId('org')
    const a = await tutorIn(org)
    const learner = t.user(['learner'], org)
    const first = await match(learner)
    const notTrial = await trialBooking(learner, a, { trial: false })
    const ahead = await trialBooking(learner, a, {
      status: 'booked',
      startsAt: new Date('2026-03-05T10:00:00Z'),
    })
    const cases: [string, number][] = [
      [notTrial, 409],
      [ahead, 409],
      [newId('bkg'), 404],
    ]
    for (const [bookingId, status] of cases) {
      const res = await t.call(learner, 'POST', `/match-requests/${first.id}/replacement`, {
        bookingId,
        reason: 'x',
      })
      expect(res.statusCode, res.body).toBe(status)
    }
    const blank = await t.call(learner, 'POST', `/match-requests/${first.id}/replacement`, {
      bookingId: ahead,
      reason: ' ',
    })
    expect(blank.statusCode).toBe(400)
    expect(await storedRequests(learner)).toBe(1)
  })
})

describe('security', () => {
  it('anonymous requests are 401', async () => {
    expect((await t.call(null, 'POST', '/match-requests', body())).statusCode).toBe(401)
    expect((await t.call(null, 'GET', `/match-requests/${newId('mrq')}`)).statusCode).toBe(401)
  })

  it("a learner never sees nor replaces from another learner's request or booking (404)", async () => {
    const org = newId('org')
    const a = await tutorIn(org)
    const owner = t.user(['learner'], org)
    const mine = await match(owner)
    const intruder = t.user(['learner'], org)
    expect((await t.call(intruder, 'GET', `/match-requests/${mine.id}`)).statusCode).toBe(404)
    const trial = await trialBooking(owner, a)
    const theirs = await match(intruder)
    const res = await t.call(intruder, 'POST', `/match-requests/${theirs.id}/replacement`, {
      bookingId: trial,
      reason: 'x',
    })
    expect(res.statusCode).toBe(404)
    const viaOwner = await t.call(intruder, 'POST', `/match-requests/${mine.id}/replacement`, {
      bookingId: trial,
      reason: 'x',
    })
    expect(viaOwner.statusCode).toBe(404)
    // The owner's replacement exists only once it is asked for, and then the intruder still cannot read it.
    const rep = await t.call(owner, 'POST', `/match-requests/${mine.id}/replacement`, {
      bookingId: trial,
      reason: 'x',
    })
    expect(rep.statusCode).toBe(201)
    expect((await t.call(intruder, 'GET', `/match-requests/${rep.json().id}`)).statusCode).toBe(404)
    expect(
      (
        await t.call(intruder, 'POST', `/match-requests/${theirs.id}/replacement`, {
          bookingId: trial,
          reason: 'x',
        })
      ).statusCode,
    ).toBe(404)
  })

  it("another organization's tutors are never candidates", async () => {
    const org = newId('org')
    await tutorIn(newId('org'))
    expect((await match(t.user(['learner'], org))).results).toEqual([])
  })
})
