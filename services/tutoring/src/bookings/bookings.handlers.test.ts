import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { createTestTutoring, type TestTutoring } from '../test-helpers.ts'
import { NOW, at, bookingKit } from './bookings.test-kit.ts'

let t: TestTutoring
let kit: ReturnType<typeof bookingKit>
beforeAll(async () => {
  t = await createTestTutoring()
  kit = bookingKit(t)
})
afterAll(() => t.close())

const later = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000)
const rejected = async (bookingId: string) =>
  (await t.events('tutoring.booking.rejected')).filter((e) => e.payload.bookingId === bookingId)
const booked = async (bookingId: string) =>
  (await t.events('tutoring.lesson.booked')).filter((e) => e.payload.bookingId === bookingId)
const statusOf = async (u: Parameters<TestTutoring['call']>[0], id: string) =>
  (await t.call(u, 'GET', `/bookings/${id}`)).json().status as string

describe('happy', () => {
  it('a payment arriving after the hold expired still books the slot when nobody took it', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const { booking } = (await kit.hold(learner, { tutorId, startsAt: at(1, '09:00') })).json()
    t.setNow(later(30))
    try {
      // Another learner's hold on another time sweeps the stale hold to `expired`.
      expect((await kit.hold(t.user(), { tutorId, startsAt: at(1, '13:00') })).statusCode).toBe(201)
      expect(await statusOf(learner, booking.id)).toBe('expired')
      await kit.pay(learner, booking)
      expect(await statusOf(learner, booking.id)).toBe('booked')
      expect(await booked(booking.id)).toHaveLength(1)
    } finally {
      t.setNow(NOW)
    }
  })

  it('a duplicate order.paid delivery books once', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const { booking } = (await kit.hold(learner, { tutorId, startsAt: at(2, '09:00') })).json()
    const first = await kit.pay(learner, booking)
    await t.deliver('commerce.order.paid', learner.orgId, first.payload)
    expect(await booked(booking.id)).toHaveLength(1)
    expect(await rejected(booking.id)).toHaveLength(0)
  })

  it('a package line becomes a credit once per order line; other product types are ignored', async () => {
    const { user: tutor } = await t.tutor()
    const learner = t.user()
    const payload = {
      orderId: newId('ord'),
      userId: learner.userId,
      currency: 'EUR',
      totalMinor: 20_000,
      items: [
        {
          productType: 'tutoring_package',
          productRef: `tut:${tutor.userId}:60:x5`,
          quantity: 2,
          amountMinor: 18_000,
          orderItemId: newId('oit'),
          lessonCount: 10,
        },
        {
          productType: 'course',
          productRef: 'crs_x',
          quantity: 1,
          amountMinor: 2000,
          orderItemId: newId('oit'),
          lessonCount: 1,
        },
      ],
      paidAt: NOW.toISOString(),
    }
    await t.deliver('commerce.order.paid', learner.orgId, payload)
    await t.deliver('commerce.order.paid', learner.orgId, payload)
    const credits = (await t.call(learner, 'GET', '/credits')).json().items
    expect(credits).toHaveLength(1)
    expect(credits[0]).toMatchObject({
      tutorUserId: tutor.userId,
      minutes: 60,
      lessonsTotal: 10,
      lessonsLeft: 10,
    })
  })

  it('a full refund of a lesson line cancels the booking without another refund event', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const b = await kit.book(learner, tutorId, at(3, '09:00'))
    await t.deliver('commerce.payment.refunded', learner.orgId, {
      orderId: b.orderId,
      refundId: newId('rfd'),
      userId: learner.userId,
      currency: 'EUR',
      amountMinor: b.booking.priceMinor,
      full: true,
      revokedItems: [{ productType: 'tutoring_lesson', productRef: b.booking.productRef }],
    })
    expect((await t.call(learner, 'GET', `/bookings/${b.id}`)).json()).toMatchObject({
      status: 'cancelled',
      cancelReason: 'payment_refunded',
    })
    expect((await t.events('tutoring.lesson.cancelled')).some((e) => e.payload.bookingId === b.id)).toBe(
      false,
    )
  })

  it('a full refund of a package exhausts its credit and cancels the lessons booked with it', async () => {
    const { tutorId, user: tutor } = await t.tutor()
    const learner = t.user()
    const pkg = await kit.buyPackage(learner, tutor.userId, 60, 3)
    const res = await kit.hold(learner, { tutorId, startsAt: at(2, '14:00'), payWith: 'credit' })
    const id = res.json().booking.id
    await t.deliver('commerce.payment.refunded', learner.orgId, {
      orderId: pkg.orderId,
      refundId: newId('rfd'),
      userId: learner.userId,
      currency: 'EUR',
      amountMinor: 10_000,
      full: true,
      revokedItems: [{ productType: 'tutoring_package', productRef: `tut:${tutor.userId}:60:x3` }],
    })
    expect(await statusOf(learner, id)).toBe('cancelled')
    const credit = (await t.call(learner, 'GET', '/credits')).json().items[0]
    expect(credit).toMatchObject({ lessonsLeft: 0 })
    expect(
      (await kit.hold(learner, { tutorId, startsAt: at(3, '14:00'), payWith: 'credit' })).statusCode,
    ).toBe(422)
    expect((await t.events('tutoring.lesson.cancelled')).some((e) => e.payload.bookingId === id)).toBe(false)
  })
})

