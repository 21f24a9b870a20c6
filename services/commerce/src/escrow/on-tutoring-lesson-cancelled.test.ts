import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce, type TestUser } from '../test-helpers.ts'
import { balancesOf, ledgerInvariants } from '../ledger/ledger.test-kit.ts'
import { tutoringKit } from '../orders/tutoring.test-kit.ts'
import { refundPart } from './escrow.service.ts'

let t: TestCommerce
let tutoring: ReturnType<typeof tutoringKit>
beforeAll(async () => {
  t = await createTestCommerce()
  tutoring = tutoringKit(t)
})
afterAll(() => t.close())

/** A learner who bought a 3-lesson package of a tutor at 10.03/h, 10 % off: 2708 (shares 902, 902, 904). */
async function packageOrder() {
  const u = t.user()
  const tutor = await tutoring.tutor({
    hourlyRateMinor: 1003,
    packages: [{ lessons: 3, discountPercent: 10 }],
  })
  const order = await tutoring.buy(u, [{ priceId: (await tutor.packagePrice(60, 3)).id }])
  expect(order.totalMinor).toBe(2708)
  return { u, tutor, order, line: order.items[0]! }
}

function cancelled(
  u: TestUser,
  x: { tutor: { tutorId: string }; order: { id: string }; line: { id: string } },
  over: Record<string, unknown> = {},
) {
  return {
    bookingId: newId('bkg'),
    tutorId: x.tutor.tutorId,
    learnerId: u.userId,
    orderId: x.order.id,
    orderItemId: x.line.id,
    cancelledBy: 'tutor',
    refundable: true,
    ...over,
  }
}

describe('refundPart', () => {
  it('rounds half up and never exceeds the share', () => {
    expect(refundPart(901, 50)).toBe(451) // 450.5 → 451
    expect(refundPart(900, 50)).toBe(450)
    expect(refundPart(1001, 33)).toBe(330) // 330.33 → 330
    expect(refundPart(7, 100)).toBe(7)
    expect(refundPart(7, 0)).toBe(0)
  })
})

