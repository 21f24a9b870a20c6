import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { availabilityExceptions, availabilityRules, bookings } from '../db/schema.ts'
import { createTestTutoring, type TestTutoring } from '../test-helpers.ts'

// Thursday 5 March 2026, 12:00 UTC: before both DST changes (US 8 March, EU 29 March).
const NOW = new Date('2026-03-05T12:00:00Z')

describe('availability routes', () => {
  let t: TestTutoring
  beforeAll(async () => {
    t = await createTestTutoring({ now: NOW })
  })
  afterAll(async () => t.close())

  describe('happy', () => {
    it('a tutor replaces the weekly schedule and reads it back in local times', async () => {
      const { user, tutorId } = await t.tutor()
      const put = await t.call(user, 'PUT', '/tutors/me/availability', {
        weekly: [
          { weekday: 3, start: '14:00', end: '18:00' },
          { weekday: 1, start: '09:00', end: '12:30' },
        ],
      })
      expect(put.statusCode).toBe(200)
      expect(put.json()).toMatchObject({
        tutorId,
        timeZone: 'Europe/Paris',
        weekly: [
          { weekday: 1, start: '09:00', end: '12:30' },
          { weekday: 3, start: '14:00', end: '18:00' },
        ],
      })
      const learner = t.user()
      const pub = await t.call(learner, 'GET', `/tutors/${tutorId}/availability`)
      expect(pub.json().weekly).toHaveLength(2)
    })

    it('slots across the EU DST change keep the tutor’s wall clock, shown in a New York learner’s zone', async () => {
      const { tutorId } = await t.tutor({ weekly: [{ weekday: 1, startMinute: 540, endMinute: 600 }] })
      const res = await t.call(
        t.user(),
        'GET',
        `/tutors/${tutorId}/slots?minutes=60&from=2026-03-20T00:00:00Z&to=2026-04-01T00:00:00Z&timeZone=America/New_York`,
      )
      expect(res.statusCode).toBe(200)
      const body = res.json()
      expect(body.timeZone).toBe('America/New_York')
      // Paris 09:00 on 23 March (UTC+1) and 30 March (UTC+2); New York is on EDT (UTC-4) for both.
      expect(body.slots).toEqual([
        {
          startsAt: '2026-03-23T08:00:00.000Z',
          endsAt: '2026-03-23T09:00:00.000Z',
          localStart: '2026-03-23T04:00:00.000-04:00',
          localEnd: '2026-03-23T05:00:00.000-04:00',
        },
        {
          startsAt: '2026-03-30T07:00:00.000Z',
          endsAt: '2026-03-30T08:00:00.000Z',
          localStart: '2026-03-30T03:00:00.000-04:00',
          localEnd: '2026-03-30T04:00:00.000-04:00',
        },
      ])
    })

    it('time off removes slots, an extra window adds them, live bookings and buffers block them, expired holds do not', async () => {
      const { user, tutorId } = await t.tutor({
        weekly: [{ weekday: 2, startMinute: 540, endMinute: 720 }],
        bufferMinutes: 15,
        lessonMinutes: [30, 60],
      })
      const slots = async () =>
        (
          await t.call(
            t.user(),
            'GET',
            `/tutors/${tutorId}/slots?minutes=60&from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z`,
          )
        )
          .json()
          .slots.map((s: { startsAt: string }) => s.startsAt.slice(11, 16))
      // Tuesday 10 March, Paris UTC+1: 09:00–12:00 local = 08:00–11:00Z; 60-min starts every 30 min.
      expect(await slots()).toEqual(['08:00', '08:30', '09:00', '09:30', '10:00'])
      const booking = (status: string, start: string, holdExpiresAt: Date | null = null) => ({
        id: newId('bkg'),
        orgId: user.orgId,
        tutorId,
        tutorUserId: user.userId,
        learnerId: newId('usr'),
        startsAt: new Date(start),
        endsAt: new Date(new Date(start).getTime() + 30 * 60_000),
        blocksFrom: new Date(start),
        blocksUntil: new Date(new Date(start).getTime() + 45 * 60_000),
        minutes: 30,
        status,
        paidWith: 'checkout',
        priceMinor: 2000,
        currency: 'EUR',
        productRef: `tut:${user.userId}:30`,
        holdExpiresAt,
      })
      await t.db.insert(bookings).values(booking('booked', '2026-03-10T09:00:00Z'))
      // Busy 09:00–09:45Z: a 60-min lesson + 15-min buffer must end by 09:00 or start at 09:45 or later.
      expect(await slots()).toEqual(['10:00'])
      await t.db
        .insert(bookings)
        .values(booking('held', '2026-03-10T10:00:00Z', new Date(NOW.getTime() - 60_000)))
      expect(await slots()).toEqual(['10:00']) // an expired hold blocks nothing
      const off = await t.call(user, 'POST', '/tutors/me/availability/exceptions', {
        kind: 'unavailable',
        startsAt: '2026-03-10T10:00:00Z',
        endsAt: '2026-03-10T11:00:00Z',
        note: 'Dentist',
      })
      expect(off.statusCode).toBe(201)
      expect(await slots()).toEqual([])
      const extra = await t.call(user, 'POST', '/tutors/me/availability/exceptions', {
        kind: 'available',
        startsAt: '2026-03-10T18:00:00+01:00',
        endsAt: '2026-03-10T19:00:00+01:00',
      })
      expect(extra.statusCode).toBe(201)
      expect(await slots()).toEqual(['17:00'])
      expect(
        (await t.call(user, 'DELETE', `/tutors/me/availability/exceptions/${off.json().id}`)).statusCode,
      ).toBe(204)
      expect(await slots()).toEqual(['10:00', '17:00'])
      expect((await t.call(user, 'GET', '/tutors/me/availability')).json().exceptions).toHaveLength(1)
    })

    it('slots respect the minimum notice and the booking horizon', async () => {
      const { tutorId } = await t.tutor({
        weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startMinute: 0, endMinute: 1440 })),
      })
      const first = (
        await t.call(
          t.user(),
          'GET',
          `/tutors/${tutorId}/slots?minutes=30&from=2026-03-05T00:00:00Z&to=2026-03-06T00:00:00Z`,
        )
      ).json().slots[0]
      expect(first.startsAt).toBe('2026-03-05T14:00:00.000Z') // now 12:00 + 2 h notice
      const far = await t.call(
        t.user(),
        'GET',
        `/tutors/${tutorId}/slots?minutes=30&from=2026-06-10T00:00:00Z&to=2026-06-11T00:00:00Z`,
      )
      expect(far.json().slots).toEqual([]) // beyond 90 days
    })

    it('anonymous visitors read a listed tutor’s slots by naming the organization', async () => {
      const { tutorId, user } = await t.tutor()
      const res = await t.call(null, 'GET', `/tutors/${tutorId}/slots?minutes=30&orgId=${user.orgId}`)
      expect(res.statusCode).toBe(200)
      expect(res.json().slots.length).toBeGreaterThan(0)
    })
  })

  describe('errors', () => {
    it('overlapping weekly windows, inverted or off-grid times → 422 and the schedule is unchanged', async () => {
      const { user, tutorId } = await t.tutor()
      const before = await t.db.select().from(availabilityRules)
      for (const weekly of [
        [
          { weekday: 1, start: '09:00', end: '12:00' },
          { weekday: 1, start: '11:00', end: '13:00' },
        ],
        [{ weekday: 2, start: '12:00', end: '09:00' }],
        [{ weekday: 2, start: '09:10', end: '10:00' }],
        [{ weekday: 2, start: '24:30', end: '24:45' }],
      ]) {
        const res = await t.call(user, 'PUT', '/tutors/me/availability', { weekly })
        expect([400, 422]).toContain(res.statusCode)
        expect(res.headers['content-type']).toContain('application/problem+json')
      }
      expect((await t.db.select().from(availabilityRules)).filter((r) => r.tutorId === tutorId)).toHaveLength(
        before.filter((r) => r.tutorId === tutorId).length,
      )
    })

    it('bad exceptions: in the past, inverted, too long, overlapping time off → 4xx and nothing stored', async () => {
      const { user, tutorId } = await t.tutor()
      const count = async () =>
        (await t.db.select().from(availabilityExceptions)).filter((e) => e.tutorId === tutorId).length
      const ok = await t.call(user, 'POST', '/tutors/me/availability/exceptions', {
        kind: 'unavailable',
        startsAt: '2026-04-01T00:00:00Z',
        endsAt: '2026-04-03T00:00:00Z',
      })
      expect(ok.statusCode).toBe(201)
      for (const [body, status] of [
        [{ kind: 'unavailable', startsAt: '2026-03-01T00:00:00Z', endsAt: '2026-03-02T00:00:00Z' }, 422],
        [{ kind: 'unavailable', startsAt: '2026-04-10T00:00:00Z', endsAt: '2026-04-09T00:00:00Z' }, 422],
        [{ kind: 'unavailable', startsAt: '2026-04-10T00:00:00Z', endsAt: '2026-07-10T00:00:00Z' }, 422],
        [{ kind: 'unavailable', startsAt: '2026-04-02T00:00:00Z', endsAt: '2026-04-05T00:00:00Z' }, 409],
        [{ kind: 'holiday', startsAt: '2026-04-10T00:00:00Z', endsAt: '2026-04-11T00:00:00Z' }, 400],
        [{ kind: 'unavailable', startsAt: 'tomorrow', endsAt: '2026-04-11T00:00:00Z' }, 400],
      ] as const) {
        const res = await t.call(user, 'POST', '/tutors/me/availability/exceptions', body)
        expect(res.statusCode).toBe(status)
      }
      expect(await count()).toBe(1)
    })

    it('slots: unknown time zone, a length the tutor does not offer, or a too-long range → 422', async () => {
      const { tutorId } = await t.tutor({ lessonMinutes: [60] })
      const learner = t.user()
      expect(
        (await t.call(learner, 'GET', `/tutors/${tutorId}/slots?minutes=60&timeZone=Mars/Base`)).statusCode,
      ).toBe(422)
      expect((await t.call(learner, 'GET', `/tutors/${tutorId}/slots?minutes=30`)).statusCode).toBe(422)
      expect((await t.call(learner, 'GET', `/tutors/${tutorId}/slots?minutes=25`)).statusCode).toBe(400)
      expect(
        (
          await t.call(
            learner,
            'GET',
            `/tutors/${tutorId}/slots?minutes=60&from=2026-03-06T00:00:00Z&to=2026-05-06T00:00:00Z`,
          )
        ).statusCode,
      ).toBe(422)
    })

    it('someone without a tutor profile has no availability to edit', async () => {
      const res = await t.call(t.user(['tutor']), 'GET', '/tutors/me/availability')
      expect(res.statusCode).toBe(404)
    })
  })

  describe('security', () => {
    it('anonymous and learners cannot edit availability', async () => {
      expect((await t.call(null, 'PUT', '/tutors/me/availability', { weekly: [] })).statusCode).toBe(401)
      expect((await t.call(t.user(), 'PUT', '/tutors/me/availability', { weekly: [] })).statusCode).toBe(403)
    })

    it('a tutor cannot remove another tutor’s exception', async () => {
      const a = await t.tutor()
      const b = await t.tutor()
      const ex = await t.call(a.user, 'POST', '/tutors/me/availability/exceptions', {
        kind: 'unavailable',
        startsAt: '2026-04-01T00:00:00Z',
        endsAt: '2026-04-02T00:00:00Z',
      })
      expect(
        (await t.call(b.user, 'DELETE', `/tutors/me/availability/exceptions/${ex.json().id}`)).statusCode,
      ).toBe(404)
    })

    it('another organization’s tutor and unlisted tutors are invisible (404); anonymous must name the org', async () => {
      const { tutorId } = await t.tutor()
      const other = t.user(['learner'], t.orgB)
      expect((await t.call(other, 'GET', `/tutors/${tutorId}/slots?minutes=30`)).statusCode).toBe(404)
      expect((await t.call(other, 'GET', `/tutors/${tutorId}/availability?orgId=${t.orgA}`)).statusCode).toBe(
        404,
      )
      expect((await t.call(null, 'GET', `/tutors/${tutorId}/availability`)).statusCode).toBe(400)
      const hidden = await t.tutor({ status: 'draft' })
      expect((await t.call(t.user(), 'GET', `/tutors/${hidden.tutorId}/availability`)).statusCode).toBe(404)
      expect((await t.call(hidden.user, 'GET', `/tutors/${hidden.tutorId}/availability`)).statusCode).toBe(
        200,
      )
    })

    it('unknown body fields are refused', async () => {
      const { user } = await t.tutor()
      const res = await t.call(user, 'PUT', '/tutors/me/availability', { weekly: [], timeZone: 'UTC' })
      expect(res.statusCode).toBe(400)
    })
  })
})
