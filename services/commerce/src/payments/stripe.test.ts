import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Stripe from 'stripe'
import { ConfigError, sql } from '@learnmesh/kernel'
import type { TestCommerce, TestUser } from '../test-helpers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'
import { loadCommerceConfig } from '../config.ts'
import { stripeTestPaymentMethods as pm, type StripeTestServer } from '../testing/stripe-server.ts'
import { createStripeProvider, mapPaymentIntent } from './stripe.ts'
import { startStripeCommerce } from './stripe.test-kit.ts'

let server: StripeTestServer
let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
let stripe: Awaited<ReturnType<typeof startStripeCommerce>>
const logs: string[] = []

beforeAll(async () => {
  stripe = await startStripeCommerce(logs)
  ;({ server, t } = stripe)
  kit = checkoutKit(t)
})
afterAll(() => stripe.close())

type OrderDetail = {
  id: string
  status: string
  totalMinor: number
  payments: {
    id: string
    status: string
    failureCode: string | null
    nextAction: Record<string, string> | null
  }[]
}

async function buy(user: TestUser, paymentMethod: string | undefined, amount = 4000): Promise<OrderDetail> {
  await kit.add(user, (await kit.product({ amount })).price.id)
  const res = await kit.checkout(user, paymentMethod ? { paymentMethod } : {})
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as OrderDetail
}

async function paymentRow(orderId: string) {
  const [row] = await t.database.query<{
    provider_ref: string
    status: string
    fee_minor: number
    refunded_minor: number
  }>(
    sql`select provider_ref, status, fee_minor::int as fee_minor, refunded_minor::int as refunded_minor from commerce.payments where order_id = ${orderId}`,
  )
  return row!
}

async function state(orderId: string) {
  const [o] = await t.database.query<{ status: string; refunded_minor: number }>(
    sql`select status, refunded_minor::int as refunded_minor from commerce.orders where id = ${orderId}`,
  )
  const paid = (await t.events('commerce.order.paid')).filter((e) => e.payload.orderId === orderId).length
  const refunded = (await t.events('commerce.payment.refunded')).filter(
    (e) => e.payload.orderId === orderId,
  ).length
  const [captures] = await t.database.query<{ n: number }>(
    sql`select count(*)::int as n from commerce.ledger_transactions t join commerce.payments p on p.id = t.ref
        where t.kind = 'payment_captured' and p.order_id = ${orderId}`,
  )
  return {
    status: o!.status,
    refundedMinor: o!.refunded_minor,
    paidEvents: paid,
    refundEvents: refunded,
    captures: captures!.n,
    ledger: await kit.ledger(),
  }
}

function refund(orderId: string, body: Record<string, unknown> = { reason: 'customer request' }) {
  return t.call(kit.admin, 'POST', `/orders/${orderId}/refunds`, body, { 'idempotency-key': randomUUID() })
}

/** The Stripe refund id recorded on our refund. */
async function stripeRefundId(refundId: string): Promise<string> {
  const [r] = await t.database.query<{ provider_ref: string }>(
    sql`select provider_ref from commerce.refunds where id = ${refundId}`,
  )
  expect(r!.provider_ref).toMatch(/^re_/)
  return r!.provider_ref
}

/** An order left in requires_action by 3-D Secure, with its PaymentIntent id. */
async function threeDsOrder() {
  const user = t.user()
  const order = await buy(user, pm.threeDSecure)
  expect(order.status).toBe('requires_action')
  return { order, user, ref: (await paymentRow(order.id)).provider_ref }
}

