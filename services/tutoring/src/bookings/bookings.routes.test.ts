import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { createTestTutoring, type TestTutoring } from '../test-helpers.ts'
import { at, bookingKit } from './bookings.test-kit.ts'

let t: TestTutoring
let kit: ReturnType<typeof bookingKit>
beforeAll(async () => {
  t = await createTestTutoring({ env: { MEETING_URL_TEMPLATE: 'https://meet.test/{bookingId}?k={token}' } })
  kit = bookingKit(t)
})
afterAll(() => t.close())

describe('happy', () => {
  it('a learner holds a slot, pays it by checkout and gets a booked lesson with a meeting link', async () => {
    const { tutorId, user: tutor } = await t.tutor({ hourlyRateMinor: 4555 })
    const learner = t.user()
    const res = await kit.hold(learner, { tutorId, startsAt: at(1, '09:00'), minutes: 30, note: 'Algebra' })
    expect(res.statusCode).toBe(201)
    const { booking, checkout } = res.json()
    // 45.55 × 30 / 60 = 22.775 → 22.78 (half up, as commerce prices it)
    expect(booking).toMatchObject({
      status: 'held',
      priceMinor: 2278,
      currency: 'EUR',
      productRef: `tut:${tutor.userId}:30`,
      meetingUrl: null,
      learnerId: learner.userId,
      tutorUserId: tutor.userId,
      note: 'Algebra',
    })
    expect(new Date(booking.holdExpiresAt).getTime() - t.deps.now().getTime()).toBe(15 * 60_000)
    expect(checkout).toEqual({
      productType: 'tutoring_lesson',
      productRef: booking.productRef,
      reference: booking.id,
    })
    expect(await t.events('tutoring.lesson.booked')).toHaveLength(0)

    const { orderId, orderItemId } = await kit.pay(learner, booking)
    const paid = (await t.call(learner, 'GET', `/bookings/${booking.id}`)).json()
    expect(paid).toMatchObject({ status: 'booked', orderId, orderItemId, holdExpiresAt: null })
    expect(paid.meetingUrl).toMatch(new RegExp(`^https://meet\\.test/${booking.id}\\?k=[0-9a-f]{32}$`))
    const events = await t.events('tutoring.lesson.booked')
    expect(events.map((e) => e.payload)).toContainEqual(
      expect.objectContaining({
        bookingId: booking.id,
        tutorId: tutor.userId,
        learnerId: learner.userId,
        orderId,
        orderItemId,
        minutes: 30,
        trial: false,
        meetingUrl: paid.meetingUrl,
      }),
    )
    // The tutor sees it too.
    expect((await t.call(tutor, 'GET', `/bookings/${booking.id}`)).statusCode).toBe(200)
  })

  it('a package becomes a credit; booking with it is immediate and cancelling early gives the credit back', async () => {
    const { tutorId, user: tutor } = await t.tutor()
    const learner = t.user()
    const pkg = await kit.buyPackage(learner, tutor.userId, 60, 2)
    await kit.buyPackage(learner, tutor.userId, 60, 2).then(() => undefined) // another order: another credit
    const credits = (await t.call(learner, 'GET', '/credits')).json().items
    expect(credits).toHaveLength(2)
    const res = await kit.hold(learner, { tutorId, startsAt: at(3, '10:00'), payWith: 'credit' })
    expect(res.statusCode).toBe(201)
    const { booking, checkout } = res.json()
    expect(checkout).toBeNull()
    expect(booking).toMatchObject({ status: 'booked', paidWith: 'credit', orderId: pkg.orderId })
    expect(booking.meetingUrl).toContain(booking.id)
    const after = (await t.call(learner, 'GET', '/credits')).json().items
    expect(after.find((c: { orderItemId: string }) => c.orderItemId === pkg.orderItemId)).toMatchObject({
      lessonsUsed: 1,
      lessonsLeft: 1,
    })
    // Cancelled more than FREE_CANCEL_HOURS ahead: the credit comes back, commerce hears nothing.
    const cancelled = await t.call(learner, 'POST', `/bookings/${booking.id}/cancel`, { reason: 'Exams' })
    expect(cancelled.json()).toMatchObject({
      status: 'cancelled',
      cancelledBy: 'learner',
      refundPercent: 100,
    })
    const back = (await t.call(learner, 'GET', '/credits')).json().items
    expect(back.find((c: { orderItemId: string }) => c.orderItemId === pkg.orderItemId).lessonsUsed).toBe(0)
    const ev = await t.events('tutoring.lesson.cancelled')
    expect(ev.some((e) => e.payload.bookingId === booking.id)).toBe(false)
  })

  it('cancellation policy: early learner 100 %, late learner LATE_CANCEL_REFUND_PERCENT, tutor 100 %', async () => {
    const { tutorId, user: tutor } = await t.tutor()
    const learner = t.user()
    const early = await kit.book(learner, tutorId, at(3, '09:00'))
    const late = await kit.book(learner, tutorId, at(0, '14:00')) // 6 h ahead
    const byTutor = await kit.book(learner, tutorId, at(0, '15:00'))
    await t.call(learner, 'POST', `/bookings/${early.id}/cancel`, {})
    await t.call(learner, 'POST', `/bookings/${late.id}/cancel`, {})
    await t.call(tutor, 'POST', `/bookings/${byTutor.id}/cancel`, { reason: 'Sick' })
    const ev = (await t.events('tutoring.lesson.cancelled')).map((e) => e.payload)
    expect(ev.find((e) => e.bookingId === early.id)).toMatchObject({
      refundable: true,
      refundPercent: 100,
      cancelledBy: 'learner',
      orderItemId: early.orderItemId,
      tutorId: tutor.userId,
    })
    expect(ev.find((e) => e.bookingId === late.id)).toMatchObject({ refundable: true, refundPercent: 50 })
    expect(ev.find((e) => e.bookingId === byTutor.id)).toMatchObject({
      refundPercent: 100,
      cancelledBy: 'tutor',
    })
  })

  it('quotes a cancellation before it happens: early 100 %, late 50 % for the learner, 100 % for the tutor', async () => {
    const { tutorId, user: tutor } = await t.tutor()
    const learner = t.user()
    const early = await kit.book(learner, tutorId, at(3, '09:00'))
    const late = await kit.book(learner, tutorId, at(0, '14:00')) // 6 h ahead
    const quote = async (u: typeof learner, id: string) => {
      const res = await t.call(u, 'GET', `/bookings/${id}/cancellation`)
      expect(res.statusCode, res.body).toBe(200)
      return res.json()
    }
    expect(await quote(learner, early.id)).toMatchObject({
      allowed: true,
      reason: 'full_refund',
      refundPercent: 100,
      refundMinor: 4000, // the default 40.00/h, 60 minutes
      currency: 'EUR',
      lateCancelRefundPercent: 50,
      freeCancelUntil: new Date(new Date(at(3, '09:00')).getTime() - 24 * 3_600_000).toISOString(),
    })
    const lateQuote = await quote(learner, late.id)
    expect(lateQuote).toMatchObject({ allowed: true, reason: 'late_cancel', refundPercent: 50 })
    expect(lateQuote.refundMinor).toBe(2000)
    expect(await quote(tutor, late.id)).toMatchObject({ allowed: true, refundPercent: 100 })
    // The quote changed nothing; the real cancellation gives what it said.
    expect((await t.call(learner, 'GET', `/bookings/${late.id}`)).json().status).toBe('booked')
    await t.call(learner, 'POST', `/bookings/${late.id}/cancel`, {})
    const ev = (await t.events('tutoring.lesson.cancelled')).find((e) => e.payload.bookingId === late.id)
    expect(ev?.payload).toMatchObject({ refundPercent: lateQuote.refundPercent })
    expect(await quote(learner, late.id)).toMatchObject({
      allowed: false,
      reason: 'bad_status',
      refundMinor: null,
    })
  })

  it('the tutor confirms, the learner confirms after the end: completed once, escrow released once', async () => {
    const { tutorId, user: tutor } = await t.tutor()
    const learner = t.user()
    const b = await kit.book(learner, tutorId, at(1, '11:00'))
    expect((await t.call(tutor, 'POST', `/bookings/${b.id}/confirm`)).json().status).toBe('confirmed')
    t.setNow(new Date(at(1, '12:05')))
    try {
      const done = await t.call(learner, 'POST', `/bookings/${b.id}/complete`)
      expect(done.json()).toMatchObject({ status: 'completed' })
      const again = await t.call(learner, 'POST', `/bookings/${b.id}/complete`)
      expect(again.statusCode).toBe(200)
      const ev = (await t.events('tutoring.lesson.completed')).filter((e) => e.payload.bookingId === b.id)
      expect(ev).toHaveLength(1)
      expect(ev[0]!.payload).toMatchObject({ orderItemId: b.orderItemId, minutes: 60, tutorId: tutor.userId })
    } finally {
      t.setNow(new Date('2030-01-07T08:00:00.000Z'))
    }
  })

  it('reschedules a lesson to another free time and publishes tutoring.lesson.rescheduled', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const b = await kit.book(learner, tutorId, at(2, '09:00'))
    const res = await t.call(learner, 'POST', `/bookings/${b.id}/reschedule`, { startsAt: at(2, '13:00') })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ startsAt: at(2, '13:00'), endsAt: at(2, '14:00'), rescheduleCount: 1 })
    const ev = (await t.events('tutoring.lesson.rescheduled')).map((e) => e.payload)
    expect(ev).toContainEqual(
      expect.objectContaining({
        bookingId: b.id,
        previousStartsAt: at(2, '09:00'),
        startsAt: at(2, '13:00'),
      }),
    )
    // The old time is free again.
    expect((await kit.hold(t.user(), { tutorId, startsAt: at(2, '09:00') })).statusCode).toBe(201)
  })

  it('lists my bookings upcoming with keyset pages', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    for (const h of ['09:00', '10:00', '11:00']) await kit.book(learner, tutorId, at(4, h))
    const first = (await t.call(learner, 'GET', '/bookings?when=upcoming&limit=2')).json()
    expect(first.items.map((b: { startsAt: string }) => b.startsAt)).toEqual([at(4, '09:00'), at(4, '10:00')])
    const second = (
      await t.call(learner, 'GET', `/bookings?when=upcoming&limit=2&cursor=${first.nextCursor}`)
    ).json()
    expect(second.items.map((b: { startsAt: string }) => b.startsAt)).toEqual([at(4, '11:00')])
    expect(second.nextCursor).toBeNull()
    expect((await t.call(learner, 'GET', '/bookings?when=past')).json().items).toEqual([])
  })

  it('publishes the booking rules to anyone, as configured', async () => {
    const res = await t.call(null, 'GET', '/booking-policy')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      holdMinutes: t.config.BOOKING_HOLD_MINUTES,
      minNoticeHours: t.config.BOOKING_MIN_NOTICE_HOURS,
      horizonDays: t.config.BOOKING_HORIZON_DAYS,
      freeCancelHours: 24,
      lateCancelRefundPercent: 50,
      noShowGraceMinutes: 10,
      noShowReportHours: 24,
      autoCompleteHours: 48,
    })
    const strict = await createTestTutoring({
      env: { FREE_CANCEL_HOURS: '12', LATE_CANCEL_REFUND_PERCENT: '0' },
    })
    try {
      expect((await strict.call(null, 'GET', '/booking-policy')).json()).toMatchObject({
        freeCancelHours: 12,
        lateCancelRefundPercent: 0,
      })
    } finally {
      await strict.close()
    }
  })

  it('shows the learner and the tutor by name, for both of them and for org admins', async () => {
    const { tutorId, user: tutor } = await t.tutor({ displayName: 'Ada Lovelace' })
    const learner = t.user()
    const b = await kit.book(learner, tutorId, at(4, '14:00'))
    // Before identity's event reaches tutoring, the learner has no name yet (null, not an id).
    expect((await t.call(tutor, 'GET', `/bookings/${b.id}`)).json()).toMatchObject({
      tutorName: 'Ada Lovelace',
      learnerName: null,
    })
    await t.deliver('identity.user.registered', learner.orgId, {
      userId: learner.userId,
      email: 'grace@example.com',
      displayName: 'Grace Hopper',
      orgId: learner.orgId,
      via: 'password',
    })
    const named = { id: b.id, tutorName: 'Ada Lovelace', learnerName: 'Grace Hopper' }
    expect((await t.call(tutor, 'GET', '/bookings?role=tutor')).json().items).toEqual([
      expect.objectContaining(named),
    ])
    expect((await t.call(learner, 'GET', `/bookings/${b.id}`)).json()).toMatchObject(named)
    const admin = t.user(['org_admin'])
    expect((await t.call(admin, 'GET', '/bookings?scope=org')).json().items).toEqual(
      expect.arrayContaining([expect.objectContaining(named)]),
    )
    expect((await t.call(tutor, 'POST', `/bookings/${b.id}/confirm`)).json()).toMatchObject(named)
  })
})

