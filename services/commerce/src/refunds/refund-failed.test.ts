import { describe, expect, it } from 'vitest'
import { sql, uuid7 } from '@learnmesh/kernel'
import { createTestCommerce } from '../test-helpers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'
import { createPaymentProvider, type PaymentProvider } from '../payments/provider.ts'
import { createRefundsService } from './refunds.service.ts'
import { useRefundKit } from './refunds.test-kit.ts'

// commerce.refund.failed: written once, in the transaction that records a provider's refusal, on
// every path a refund becomes `failed`; never for a refund that succeeds, even after retries.

const rk = useRefundKit()

const failedEvents = async (orderId: string) =>
  (await rk.t.events('commerce.refund.failed')).filter((e) => e.payload.orderId === orderId)
const refundedEvents = async (orderId: string) =>
  (await rk.t.events('commerce.payment.refunded')).filter((e) => e.payload.orderId === orderId)

/** The Stripe provider of this commerce, except that every refund is refused with `failureCode`. */
function refusing(failureCode: string, base: PaymentProvider = createPaymentProvider(rk.t.deps.config)) {
  const provider: PaymentProvider = Object.create(base) as PaymentProvider
  let calls = 0
  Object.assign(provider, {
    name: base.name,
    local: base.local,
    async refund() {
      calls++
      return { providerRef: `re_refused_${calls}`, status: 'failed' as const, failureCode }
    },
  })
  return { provider, calls: () => calls }
}

/** Stripe settles the order's (only, pending) refund: `refund.updated` or `refund.failed` to our webhook. */
const settle = async (orderId: string, outcome: 'succeeded' | 'failed') =>
  rk.server.settleRefund((await rk.refundsOf(orderId))[0]!.provider_ref!, outcome)

/** Runs `fn` with Stripe answering refunds `pending` (settled later by `settle`). */
async function pendingAtStripe(fn: () => Promise<unknown>) {
  rk.server.behaviour.refunds = 'pending'
  try {
    await fn()
  } finally {
    rk.server.behaviour.refunds = 'succeeded'
  }
}

describe('happy', () => {
  it('an automatic refund Stripe refuses when the job sends it: refund failed, one event, no provider internals', async () => {
    const { user, order, payload } = await rk.paidCourse()
    await rk.rejectEnrollment(payload)
    const refused = refusing('charge_for_pending_refund_disputed')
    const outcome = await createRefundsService(rk.t.deps, refused.provider).sendPending()
    expect(outcome).toEqual({ failed: 1 })
    const [r] = await rk.refundsOf(order.id)
    expect(r).toMatchObject({ status: 'failed', failure_code: 'charge_for_pending_refund_disputed' })
    const events = await failedEvents(order.id)
    expect(events).toHaveLength(1)
    const [envelope] = await rk.t.database.query<{ envelope: { orgId: string; producer: string } }>(
      sql`select envelope from commerce.outbox where type = 'commerce.refund.failed' and envelope->'payload'->>'orderId' = ${order.id}`,
    )
    expect(envelope!.envelope).toMatchObject({ orgId: rk.t.orgA, producer: 'commerce' })
    expect(events[0]!.payload).toEqual({
      refundId: r!.id,
      orderId: order.id,
      userId: user.userId,
      amountMinor: 4000,
      currency: 'EUR',
      reason: 'enrollment_rejected',
      failureReason: 'declined',
      automatic: true,
    })
    expect(JSON.stringify(events[0]!.payload)).not.toContain('disputed') // the provider's code stays in commerce
    expect(await refundedEvents(order.id)).toHaveLength(0)

    // A later run: the refund is no longer pending, nothing is sent or written again.
    await createRefundsService(rk.t.deps, refused.provider).sendPending()
    expect(refused.calls()).toBe(1)
    expect(await failedEvents(order.id)).toHaveLength(1)
  })

  it('a pending Stripe refund that its webhook then fails: one event, the card named as the cause; a replayed webhook writes nothing', async () => {
    const { order, payload } = await rk.paidCourse()
    await rk.rejectEnrollment(payload)
    await pendingAtStripe(rk.runJob)
    const [pending] = await rk.refundsOf(order.id)
    expect(pending).toMatchObject({ status: 'pending' })
    expect(await failedEvents(order.id)).toHaveLength(0)
    const sent = await settle(order.id, 'failed')
    expect(sent.status).toBe(200)
    expect((await rk.refundsOf(order.id))[0]).toMatchObject({
      status: 'failed',
      failure_code: 'expired_or_canceled_card',
    })
    const replay = await rk.stripe.deliver(sent.rawBody, {
      'content-type': 'application/json',
      'stripe-signature': sent.signature,
    })
    expect(replay).toBe(200)
    const events = await failedEvents(order.id)
    expect(events).toHaveLength(1)
    expect(events[0]!.payload).toMatchObject({
      reason: 'enrollment_rejected',
      failureReason: 'payment_method_unavailable',
      automatic: true,
    })
  })

  it('a refund refused inside the consumer (a local provider) is recorded with its event in that transaction; a rollback leaves neither', async () => {
    const local = await createTestCommerce()
    try {
      const lkit = checkoutKit(local)
      const lesson = await lkit.product({ type: 'tutoring_lesson', amount: 3000 })
      const u = local.user()
      const order = await lkit.paidOrder(u, [lesson.price.id])
      const sandbox = createPaymentProvider(local.deps.config)
      expect(sandbox.local).toBe(true)
      const refused = refusing('declined', sandbox)
      const refunds = createRefundsService(local.deps, refused.provider)
      const input = {
        orgId: local.orgA,
        orderId: order.id,
        orderItemId: order.items[0]!.id,
        userId: u.userId,
        reason: 'lesson_cancelled',
      }
      await expect(
        local.db.transaction(async (tx) => {
          await refunds.refundTutoringLineInTx(tx, input, null)
          throw new Error('the consumer crashed')
        }),
      ).rejects.toThrow('the consumer crashed')
      const events = async () =>
        (await local.events('commerce.refund.failed')).filter((e) => e.payload.orderId === order.id)
      expect(await events()).toHaveLength(0)
      const refund = await local.db.transaction((tx) => refunds.refundTutoringLineInTx(tx, input, null))
      expect(refund).toMatchObject({ status: 'failed', amountMinor: 3000 })
      expect((await events()).map((e) => e.payload)).toEqual([
        expect.objectContaining({ refundId: refund!.id, reason: 'lesson_cancelled', automatic: true }),
      ])
    } finally {
      await local.close()
    }
  })
})