describe('errors', () => {
  it('a payment for a slot someone else took after the hold expired is rejected (commerce refunds)', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const { booking } = (await kit.hold(learner, { tutorId, startsAt: at(1, '10:00') })).json()
    t.setNow(later(20))
    try {
      const other = t.user()
      expect((await kit.hold(other, { tutorId, startsAt: at(1, '10:00') })).statusCode).toBe(201)
      const { orderItemId } = await kit.pay(learner, booking)
      expect(await statusOf(learner, booking.id)).toBe('rejected')
      expect((await rejected(booking.id))[0]!.payload).toMatchObject({
        learnerId: learner.userId,
        orderItemId,
        reason: 'slot_taken',
      })
      expect(await booked(booking.id)).toHaveLength(0)
    } finally {
      t.setNow(NOW)
    }
  })

  it('unknown bookings, other learners’ bookings, cancelled holds and mismatched lines are rejected', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const stranger = t.user()
    const fake = { id: newId('bkg'), productRef: 'tut:x:60', priceMinor: 100 }
    await kit.pay(learner, fake)
    expect((await rejected(fake.id))[0]!.payload.reason).toBe('unknown_booking')

    const { booking } = (await kit.hold(learner, { tutorId, startsAt: at(1, '11:00') })).json()
    await kit.pay(stranger, booking)
    expect((await rejected(booking.id))[0]!.payload).toMatchObject({ learnerId: stranger.userId })
    expect(await statusOf(learner, booking.id)).toBe('held')

    // Paying the 30-minute price for a 60-minute hold.
    await kit.pay(learner, booking, { productRef: booking.productRef.replace(/:60$/, ':30') })
    expect((await rejected(booking.id))[1]!.payload.reason).toBe('line_mismatch')
    expect(await statusOf(learner, booking.id)).toBe('held')

    await t.call(learner, 'POST', `/bookings/${booking.id}/cancel`, {})
    await kit.pay(learner, booking)
    expect((await rejected(booking.id))[2]!.payload.reason).toBe('booking_cancelled')
    expect(await booked(booking.id)).toHaveLength(0)
  })

  it('a second order paying an already booked slot is rejected; the booking keeps its first payment', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const b = await kit.book(learner, tutorId, at(4, '09:00'))
    const second = await kit.pay(learner, b.booking)
    expect((await rejected(b.id))[0]!.payload).toMatchObject({
      orderItemId: second.orderItemId,
      reason: 'booking_booked',
    })
    expect((await t.call(learner, 'GET', `/bookings/${b.id}`)).json().orderItemId).toBe(b.orderItemId)
  })

  it('a payment arriving after the lesson time is rejected', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const { booking } = (await kit.hold(learner, { tutorId, startsAt: at(0, '11:00') })).json()
    t.setNow(new Date(at(0, '11:30')))
    try {
      await kit.pay(learner, booking)
      expect((await rejected(booking.id))[0]!.payload.reason).toBe('slot_started')
    } finally {
      t.setNow(NOW)
    }
  })

  it('an ambiguous partial revocation keeps the bookings (no guess about which line was refunded)', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const orderId = newId('ord')
    const one = (await kit.hold(learner, { tutorId, startsAt: at(3, '13:00') })).json().booking
    const two = (await kit.hold(learner, { tutorId, startsAt: at(3, '14:00') })).json().booking
    await kit.pay(learner, one, { orderId })
    await kit.pay(learner, two, { orderId })
    await t.call(learner, 'POST', `/bookings/${one.id}/cancel`, {})
    await t.deliver('commerce.payment.refunded', learner.orgId, {
      orderId,
      refundId: newId('rfd'),
      userId: learner.userId,
      currency: 'EUR',
      amountMinor: one.priceMinor,
      full: false,
      revokedItems: [{ productType: 'tutoring_lesson', productRef: one.productRef }],
    })
    expect(await statusOf(learner, two.id)).toBe('booked')
  })
})

describe('forward compatibility', () => {
  it('a revoked item that names its order line cancels exactly that booking', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const orderId = newId('ord')
    const one = (await kit.hold(learner, { tutorId, startsAt: at(4, '14:00') })).json().booking
    const two = (await kit.hold(learner, { tutorId, startsAt: at(4, '15:00') })).json().booking
    await kit.pay(learner, one, { orderId })
    const paidTwo = await kit.pay(learner, two, { orderId })
    await t.deliver('commerce.payment.refunded', learner.orgId, {
      orderId,
      refundId: newId('rfd'),
      userId: learner.userId,
      currency: 'EUR',
      amountMinor: two.priceMinor,
      full: false,
      revokedItems: [
        { productType: 'tutoring_lesson', productRef: two.productRef, orderItemId: paidTwo.orderItemId },
      ],
    })
    expect(await statusOf(learner, two.id)).toBe('cancelled')
    expect(await statusOf(learner, one.id)).toBe('booked')
  })
})

describe('security', () => {
  it('an order of another organization cannot book or reject this organization’s booking', async () => {
    const { tutorId } = await t.tutor()
    const learner = t.user()
    const { booking } = (await kit.hold(learner, { tutorId, startsAt: at(4, '13:00') })).json()
    await kit.pay({ ...learner, orgId: t.orgB }, booking)
    expect(await statusOf(learner, booking.id)).toBe('held')
    expect((await rejected(booking.id))[0]!.payload.reason).toBe('unknown_booking')
  })
})