describe('errors', () => {
  it('rejects bad holds with 4xx and changes nothing', async () => {
    const { tutorId, user: tutor } = await t.tutor({ lessonMinutes: [30, 60] })
    const learner = t.user()
    const before = await kit.statusCounts()
    const eventsBefore = (await t.events()).length
    const cases: [Record<string, unknown>, number, string?][] = [
      [{ tutorId, startsAt: '2029-12-31T09:00:00.000Z' }, 422, 'in_the_past'],
      [{ tutorId: newId('tut'), startsAt: at(1, '09:00') }, 404],
      [{ tutorId, startsAt: at(1, '09:00'), minutes: 45 }, 422, 'minutes_not_offered'],
      [{ tutorId, startsAt: at(1, '09:10') }, 422, 'bad_alignment'],
      [{ tutorId, startsAt: at(5, '09:00') }, 422, 'outside_availability'], // Saturday
      [{ tutorId, startsAt: at(0, '08:30') }, 422, 'too_soon'],
      [{ tutorId, startsAt: at(1, '09:00'), mode: 'in_person' }, 422, 'mode_not_offered'],
      [{ tutorId, startsAt: at(1, '09:00'), payWith: 'credit' }, 422, 'no_credit'],
      [{ tutorId, startsAt: 'tomorrow' }, 400],
      [{ tutorId, startsAt: at(1, '09:00'), extra: 1 }, 400],
    ]
    for (const [body, status, reason] of cases) {
      const res = await kit.hold(learner, body)
      expect(res.statusCode, JSON.stringify(body)).toBe(status)
      expect(res.headers['content-type']).toContain('application/problem+json')
      if (reason) expect(res.json().reason).toBe(reason)
    }
    const own = await kit.hold(tutor, { tutorId, startsAt: at(1, '09:00') })
    expect(own.statusCode).toBe(422)
    expect(own.json().reason).toBe('own_profile')
    expect(await kit.statusCounts()).toEqual(before)
    expect(await t.events()).toHaveLength(eventsBefore)
  })

  it('a taken slot is a clear 409; buffers count; a stale hold does not block', async () => {
    const { tutorId } = await t.tutor({ bufferMinutes: 15 })
    const a = t.user()
    const b = t.user()
    expect((await kit.hold(a, { tutorId, startsAt: at(1, '13:00') })).statusCode).toBe(201)
    const taken = await kit.hold(b, { tutorId, startsAt: at(1, '13:30'), minutes: 30 })
    expect(taken.statusCode).toBe(409)
    expect(taken.json()).toMatchObject({ code: 'conflict', reason: 'slot_unavailable' })
    // 14:00 is inside a's 15-minute buffer.
    expect((await kit.hold(b, { tutorId, startsAt: at(1, '14:00'), minutes: 30 })).statusCode).toBe(409)
    expect((await kit.hold(b, { tutorId, startsAt: at(1, '14:15'), minutes: 30 })).statusCode).toBe(201)
    // Once a's hold has expired, b can take 13:00.
    t.setNow(new Date(t.deps.now().getTime() + 16 * 60_000))
    try {
      expect((await kit.hold(b, { tutorId, startsAt: at(1, '13:00'), minutes: 30 })).statusCode).toBe(201)
    } finally {
      t.setNow(new Date('2030-01-07T08:00:00.000Z'))
    }
  })

  it('a learner cannot hold two overlapping lessons', async () => {
    const one = await t.tutor()
    const two = await t.tutor()
    const learner = t.user()
    expect((await kit.hold(learner, { tutorId: one.tutorId, startsAt: at(1, '15:00') })).statusCode).toBe(201)
    const res = await kit.hold(learner, { tutorId: two.tutorId, startsAt: at(1, '15:30'), minutes: 30 })
    expect(res.statusCode).toBe(409)
    expect(res.json().reason).toBe('learner_busy')
  })

  it('a trial is only for a first lesson, at the trial length', async () => {
    const { tutorId } = await t.tutor({ trialMinutes: 30 })
    const learner = t.user()
    const wrongLength = await kit.hold(learner, {
      tutorId,
      startsAt: at(1, '09:00'),
      trial: true,
      minutes: 60,
    })
    expect(wrongLength.json().reason).toBe('trial_minutes')
    const trial = await kit.hold(learner, { tutorId, startsAt: at(1, '09:00'), trial: true, minutes: 30 })
    expect(trial.statusCode).toBe(201)
    const second = await kit.hold(learner, { tutorId, startsAt: at(2, '09:00'), trial: true, minutes: 30 })
    expect(second.statusCode).toBe(422)
    expect(second.json().reason).toBe('trial_not_first')
    const none = await t.tutor({ trialMinutes: null })
    const noTrial = await kit.hold(learner, {
      tutorId: none.tutorId,
      startsAt: at(3, '09:00'),
      trial: true,
      minutes: 30,
    })
    expect(noTrial.json().reason).toBe('trial_not_offered')
  })

  it('lifecycle rules: no completion before the end, no cancel after the start, late learner reschedule refused', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const b = await kit.book(learner, tutorId, at(0, '14:00'))
    const early = await t.call(learner, 'POST', `/bookings/${b.id}/complete`)
    expect(early.statusCode).toBe(409)
    expect(early.json().reason).toBe('not_ended')
    const move = await t.call(learner, 'POST', `/bookings/${b.id}/reschedule`, { startsAt: at(2, '09:00') })
    expect(move.statusCode).toBe(409)
    expect(move.json().reason).toBe('too_late')
    expect(
      (await t.call(learner, 'POST', `/bookings/${b.id}/disputes`, { reason: 'Too early' })).statusCode,
    ).toBe(409)
    t.setNow(new Date(at(0, '14:05')))
    try {
      const cancel = await t.call(learner, 'POST', `/bookings/${b.id}/cancel`, {})
      expect(cancel.statusCode).toBe(409)
      expect(cancel.json().reason).toBe('started')
      // Too early to report a no-show (grace period).
      expect((await t.call(learner, 'POST', `/bookings/${b.id}/no-show`)).json().reason).toBe(
        'outside_window',
      )
    } finally {
      t.setNow(new Date('2030-01-07T08:00:00.000Z'))
    }
  })

  it('a reschedule onto a taken time is a 409 and keeps the lesson where it was', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const b = await kit.book(learner, tutorId, at(3, '09:00'))
    await kit.book(t.user(), tutorId, at(3, '11:00'))
    const res = await t.call(learner, 'POST', `/bookings/${b.id}/reschedule`, { startsAt: at(3, '11:30') })
    expect(res.statusCode).toBe(409)
    expect(res.json().reason).toBe('slot_unavailable')
    expect((await t.call(learner, 'GET', `/bookings/${b.id}`)).json()).toMatchObject({
      startsAt: at(3, '09:00'),
      rescheduleCount: 0,
    })
  })

  it('resolving a split needs a percent between 1 and 99', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const b = await kit.book(learner, tutorId, at(1, '09:00'))
    t.setNow(new Date(at(1, '10:30')))
    try {
      const d = (
        await t.call(learner, 'POST', `/bookings/${b.id}/disputes`, { reason: 'Audio broken' })
      ).json()
      const admin = t.user(['org_admin'])
      const bad = await t.call(admin, 'POST', `/disputes/${d.dispute.id}/resolve`, { resolution: 'split' })
      expect(bad.statusCode).toBe(422)
      expect((await t.call(learner, 'GET', `/bookings/${b.id}`)).json().status).toBe('disputed')
    } finally {
      t.setNow(new Date('2030-01-07T08:00:00.000Z'))
    }
  })
})

