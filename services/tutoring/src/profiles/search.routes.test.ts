import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { newId } from '@learnmesh/kernel'
import { createTestTutoring, type TestTutoring } from '../test-helpers.ts'
import { serviceAreas, tutorProfiles } from '../db/schema.ts'

let t: TestTutoring
beforeAll(async () => {
  t = await createTestTutoring()
})
afterAll(() => t.close())

type Card = {
  id: string
  distanceKm: number | null
  hourlyRate: { amountMinor: number }
  [k: string]: unknown
}

/** A listed tutor in `org` with extra columns set straight in the table. */
async function tutorIn(
  org: string,
  opts: Parameters<TestTutoring['tutor']>[0] = {},
  set: Partial<typeof tutorProfiles.$inferInsert> = {},
) {
  const { tutorId } = await t.tutor({ user: t.user(['tutor'], org), ...opts })
  if (Object.keys(set).length > 0)
    await t.db.update(tutorProfiles).set(set).where(eq(tutorProfiles.id, tutorId))
  return tutorId
}

async function radiusArea(
  tutorId: string,
  org: string,
  latitude: number,
  longitude: number,
  radiusKm: number,
) {
  await t.db
    .insert(serviceAreas)
    .values({ id: newId('sar'), tutorId, orgId: org, latitude, longitude, radiusKm })
}

async function postalArea(tutorId: string, org: string, countryCode: string, postalCodes: string[]) {
  await t.db.insert(serviceAreas).values({ id: newId('sar'), tutorId, orgId: org, countryCode, postalCodes })
}

async function search(org: string, query: string, anonymous = true) {
  const res = await t.call(
    anonymous ? null : t.user(['learner'], org),
    'GET',
    `/tutors?orgId=${org}&${query}`,
  )
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as { items: Card[]; sort: string; nextCursor: string | null }
}

const ids = (r: { items: Card[] }) => r.items.map((i) => i.id)

// Paris (Notre-Dame), Versailles (~17 km from it), Lyon (~390 km).
const PARIS = { lat: 48.853, lng: 2.3499 }
const VERSAILLES = { lat: 48.8049, lng: 2.1204 }
const LYON = { lat: 45.764, lng: 4.8357 }

