import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import ICAL from 'ical.js'
import { newId } from '@learnmesh/kernel'
import { bookings, people } from '../db/schema.ts'
import { createTestTutoring, type TestTutoring, type TestUser } from '../test-helpers.ts'

const NOW = new Date('2026-03-05T12:00:00Z')

/** Parses an iCalendar document with a real RFC 5545 parser (ical.js) into its events. */
function parseEvents(text: string) {
  const cal = new ICAL.Component(ICAL.parse(text))
  return cal.getAllSubcomponents('vevent').map((v) => {
    const e = new ICAL.Event(v)
    return {
      uid: e.uid,
      summary: e.summary,
      start: e.startDate.toJSDate().toISOString(),
      end: e.endDate.toJSDate().toISOString(),
      status: v.getFirstPropertyValue('status'),
      sequence: e.sequence,
      description: e.description,
      location: e.location,
    }
  })
}

describe('calendar feeds', () => {
  let t: TestTutoring
  let tutor: { tutorId: string; user: TestUser }
  let learner: TestUser
  const booking = async (status: string, start: string, extra: Record<string, unknown> = {}) => {
    const id = newId('bkg')
    await t.db.insert(bookings).values({
      id,
      orgId: tutor.user.orgId,
      tutorId: tutor.tutorId,
      tutorUserId: tutor.user.userId,
      learnerId: learner.userId,
      startsAt: new Date(start),
      endsAt: new Date(new Date(start).getTime() + 60 * 60_000),
      blocksFrom: new Date(start),
      blocksUntil: new Date(new Date(start).getTime() + 60 * 60_000),
      minutes: 60,
      status,
      paidWith: 'checkout',
      priceMinor: 4000,
      currency: 'EUR',
      productRef: `tut:${tutor.user.userId}:60`,
      meetingUrl: `https://meet.example/${id}`,
      ...extra,
    })
    return id
  }

  beforeAll(async () => {
    t = await createTestTutoring({ now: NOW })
    tutor = await t.tutor({ displayName: 'Theo Tutor' })
    learner = t.user()
    await t.db.insert(people).values({
      userId: learner.userId,
      orgId: learner.orgId,
      displayName: 'Lea Learner',
      email: 'lea@example.test',
    })
  })
  afterAll(async () => t.close())

  describe('happy', () => {
    it('the learner’s and the tutor’s feeds list the lesson, parse as RFC 5545, and cancelled lessons say so', async () => {
      const booked = await booking('booked', '2026-03-10T09:00:00Z', { trial: true })
      const cancelled = await booking('cancelled', '2026-03-11T09:00:00Z', { revision: 3 })
      await booking('held', '2026-03-12T09:00:00Z') // not paid: not in calendars
      await booking('booked', '2026-01-01T09:00:00Z') // older than 30 days

      const mine = await t.call(learner, 'POST', '/calendar/feed')
      expect(mine.statusCode).toBe(201)
      const url = new URL(mine.json().url)
      expect(url.origin).toBe('http://web.test')
      const feed = await t.app.inject({ method: 'GET', url: url.pathname.replace('/api/tutoring', '') })
      expect(feed.statusCode).toBe(200)
      expect(feed.headers['content-type']).toContain('text/calendar')
      const events = parseEvents(feed.body)
      expect(events.map((e) => [e.uid, e.status])).toEqual([
        [`${booked}@learnmesh`, 'CONFIRMED'],
        [`${cancelled}@learnmesh`, 'CANCELLED'],
      ])
      expect(events[0]).toMatchObject({
        summary: 'Trial lesson with Theo Tutor',
        start: '2026-03-10T09:00:00.000Z',
        end: '2026-03-10T10:00:00.000Z',
        location: `https://meet.example/${booked}`,
      })
      expect(events[0]!.description).toContain(`Join: https://meet.example/${booked}`)
      expect(events[1]!.sequence).toBe(3)

      const theirs = await t.call(tutor.user, 'POST', '/calendar/feed')
      const tutorFeed = await t.app.inject({
        method: 'GET',
        url: new URL(theirs.json().url).pathname.replace('/api/tutoring', ''),
      })
      expect(parseEvents(tutorFeed.body)[0]!.summary).toBe('Trial lesson with Lea Learner')
    })

    it('one lesson downloads as an .ics file for its learner and its tutor', async () => {
      const id = await booking('confirmed', '2026-03-17T09:00:00Z')
      for (const who of [learner, tutor.user]) {
        const res = await t.call(who, 'GET', `/calendar/bookings/${id}.ics`)
        expect(res.statusCode).toBe(200)
        expect(res.headers['content-disposition']).toContain(`${id}.ics`)
        expect(parseEvents(res.body).map((e) => e.uid)).toEqual([`${id}@learnmesh`])
      }
    })

    it('rotating the feed invalidates the old URL; revoking removes it', async () => {
      const u = t.user()
      const first = new URL((await t.call(u, 'POST', '/calendar/feed')).json().url).pathname.replace(
        '/api/tutoring',
        '',
      )
      const second = new URL((await t.call(u, 'POST', '/calendar/feed')).json().url).pathname.replace(
        '/api/tutoring',
        '',
      )
      expect((await t.app.inject({ method: 'GET', url: first })).statusCode).toBe(404)
      expect((await t.app.inject({ method: 'GET', url: second })).statusCode).toBe(200)
      expect((await t.call(u, 'GET', '/calendar/feed')).json().active).toBe(true)
      expect((await t.call(u, 'DELETE', '/calendar/feed')).statusCode).toBe(204)
      expect((await t.app.inject({ method: 'GET', url: second })).statusCode).toBe(404)
      expect((await t.call(u, 'GET', '/calendar/feed')).json()).toEqual({ active: false, createdAt: null })
    })
  })

  describe('errors', () => {
    it('malformed feed tokens and booking file names → 400; unknown → 404', async () => {
      expect((await t.app.inject({ method: 'GET', url: '/calendar/feeds/short.ics' })).statusCode).toBe(400)
      expect(
        (await t.app.inject({ method: 'GET', url: `/calendar/feeds/${'a'.repeat(43)}.ics` })).statusCode,
      ).toBe(404)
      expect((await t.call(learner, 'GET', '/calendar/bookings/nope.ics')).statusCode).toBe(400)
      expect((await t.call(learner, 'GET', `/calendar/bookings/${newId('bkg')}.ics`)).statusCode).toBe(404)
    })
  })

  describe('security', () => {
    it('feeds need a signed-in owner to create; the feed token is not stored in clear', async () => {
      expect((await t.call(null, 'POST', '/calendar/feed')).statusCode).toBe(401)
      const res = await t.call(t.user(), 'POST', '/calendar/feed')
      const token = new URL(res.json().url).pathname.split('/').pop()!.replace('.ics', '')
      const rows = await t.database.query<{ token_hash: string }>(
        (await import('drizzle-orm')).sql`select token_hash from tutoring.calendar_feeds`,
      )
      expect(rows.some((r) => r.token_hash === token)).toBe(false)
      expect(res.headers['cache-control']).toBe('no-store')
    })

    it('someone else’s lesson, or one in another organization, is a 404', async () => {
      const id = await booking('booked', '2026-03-18T09:00:00Z')
      expect((await t.call(t.user(), 'GET', `/calendar/bookings/${id}.ics`)).statusCode).toBe(404)
      const outsider = { ...learner, orgId: t.orgB }
      expect((await t.call(outsider, 'GET', `/calendar/bookings/${id}.ics`)).statusCode).toBe(404)
    })
  })
})
