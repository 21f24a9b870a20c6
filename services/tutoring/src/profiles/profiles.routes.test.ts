import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { newId } from '@learnmesh/kernel'
import { createTestTutoring, type TestTutoring, type TestUser } from '../test-helpers.ts'
import { serviceAreas, tutorLanguages, tutorProfiles, tutorSubjects } from '../db/schema.ts'

let t: TestTutoring
beforeAll(async () => {
  t = await createTestTutoring({ now: new Date('2026-03-02T08:00:00Z') })
})
afterAll(() => t.close())

const tutorUser = (org?: string) => t.user(['tutor'], org)
const admin = (org?: string) => t.user(['org_admin'], org)

/** A complete profile body (a demo tutor expressed through the API). */
const complete = (over: Record<string, unknown> = {}) => ({
  displayName: 'Ada Lovelace',
  headline: 'Maths and programming, step by step',
  bio: 'Ten years of tutoring A-level maths and first-year computer science.',
  timeZone: 'Europe/London',
  currency: 'gbp',
  hourlyRateMinor: 4500,
  lessonMinutes: [60, 30, 90],
  bufferMinutes: 10,
  packages: [
    { lessons: 10, discountPercent: 10 },
    { lessons: 5, discountPercent: 5 },
  ],
  trialMinutes: 30,
  introVideoRef: 'https://videos.example.test/ada-intro.mp4',
  offersOnline: true,
  offersInPerson: false,
  subjects: [
    { subject: 'Mathematics', levels: ['advanced', 'beginner'] },
    { subject: 'computer science', levels: ['exam'] },
  ],
  languages: ['en', 'pt-BR'],
  ...over,
})

async function put(u: TestUser, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return t.call(u, 'PUT', '/tutors/me', body, headers)
}

async function listed(u: TestUser, over: Record<string, unknown> = {}) {
  const res = await put(u, complete(over))
  expect(res.statusCode, res.body).toBe(201)
  const l = await t.call(u, 'POST', '/tutors/me/list')
  expect(l.statusCode, l.body).toBe(200)
  return l.json() as { id: string; revision: number; [k: string]: unknown }
}

/** Everything stored about a user's profile plus the outbox size: compare before/after a refused request. */
async function state(u: TestUser) {
  const [p] = await t.db.select().from(tutorProfiles).where(eq(tutorProfiles.userId, u.userId))
  if (!p) return JSON.stringify({ none: true, outbox: (await t.events()).length })
  return JSON.stringify({
    p,
    s: await t.db
      .select()
      .from(tutorSubjects)
      .where(eq(tutorSubjects.tutorId, p.id))
      .orderBy(tutorSubjects.subject),
    l: await t.db
      .select()
      .from(tutorLanguages)
      .where(eq(tutorLanguages.tutorId, p.id))
      .orderBy(tutorLanguages.language),
    a: await t.db.select().from(serviceAreas).where(eq(serviceAreas.tutorId, p.id)).orderBy(serviceAreas.id),
    outbox: (await t.events()).length,
  })
}

const listedEvents = async (userId: string) =>
  (await t.events('tutoring.tutor.listed')).filter((e) => e.payload.tutorId === userId).map((e) => e.payload)

