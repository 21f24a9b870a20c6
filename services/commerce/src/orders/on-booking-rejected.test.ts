import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce, type TestUser } from '../test-helpers.ts'
import { balancesOf, ledgerInvariants } from '../ledger/ledger.test-kit.ts'
import { checkoutKit } from './checkout.test-kit.ts'
import { tutoringKit } from './tutoring.test-kit.ts'

let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
let tutoring: ReturnType<typeof tutoringKit>
beforeAll(async () => {
  t = await createTestCommerce()
  kit = checkoutKit(t)
  tutoring = tutoringKit(t)
})
afterAll(() => t.close())

/** A learner who paid a 60-minute lesson (3000) for a held booking, plus a course (2000). */
async function heldLessonOrder() {
  const u = t.user()
  const tutor = await tutoring.tutor()
  const course = await kit.product({ amount: 2000 })
  const bookingId = newId('bkg')
  const order = await tutoring.buy(u, [
    { priceId: (await tutor.lessonPrice(60)).id, reference: bookingId },
    { priceId: course.price.id },
  ])
  const line = order.items.find((i) => i.productType === 'tutoring_lesson')!
  return { u, tutor, order, line, bookingId }
}

const rejected = (
  u: TestUser,
  x: { order: { id: string }; line: { id: string }; bookingId: string },
  over: Record<string, unknown> = {},
) => ({
  bookingId: x.bookingId,
  learnerId: u.userId,
  orderId: x.order.id,
  orderItemId: x.line.id,
  reason: 'slot_taken',
  ...over,
})

describe('happy', () => {
  it('tutoring.booking.rejected refunds that line in full: provider refund, escrow back, event revoking the lesson', async () => {
    const x = await heldLessonOrder()
    const before = await balancesOf(t.database, t.orgA)
    await tutoring.deliver('tutoring.booking.rejected', rejected(x.u, x))
    const order = await tutoring.order(x.u, x.order.id)
    expect(order).toMatchObject({ status: 'partially_refunded', refundedMinor: 3000 })
    expect(order.refunds).toMatchObject([
      { reason: 'booking_rejected', status: 'succeeded', amountMinor: 3000 },
    ])
    expect(order.items.find((i) => i.id === x.line.id)!.refundedMinor).toBe(3000)
    expect(await tutoring.hold(x.line.id)).toMatchObject({ amount: 3000, refunded: 3000, status: 'refunded' })
    const after = await balancesOf(t.database, t.orgA)
    const escrowKey = `escrow:${x.tutor.tutorId}:EUR`
    expect(before[escrowKey]).toBe(-3000)
    expect(after[escrowKey]).toBeUndefined()
    const events = await tutoring.refundEvents(x.order.id)
    expect(events).toHaveLength(1)
    expect(events[0]!.payload).toMatchObject({
      amountMinor: 3000,
      full: false,
      revokedItems: [
        { orderItemId: x.line.id, productType: 'tutoring_lesson', productRef: `tut:${x.tutor.tutorId}:60` },
      ],
    })
    const inv = await ledgerInvariants(t.database)
    expect(inv.unbalanced).toEqual([])
    expect(inv.total).toBe(0)
  })

  it('a duplicate (same event redelivered, or a new event for the same line) refunds nothing more', async () => {
    const x = await heldLessonOrder()
    const id = await tutoring.deliver('tutoring.booking.rejected', rejected(x.u, x))
    await tutoring.deliver('tutoring.booking.rejected', rejected(x.u, x), id)
    await tutoring.deliver('tutoring.booking.rejected', rejected(x.u, x))
    const order = await tutoring.order(x.u, x.order.id)
    expect(order.refunds).toHaveLength(1)
    expect(order.refundedMinor).toBe(3000)
    expect(await tutoring.refundEvents(x.order.id)).toHaveLength(1)
    expect((await ledgerInvariants(t.database)).total).toBe(0)
  })
})

describe('errors', () => {
  it('an unknown order, a course line or an already refunded line refunds nothing', async () => {
    const x = await heldLessonOrder()
    const refunds = await kit.count('refunds')
    await tutoring.deliver('tutoring.booking.rejected', rejected(x.u, x, { orderId: newId('ord') }))
    const course = x.order.items.find((i) => i.productType === 'course')!
    await tutoring.deliver('tutoring.booking.rejected', rejected(x.u, x, { orderItemId: course.id }))
    expect(await kit.count('refunds')).toBe(refunds)
    // An admin refunded the line already: the rejection finds nothing left.
    const admin = t.user(['org_admin'])
    const res = await t.call(
      admin,
      'POST',
      `/orders/${x.order.id}/refunds`,
      { reason: 'support', items: [{ orderItemId: x.line.id }] },
      { 'idempotency-key': newId('idk') },
    )
    expect(res.statusCode, res.body).toBe(201)
    await tutoring.deliver('tutoring.booking.rejected', rejected(x.u, x))
    expect((await tutoring.order(x.u, x.order.id)).refunds).toHaveLength(1)
  })
})

describe('security', () => {
  it('a rejection naming another learner, another booking or another org refunds nothing', async () => {
    const x = await heldLessonOrder()
    await tutoring.deliver('tutoring.booking.rejected', rejected(x.u, x, { learnerId: newId('usr') }))
    await tutoring.deliver('tutoring.booking.rejected', rejected(x.u, x, { bookingId: newId('bkg') }))
    await tutoring.deliver('tutoring.booking.rejected', rejected(x.u, x), undefined, t.orgB)
    const order = await tutoring.order(x.u, x.order.id)
    expect(order.status).toBe('paid')
    expect(order.refunds).toEqual([])
  })

  it('a package line (no booking reference) is never refunded by a rejection', async () => {
    const u = t.user()
    const tutor = await tutoring.tutor()
    const order = await tutoring.buy(u, [{ priceId: (await tutor.packagePrice()).id }])
    await tutoring.deliver('tutoring.booking.rejected', {
      bookingId: newId('bkg'),
      learnerId: u.userId,
      orderId: order.id,
      orderItemId: order.items[0]!.id,
      reason: 'slot_taken',
    })
    expect((await tutoring.order(u, order.id)).refunds).toEqual([])
  })
})