describe('errors', () => {
  it('no event for a refund that succeeds, nor for one retried after Stripe was unreachable, nor for a pending one that succeeds', async () => {
    const direct = await rk.paidCourse()
    await rk.rejectEnrollment(direct.payload)
    await rk.runJob()

    const retried = await rk.paidCourse()
    await rk.rejectEnrollment(retried.payload)
    rk.server.behaviour.failNext = 3 // the SDK's retries included
    await rk.runJob()
    rk.server.behaviour.failNext = 0
    expect((await rk.refundsOf(retried.order.id))[0]).toMatchObject({ status: 'pending' })
    await rk.runJob()

    const late = await rk.paidCourse()
    await rk.rejectEnrollment(late.payload)
    await pendingAtStripe(rk.runJob)
    await settle(late.order.id, 'succeeded')

    for (const { order } of [direct, retried, late]) {
      expect((await rk.refundsOf(order.id)).map((r) => r.status)).toEqual(['succeeded'])
      expect(await refundedEvents(order.id)).toHaveLength(1)
      expect(await failedEvents(order.id)).toHaveLength(0)
    }
  })

  it('a refused refund, then a new one that succeeds: only the refusal has an event', async () => {
    const { order, payload } = await rk.paidCourse()
    await rk.rejectEnrollment(payload)
    await createRefundsService(rk.t.deps, refusing('declined').provider).sendPending()
    const res = await rk.t.call(
      rk.kit.admin,
      'POST',
      `/orders/${order.id}/refunds`,
      { reason: 'made good by hand' },
      { 'idempotency-key': uuid7() },
    )
    expect(res.json().refund, res.body).toMatchObject({ status: 'succeeded', amountMinor: 4000 })
    expect(await failedEvents(order.id)).toHaveLength(1)
    expect(await refundedEvents(order.id)).toHaveLength(1)
  })
})

describe('security', () => {
  it('request-made refunds are flagged not automatic: an admin’s free-text reason becomes `other`, a self-refund `customer_request`', async () => {
    const byAdmin = await rk.paidCourse()
    await pendingAtStripe(async () => {
      const res = await rk.t.call(
        rk.kit.admin,
        'POST',
        `/orders/${byAdmin.order.id}/refunds`,
        { reason: 'internal note: customer is a reseller' },
        { 'idempotency-key': uuid7() },
      )
      expect(res.statusCode, res.body).toBe(201)
    })
    await settle(byAdmin.order.id, 'failed')

    const self = await rk.paidCourse()
    await pendingAtStripe(async () => {
      const res = await rk.t.call(
        self.user,
        'POST',
        `/orders/${self.order.id}/items/${self.order.items[0]!.id}/refund`,
        {},
        { 'idempotency-key': uuid7() },
      )
      expect(res.statusCode, res.body).toBeLessThan(300)
    })
    await settle(self.order.id, 'failed')

    const [admin] = await failedEvents(byAdmin.order.id)
    expect(admin!.payload).toMatchObject({ reason: 'other', automatic: false, userId: byAdmin.user.userId })
    expect(JSON.stringify(admin!.payload)).not.toContain('reseller')
    const [mine] = await failedEvents(self.order.id)
    expect(mine!.payload).toMatchObject({ reason: 'customer_request', automatic: false })
  })
})