describe('happy', () => {
  it('pm_card_visa: a PaymentIntent created and confirmed at once; order paid, fee posted, commerce.order.paid', async () => {
    const before = await kit.ledger()
    const order = await buy(t.user(), pm.visa, 4000)
    expect(order).toMatchObject({ status: 'paid', payments: [{ status: 'succeeded' }] })
    const row = await paymentRow(order.id)
    expect(row.provider_ref).toMatch(/^pi_/)
    expect(row.fee_minor).toBe(146) // 2.9% of 4000 + 30, from the expanded balance transaction
    const pi = server.paymentIntents.get(row.provider_ref)!
    expect(pi).toMatchObject({
      amount: 4000,
      currency: 'eur',
      metadata: { orderId: order.id, paymentId: order.payments[0]!.id, orgId: t.orgA },
    })
    const sent = server.requests.find(
      (r) =>
        r.path === '/v1/payment_intents' &&
        r.params.metadata &&
        (r.params.metadata as Record<string, string>).orderId === order.id,
    )
    expect(sent!.idempotencyKey).toBe(order.payments[0]!.id)
    expect(sent!.params).toMatchObject({ confirm: 'true', return_url: `http://web.test/orders/${order.id}` })
    expect(await state(order.id)).toMatchObject({ status: 'paid', paidEvents: 1, captures: 1 })
    const after = await kit.ledger()
    expect(after.sum).toBe(0)
    expect(after.transactions).toBe(before.transactions + 1)
  })

  it('3-D Secure: requires_action with the redirect; the signed webhook pays the order exactly once', async () => {
    const { order, ref, user } = await threeDsOrder()
    expect(order.payments[0]!.nextAction).toMatchObject({ type: 'redirect_to_url', method: 'GET' })
    expect(order.payments[0]!.nextAction!.url).toContain(`/3ds/${ref}`)
    const sent = await server.completeAction(ref)
    expect(sent.status).toBe(200)
    expect(await state(order.id)).toMatchObject({ status: 'paid', paidEvents: 1, captures: 1 })
    // The browser comes back and the client confirms: the order is paid already, nothing changes.
    const before = await state(order.id)
    const res = await t.call(
      user,
      'POST',
      `/orders/${order.id}/confirm`,
      {},
      { 'idempotency-key': randomUUID() },
    )
    expect(res.statusCode, res.body).toBe(200)
    expect(await state(order.id)).toEqual(before)
  })

  it('no payment method: the client secret for Stripe.js; confirming later with a card pays it', async () => {
    const u = t.user()
    const order = await buy(u, undefined)
    expect(order).toMatchObject({ status: 'requires_action', payments: [{ status: 'requires_action' }] })
    expect(order.payments[0]!.nextAction).toMatchObject({ type: 'client_secret' })
    expect(order.payments[0]!.nextAction!.clientSecret).toMatch(/^pi_\w+_secret_/)
    const res = await t.call(
      u,
      'POST',
      `/orders/${order.id}/confirm`,
      { paymentMethod: pm.visa },
      { 'idempotency-key': randomUUID() },
    )
    expect(res.statusCode, res.body).toBe(200)
    expect(await state(order.id)).toMatchObject({ status: 'paid', paidEvents: 1, captures: 1 })
  })

  it('a full refund succeeds at Stripe at once: order refunded, ledger reversed, one event', async () => {
    const order = await buy(t.user(), pm.visa, 5000)
    const res = await refund(order.id)
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json().refund).toMatchObject({ status: 'succeeded', amountMinor: 5000 })
    const ref = (await paymentRow(order.id)).provider_ref
    const stripeRefund = [...server.refunds.values()].find((r) => r.payment_intent === ref)!
    expect(stripeRefund).toMatchObject({
      amount: 5000,
      status: 'succeeded',
      metadata: { refundId: res.json().refund.id },
    })
    expect(
      server.requests.find((r) => r.path === '/v1/refunds' && r.params.payment_intent === ref)!
        .idempotencyKey,
    ).toBe(res.json().refund.id)
    expect(await state(order.id)).toMatchObject({ status: 'refunded', refundedMinor: 5000, refundEvents: 1 })
    expect((await kit.ledger()).sum).toBe(0)
  })

  it('a partial refund', async () => {
    const order = await buy(t.user(), pm.visa, 5000)
    const res = await refund(order.id, { reason: 'goodwill', amountMinor: 1200 })
    expect(res.statusCode, res.body).toBe(201)
    expect(await state(order.id)).toMatchObject({
      status: 'partially_refunded',
      refundedMinor: 1200,
      refundEvents: 1,
    })
  })

  it('a pending refund is completed by its signed refund.updated webhook, once', async () => {
    const order = await buy(t.user(), pm.visa, 3000)
    server.behaviour.refunds = 'pending'
    let res
    try {
      res = await refund(order.id)
    } finally {
      server.behaviour.refunds = 'succeeded'
    }
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json().refund).toMatchObject({ status: 'pending' })
    expect(await state(order.id)).toMatchObject({ status: 'paid', refundedMinor: 0, refundEvents: 0 })
    const reId = await stripeRefundId(res.json().refund.id as string)
    const before = await kit.ledger()
    const sent = await server.settleRefund(reId, 'succeeded')
    expect(sent.status).toBe(200)
    const done = await state(order.id)
    expect(done).toMatchObject({ status: 'refunded', refundedMinor: 3000, refundEvents: 1 })
    expect(done.ledger).toEqual({ sum: 0, transactions: before.transactions + 1 })
    // the same event again (Stripe retries) changes nothing
    const again = await t.app.inject({
      method: 'POST',
      url: '/webhooks/stripe',
      payload: sent.rawBody,
      headers: { 'content-type': 'application/json', 'stripe-signature': sent.signature },
    })
    expect(again.json()).toEqual({ received: true, duplicate: true })
    expect(await state(order.id)).toEqual(done)
  })
})

