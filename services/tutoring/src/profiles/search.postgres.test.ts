import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { newId } from '@learnmesh/kernel'
import { createPostgresTestDatabase, postgresAvailable } from '@learnmesh/kernel/testing'
import { createTestTutoring, type TestTutoring } from '../test-helpers.ts'
import { serviceAreas, tutorProfiles } from '../db/schema.ts'
import { tutoringService } from '../service.ts'

// Search and matching SQL on real PostgreSQL (the route tests run on PGlite): haversine with the
// bounding box, the GIN postal-code match, float sort keys surviving the cursor round trip,
// and a profile written, listed and found through the API.
const pg = await postgresAvailable()

describe.skipIf(!pg.ok)('tutor search on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>
  let t: TestTutoring
  const org = newId('org')

  beforeAll(async () => {
    database = await createPostgresTestDatabase(tutoringService.migrations)
    t = await createTestTutoring({ database, now: new Date('2026-03-01T12:00:00Z') })
  })
  afterAll(async () => {
    await t?.close()
    await database?.drop()
  })

  it('distance filter and sort, postal codes, and keyset pages over float keys', async () => {
    const made: string[] = []
    for (let i = 0; i < 9; i++) {
      const { tutorId } = await t.tutor({ user: t.user(['tutor'], org) })
      await t.db
        .update(tutorProfiles)
        .set({ offersInPerson: true, ratingAvg: 3 + (i % 4) * 0.4, ratingCount: i * 3 })
        .where(eq(tutorProfiles.id, tutorId))
      // Centres spread north of Paris, every one covering it.
      await t.db.insert(serviceAreas).values({
        id: newId('sar'),
        tutorId,
        orgId: org,
        latitude: 48.853 + i * 0.05,
        longitude: 2.3499,
        radiusKm: 100,
      })
      made.push(tutorId)
    }
    const postal = (await t.tutor({ user: t.user(['tutor'], org) })).tutorId
    await t.db.update(tutorProfiles).set({ offersInPerson: true }).where(eq(tutorProfiles.id, postal))
    await t.db
      .insert(serviceAreas)
      .values({ id: newId('sar'), tutorId: postal, orgId: org, countryCode: 'FR', postalCodes: ['75004'] })

    const base = `/tutors?orgId=${org}&mode=in_person&lat=48.853&lng=2.3499&postalCode=75004&country=FR`
    for (const sort of ['distance', 'rating', 'relevance']) {
      const seen: string[] = []
      let cursor: string | null = null
      do {
        const res = await t.call(
          null,
          'GET',
          `${base}&sort=${sort}&limit=4${cursor ? `&cursor=${cursor}` : ''}`,
        )
        expect(res.statusCode, res.body).toBe(200)
        const page = res.json() as {
          items: { id: string; distanceKm: number | null }[]
          nextCursor: string | null
        }
        seen.push(...page.items.map((i) => i.id))
        if (sort === 'distance') {
          const d = page.items.map((i) => i.distanceKm ?? Infinity)
          expect(d).toEqual([...d].sort((a, b) => a - b))
        }
        cursor = page.nextCursor
      } while (cursor)
      expect(seen.length, sort).toBe(10)
      expect(new Set(seen)).toEqual(new Set([...made, postal]))
      if (sort === 'distance') expect(seen).toEqual([...made, postal])
    }
    // 49.9 N is 99.7 km from the 4th centre (48.853 + 3 × 0.05) and more than 100 km from the first three.
    const far = await t.call(
      null,
      'GET',
      `/tutors?orgId=${org}&mode=in_person&lat=49.9&lng=2.3499&sort=distance`,
    )
    expect(far.json().items.map((i: { id: string }) => i.id)).toEqual(made.slice(3).reverse())
  })

  it('a tutor profile made through the API is listed, searchable and matched', async () => {
    const u = t.user(['tutor'], org)
    const put = await t.call(u, 'PUT', '/tutors/me', {
      displayName: 'Pg Tutor',
      headline: 'Physics',
      bio: 'Physics for engineers.',
      timeZone: 'Europe/Paris',
      currency: 'EUR',
      hourlyRateMinor: 3000,
      lessonMinutes: [60],
      trialMinutes: 60,
      subjects: [{ subject: 'Physics', levels: ['advanced'] }],
      languages: ['fr'],
    })
    expect(put.statusCode, put.body).toBe(201)
    expect((await t.call(u, 'POST', '/tutors/me/list')).statusCode).toBe(200)
    expect((await t.events('tutoring.tutor.listed')).at(-1)!.payload).toMatchObject({
      tutorId: u.userId,
      active: true,
    })
    const found = await t.call(null, 'GET', `/tutors?orgId=${org}&subject=physics&language=fr`)
    expect(found.json().items.map((i: { id: string }) => i.id)).toEqual([put.json().id])
    const learner = t.user(['learner'], org)
    const match = await t.call(learner, 'POST', '/match-requests', {
      subject: 'physics',
      timeZone: 'Europe/Paris',
      preferredTimes: { weekly: [{ weekday: 1, start: '10:00', end: '12:00' }] },
      mode: 'online',
    })
    expect(match.statusCode, match.body).toBe(201)
    // No availability rules were set through the API: the tutor ranks with availability 0.
    expect(match.json().results.map((r: { tutorId: string }) => r.tutorId)).toEqual([put.json().id])
  })
})