describe('happy', () => {
  it('a refundable cancellation refunds exactly the lesson share to the customer, once', async () => {
    const x = await packageOrder()
    const payload = cancelled(x.u, x)
    const eventId = await tutoring.deliver('tutoring.lesson.cancelled', payload)
    let order = await tutoring.order(x.u, x.order.id)
    expect(order).toMatchObject({ status: 'partially_refunded', refundedMinor: 902 })
    expect(order.refunds).toMatchObject([
      { reason: 'lesson_cancelled', amountMinor: 902, status: 'succeeded' },
    ])
    expect(await tutoring.hold(x.line.id)).toMatchObject({
      refunded: 902,
      refundable: 902,
      lessonsCancelled: 1,
    })
    expect((await balancesOf(t.database, t.orgA))[`escrow:${x.tutor.tutorId}:EUR`]).toBe(-(2708 - 902))
    const events = await tutoring.refundEvents(x.order.id)
    expect(events.map((e) => e.payload)).toEqual([
      expect.objectContaining({ amountMinor: 902, full: false, revokedItems: [] }),
    ])
    // The same event again, and the same booking in a new event: no second refund.
    await tutoring.deliver('tutoring.lesson.cancelled', payload, eventId)
    await tutoring.deliver('tutoring.lesson.cancelled', payload)
    order = await tutoring.order(x.u, x.order.id)
    expect(order.refunds).toHaveLength(1)
    expect(await tutoring.refundEvents(x.order.id)).toHaveLength(1)
    expect((await ledgerInvariants(t.database)).total).toBe(0)
  })

  it('refundPercent 50 refunds half the share (half up) and releases the rest with commission; later lessons settle exactly', async () => {
    const x = await packageOrder()
    const tutorId = x.tutor.tutorId
    await tutoring.deliver('tutoring.lesson.cancelled', cancelled(x.u, x)) // lesson 1: 902 back
    await tutoring.deliver(
      'tutoring.lesson.cancelled',
      cancelled(x.u, x, { refundable: false, refundPercent: 50, cancelledBy: 'learner' }),
    ) // lesson 2: 451 back, 451 released (tutor 360, platform 91)
    let b = await balancesOf(t.database, t.orgA)
    expect(b[`payable:${tutorId}:EUR`]).toBe(-360)
    expect(b[`escrow:${tutorId}:EUR`]).toBe(-904)
    await tutoring.deliver('tutoring.lesson.completed', {
      bookingId: newId('bkg'),
      tutorId,
      learnerId: x.u.userId,
      orderId: x.order.id,
      orderItemId: x.line.id,
      minutes: 60,
      completedAt: new Date().toISOString(),
    }) // lesson 3: 904 released (tutor 723, platform 181)
    b = await balancesOf(t.database, t.orgA)
    expect(b[`payable:${tutorId}:EUR`]).toBe(-(360 + 723))
    expect(b[`escrow:${tutorId}:EUR`]).toBeUndefined()
    const order = await tutoring.order(x.u, x.order.id)
    expect(order.refunds.map((r) => r.amountMinor)).toEqual([902, 451])
    expect(order.refundedMinor).toBe(1353)
    expect(await tutoring.hold(x.line.id)).toMatchObject({
      released: 451 + 904,
      refunded: 1353,
      status: 'released',
    })
    const inv = await ledgerInvariants(t.database)
    expect(inv.unbalanced).toEqual([])
    expect(inv.total).toBe(0)
  })

  it('a single lesson bought for a booking and cancelled refundably is refunded in full and listed as revoked', async () => {
    const u = t.user()
    const tutor = await tutoring.tutor({ lessonMinutes: [45] })
    const bookingId = newId('bkg')
    const order = await tutoring.buy(u, [{ priceId: (await tutor.lessonPrice(45)).id, reference: bookingId }])
    await tutoring.deliver('tutoring.lesson.cancelled', {
      ...cancelled(u, { tutor, order, line: order.items[0]! }),
      bookingId,
    })
    expect(await tutoring.order(u, order.id)).toMatchObject({ status: 'refunded', refundedMinor: 2250 })
    expect((await tutoring.refundEvents(order.id))[0]!.payload).toMatchObject({
      full: true,
      revokedItems: [
        {
          orderItemId: order.items[0]!.id,
          productType: 'tutoring_lesson',
          productRef: `tut:${tutor.tutorId}:45`,
        },
      ],
    })
  })

  it('a late (non-refundable) cancellation keeps forfeiting: the share is released and nothing is refunded', async () => {
    const x = await packageOrder()
    await tutoring.deliver(
      'tutoring.lesson.cancelled',
      cancelled(x.u, x, { refundable: false, cancelledBy: 'learner' }),
    )
    expect((await tutoring.order(x.u, x.order.id)).refunds).toEqual([])
    expect(await tutoring.hold(x.line.id)).toMatchObject({ released: 902, refunded: 0 })
  })
})

describe('errors', () => {
  it('nothing is refunded twice: after an admin refunded the whole line, a refundable cancellation refunds nothing', async () => {
    const x = await packageOrder()
    const admin = t.user(['org_admin'])
    const res = await t.call(
      admin,
      'POST',
      `/orders/${x.order.id}/refunds`,
      { reason: 'support' },
      {
        'idempotency-key': newId('idk'),
      },
    )
    expect(res.statusCode, res.body).toBe(201)
    await tutoring.deliver('tutoring.lesson.cancelled', cancelled(x.u, x))
    const order = await tutoring.order(x.u, x.order.id)
    expect(order.refunds).toHaveLength(1)
    expect(order.refundedMinor).toBe(2708)
    expect((await ledgerInvariants(t.database)).total).toBe(0)
  })

  it('a refundPercent outside 0–100 is refused by the contract and changes nothing', async () => {
    const x = await packageOrder()
    await expect(
      tutoring.deliver('tutoring.lesson.cancelled', cancelled(x.u, x, { refundPercent: 150 })),
    ).rejects.toThrow()
    expect((await tutoring.order(x.u, x.order.id)).refunds).toEqual([])
    expect(await tutoring.hold(x.line.id)).toMatchObject({ lessonsCancelled: 0 })
  })
})

describe('security', () => {
  it('a cancellation naming another learner or another org refunds nothing to anyone', async () => {
    const x = await packageOrder()
    await tutoring.deliver('tutoring.lesson.cancelled', cancelled(x.u, x, { learnerId: newId('usr') }))
    await tutoring.deliver('tutoring.lesson.cancelled', cancelled(x.u, x), undefined, t.orgB)
    expect((await tutoring.order(x.u, x.order.id)).refunds).toEqual([])
    expect((await ledgerInvariants(t.database)).total).toBe(0)
  })
})
