import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql, type RecurringJob } from '@learnmesh/kernel'
import { createPostgresTestDatabase, postgresAvailable } from '@learnmesh/kernel/testing'
import { tutoringService } from '../service.ts'
import { createTestTutoring, type TestTutoring } from '../test-helpers.ts'
import { AUTO_COMPLETE_JOB, bookingsJobs } from './bookings.jobs.ts'
import { NOW, at, bookingKit } from './bookings.test-kit.ts'

const pg = await postgresAvailable()

describe.skipIf(!pg.ok)('bookings on PostgreSQL (concurrency)', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>
  let t: TestTutoring
  let kit: ReturnType<typeof bookingKit>

  beforeAll(async () => {
    database = await createPostgresTestDatabase(tutoringService.migrations)
    t = await createTestTutoring({ database })
    kit = bookingKit(t)
  }, 60_000)
  afterAll(async () => {
    await t?.close()
    await database?.drop()
  })

  it('200 learners racing for 20 open slots of one tutor: exactly 20 bookings, no overlap, every loser a clear 409, nothing charged', async () => {
    const { tutorId } = await t.tutor({ bufferMinutes: 10 })
    // 20 one-hour slots 90 minutes apart (lesson + buffer fit between them): Tuesday–Friday,
    // 09:00–16:00 Paris (08:00–15:00 UTC), five a day.
    const slots: string[] = []
    for (let day = 1; day <= 4; day++) {
      for (const hhmm of ['08:00', '09:30', '11:00', '12:30', '14:00']) slots.push(at(day, hhmm))
    }
    const learners = Array.from({ length: 200 }, () => t.user())
    const responses = await Promise.all(
      learners.map((u, i) => kit.hold(u, { tutorId, startsAt: slots[i % 20], minutes: 60 })),
    )
    const won = responses.filter((r) => r.statusCode === 201)
    const lost = responses.filter((r) => r.statusCode !== 201)
    expect(won).toHaveLength(20)
    expect(lost).toHaveLength(180)
    for (const r of lost) {
      expect(r.statusCode).toBe(409)
      expect(r.headers['content-type']).toContain('application/problem+json')
      expect(r.json()).toMatchObject({ code: 'conflict', reason: 'slot_unavailable' })
    }
    // One winner per slot, and each winner is told what to pay.
    expect(new Set(won.map((r) => r.json().booking.startsAt)).size).toBe(20)
    for (const r of won) expect(r.json().checkout.reference).toBe(r.json().booking.id)

    const [counts] = await database.query<{ live: number; learners: number }>(
      sql`select count(*)::int as live, count(distinct learner_id)::int as learners from tutoring.bookings
          where tutor_id = ${tutorId}`,
    )
    expect(counts!.live).toBe(20) // no row at all for the 180 losers: nothing to pay
    expect(counts!.learners).toBe(20)
    const [overlap] = await database.query<{ overlaps: number }>(
      sql`select count(*)::int as overlaps from tutoring.bookings a join tutoring.bookings b
          on a.tutor_id = b.tutor_id and a.id < b.id
          and tstzrange(a.blocks_from, a.blocks_until) && tstzrange(b.blocks_from, b.blocks_until)
          where a.tutor_id = ${tutorId}`,
    )
    expect(overlap!.overlaps).toBe(0)
    expect(await t.events('tutoring.lesson.booked')).toHaveLength(0)
  }, 120_000)

  it('stale holds never block: racers for slots whose holds expired get exactly one winner each, never a 5xx', async () => {
    const { tutorId } = await t.tutor()
    const slots = ['08:00', '09:00', '10:00', '11:00', '12:00'].map((h) => at(8, h))
    for (const s of slots) expect((await kit.hold(t.user(), { tutorId, startsAt: s })).statusCode).toBe(201)
    t.setNow(new Date(NOW.getTime() + 20 * 60_000)) // every hold above has expired, none swept yet
    try {
      const responses = await Promise.all(
        Array.from({ length: 60 }, (_, i) => kit.hold(t.user(), { tutorId, startsAt: slots[i % 5] })),
      )
      expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(5)
      for (const r of responses.filter((x) => x.statusCode !== 201)) {
        expect(r.statusCode).toBe(409)
        expect(['slot_unavailable', 'busy']).toContain(r.json().reason)
      }
    } finally {
      t.setNow(NOW)
    }
    const [rows] = await database.query<{ held: number; expired: number }>(
      sql`select count(*) filter (where status = 'held')::int as held,
          count(*) filter (where status = 'expired')::int as expired
          from tutoring.bookings where tutor_id = ${tutorId}`,
    )
    expect(rows).toEqual({ held: 5, expired: 5 })
  }, 60_000)

  it('learners racing with package credits for one slot: one booking, every loser keeps their credit', async () => {
    const { tutorId, user: tutor } = await t.tutor()
    const learners = Array.from({ length: 12 }, () => t.user())
    for (const u of learners) await kit.buyPackage(u, tutor.userId, 60, 1)
    const responses = await Promise.all(
      learners.map((u) => kit.hold(u, { tutorId, startsAt: at(7, '09:00'), payWith: 'credit' })),
    )
    expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(1)
    expect(responses.filter((r) => r.statusCode === 409)).toHaveLength(11)
    const [credit] = await database.query<{ used: number }>(
      sql`select sum(lessons_used)::int as used from tutoring.lesson_credits where tutor_user_id = ${tutor.userId}`,
    )
    expect(credit!.used).toBe(1)
  }, 60_000)

  it('completion publishes tutoring.lesson.completed exactly once under concurrent confirms, sweeps and duplicate payments', async () => {
    const { tutorId } = await t.tutor()
    const booked: Awaited<ReturnType<typeof kit.book>>[] = []
    const learners = Array.from({ length: 10 }, () => t.user())
    for (const [i, u] of learners.entries()) {
      booked.push(
        await kit.book(u, tutorId, at(7 + Math.floor(i / 5), `${String(8 + (i % 5)).padStart(2, '0')}:00`)),
      )
    }
    const job = bookingsJobs(t.deps).find((j) => j.name === AUTO_COMPLETE_JOB) as RecurringJob
    const runJob = () =>
      t.db.transaction((tx) =>
        job.handle(tx, { id: 'job', name: job.name, attempt: 1, runAt: NOW, key: null }),
      )
    t.setNow(new Date(new Date(at(9, '00:00')).getTime() + 49 * 3_600_000))
    try {
      await Promise.all([
        ...booked.flatMap((b, i) => [
          t.call(learners[i]!, 'POST', `/bookings/${b.id}/complete`),
          t.call(learners[i]!, 'POST', `/bookings/${b.id}/complete`),
          t.deliver('commerce.order.paid', learners[i]!.orgId, b.payload),
        ]),
        runJob(),
        runJob(),
        runJob(),
      ])
    } finally {
      t.setNow(NOW)
    }
    const events = (await t.events('tutoring.lesson.completed')).map((e) => e.payload.bookingId)
    for (const b of booked) expect(events.filter((id) => id === b.id)).toHaveLength(1)
    const [done] = await database.query<{ completed: number }>(
      sql`select count(*)::int as completed from tutoring.bookings where tutor_id = ${tutorId} and status = 'completed'`,
    )
    expect(done!.completed).toBe(10)
  }, 120_000)
})
