import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce, type TestUser } from '../test-helpers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'
import { sandboxTokens } from '../payments/sandbox.ts'

let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
beforeAll(async () => {
  t = await createTestCommerce()
  kit = checkoutKit(t)
})
afterAll(() => t.close())

function refund(
  orderId: string,
  body: Record<string, unknown>,
  as: TestUser = kit.admin,
  key: string = randomUUID(),
) {
  return t.call(as, 'POST', `/orders/${orderId}/refunds`, body, { 'idempotency-key': key })
}

/** A paid order of a course (4000) and a 3-lesson package (9000). */
async function twoLineOrder() {
  const u = t.user()
  const course = await kit.product({ amount: 4000 })
  const pkg = await kit.product({ type: 'tutoring_package', amount: 9000, lessonCount: 3 })
  const order = await kit.paidOrder(u, [course.price.id, pkg.price.id])
  return { user: u, order, course, pkg }
}

const refundEvents = async (orderId: string) =>
  (await t.events('commerce.payment.refunded')).filter((e) => e.payload.orderId === orderId)

describe('happy', () => {
  it('a full refund: order refunded, ledger reversed and balanced, event revoking the course and the package', async () => {
    const { order, course, pkg } = await twoLineOrder()
    const before = await kit.ledger()
    const res = await refund(order.id, { reason: 'customer request' })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json().refund).toMatchObject({ amountMinor: 13_000, status: 'succeeded' })
    expect(res.json().order).toMatchObject({ status: 'refunded', refundedMinor: 13_000 })
    expect(res.json().order.payments[0].refundedMinor).toBe(13_000)
    const events = await refundEvents(order.id)
    expect(events).toHaveLength(1)
    expect(events[0]!.payload).toMatchObject({
      amountMinor: 13_000,
      full: true,
      revokedItems: [
        { orderItemId: order.items[0]!.id, productType: 'course', productRef: course.product.ref },
        { orderItemId: order.items[1]!.id, productType: 'tutoring_package', productRef: pkg.product.ref },
      ],
    })
    const after = await kit.ledger()
    expect(after.sum).toBe(0)
    expect(after.transactions).toBe(before.transactions + 1)
  })

  it('partial refunds per line: the course is revoked only once its line is fully refunded', async () => {
    const { order } = await twoLineOrder()
    const courseLine = order.items[0]!
    const first = await refund(order.id, {
      reason: 'partial',
      items: [{ orderItemId: courseLine.id, amountMinor: 1000 }],
    })
    expect(first.json().order.status).toBe('partially_refunded')
    const second = await refund(order.id, {
      reason: 'rest of course',
      items: [{ orderItemId: courseLine.id }],
    })
    expect(second.json().refund.amountMinor).toBe(3000)
    const events = await refundEvents(order.id)
    expect(events.map((e) => e.payload.revokedItems)).toEqual([
      [],
      [{ orderItemId: courseLine.id, productType: 'course', productRef: courseLine.productRef }],
    ])
    const rest = await refund(order.id, { reason: 'everything else' })
    expect(rest.json()).toMatchObject({ refund: { amountMinor: 9000 }, order: { status: 'refunded' } })
    expect((await kit.ledger()).sum).toBe(0)
  })

  it('an amount is spread over lines by largest remainder and the parts add up', async () => {
    const { order } = await twoLineOrder()
    const res = await refund(order.id, { reason: 'goodwill', amountMinor: 1001 })
    const items = res.json().refund.items as { amountMinor: number }[]
    expect(items.reduce((s, i) => s + i.amountMinor, 0)).toBe(1001)
    expect(items.map((i) => i.amountMinor)).toEqual([308, 693]) // 4000:9000 of 1001
  })

  it('the same Idempotency-Key replays the refund instead of refunding twice', async () => {
    const { order } = await twoLineOrder()
    const a = await refund(order.id, { reason: 'dup', amountMinor: 500 }, kit.admin, 'refund-key-1')
    const b = await refund(order.id, { reason: 'dup', amountMinor: 500 }, kit.admin, 'refund-key-1')
    expect(b.json().refund.id).toBe(a.json().refund.id)
    expect(b.headers['idempotent-replayed']).toBe('true')
    expect(await refundEvents(order.id)).toHaveLength(1)
  })
})

describe('errors', () => {
  it('refunding more than was captured is a 409 and nothing changes', async () => {
    const { order } = await twoLineOrder()
    const refunds = await kit.count('refunds')
    expect((await refund(order.id, { reason: 'x', amountMinor: 13_001 })).statusCode).toBe(409)
    expect(
      (
        await refund(order.id, {
          reason: 'x',
          items: [{ orderItemId: order.items[0]!.id, amountMinor: 4001 }],
        })
      ).statusCode,
    ).toBe(409)
    expect(await kit.count('refunds')).toBe(refunds)
    await refund(order.id, { reason: 'all' })
    const again = await refund(order.id, { reason: 'again' })
    expect(again.statusCode).toBe(409)
    expect(await refundEvents(order.id)).toHaveLength(1)
  })

  it('bad requests: both forms 422, unknown or repeated line 422, missing key 400, unpaid/free order 409', async () => {
    const { order } = await twoLineOrder()
    expect(
      (await refund(order.id, { reason: 'x', amountMinor: 1, items: [{ orderItemId: order.items[0]!.id }] }))
        .statusCode,
    ).toBe(422)
    expect((await refund(order.id, { reason: 'x', items: [{ orderItemId: newId('oit') }] })).statusCode).toBe(
      422,
    )
    const line = order.items[0]!.id
    expect(
      (await refund(order.id, { reason: 'x', items: [{ orderItemId: line }, { orderItemId: line }] }))
        .statusCode,
    ).toBe(422)
    expect((await t.call(kit.admin, 'POST', `/orders/${order.id}/refunds`, { reason: 'x' })).statusCode).toBe(
      400,
    )
    expect((await refund(order.id, { reason: 'x', amountMinor: 0 })).statusCode).toBe(400)
    const u = t.user()
    await kit.add(u, (await kit.product()).price.id)
    const unpaid = (await kit.checkout(u, { paymentMethod: sandboxTokens.action })).json()
    expect((await refund(unpaid.id, { reason: 'x' })).statusCode).toBe(409)
    const c = await kit.coupon({ percentOff: 100 })
    await kit.add(u, (await kit.product()).price.id)
    await t.call(u, 'POST', '/cart/coupons', { code: c.code })
    const free = (await kit.checkout(u)).json()
    expect((await refund(free.id, { reason: 'x' })).statusCode).toBe(409)
  })
})

describe('security', () => {
  it('only org admins refund (learners 403, anonymous 401); another org is a 404', async () => {
    const { order, user } = await twoLineOrder()
    expect((await refund(order.id, { reason: 'me' }, user)).statusCode).toBe(403)
    expect(
      (await t.call(null, 'POST', `/orders/${order.id}/refunds`, { reason: 'x' }, { 'idempotency-key': 'k' }))
        .statusCode,
    ).toBe(401)
    expect((await refund(order.id, { reason: 'x' }, t.user(['org_admin'], t.orgB))).statusCode).toBe(404)
    expect((await t.call(user, 'GET', `/orders/${order.id}`)).json().status).toBe('paid')
  })
})