describe('happy', () => {
  it('anonymous without orgId searches every organization; a member without orgId only their own', async () => {
    const orgA = newId('org')
    const orgB = newId('org')
    const subjects = [{ subject: 'marketplace-probe', levels: ['beginner' as const] }]
    const a = await tutorIn(orgA, { subjects })
    const b = await tutorIn(orgB, { subjects })
    await tutorIn(orgB, { subjects, status: 'draft' })
    const anon = await t.call(null, 'GET', '/tutors?subject=marketplace-probe&limit=1')
    expect(anon.statusCode, anon.body).toBe(200)
    const first = anon.json() as { items: Card[]; nextCursor: string }
    expect(first.items).toHaveLength(1)
    const second = (
      await t.call(null, 'GET', `/tutors?subject=marketplace-probe&limit=1&cursor=${first.nextCursor}`)
    ).json() as { items: Card[]; nextCursor: string | null }
    const all = [...first.items, ...second.items]
    expect(new Set(all.map((i) => i.id))).toEqual(new Set([a, b]))
    expect(new Map(all.map((i) => [i.id, i.orgId]))).toEqual(
      new Map([
        [a, orgA],
        [b, orgB],
      ]),
    )
    expect(second.nextCursor).toBeNull()
    // A cursor of the all-organizations search is not valid for one organization's.
    expect(
      (
        await t.call(
          null,
          'GET',
          `/tutors?orgId=${orgA}&subject=marketplace-probe&cursor=${first.nextCursor}`,
        )
      ).statusCode,
    ).toBe(400)
    const member = (
      await t.call(t.user(['learner'], orgA), 'GET', '/tutors?subject=marketplace-probe')
    ).json() as { items: Card[] }
    expect(ids(member)).toEqual([a])
  })

  it('filters by subject, level, language, rate and currency, verified, mode; only listed profiles', async () => {
    const org = newId('org')
    const maths = await tutorIn(org)
    const spanish = await tutorIn(org, {
      subjects: [{ subject: 'spanish', levels: ['beginner'] }],
      languages: ['es', 'en'],
      hourlyRateMinor: 2500,
      verificationStatus: 'unverified',
    })
    const usd = await tutorIn(org, { currency: 'USD', hourlyRateMinor: 3000 })
    await tutorIn(org, { status: 'draft' })
    await tutorIn(org, { status: 'unlisted' })
    const inPerson = await tutorIn(org, {}, { offersOnline: false, offersInPerson: true })

    expect(new Set(ids(await search(org, '')))).toEqual(new Set([maths, spanish, usd, inPerson]))
    expect(new Set(ids(await search(org, 'subject=Mathematics')))).toEqual(new Set([maths, usd, inPerson]))
    expect(ids(await search(org, 'subject=spanish&level=beginner'))).toEqual([spanish])
    expect(ids(await search(org, 'subject=spanish&level=advanced'))).toEqual([])
    expect(ids(await search(org, 'language=ES'))).toEqual([spanish])
    expect(new Set(ids(await search(org, 'currency=eur&maxRate=3000')))).toEqual(new Set([spanish]))
    expect(ids(await search(org, 'currency=USD'))).toEqual([usd])
    expect(new Set(ids(await search(org, 'verified=true')))).toEqual(new Set([maths, usd, inPerson]))
    expect(new Set(ids(await search(org, 'mode=online')))).toEqual(new Set([maths, spanish, usd]))
    expect(ids(await search(org, 'mode=in_person'))).toEqual([inPerson])
  })

  it('in person: the learner must be inside an area (haversine), sorted by distance to its centre', async () => {
    const org = newId('org')
    const inPerson = { offersInPerson: true }
    const paris = await tutorIn(org, {}, inPerson)
    await radiusArea(paris, org, PARIS.lat, PARIS.lng, 10)
    const versailles = await tutorIn(org, {}, inPerson)
    await radiusArea(versailles, org, VERSAILLES.lat, VERSAILLES.lng, 20)
    const lyon = await tutorIn(org, {}, inPerson)
    await radiusArea(lyon, org, LYON.lat, LYON.lng, 200)
    // Two areas: the nearest containing centre counts.
    const both = await tutorIn(org, {}, inPerson)
    await radiusArea(both, org, LYON.lat, LYON.lng, 50)
    await radiusArea(both, org, 48.86, 2.35, 3)

    const atParis = await search(org, `mode=in_person&lat=${PARIS.lat}&lng=${PARIS.lng}&sort=distance`)
    expect(ids(atParis)).toEqual([paris, both, versailles])
    expect(atParis.items[0]!.distanceKm).toBe(0)
    expect(atParis.items[1]!.distanceKm).toBeCloseTo(0.78, 1)
    expect(atParis.items[2]!.distanceKm).toBeGreaterThan(16)
    expect(atParis.items[2]!.distanceKm).toBeLessThan(19)
    // Versailles is 17 km from Paris: inside Versailles' 20 km, outside Paris' 10 km.
    expect(
      ids(await search(org, `mode=in_person&lat=${VERSAILLES.lat}&lng=${VERSAILLES.lng}&sort=distance`)),
    ).toEqual([versailles])
    expect(new Set(ids(await search(org, `mode=in_person&lat=${LYON.lat}&lng=${LYON.lng}`)))).toEqual(
      new Set([lyon, both]),
    )
  })

  it('in person by postal code (normalized, country-scoped), combined with a point (either matches)', async () => {
    const org = newId('org')
    const a = await tutorIn(org, {}, { offersInPerson: true })
    await postalArea(a, org, 'GB', ['SW1A1AA', 'EC1A1BB'])
    const b = await tutorIn(org, {}, { offersInPerson: true })
    await postalArea(b, org, 'US', ['EC1A1BB'])
    const c = await tutorIn(org, {}, { offersInPerson: true })
    await radiusArea(c, org, PARIS.lat, PARIS.lng, 10)
    expect(ids(await search(org, 'mode=in_person&postalCode=sw1a%201aa'))).toEqual([a])
    expect(new Set(ids(await search(org, 'mode=in_person&postalCode=EC1A-1BB')))).toEqual(new Set([a, b]))
    expect(ids(await search(org, 'mode=in_person&postalCode=EC1A1BB&country=gb'))).toEqual([a])
    const either = await search(
      org,
      `mode=in_person&postalCode=SW1A1AA&lat=${PARIS.lat}&lng=${PARIS.lng}&sort=distance`,
    )
    // Measured distances first, postal-code matches (no distance) after.
    expect(ids(either)).toEqual([c, a])
    expect(either.items[1]!.distanceKm).toBeNull()
  })

  it('sorts by price and by Bayesian rating: 200 reviews of 4.8 beat one review of 5.0', async () => {
    const org = newId('org')
    const cheap = await tutorIn(org, { hourlyRateMinor: 2000 })
    const dear = await tutorIn(org, { hourlyRateMinor: 9000 }, { ratingAvg: 5, ratingCount: 1 })
    const mid = await tutorIn(org, { hourlyRateMinor: 5000 }, { ratingAvg: 4.8, ratingCount: 200 })
    expect(ids(await search(org, 'currency=EUR&sort=price_asc'))).toEqual([cheap, mid, dear])
    expect(ids(await search(org, 'currency=EUR&sort=price_desc'))).toEqual([dear, mid, cheap])
    const byRating = await search(org, 'sort=rating')
    expect(ids(byRating)).toEqual([mid, dear, cheap])
    expect(byRating.items[0]!.rating).toMatchObject({ average: expect.closeTo(4.8, 5), count: 200 })
    expect(byRating.items[2]!.rating).toEqual({ average: null, count: 0, bayesian: 4 })
  })

  it('keyset pages: every tutor exactly once, in order, even with equal sort keys; stable when a row is added behind', async () => {
    const org = newId('org')
    const made: string[] = []
    for (let i = 0; i < 7; i++) made.push(await tutorIn(org, { hourlyRateMinor: i < 4 ? 3000 : 3000 + i }))
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page: Awaited<ReturnType<typeof search>> = await search(
        org,
        `currency=EUR&sort=price_asc&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      )
      seen.push(...ids(page))
      cursor = page.nextCursor
      if (pages === 0) await tutorIn(org, { hourlyRateMinor: 1000 }) // lands before the cursor: not repeated
      pages++
    } while (cursor)
    expect(pages).toBe(3)
    expect(seen).toEqual([...made.slice(0, 4).sort(), ...made.slice(4)])
    // Relevance with all-equal keys falls back to id order across pages too.
    const first = await search(org, 'limit=4')
    const second = await search(org, `limit=4&cursor=${first.nextCursor}`)
    expect(new Set([...ids(first), ...ids(second)]).size).toBe(8)
  })
})

describe('errors', () => {
  it.each([
    ['maxRate without currency', 'maxRate=100'],
    ['a price sort without currency', 'sort=price_asc'],
    ['a distance sort without a point', 'mode=in_person&sort=distance'],
    ['lat without lng', 'mode=in_person&lat=1'],
    ['a point without mode=in_person', 'lat=1&lng=1'],
    ['a postal code with mode=online', 'mode=online&postalCode=75001'],
    ['latitude out of range', 'mode=in_person&lat=91&lng=0'],
    ['an unknown sort', 'sort=random'],
    ['OFFSET pagination', 'offset=20'],
    ['a limit over 50', 'limit=51'],
    ['a garbage cursor', 'cursor=abc'],
    ['a NUL in the subject', 'subject=a%00b'],
  ])('%s → 400', async (_name, query) => {
    const res = await t.call(null, 'GET', `/tutors?orgId=${t.orgA}&${query}`)
    expect(res.statusCode, res.body).toBe(400)
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
  })

  it('an unknown currency or language is a 422', async () => {
    expect((await t.call(null, 'GET', `/tutors?orgId=${t.orgA}&currency=ZZZ`)).statusCode).toBe(422)
    expect((await t.call(null, 'GET', `/tutors?orgId=${t.orgA}&language=xx_yy!`)).statusCode).toBe(422)
  })

  it('a cursor is bound to its filters, sort and organization', async () => {
    const org = newId('org')
    for (let i = 0; i < 3; i++) await tutorIn(org)
    const page = await search(org, 'limit=1')
    expect(page.nextCursor).not.toBeNull()
    const other = await t.call(
      null,
      'GET',
      `/tutors?orgId=${org}&limit=1&sort=rating&cursor=${page.nextCursor}`,
    )
    expect(other.statusCode).toBe(400)
    const otherOrg = await t.call(null, 'GET', `/tutors?orgId=${t.orgB}&limit=1&cursor=${page.nextCursor}`)
    expect(otherOrg.statusCode).toBe(400)
  })
})

describe('security', () => {
  it('anonymous search sees only listed profiles; members search their own org by default, never another org’s drafts', async () => {
    const org = newId('org')
    const listedId = await tutorIn(org)
    const draftId = await tutorIn(org, { status: 'draft' })
    const anonymous = (await t.call(null, 'GET', '/tutors?limit=50')).json() as { items: Card[] }
    expect(ids(anonymous)).not.toContain(draftId)
    const member = t.user(['learner'], org)
    const own = await t.call(member, 'GET', '/tutors')
    expect(ids(own.json())).toEqual([listedId])
    const outsider = t.user(['learner'], newId('org'))
    expect(ids((await t.call(outsider, 'GET', '/tutors')).json())).toEqual([])
    expect(ids((await t.call(outsider, 'GET', `/tutors?orgId=${org}`)).json())).toEqual([listedId])
  })

  it('search results carry no owner-only fields and no exact area centres', async () => {
    const org = newId('org')
    await tutorIn(org)
    const card = (await search(org, '')).items[0]!
    expect(card).not.toHaveProperty('status')
    expect(card).not.toHaveProperty('verification')
    expect(card).not.toHaveProperty('serviceAreas')
  })
})