describe('security', () => {
  it('only the learner, the tutor and org admins see a booking; another org gets 404', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const b = await kit.book(learner, tutorId, at(2, '15:00'))
    expect((await t.call(t.user(), 'GET', `/bookings/${b.id}`)).statusCode).toBe(404)
    expect((await t.call(t.user(['org_admin']), 'GET', `/bookings/${b.id}`)).statusCode).toBe(200)
    const other = t.user(['org_admin'], t.orgB)
    expect((await t.call(other, 'GET', `/bookings/${b.id}`)).statusCode).toBe(404)
    expect((await t.call(other, 'POST', `/bookings/${b.id}/cancel`, {})).statusCode).toBe(404)
    expect((await t.call(t.user(), 'POST', `/bookings/${b.id}/cancel`, {})).statusCode).toBe(404)
    expect((await t.call(t.user(), 'GET', `/bookings/${b.id}/cancellation`)).statusCode).toBe(404)
    expect((await t.call(other, 'GET', `/bookings/${b.id}/cancellation`)).statusCode).toBe(404)
    expect((await t.call(null, 'GET', `/bookings/${b.id}/cancellation`)).statusCode).toBe(401)
    expect((await t.call(learner, 'GET', '/bookings/bkg_nope/cancellation')).statusCode).toBe(400)
    expect((await t.call(null, 'GET', `/bookings/${b.id}`)).statusCode).toBe(401)
    expect((await kit.hold(null as never, { tutorId, startsAt: at(1, '09:00') })).statusCode).toBe(401)
    // Another org's tutor cannot be booked from here.
    const foreign = await t.tutor({ user: t.user(['tutor'], t.orgB) })
    expect((await kit.hold(learner, { tutorId: foreign.tutorId, startsAt: at(1, '09:00') })).statusCode).toBe(
      404,
    )
    // Lists never show other people's bookings.
    const mine = (await t.call(t.user(), 'GET', '/bookings')).json()
    expect(mine.items).toEqual([])
    expect((await t.call(learner, 'GET', '/bookings?scope=org')).statusCode).toBe(403)
  })

  it('roles: only the tutor confirms, only the learner completes, only admins resolve disputes', async () => {
    const { tutorId, user: tutor } = await t.tutor()
    const learner = t.user()
    const b = await kit.book(learner, tutorId, at(1, '14:00'))
    expect((await t.call(learner, 'POST', `/bookings/${b.id}/confirm`)).statusCode).toBe(403)
    t.setNow(new Date(at(1, '15:30')))
    try {
      expect((await t.call(tutor, 'POST', `/bookings/${b.id}/complete`)).statusCode).toBe(403)
      const d = (
        await t.call(tutor, 'POST', `/bookings/${b.id}/disputes`, { reason: 'Learner was rude' })
      ).json()
      expect((await t.call(learner, 'GET', '/disputes')).statusCode).toBe(403)
      expect(
        (await t.call(learner, 'POST', `/disputes/${d.dispute.id}/resolve`, { resolution: 'refund' }))
          .statusCode,
      ).toBe(403)
      const otherAdmin = t.user(['org_admin'], t.orgB)
      expect(
        (await t.call(otherAdmin, 'POST', `/disputes/${d.dispute.id}/resolve`, { resolution: 'refund' }))
          .statusCode,
      ).toBe(404)
    } finally {
      t.setNow(new Date('2030-01-07T08:00:00.000Z'))
    }
  })

  it('a learner cannot squat a calendar: at most MAX_OPEN_HOLDS unpaid holds at once', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    for (const h of ['09:00', '10:00', '11:00']) {
      expect((await kit.hold(learner, { tutorId, startsAt: at(7, h) })).statusCode).toBe(201)
    }
    const fourth = await kit.hold(learner, { tutorId, startsAt: at(7, '12:00') })
    expect(fourth.statusCode).toBe(409)
    expect(fourth.json().reason).toBe('too_many_holds')
  })

  it('a meeting link is unguessable: two bookings never share a token', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const a = await kit.book(learner, tutorId, at(2, '10:00'))
    const b = await kit.book(learner, tutorId, at(2, '11:00'))
    const ua = (await t.call(learner, 'GET', `/bookings/${a.id}`)).json().meetingUrl as string
    const ub = (await t.call(learner, 'GET', `/bookings/${b.id}`)).json().meetingUrl as string
    expect(ua.split('k=')[1]).not.toBe(ub.split('k=')[1])
  })
})