describe('happy', () => {
  it('a tutor creates a complete draft: normalized fields, prices, ETag, no listing event yet', async () => {
    const u = tutorUser()
    const res = await put(u, complete({ timeZone: 'europe/london' }))
    expect(res.statusCode, res.body).toBe(201)
    expect(res.headers.etag).toBe('"1"')
    const body = res.json()
    expect(body).toMatchObject({
      userId: u.userId,
      orgId: u.orgId,
      status: 'draft',
      timeZone: 'Europe/London',
      hourlyRate: { amountMinor: 4500, currency: 'GBP' },
      lessonMinutes: [30, 60, 90],
      lessonPrices: [
        { minutes: 30, amountMinor: 2250 },
        { minutes: 60, amountMinor: 4500 },
        { minutes: 90, amountMinor: 6750 },
      ],
      packages: [
        { lessons: 5, discountPercent: 5 },
        { lessons: 10, discountPercent: 10 },
      ],
      trial: { minutes: 30 },
      bufferMinutes: 10,
      subjects: [
        { subject: 'computer-science', levels: ['exam'] },
        { subject: 'mathematics', levels: ['beginner', 'advanced'] },
      ],
      languages: ['en', 'pt-br'],
      verified: false,
      verification: { status: 'unverified', note: null },
      rating: { average: null, count: 0, bayesian: 4 },
      responseRate: { rate: null, samples: 0 },
      revision: 1,
    })
    expect(body.id).toMatch(/^tut_[0-9a-f]{32}$/)
    expect(await listedEvents(u.userId)).toEqual([])
    const me = await t.call(u, 'GET', '/tutors/me')
    expect(me.statusCode).toBe(200)
    expect(me.json().id).toBe(body.id)
  })

  it('listing publishes tutoring.tutor.listed with what commerce prices from, in the same transaction', async () => {
    const u = tutorUser()
    const wakes = t.wakes()
    const p = await listed(u)
    expect(p.status).toBe('listed')
    expect(t.wakes()).toBe(wakes + 1)
    expect(await listedEvents(u.userId)).toEqual([
      {
        tutorId: u.userId,
        displayName: 'Ada Lovelace',
        currency: 'GBP',
        hourlyRateMinor: 4500,
        lessonMinutes: [30, 60, 90],
        packages: [
          { lessons: 5, discountPercent: 5 },
          { lessons: 10, discountPercent: 10 },
        ],
        active: true,
      },
    ])
    // Listing again changes nothing and tells nobody.
    const again = await t.call(u, 'POST', '/tutors/me/list')
    expect(again.statusCode).toBe(200)
    expect(await listedEvents(u.userId)).toHaveLength(1)
  })

  it('a rate change of a listed profile republishes; a bio change does not; unlisting archives', async () => {
    const u = tutorUser()
    const p = await listed(u)
    const bio = await t.call(
      u,
      'PATCH',
      '/tutors/me',
      { bio: 'New words' },
      { 'if-match': `"${p.revision}"` },
    )
    expect(bio.statusCode, bio.body).toBe(200)
    expect(bio.json().revision).toBe(p.revision + 1)
    expect(await listedEvents(u.userId)).toHaveLength(1)
    const rate = await t.call(u, 'PATCH', '/tutors/me', { hourlyRateMinor: 5000, packages: [] })
    expect(rate.statusCode, rate.body).toBe(200)
    const unlist = await t.call(u, 'POST', '/tutors/me/unlist', { revision: rate.json().revision })
    expect(unlist.statusCode, unlist.body).toBe(200)
    expect(unlist.json().status).toBe('unlisted')
    const events = await listedEvents(u.userId)
    expect(events.map((e) => [e.hourlyRateMinor, e.packages, e.active])).toEqual([
      [
        4500,
        [
          { lessons: 5, discountPercent: 5 },
          { lessons: 10, discountPercent: 10 },
        ],
        true,
      ],
      [5000, [], true],
      [5000, [], false],
    ])
    // Changing an unlisted profile's rate tells commerce nothing (nothing is on sale).
    await t.call(u, 'PATCH', '/tutors/me', { hourlyRateMinor: 5200 })
    expect(await listedEvents(u.userId)).toHaveLength(3)
  })

  it('PUT replaces the whole profile: omitted optional fields take their defaults', async () => {
    const u = tutorUser()
    await put(u, complete())
    const res = await put(u, {
      displayName: 'Ada L.',
      timeZone: 'America/New_York',
      currency: 'USD',
      hourlyRateMinor: 6000,
      lessonMinutes: [45],
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({
      displayName: 'Ada L.',
      bio: '',
      packages: [],
      trial: null,
      subjects: [],
      languages: [],
      introVideoRef: null,
      revision: 2,
    })
  })

  it('verification: the tutor submits, an org admin sees the queue and verifies with a note', async () => {
    const u = tutorUser()
    const p = await listed(u)
    const submit = await t.call(u, 'POST', '/tutors/me/verification')
    expect(submit.statusCode, submit.body).toBe(200)
    expect(submit.json().verification).toMatchObject({
      status: 'pending',
      requestedAt: '2026-03-02T08:00:00.000Z',
    })
    const a = admin()
    const queue = await t.call(a, 'GET', '/tutors/review-queue')
    expect(queue.statusCode).toBe(200)
    expect(queue.json().items.map((i: { id: string }) => i.id)).toContain(p.id)
    const ok = await t.call(a, 'POST', `/tutors/${p.id}/verify`, { note: 'Diploma checked' })
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json()).toMatchObject({
      verified: true,
      verification: { status: 'verified', note: 'Diploma checked' },
    })
    const pub = await t.call(null, 'GET', `/tutors/${p.id}?orgId=${u.orgId}`)
    expect(pub.json().verified).toBe(true)
    // Admins can revoke: reject a verified profile with a reason.
    const revoke = await t.call(a, 'POST', `/tutors/${p.id}/reject`, { note: 'Diploma was forged' })
    expect(revoke.statusCode, revoke.body).toBe(200)
    expect(revoke.json()).toMatchObject({ verified: false, verification: { status: 'rejected' } })
    // A rejected tutor may submit again.
    expect((await t.call(u, 'POST', '/tutors/me/verification')).json().verification.status).toBe('pending')
  })

  it('a listed profile is public (anonymous with orgId) without owner-only fields, areas rounded', async () => {
    const u = tutorUser()
    await put(u, complete({ offersInPerson: true }))
    const area = await t.call(u, 'POST', '/tutors/me/areas', {
      kind: 'radius',
      label: 'Home',
      latitude: 51.501234,
      longitude: -0.141234,
      radiusKm: 5,
    })
    expect(area.statusCode, area.body).toBe(201)
    const p = (await t.call(u, 'POST', '/tutors/me/list')).json()
    const res = await t.call(null, 'GET', `/tutors/${p.id}?orgId=${u.orgId}`)
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body.status).toBeUndefined()
    expect(body.verification).toBeUndefined()
    expect(body.revision).toBeUndefined()
    expect(body.serviceAreas[0]).toMatchObject({
      kind: 'radius',
      latitude: 51.5,
      longitude: -0.14,
      radiusKm: 5,
    })
    // The owner sees the exact centre.
    const mine = (await t.call(u, 'GET', '/tutors/me')).json()
    expect(mine.serviceAreas[0]).toMatchObject({ latitude: 51.501234, longitude: -0.141234 })
  })

  it('service areas: add radius and postal-code areas, replace, delete', async () => {
    const u = tutorUser()
    await put(u, complete())
    const r = await t.call(u, 'POST', '/tutors/me/areas', {
      kind: 'postal_codes',
      countryCode: 'gb',
      postalCodes: ['sw1a 1aa', 'SW1A-1AA', 'EC1A 1BB'],
    })
    expect(r.statusCode, r.body).toBe(201)
    expect(r.json()).toMatchObject({
      kind: 'postal_codes',
      countryCode: 'GB',
      postalCodes: ['SW1A1AA', 'EC1A1BB'],
    })
    const id = r.json().id
    const rep = await t.call(u, 'PUT', `/tutors/me/areas/${id}`, {
      kind: 'radius',
      latitude: 48.85,
      longitude: 2.35,
      radiusKm: 200,
    })
    expect(rep.statusCode, rep.body).toBe(200)
    expect(rep.json()).toMatchObject({ kind: 'radius', postalCodes: null, countryCode: null, radiusKm: 200 })
    expect((await t.call(u, 'GET', '/tutors/me/areas')).json().items).toHaveLength(1)
    expect((await t.call(u, 'DELETE', `/tutors/me/areas/${id}`)).statusCode).toBe(204)
    expect((await t.call(u, 'GET', '/tutors/me/areas')).json().items).toHaveLength(0)
  })
})

