import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCommerce, type TestCommerce, type TestUser } from '../test-helpers.ts'
import { subscriptionsKit } from './subscriptions.test-kit.ts'

let t: TestCommerce
let k: ReturnType<typeof subscriptionsKit>
beforeAll(async () => {
  t = await createTestCommerce()
  k = subscriptionsKit(t)
})
afterAll(() => t.close())

/** POST /orders/:id/refunds as `as` (whole order without a body part, else those lines/amount). */
async function refund(as: TestUser, orderId: string, body: Record<string, unknown> = {}) {
  return t.call(
    as,
    'POST',
    `/orders/${orderId}/refunds`,
    { reason: 'requested_by_customer', ...body },
    { 'idempotency-key': randomUUID() },
  )
}

/** A subscription renewed `renewals` times (trial first); the renewal orders, oldest first. */
async function renewed(renewals: number) {
  const u = t.user()
  const plan = await k.plan({ amount: 2000, trialDays: 2 })
  const { subscription: sub } = await k.subscribe(u, plan.price.id)
  const orders: string[] = []
  let end = sub.currentPeriodEnd!
  for (let i = 0; i < renewals; i++) {
    expect((await k.runAt(k.after(end, 0.01)))[sub.id]).toBe('renewed')
    const s = await k.get(u, sub.id)
    orders.push(s.charges[0]!.orderId)
    end = s.currentPeriodEnd!
  }
  return { u, sub, orders }
}

const cancelledEvents = async (id: string) =>
  (await k.events(id)).filter((e) => e.type === 'commerce.subscription.cancelled')

describe('happy', () => {
  it('a full refund of the current period’s renewal ends the subscription at once, like a cancellation (reason refunded)', async () => {
    const { u, sub, orders } = await renewed(1)
    const before = Date.now()
    const res = await refund(k.admin, orders[0]!)
    expect(res.statusCode, res.body).toBe(201)
    const s = await k.get(u, sub.id)
    expect(s).toMatchObject({ status: 'cancelled', cancelReason: 'refunded' })
    expect(new Date(s.endedAt!).getTime()).toBeGreaterThanOrEqual(before - 1000)
    expect(new Date(s.endedAt!).getTime()).toBeLessThan(new Date(s.currentPeriodEnd!).getTime())
    const events = await cancelledEvents(sub.id)
    expect(events).toHaveLength(1)
    expect(events[0]!.payload).toMatchObject({ reason: 'refunded', effectiveAt: s.endedAt, userId: u.userId })
    // Ended: no renewal at the old period end.
    expect((await k.runAt(k.after(s.currentPeriodEnd!, 0.01)))[sub.id]).toBeUndefined()
    expect((await k.ledger()).sum).toBe(0)
  })

  it('a full refund of the checkout order that paid the first period ends it too', async () => {
    const u = t.user()
    const plan = await k.plan({ amount: 1200 })
    const { order, subscription: sub } = await k.subscribe(u, plan.price.id)
    expect(sub.status).toBe('active')
    expect((await refund(k.admin, order.id)).statusCode).toBe(201)
    expect(await k.get(u, sub.id)).toMatchObject({ status: 'cancelled', cancelReason: 'refunded' })
  })

  it('a partial refund of the current renewal leaves the subscription active (a goodwill credit)', async () => {
    const { u, sub, orders } = await renewed(1)
    expect((await refund(k.admin, orders[0]!, { amountMinor: 500 })).statusCode).toBe(201)
    expect((await k.get(u, sub.id)).status).toBe('active')
    expect(await cancelledEvents(sub.id)).toHaveLength(0)
  })

  it('a full refund of an older period’s renewal leaves the current (paid) period alone', async () => {
    const { u, sub, orders } = await renewed(2)
    expect((await refund(k.admin, orders[0]!)).statusCode).toBe(201)
    expect((await k.get(u, sub.id)).status).toBe('active')
    expect(await cancelledEvents(sub.id)).toHaveLength(0)
  })
})

describe('errors', () => {
  it('cancel now with a prorated refund writes one cancellation (admin), not a second one for the refund', async () => {
    const { sub } = await renewed(1)
    const res = await t.call(
      k.admin,
      'POST',
      `/subscriptions/${sub.id}/cancel-now`,
      { refund: 'prorated' },
      { 'idempotency-key': randomUUID() },
    )
    expect(res.statusCode, res.body).toBe(200)
    expect((await cancelledEvents(sub.id)).map((e) => e.payload.reason)).toEqual(['admin'])
  })
})

describe('security', () => {
  it('a learner cannot refund their renewal to end it (403); the subscription stays active', async () => {
    const { u, sub, orders } = await renewed(1)
    expect((await refund(u, orders[0]!)).statusCode).toBe(403)
    expect((await k.get(u, sub.id)).status).toBe('active')
  })
})
