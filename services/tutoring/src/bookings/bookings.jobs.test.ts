import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RecurringJob } from '@learnmesh/kernel'
import { createTestTutoring, type TestTutoring } from '../test-helpers.ts'
import { AUTO_COMPLETE_JOB, EXPIRE_HOLDS_JOB, RESPONSE_SWEEP_JOB, bookingsJobs } from './bookings.jobs.ts'
import { NOW, at, bookingKit } from './bookings.test-kit.ts'

let t: TestTutoring
let kit: ReturnType<typeof bookingKit>
beforeAll(async () => {
  t = await createTestTutoring()
  kit = bookingKit(t)
})
afterAll(() => t.close())

/** Runs a recurring job's handler once, in its own transaction (as the job runner does). */
async function runJob(name: string) {
  const job = bookingsJobs(t.deps).find((j) => j.name === name) as RecurringJob
  await t.db.transaction((tx) =>
    job.handle(tx, { id: 'job', name, attempt: 1, runAt: t.deps.now(), key: null }),
  )
}
const completedEvents = async (bookingId: string) =>
  (await t.events('tutoring.lesson.completed')).filter((e) => e.payload.bookingId === bookingId)
const cancelledEvent = async (bookingId: string) =>
  (await t.events('tutoring.lesson.cancelled')).find((e) => e.payload.bookingId === bookingId)?.payload