describe('errors', () => {
  it.each([
    ['unknown time zone', { timeZone: 'Mars/Olympus_Mons' }, 422],
    ['an offset instead of a zone', { timeZone: '+01:00' }, 422],
    ['unknown currency', { currency: 'XYZ' }, 422],
    ['a currency of 4 letters', { currency: 'EURO' }, 400],
    ['a lesson length not offered', { lessonMinutes: [50] }, 400],
    ['no lesson length', { lessonMinutes: [] }, 400],
    ['a package of 1 lesson', { packages: [{ lessons: 1, discountPercent: 0 }] }, 400],
    ['a 95 % discount', { packages: [{ lessons: 5, discountPercent: 95 }] }, 400],
    [
      'two packages of one size',
      {
        packages: [
          { lessons: 5, discountPercent: 5 },
          { lessons: 5, discountPercent: 10 },
        ],
      },
      422,
    ],
    ['a trial length not offered', { trialMinutes: 45 }, 422],
    ['a headline too long', { headline: 'x'.repeat(121) }, 400],
    ['a bio too long', { bio: 'x'.repeat(5001) }, 400],
    ['a blank name', { displayName: '   ' }, 400],
    ['a bad language tag', { languages: ['en', 'not a tag!'] }, 422],
    ['a level nobody knows', { subjects: [{ subject: 'maths', levels: ['guru'] }] }, 400],
    ['a subject with no usable letters', { subjects: [{ subject: '***', levels: ['beginner'] }] }, 422],
    ['a zero rate', { hourlyRateMinor: 0 }, 400],
    ['an unknown field', { price: 10 }, 400],
    ['a javascript: video', { introVideoRef: 'javascript:alert(1)' }, 400],
    ['a NUL byte', { bio: 'a\u0000b' }, 400],
  ])('%s → 4xx problem+json, nothing created', async (_name, over, status) => {
    const u = tutorUser()
    const before = await state(u)
    const res = await put(u, complete(over))
    expect(res.statusCode, res.body).toBe(status)
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
    expect(await state(u)).toBe(before)
  })

  it('a bad change to an existing listed profile changes nothing (no event either)', async () => {
    const u = tutorUser()
    await listed(u)
    const before = await state(u)
    for (const body of [
      { timeZone: 'Nowhere/Land' },
      { currency: 'ABC' },
      { lessonMinutes: [30, 120] },
      {},
    ]) {
      const res = await t.call(u, 'PATCH', '/tutors/me', body)
      expect(res.statusCode, JSON.stringify(body)).toBeGreaterThanOrEqual(400)
      expect(res.statusCode).toBeLessThan(500)
    }
    // A listed profile must stay complete.
    const res = await t.call(u, 'PATCH', '/tutors/me', { subjects: [] })
    expect(res.statusCode).toBe(422)
    expect(res.json().missing).toEqual(['subjects'])
    expect(await state(u)).toBe(before)
  })

  it('a stale revision is a 409 and changes nothing', async () => {
    const u = tutorUser()
    await put(u, complete())
    await t.call(u, 'PATCH', '/tutors/me', { bio: 'v2' })
    const before = await state(u)
    const res = await t.call(u, 'PATCH', '/tutors/me', { bio: 'v3' }, { 'if-match': '"1"' })
    expect(res.statusCode).toBe(409)
    expect(res.json().currentRevision).toBe(2)
    expect((await put(u, { ...complete(), revision: 1 })).statusCode).toBe(409)
    expect(await state(u)).toBe(before)
  })

  it('listing an incomplete profile is a 422 naming what is missing', async () => {
    const u = tutorUser()
    await put(u, {
      displayName: 'Sparse',
      timeZone: 'UTC',
      currency: 'EUR',
      hourlyRateMinor: 1000,
      lessonMinutes: [60],
      offersInPerson: true,
    })
    const before = await state(u)
    const res = await t.call(u, 'POST', '/tutors/me/list')
    expect(res.statusCode).toBe(422)
    expect(res.json().missing).toEqual(['headline', 'bio', 'subjects', 'languages', 'serviceAreas'])
    expect((await t.call(u, 'POST', '/tutors/me/verification')).statusCode).toBe(422)
    expect(await state(u)).toBe(before)
  })

  it('workflow conflicts: unlisting a draft, submitting twice, verifying what is not pending', async () => {
    const u = tutorUser()
    const p = (await put(u, complete())).json()
    expect((await t.call(u, 'POST', '/tutors/me/unlist')).statusCode).toBe(409)
    expect((await t.call(admin(), 'POST', `/tutors/${p.id}/verify`)).statusCode).toBe(409)
    expect((await t.call(u, 'POST', '/tutors/me/verification')).statusCode).toBe(200)
    expect((await t.call(u, 'POST', '/tutors/me/verification')).statusCode).toBe(409)
    const reject = await t.call(admin(), 'POST', `/tutors/${p.id}/reject`, { note: '  ' })
    expect(reject.statusCode).toBe(400)
  })

  it('areas: bad coordinates, radius over 200 km, empty postal codes, too many areas, unknown area', async () => {
    const u = tutorUser()
    await put(u, complete())
    const before = await state(u)
    for (const body of [
      { kind: 'radius', latitude: 91, longitude: 0, radiusKm: 5 },
      { kind: 'radius', latitude: 0, longitude: -181, radiusKm: 5 },
      { kind: 'radius', latitude: 0, longitude: 0, radiusKm: 201 },
      { kind: 'radius', latitude: 0, longitude: 0, radiusKm: 0 },
      { kind: 'postal_codes', countryCode: 'FR', postalCodes: [] },
      { kind: 'postal_codes', countryCode: 'FRA', postalCodes: ['75001'] },
      { kind: 'postal_codes', countryCode: 'FR', postalCodes: ['75001'], latitude: 1 },
      { kind: 'circle', latitude: 0, longitude: 0, radiusKm: 5 },
    ]) {
      const res = await t.call(u, 'POST', '/tutors/me/areas', body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
    }
    expect(await state(u)).toBe(before)
    const unknown = `sar_${'0'.repeat(32)}`
    expect((await t.call(u, 'DELETE', `/tutors/me/areas/${unknown}`)).statusCode).toBe(404)
    for (let i = 0; i < 20; i++)
      await t.call(u, 'POST', '/tutors/me/areas', { kind: 'radius', latitude: i, longitude: 0, radiusKm: 5 })
    const tooMany = await t.call(u, 'POST', '/tutors/me/areas', {
      kind: 'radius',
      latitude: 0,
      longitude: 0,
      radiusKm: 5,
    })
    expect(tooMany.statusCode).toBe(409)
  })

  it('the last area of a listed in-person profile cannot be deleted', async () => {
    const u = tutorUser()
    await put(u, complete({ offersInPerson: true }))
    const a = (
      await t.call(u, 'POST', '/tutors/me/areas', {
        kind: 'radius',
        latitude: 45.76,
        longitude: 4.84,
        radiusKm: 10,
      })
    ).json()
    await t.call(u, 'POST', '/tutors/me/list')
    const res = await t.call(u, 'DELETE', `/tutors/me/areas/${a.id}`)
    expect(res.statusCode).toBe(422)
    expect((await t.call(u, 'GET', '/tutors/me/areas')).json().items).toHaveLength(1)
  })

  it('anonymous without orgId is a 400; a draft or unknown profile is a 404', async () => {
    const u = tutorUser()
    const p = (await put(u, complete())).json()
    expect((await t.call(null, 'GET', `/tutors/${p.id}`)).statusCode).toBe(400)
    expect((await t.call(null, 'GET', `/tutors/${p.id}?orgId=${u.orgId}`)).statusCode).toBe(404)
    expect((await t.call(t.user(), 'GET', `/tutors/${p.id}`)).statusCode).toBe(404)
    expect((await t.call(t.user(), 'GET', `/tutors/tut_${'0'.repeat(32)}`)).statusCode).toBe(404)
    expect((await t.call(t.user(), 'GET', '/tutors/not-an-id')).statusCode).toBe(400)
    expect((await t.call(tutorUser(), 'GET', '/tutors/me')).statusCode).toBe(404)
  })
})

describe('security', () => {
  it('only tutors write a profile; anonymous is 401, learners 403', async () => {
    expect((await put(null as unknown as TestUser, complete())).statusCode).toBe(401)
    const learner = t.user(['learner'])
    expect((await put(learner, complete())).statusCode).toBe(403)
    expect(
      (
        await t.call(learner, 'POST', '/tutors/me/areas', {
          kind: 'radius',
          latitude: 1,
          longitude: 1,
          radiusKm: 1,
        })
      ).statusCode,
    ).toBe(403)
    expect(await state(learner)).toContain('"none":true')
  })

  it("a tutor can only ever change their own profile and areas: another tutor's area is a 404", async () => {
    const owner = tutorUser()
    await put(owner, complete())
    const area = (
      await t.call(owner, 'POST', '/tutors/me/areas', {
        kind: 'radius',
        latitude: 1,
        longitude: 1,
        radiusKm: 1,
      })
    ).json()
    const before = await state(owner)
    const other = tutorUser()
    await put(other, complete({ displayName: 'Other' }))
    expect(
      (
        await t.call(other, 'PUT', `/tutors/me/areas/${area.id}`, {
          kind: 'radius',
          latitude: 2,
          longitude: 2,
          radiusKm: 2,
        })
      ).statusCode,
    ).toBe(404)
    expect((await t.call(other, 'DELETE', `/tutors/me/areas/${area.id}`)).statusCode).toBe(404)
    expect(await state(owner)).toBe(before)
  })

  it('only org admins verify, never their own profile, never another organization’s tutor', async () => {
    const u = tutorUser()
    const p = (await put(u, complete())).json()
    await t.call(u, 'POST', '/tutors/me/verification')
    expect((await t.call(u, 'POST', `/tutors/${p.id}/verify`)).statusCode).toBe(403)
    expect((await t.call(t.user(['learner']), 'GET', '/tutors/review-queue')).statusCode).toBe(403)
    expect((await t.call(admin(t.orgB), 'POST', `/tutors/${p.id}/verify`)).statusCode).toBe(404)
    const queueB = (await t.call(admin(t.orgB), 'GET', '/tutors/review-queue')).json()
    expect(queueB.items.map((i: { id: string }) => i.id)).not.toContain(p.id)
    const selfAdmin = t.user(['tutor', 'org_admin'])
    const own = (await put(selfAdmin, complete())).json()
    await t.call(selfAdmin, 'POST', '/tutors/me/verification')
    expect((await t.call(selfAdmin, 'POST', `/tutors/${own.id}/verify`)).statusCode).toBe(403)
    expect((await t.call(u, 'GET', '/tutors/me')).json().verification.status).toBe('pending')
  })

  it("another organization's tutor is invisible to members (404) unless they name the org, and only when listed", async () => {
    const u = tutorUser()
    const p = await listed(u)
    const outsider = t.user(['learner'], t.orgB)
    expect((await t.call(outsider, 'GET', `/tutors/${p.id}`)).statusCode).toBe(404)
    const named = await t.call(outsider, 'GET', `/tutors/${p.id}?orgId=${u.orgId}`)
    expect(named.statusCode).toBe(200)
    expect(named.json().status).toBeUndefined()
    // An org B admin is a visitor in org A: public view only.
    expect(
      (await t.call(admin(t.orgB), 'GET', `/tutors/${p.id}?orgId=${u.orgId}`)).json().verification,
    ).toBeUndefined()
    // An org A admin sees workflow detail of a draft.
    const draft = (await put(tutorUser(), complete())).json()
    expect((await t.call(admin(), 'GET', `/tutors/${draft.id}`)).json().status).toBe('draft')
  })

  it('an invalid bearer token is a 401, never anonymous', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/tutors/tut_${'0'.repeat(32)}?orgId=${t.orgA}`,
      headers: { authorization: 'Bearer nope' },
    })
    expect(res.statusCode).toBe(401)
  })

  it('ids in paths are checked: a profile id of the wrong shape is a 400', async () => {
    const res = await t.call(admin(), 'POST', `/tutors/${newId('usr')}/verify`)
    expect(res.statusCode).toBe(400)
  })
})