describe('errors', () => {
  it('a declined card: order failed with card_declined, nothing captured, the cart restored', async () => {
    const u = t.user()
    const order = await buy(u, pm.declined)
    expect(order).toMatchObject({
      status: 'failed',
      payments: [{ status: 'failed', failureCode: 'card_declined' }],
    })
    expect(await state(order.id)).toMatchObject({ paidEvents: 0, captures: 0 })
    const cart = await t.call(u, 'GET', '/cart')
    expect(cart.json().items).toHaveLength(1)
  })

  it('3-D Secure failed: the signed payment_failed webhook fails the order', async () => {
    const { order, ref } = await threeDsOrder()
    await server.completeAction(ref, 'failed')
    expect(await state(order.id)).toMatchObject({ status: 'failed', paidEvents: 0, captures: 0 })
  })

  it('a pending refund that Stripe then fails frees the amount; nothing is posted', async () => {
    const order = await buy(t.user(), pm.visa, 2000)
    server.behaviour.refunds = 'pending'
    let res
    try {
      res = await refund(order.id)
    } finally {
      server.behaviour.refunds = 'succeeded'
    }
    const before = await kit.ledger()
    await server.settleRefund(await stripeRefundId(res.json().refund.id as string), 'failed')
    expect(await state(order.id)).toMatchObject({ status: 'paid', refundedMinor: 0, refundEvents: 0 })
    expect(await kit.ledger()).toEqual(before)
    const [r] = await t.database.query<{ status: string }>(
      sql`select status from commerce.refunds where id = ${res.json().refund.id}`,
    )
    expect(r!.status).toBe('failed')
    const retry = await refund(order.id)
    expect(retry.json().refund).toMatchObject({ status: 'succeeded', amountMinor: 2000 })
  })

  it('Stripe unreachable (5xx): the payment stays requires_payment; /confirm retries with the same key and pays once', async () => {
    const u = t.user()
    server.behaviour.failNext = 3 // the SDK's 2 retries included
    const order = await buy(u, pm.visa)
    expect(order).toMatchObject({ status: 'pending_payment', payments: [{ status: 'requires_payment' }] })
    const res = await t.call(
      u,
      'POST',
      `/orders/${order.id}/confirm`,
      { paymentMethod: pm.visa },
      { 'idempotency-key': randomUUID() },
    )
    expect(res.statusCode, res.body).toBe(200)
    expect(await state(order.id)).toMatchObject({ status: 'paid', paidEvents: 1, captures: 1 })
    const keys = server.requests.filter((r) => r.idempotencyKey === order.payments[0]!.id)
    expect(keys.length).toBeGreaterThanOrEqual(4)
    expect(
      [...server.paymentIntents.values()].filter(
        (p) => (p.metadata as Record<string, string>).paymentId === order.payments[0]!.id,
      ),
    ).toHaveLength(1)
  })

  it('the answer to the create was lost: the signed webhook (metadata.paymentId) still pays the order once', async () => {
    const u = t.user()
    server.behaviour.loseNext = 3 // the first call and the SDK's 2 retries
    const order = await buy(u, pm.visa)
    expect(order).toMatchObject({ status: 'pending_payment', payments: [{ status: 'requires_payment' }] })
    const pi = [...server.paymentIntents.values()].find(
      (p) => (p.metadata as Record<string, string>).paymentId === order.payments[0]!.id,
    )!
    expect(pi.status).toBe('succeeded') // Stripe charged the card
    const sent = await server.send(server.event('payment_intent.succeeded', pi))
    expect(sent.status).toBe(200)
    expect(await state(order.id)).toMatchObject({ status: 'paid', paidEvents: 1, captures: 1 })
    expect((await paymentRow(order.id)).provider_ref).toBe(pi.id)
    const again = await t.call(
      u,
      'POST',
      `/orders/${order.id}/confirm`,
      {},
      { 'idempotency-key': randomUUID() },
    )
    expect(again.statusCode).toBe(200)
    expect(await state(order.id)).toMatchObject({ status: 'paid', paidEvents: 1, captures: 1 })
  })

  it('config: PAYMENT_PROVIDER=stripe without keys is a config error naming the variables (values never shown)', () => {
    const err = (() => {
      try {
        loadCommerceConfig({ PAYMENT_PROVIDER: 'stripe' })
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).problems.map((p) => p.variable)).toEqual([
      'STRIPE_SECRET_KEY',
      'STRIPE_WEBHOOK_SECRET',
    ])
    expect(() =>
      loadCommerceConfig({ PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_123456789' }),
    ).toThrow(/STRIPE_WEBHOOK_SECRET/)
    expect(() => loadCommerceConfig({ PAYOUT_PROVIDER: 'stripe' })).toThrow(/STRIPE_SECRET_KEY/)
  })

  it('maps PaymentIntent states', () => {
    const pi = (over: Partial<Stripe.PaymentIntent>) =>
      ({ id: 'pi_1', client_secret: 'pi_1_secret_x', latest_charge: null, ...over }) as Stripe.PaymentIntent
    expect(mapPaymentIntent(pi({ status: 'processing' }))).toMatchObject({ status: 'processing' })
    expect(mapPaymentIntent(pi({ status: 'canceled', cancellation_reason: 'abandoned' }))).toMatchObject({
      status: 'failed',
      failureCode: 'abandoned',
    })
    expect(
      mapPaymentIntent(
        pi({
          status: 'requires_payment_method',
          last_payment_error: { type: 'card_error', code: 'expired_card' } as never,
        }),
      ),
    ).toMatchObject({ status: 'failed', failureCode: 'expired_card' })
    expect(
      mapPaymentIntent(pi({ status: 'requires_action', next_action: { type: 'use_stripe_sdk' } as never })),
    ).toMatchObject({
      status: 'requires_action',
      nextAction: { type: 'client_secret', clientSecret: 'pi_1_secret_x' },
    })
  })
})

describe('security', () => {
  /** A signed payment_intent.succeeded for a 3DS order's PaymentIntent, not yet sent. */
  async function pendingSuccess() {
    const { order, ref } = await threeDsOrder()
    const pi = server.paymentIntents.get(ref)!
    const event = server.event('payment_intent.succeeded', { ...pi, status: 'succeeded' })
    return { order, event }
  }

  it('a forged signature (another secret) is a 400 and changes nothing', async () => {
    const { order, event } = await pendingSuccess()
    const before = await state(order.id)
    const sent = await server.send(event, { secret: 'whsec_attacker_secret_0123456789' })
    expect(sent.status).toBe(400)
    expect(await state(order.id)).toEqual(before)
  })

  it('a stale timestamp (> 300 s old) or one far in the future is a 400', async () => {
    const { order, event } = await pendingSuccess()
    const before = await state(order.id)
    expect((await server.send(event, { timestamp: Math.floor(Date.now() / 1000) - 301 })).status).toBe(400)
    expect((await server.send(event, { timestamp: Math.floor(Date.now() / 1000) + 3600 })).status).toBe(400)
    expect(await state(order.id)).toEqual(before)
  })

  it('a re-serialized body (JSON.stringify(JSON.parse(raw))) no longer verifies: 400', async () => {
    const { order, event } = await pendingSuccess()
    const before = await state(order.id)
    const sent = await server.send(event, { tamper: (raw) => JSON.stringify(JSON.parse(raw)) })
    expect(sent.status).toBe(400)
    const changed = await server.send(event, { tamper: (raw) => raw.replace('"succeeded"', '"succeeded" ') })
    expect(changed.status).toBe(400)
    expect(await state(order.id)).toEqual(before)
  })

  it('missing signature header, or a sandbox-style one, is a 400', async () => {
    const { order, event } = await pendingSuccess()
    const raw = JSON.stringify(event, null, 2)
    const none = await t.app.inject({
      method: 'POST',
      url: '/webhooks/stripe',
      payload: raw,
      headers: { 'content-type': 'application/json' },
    })
    expect(none.statusCode).toBe(400)
    expect(none.headers['content-type']).toContain('application/problem+json')
    const junk = await t.app.inject({
      method: 'POST',
      url: '/webhooks/stripe',
      payload: raw,
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=zz' },
    })
    expect(junk.statusCode).toBe(400)
    expect((await state(order.id)).status).toBe('requires_action')
  })

  it('a replayed event (same id, freshly re-signed) and a duplicate success: one capture only', async () => {
    const { order, event } = await pendingSuccess()
    const first = await server.send(event)
    expect(first.status).toBe(200)
    const once = await state(order.id)
    expect(once).toMatchObject({ status: 'paid', paidEvents: 1, captures: 1 })
    const replay = await server.send(event, { timestamp: Math.floor(Date.now() / 1000) + 5 })
    expect(replay.status).toBe(200)
    const other = await server.send(
      server.event('payment_intent.succeeded', JSON.parse(first.rawBody).data.object),
    )
    expect(other.status).toBe(200) // another event id about the same success: ignored, captured already
    expect(await state(order.id)).toEqual(once)
  })

  it('events about unknown objects are acknowledged and ignored', async () => {
    const before = await kit.ledger()
    const sent = await server.send(
      server.event('payment_intent.succeeded', {
        id: 'pi_not_ours',
        object: 'payment_intent',
        status: 'succeeded',
      }),
    )
    expect(sent.status).toBe(200)
    const refund = await server.send(
      server.event('refund.updated', {
        id: 're_not_ours',
        object: 'refund',
        status: 'succeeded',
        metadata: { refundId: 'rfd_not_ours' },
      }),
    )
    expect(refund.status).toBe(200)
    expect(await kit.ledger()).toEqual(before)
  })

  it('an invalid payment method fails without calling Stripe; secrets never reach the logs', async () => {
    const calls = server.requests.length
    const order = await buy(t.user(), 'tok_visa')
    expect(order).toMatchObject({ status: 'failed', payments: [{ failureCode: 'invalid_payment_method' }] })
    expect(server.requests.length).toBe(calls)
    const all = logs.join('\n')
    expect(all).not.toContain(server.secretKey)
    expect(all).not.toContain(server.webhookSecret)
  })

  it('the provider refuses to build without a webhook secret', () => {
    const config = loadCommerceConfig({})
    expect(() => createStripeProvider({ ...config, STRIPE_SECRET_KEY: 'sk_test_x' })).toThrow(
      /STRIPE_WEBHOOK_SECRET/,
    )
  })
})