describe('happy', () => {
  it('response rate: acknowledged in time counts 1, never acknowledged counts 0 once the window passes, each booking once', async () => {
    const tutor = await t.tutor()
    const learner = t.user()
    const rate = async () => {
      const p = (await t.call(learner, 'GET', `/tutors/${tutor.tutorId}`)).json()
      return p.responseRate
    }
    const answered = await kit.book(learner, tutor.tutorId, at(3, '09:00'))
    const ignored = await kit.book(learner, tutor.tutorId, at(3, '11:00'))
    expect((await t.call(tutor.user, 'POST', `/bookings/${answered.id}/confirm`)).statusCode).toBe(200)
    expect(await rate()).toMatchObject({ rate: 1, samples: 1 })
    await runJob(RESPONSE_SWEEP_JOB) // within 24 h: the other one is not overdue yet
    expect(await rate()).toMatchObject({ rate: 1, samples: 1 })
    t.setNow(new Date(NOW.getTime() + 25 * 3_600_000))
    try {
      await runJob(RESPONSE_SWEEP_JOB)
      await runJob(RESPONSE_SWEEP_JOB)
      expect(await rate()).toMatchObject({ rate: 0.5, samples: 2 })
      // A late acknowledgement is still possible, but the booking was already counted.
      expect((await t.call(tutor.user, 'POST', `/bookings/${ignored.id}/confirm`)).statusCode).toBe(200)
      expect(await rate()).toMatchObject({ rate: 0.5, samples: 2 })
    } finally {
      t.setNow(NOW)
    }
  })

  it('the hold sweep expires unpaid holds and frees their slot', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const { booking } = (await kit.hold(learner, { tutorId, startsAt: at(1, '09:00') })).json()
    await runJob(EXPIRE_HOLDS_JOB)
    expect((await t.call(learner, 'GET', `/bookings/${booking.id}`)).json().status).toBe('held')
    t.setNow(new Date(NOW.getTime() + 15 * 60_000))
    try {
      await runJob(EXPIRE_HOLDS_JOB)
      expect((await t.call(learner, 'GET', `/bookings/${booking.id}`)).json().status).toBe('expired')
    } finally {
      t.setNow(NOW)
    }
  })

  it('auto-confirm completes a lesson AUTO_CONFIRM_HOURS after its end, exactly once with the learner racing it', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const a = await kit.book(learner, tutorId, at(1, '10:00'))
    const b = await kit.book(learner, tutorId, at(1, '12:00'))
    t.setNow(new Date(new Date(at(1, '11:00')).getTime() + 47 * 3_600_000))
    try {
      await runJob(AUTO_COMPLETE_JOB)
      expect(await completedEvents(a.id)).toHaveLength(0)
      t.setNow(new Date(new Date(at(1, '13:00')).getTime() + 48 * 3_600_000))
      // The learner confirms, the job runs (twice), and a duplicate order.paid arrives, all at once.
      const results = await Promise.all([
        t.call(learner, 'POST', `/bookings/${a.id}/complete`),
        runJob(AUTO_COMPLETE_JOB),
        runJob(AUTO_COMPLETE_JOB),
        t.deliver('commerce.order.paid', learner.orgId, a.payload),
        t.call(learner, 'POST', `/bookings/${a.id}/complete`),
      ])
      expect((results[0] as { statusCode: number }).statusCode).toBe(200)
      expect(await completedEvents(a.id)).toHaveLength(1)
      expect(await completedEvents(b.id)).toHaveLength(1)
      expect((await t.call(learner, 'GET', `/bookings/${a.id}`)).json().status).toBe('completed')
    } finally {
      t.setNow(NOW)
    }
  })

  it('disputes: the admin refunds, releases or splits; each publishes the matching event once', async () => {
    const { tutorId, user: tutor } = await t.tutor()
    const learner = t.user()
    const admin = t.user(['org_admin'])
    const refund = await kit.book(learner, tutorId, at(2, '09:00'))
    const release = await kit.book(learner, tutorId, at(2, '10:00'))
    const split = await kit.book(learner, tutorId, at(2, '11:00'))
    t.setNow(new Date(at(2, '12:30')))
    try {
      const open = async (id: string) =>
        (await t.call(learner, 'POST', `/bookings/${id}/disputes`, { reason: 'The tutor left early' })).json()
      const d1 = await open(refund.id)
      const d2 = await open(release.id)
      const d3 = (
        await t.call(tutor, 'POST', `/bookings/${split.id}/disputes`, { reason: 'Learner late' })
      ).json()
      expect(d1.booking.status).toBe('disputed')
      const list = (await t.call(admin, 'GET', '/disputes?status=open')).json().items
      expect(list.map((d: { id: string }) => d.id)).toEqual(
        expect.arrayContaining([d1.dispute.id, d2.dispute.id, d3.dispute.id]),
      )
      // A disputed lesson is not auto-completed.
      t.setNow(new Date(new Date(at(2, '12:00')).getTime() + 72 * 3_600_000))
      await runJob(AUTO_COMPLETE_JOB)
      expect(await completedEvents(release.id)).toHaveLength(0)

      const r1 = await t.call(admin, 'POST', `/disputes/${d1.dispute.id}/resolve`, { resolution: 'refund' })
      expect(r1.json()).toMatchObject({
        dispute: { status: 'resolved', resolution: 'refund', refundPercent: 100 },
        booking: { status: 'cancelled', refundPercent: 100 },
      })
      expect(await cancelledEvent(refund.id)).toMatchObject({
        refundable: true,
        refundPercent: 100,
        cancelledBy: 'admin',
      })

      const r2 = await t.call(admin, 'POST', `/disputes/${d2.dispute.id}/resolve`, {
        resolution: 'release',
        note: 'Recording shows the full lesson',
      })
      expect(r2.json().booking.status).toBe('completed')
      expect(await completedEvents(release.id)).toHaveLength(1)

      await t.call(admin, 'POST', `/disputes/${d3.dispute.id}/resolve`, {
        resolution: 'split',
        refundPercent: 30,
      })
      expect(await cancelledEvent(split.id)).toMatchObject({ refundable: true, refundPercent: 30 })

      // Resolving twice changes nothing.
      const again = await t.call(admin, 'POST', `/disputes/${d2.dispute.id}/resolve`, {
        resolution: 'refund',
      })
      expect(again.statusCode).toBe(409)
      expect(await completedEvents(release.id)).toHaveLength(1)
      expect(await cancelledEvent(release.id)).toBeUndefined()
    } finally {
      t.setNow(NOW)
    }
  })

  it('a tutor no-show reported by the learner refunds in full; a credit comes back instead', async () => {
    const { tutorId, user: tutor } = await t.tutor()
    const learner = t.user()
    const paid = await kit.book(learner, tutorId, at(3, '09:00'))
    await kit.buyPackage(learner, tutor.userId, 60, 1)
    const credited = (
      await kit.hold(learner, { tutorId, startsAt: at(3, '11:00'), payWith: 'credit' })
    ).json().booking
    t.setNow(new Date(at(3, '12:15')))
    try {
      expect((await t.call(learner, 'POST', `/bookings/${paid.id}/no-show`)).json()).toMatchObject({
        status: 'cancelled',
        cancelReason: 'tutor_no_show',
      })
      expect(await cancelledEvent(paid.id)).toMatchObject({ refundPercent: 100, refundable: true })
      const admin = t.user(['org_admin'])
      expect((await t.call(admin, 'POST', `/bookings/${credited.id}/no-show`)).statusCode).toBe(200)
      expect(await cancelledEvent(credited.id)).toBeUndefined()
      expect((await t.call(learner, 'GET', '/credits')).json().items[0].lessonsLeft).toBe(1)
    } finally {
      t.setNow(NOW)
    }
  })

  it('a learner no-show reported by the tutor completes the lesson once: the tutor is paid, the learner sees why', async () => {
    const { tutorId, user: tutor } = await t.tutor()
    const learner = t.user()
    const b = await kit.book(learner, tutorId, at(3, '14:00'))
    t.setNow(new Date(at(3, '14:12')))
    try {
      const reported = await t.call(tutor, 'POST', `/bookings/${b.id}/no-show`)
      expect(reported.statusCode).toBe(200)
      expect(reported.json()).toMatchObject({
        status: 'completed',
        learnerNoShowAt: new Date(at(3, '14:12')).toISOString(),
        cancelReason: null,
        refundPercent: null,
      })
      expect(await completedEvents(b.id)).toHaveLength(1)
      expect(await cancelledEvent(b.id)).toBeUndefined()
      // The learner sees who was absent; reporting again, by anyone, changes nothing.
      expect((await t.call(learner, 'GET', `/bookings/${b.id}`)).json().learnerNoShowAt).toBe(
        new Date(at(3, '14:12')).toISOString(),
      )
      const again = await t.call(learner, 'POST', `/bookings/${b.id}/no-show`)
      expect(again.statusCode).toBe(409)
      expect(again.json().reason).toBe('bad_status')
      expect((await t.call(tutor, 'POST', `/bookings/${b.id}/no-show`)).statusCode).toBe(409)
      await runJob(AUTO_COMPLETE_JOB)
      expect(await completedEvents(b.id)).toHaveLength(1)
    } finally {
      t.setNow(NOW)
    }
  })

  it('a late cancellation of a credit-paid lesson spends the credit and settles the late-cancel percent', async () => {
    const { tutorId, user: tutor } = await t.tutor()
    const learner = t.user()
    const pkg = await kit.buyPackage(learner, tutor.userId, 60, 2)
    const b = (await kit.hold(learner, { tutorId, startsAt: at(0, '14:00'), payWith: 'credit' })).json()
      .booking
    await t.call(learner, 'POST', `/bookings/${b.id}/cancel`, {})
    expect(await cancelledEvent(b.id)).toMatchObject({
      orderItemId: pkg.orderItemId,
      refundable: true,
      refundPercent: 50,
    })
    expect((await t.call(learner, 'GET', '/credits')).json().items[0].lessonsLeft).toBe(1)
  })
})

