import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce } from '../test-helpers.ts'
import { balancesOf, ledgerInvariants } from '../ledger/ledger.test-kit.ts'
import { checkoutKit } from './checkout.test-kit.ts'
import { tutoringKit } from './tutoring.test-kit.ts'

// Prices include 20 % tax: checkout records each line's included tax and the ledger credits tax_payable.
let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
let tutoring: ReturnType<typeof tutoringKit>
beforeAll(async () => {
  t = await createTestCommerce({ env: { INVOICE_TAX_RATE_BASIS_POINTS: '2000' } })
  kit = checkoutKit(t)
  tutoring = tutoringKit(t)
})
afterAll(() => t.close())

describe('happy', () => {
  it('a course of 12.00 incl. 20 % tax: order and line carry 2.00 tax; tax_payable −200; the instructor gets 80 % of the net', async () => {
    const payee = newId('usr')
    const course = await kit.product({ amount: 1200, payeeUserId: payee })
    const u = t.user()
    const before = await balancesOf(t.database, t.orgA)
    const order = await kit.paidOrder(u, [course.price.id])
    const detail = (await t.call(u, 'GET', `/orders/${order.id}`)).json()
    expect(detail).toMatchObject({
      taxMinor: 200,
      totalMinor: 1200,
      items: [{ amountMinor: 1200, taxMinor: 200 }],
    })
    const after = await balancesOf(t.database, t.orgA)
    expect((after['tax_payable::EUR'] ?? 0) - (before['tax_payable::EUR'] ?? 0)).toBe(-200)
    expect(after[`payable:${payee}:EUR`]).toBe(-800)
    // A full refund gives the tax back in the same proportion: tax_payable returns to where it was.
    const admin = t.user(['org_admin'])
    const res = await t.call(
      admin,
      'POST',
      `/orders/${order.id}/refunds`,
      { reason: 'r' },
      {
        'idempotency-key': randomUUID(),
      },
    )
    expect(res.statusCode, res.body).toBe(201)
    const end = await balancesOf(t.database, t.orgA)
    expect(end['tax_payable::EUR'] ?? 0).toBe(before['tax_payable::EUR'] ?? 0)
    expect(end[`payable:${payee}:EUR`]).toBeUndefined()
    expect((await ledgerInvariants(t.database)).total).toBe(0)
  })

  it('tutoring: escrow holds the net; a refundable cancellation refunds the gross share (tax included)', async () => {
    const tutor = await tutoring.tutor({
      hourlyRateMinor: 1200,
      packages: [{ lessons: 3, discountPercent: 0 }],
    })
    const u = t.user()
    const order = await tutoring.buy(u, [{ priceId: (await tutor.packagePrice(60, 3)).id }])
    const line = order.items[0]!
    expect(line).toMatchObject({ amountMinor: 3600, taxMinor: 600 })
    expect(await tutoring.hold(line.id)).toMatchObject({ amount: 3000 })
    await tutoring.deliver('tutoring.lesson.cancelled', {
      bookingId: newId('bkg'),
      tutorId: tutor.tutorId,
      learnerId: u.userId,
      orderId: order.id,
      orderItemId: line.id,
      cancelledBy: 'tutor',
      refundable: true,
    })
    expect((await tutoring.order(u, order.id)).refundedMinor).toBe(1200)
    expect(await tutoring.hold(line.id)).toMatchObject({ refunded: 1000 })
    expect((await balancesOf(t.database, t.orgA))[`escrow:${tutor.tutorId}:EUR`]).toBe(-2000)
    const inv = await ledgerInvariants(t.database)
    expect(inv.unbalanced).toEqual([])
    expect(inv.total).toBe(0)
  })
})

describe('errors', () => {
  it('a free order (100 % coupon) records no tax and posts nothing', async () => {
    const course = await kit.product({ amount: 1000 })
    const coupon = await kit.coupon({ percentOff: 100 })
    const u = t.user()
    await kit.add(u, course.price.id)
    await t.call(u, 'POST', '/cart/coupons', { code: coupon.code })
    const before = await kit.ledger()
    const res = await kit.checkout(u)
    expect(res.json()).toMatchObject({ status: 'paid', totalMinor: 0, taxMinor: 0 })
    expect((await kit.ledger()).transactions).toBe(before.transactions)
  })
})
