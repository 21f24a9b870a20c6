import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError, newId, sql } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce, type TestUser } from '../test-helpers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'
import { createCheckoutArea } from '../orders/checkout.area.ts'
import { tutoringKit } from '../orders/tutoring.test-kit.ts'

const DAY = 24 * 60 * 60 * 1000

let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
beforeAll(async () => {
  t = await createTestCommerce()
  kit = checkoutKit(t)
})
afterAll(() => t.close())

function selfRefund(u: TestUser | null, orderId: string, itemId: string, key: string | null = randomUUID()) {
  return t.call(
    u,
    'POST',
    `/orders/${orderId}/items/${itemId}/refund`,
    undefined,
    key ? { 'idempotency-key': key } : {},
  )
}

/** Moves an order's payment time back by `ms`. */
async function paidAgo(orderId: string, ms: number) {
  const at = new Date(Date.now() - ms).toISOString()
  await t.database.query(sql`update commerce.orders set paid_at = ${at}::timestamptz where id = ${orderId}`)
}

/** A learner who bought two courses (3000 and 1000). */
async function courses() {
  const u = t.user()
  const a = await kit.product({ amount: 3000 })
  const b = await kit.product({ amount: 1000 })
  const order = await kit.paidOrder(u, [a.price.id, b.price.id])
  return { u, order, a, line: order.items[0]! }
}

describe('happy', () => {
  it('the buyer refunds one course line in full inside the window; the course is revoked', async () => {
    const { u, order, a, line } = await courses()
    await paidAgo(order.id, 14 * DAY - 60_000)
    const res = await selfRefund(u, order.id, line.id)
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json().refund).toMatchObject({
      amountMinor: 3000,
      reason: 'customer_request',
      status: 'succeeded',
    })
    expect(res.json().order).toMatchObject({ status: 'partially_refunded', refundedMinor: 3000 })
    const events = (await t.events('commerce.payment.refunded')).filter((e) => e.payload.orderId === order.id)
    expect(events.map((e) => e.payload.revokedItems)).toEqual([
      [{ orderItemId: line.id, productType: 'course', productRef: a.product.ref }],
    ])
    expect((await kit.ledger()).sum).toBe(0)
  })

  it('the same Idempotency-Key replays the refund; one refund exists', async () => {
    const { u, order, line } = await courses()
    const key = randomUUID()
    const first = await selfRefund(u, order.id, line.id, key)
    const again = await selfRefund(u, order.id, line.id, key)
    expect(again.statusCode).toBe(201)
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(again.json().refund.id).toBe(first.json().refund.id)
    expect((await t.call(u, 'GET', `/orders/${order.id}`)).json().refunds).toHaveLength(1)
  })

  it('window edges to the millisecond: open until paidAt + 14 days, closed from then on', async () => {
    const { u, order, line } = await courses()
    const area = createCheckoutArea(t.deps)
    const paidAt = new Date((await t.call(u, 'GET', `/orders/${order.id}`)).json().paidAt as string)
    const principal = { userId: u.userId, orgId: u.orgId, roles: u.roles, platformAdmin: false }
    const closes = new Date(paidAt.getTime() + 14 * DAY)
    const err = await area.selfRefunds
      .refundCourseLine(principal as never, order.id, line.id, null, closes)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).extra).toMatchObject({ reason: 'refund_window_closed' })
    const ok = await area.selfRefunds.refundCourseLine(
      principal as never,
      order.id,
      line.id,
      null,
      new Date(closes.getTime() - 1),
    )
    expect(ok).toMatchObject({ status: 'succeeded', amountMinor: 3000 })
  })
})

describe('errors', () => {
  it('outside the window → 422 refund_window_closed and nothing changes', async () => {
    const { u, order, line } = await courses()
    await paidAgo(order.id, 14 * DAY + 1000)
    const refunds = await kit.count('refunds')
    const res = await selfRefund(u, order.id, line.id)
    expect(res.statusCode).toBe(422)
    expect(res.json()).toMatchObject({ reason: 'refund_window_closed' })
    expect(res.headers['content-type']).toContain('application/problem+json')
    expect(await kit.count('refunds')).toBe(refunds)
  })

  it('a tutoring line → 422 not_self_refundable; an already refunded line → 409; no key → 400', async () => {
    const u = t.user()
    const tutoring = tutoringKit(t)
    const tutor = await tutoring.tutor()
    const order = await tutoring.buy(u, [
      { priceId: (await tutor.lessonPrice(60)).id, reference: newId('bkg') },
    ])
    const res = await selfRefund(u, order.id, order.items[0]!.id)
    expect(res.statusCode).toBe(422)
    expect(res.json().reason).toBe('not_self_refundable')
    const c = await courses()
    expect((await selfRefund(c.u, c.order.id, c.line.id)).statusCode).toBe(201)
    const twice = await selfRefund(c.u, c.order.id, c.line.id)
    expect(twice.statusCode).toBe(409)
    expect(twice.json().reason).toBe('nothing_to_refund')
    expect((await selfRefund(c.u, c.order.id, c.order.items[1]!.id, null)).statusCode).toBe(400)
    expect((await selfRefund(c.u, c.order.id, 'oit_nope')).statusCode).toBe(400)
    expect((await selfRefund(c.u, c.order.id, newId('oit'))).statusCode).toBe(404)
  })

  it('COURSE_REFUND_WINDOW_DAYS=0 turns self-refunds off (422)', async () => {
    const off = await createTestCommerce({ env: { COURSE_REFUND_WINDOW_DAYS: '0' } })
    try {
      const k = checkoutKit(off)
      const u = off.user()
      const order = await k.paidOrder(u, [(await k.product()).price.id])
      const res = await off.call(
        u,
        'POST',
        `/orders/${order.id}/items/${order.items[0]!.id}/refund`,
        undefined,
        {
          'idempotency-key': randomUUID(),
        },
      )
      expect(res.statusCode).toBe(422)
      expect(res.json().reason).toBe('self_refund_disabled')
    } finally {
      await off.close()
    }
  })
})

describe('security', () => {
  it("another user's order is a 404 (learner, admin of the org, another org); anonymous 401", async () => {
    const { order, line } = await courses()
    expect((await selfRefund(t.user(), order.id, line.id)).statusCode).toBe(404)
    expect((await selfRefund(t.user(['org_admin']), order.id, line.id)).statusCode).toBe(404)
    expect((await selfRefund(t.user(['learner'], t.orgB), order.id, line.id)).statusCode).toBe(404)
    expect((await selfRefund(null, order.id, line.id)).statusCode).toBe(401)
    const detail = (await t.call(t.user(['org_admin']), 'GET', `/orders/${order.id}`)).json()
    expect(detail.refunds).toEqual([])
  })

  it('a line of another order of mine cannot be refunded through this order (404)', async () => {
    const a = await courses()
    const mine = await kit.paidOrder(a.u, [(await kit.product({ amount: 500 })).price.id])
    expect((await selfRefund(a.u, a.order.id, mine.items[0]!.id)).statusCode).toBe(404)
  })
})