describe('errors', () => {
  it('a no-show is reported neither before the grace period nor long after the lesson, by the learner or the tutor', async () => {
    const { tutorId, user: tutor } = await t.tutor()
    const learner = t.user()
    const b = await kit.book(learner, tutorId, at(4, '09:00'))
    try {
      for (const when of [
        new Date(at(4, '09:05')),
        new Date(new Date(at(4, '10:00')).getTime() + 25 * 3_600_000),
      ]) {
        t.setNow(when)
        for (const who of [tutor, learner]) {
          const r = await t.call(who, 'POST', `/bookings/${b.id}/no-show`)
          expect(r.statusCode).toBe(409)
          expect(r.json().reason).toBe('outside_window')
        }
      }
      expect((await t.call(learner, 'GET', `/bookings/${b.id}`)).json()).toMatchObject({
        status: 'booked',
        learnerNoShowAt: null,
      })
      expect(await completedEvents(b.id)).toHaveLength(0)
    } finally {
      t.setNow(NOW)
    }
  })

  it('nobody else reports a no-show: another member of the org sees no booking (404)', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const b = await kit.book(learner, tutorId, at(4, '11:00'))
    t.setNow(new Date(at(4, '11:15')))
    try {
      expect((await t.call(t.user(), 'POST', `/bookings/${b.id}/no-show`)).statusCode).toBe(404)
      expect((await t.call(learner, 'GET', `/bookings/${b.id}`)).json().status).toBe('booked')
    } finally {
      t.setNow(NOW)
    }
  })

  it('a lesson is moved at most MAX_RESCHEDULES times', async () => {
    const { tutorId, user: tutor } = await t.tutor()
    const learner = t.user()
    const b = await kit.book(learner, tutorId, at(8, '09:00'))
    for (const h of ['10:00', '11:00', '12:00']) {
      expect(
        (await t.call(tutor, 'POST', `/bookings/${b.id}/reschedule`, { startsAt: at(8, h) })).statusCode,
      ).toBe(200)
    }
    const fourth = await t.call(learner, 'POST', `/bookings/${b.id}/reschedule`, { startsAt: at(8, '13:00') })
    expect(fourth.statusCode).toBe(409)
    expect(fourth.json().reason).toBe('reschedule_limit')
  })
})
