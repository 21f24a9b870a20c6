import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql, type RecurringJob } from '@learnmesh/kernel'
import type { TestCommerce, TestUser } from '../test-helpers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'
import { loadCommerceConfig } from '../config.ts'
import {
  stripeTestPaymentMethods as pm,
  type StripeTestServer,
  type WebhookDeliverer,
} from '../testing/stripe-server.ts'
import { CARD_EXPIRE_JOB, cardJobs } from './card.jobs.ts'
import { startStripeCommerce } from './stripe.test-kit.ts'

let stripe: Awaited<ReturnType<typeof startStripeCommerce>>
let server: StripeTestServer
let t: TestCommerce
let deliver: WebhookDeliverer
let kit: ReturnType<typeof checkoutKit>
let expire: RecurringJob
const logs: string[] = []

beforeAll(async () => {
  stripe = await startStripeCommerce(logs)
  ;({ server, t, deliver } = stripe)
  kit = checkoutKit(t)
  expire = cardJobs(t.deps).find((j) => j.name === CARD_EXPIRE_JOB)!
})
afterAll(() => stripe.close())

/** Runs the expiry job once, as the runner would (one transaction). */
async function runExpiry(): Promise<void> {
  const ctx = { id: 'job_test', name: CARD_EXPIRE_JOB, attempt: 1, runAt: new Date(), key: null }
  await t.db.transaction((tx) => expire.handle(tx, ctx))
}

/** Moves an order's payments `hours` into the past (the window counts from the payment's start). */
async function age(orderId: string, hours = 25): Promise<void> {
  await t.database.query(
    sql`update commerce.payments set created_at = now() - make_interval(hours => ${hours}) where order_id = ${orderId}`,
  )
}

/** A course order checked out with `paymentMethod` (none: the client secret for Stripe.js), optionally with a coupon. */
async function cardOrder(
  paymentMethod: string | undefined,
  coupon?: { code: string },
  user: TestUser = t.user(),
) {
  await kit.add(user, (await kit.product({ amount: 4000 })).price.id)
  if (coupon) await t.call(user, 'POST', '/cart/coupons', { code: coupon.code })
  const res = await kit.checkout(user, paymentMethod ? { paymentMethod } : {})
  expect(res.statusCode, res.body).toBe(201)
  const order = res.json() as { id: string; status: string; payments: { id: string }[] }
  const [p] = await t.database.query<{ provider_ref: string | null }>(
    sql`select provider_ref from commerce.payments where order_id = ${order.id}`,
  )
  return { order, ref: p!.provider_ref }
}

async function state(orderId: string) {
  const [o] = await t.database.query<{ status: string }>(
    sql`select status from commerce.orders where id = ${orderId}`,
  )
  const [p] = await t.database.query<{ status: string; captured_minor: number }>(
    sql`select status, captured_minor::int as captured_minor from commerce.payments where order_id = ${orderId}`,
  )
  const paidEvents = (await t.events('commerce.order.paid')).filter(
    (e) => e.payload.orderId === orderId,
  ).length
  return { status: o!.status, payment: p!, paidEvents }
}

async function redeemed(couponId: string): Promise<number> {
  const [r] = await t.database.query<{ n: number }>(
    sql`select redeemed_count as n from commerce.coupons where id = ${couponId}`,
  )
  return r!.n
}

const cancelCalls = (ref: string) =>
  server.requests.filter((r) => r.method === 'POST' && r.path === `/v1/payment_intents/${ref}/cancel`).length

describe('happy', () => {
  it('an abandoned 3-D Secure payment older than CARD_PAYMENT_WINDOW_HOURS: PaymentIntent cancelled at Stripe, order cancelled, coupon back; once', async () => {
    const c = await kit.coupon({ maxRedemptions: 1 })
    const { order, ref } = await cardOrder(pm.threeDSecure, c)
    expect(order.status).toBe('requires_action')
    const fresh = await cardOrder(pm.threeDSecure)
    expect(await redeemed(c.id)).toBe(1)
    const ledger = await kit.ledger()

    await runExpiry() // within the window: nothing
    expect(await state(order.id)).toMatchObject({ status: 'requires_action' })
    expect(cancelCalls(ref!)).toBe(0)

    await age(order.id)
    await runExpiry()
    expect(await state(order.id)).toMatchObject({
      status: 'cancelled',
      payment: { status: 'cancelled', captured_minor: 0 },
      paidEvents: 0,
    })
    expect(server.paymentIntents.get(ref!)).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'abandoned',
    })
    expect(await redeemed(c.id)).toBe(0)
    expect(await kit.ledger()).toEqual(ledger)
    expect(await state(fresh.order.id)).toMatchObject({ status: 'requires_action' })

    // Another run (another replica's turn) changes nothing and asks Stripe nothing more.
    await runExpiry()
    expect(cancelCalls(ref!)).toBe(1)
    expect(await state(order.id)).toMatchObject({ status: 'cancelled' })
  })

  it('a client-secret payment never confirmed by Stripe.js is cancelled the same way', async () => {
    const { order, ref } = await cardOrder(undefined)
    expect(order.status).toBe('requires_action')
    await age(order.id)
    await runExpiry()
    expect(await state(order.id)).toMatchObject({ status: 'cancelled', payment: { status: 'cancelled' } })
    expect(server.paymentIntents.get(ref!)!.status).toBe('canceled')
  })

  it('CARD_PAYMENT_WINDOW_HOURS defaults to 24 and is configurable', () => {
    expect(loadCommerceConfig({}).CARD_PAYMENT_WINDOW_HOURS).toBe(24)
    expect(loadCommerceConfig({ CARD_PAYMENT_WINDOW_HOURS: '2' }).CARD_PAYMENT_WINDOW_HOURS).toBe(2)
    expect(() => loadCommerceConfig({ CARD_PAYMENT_WINDOW_HOURS: '0' })).toThrow(/CARD_PAYMENT_WINDOW_HOURS/)
  })
})

describe('errors', () => {
  it('Stripe unreachable while cancelling: the order stays open and the next run cancels it', async () => {
    const { order, ref } = await cardOrder(pm.threeDSecure)
    await age(order.id)
    server.behaviour.failNext = 3 // the call and the SDK's 2 retries
    await runExpiry()
    expect(await state(order.id)).toMatchObject({
      status: 'requires_action',
      payment: { status: 'requires_action' },
    })
    expect(logs.some((l) => l.includes('provider cancel failed'))).toBe(true)
    await runExpiry()
    expect(await state(order.id)).toMatchObject({ status: 'cancelled' })
    expect(server.paymentIntents.get(ref!)!.status).toBe('canceled')
  })

  it('the customer finished 3-D Secure but the webhook has not come: Stripe refuses the cancel and the success is captured once', async () => {
    const c = await kit.coupon({ maxRedemptions: 1 })
    const { order, ref } = await cardOrder(pm.threeDSecure, c)
    await age(order.id)
    server.setDeliverer(async () => 503) // the webhook is late
    const late = await server.completeAction(ref!)
    server.setDeliverer(deliver)
    const ledger = await kit.ledger()
    await runExpiry()
    expect(await state(order.id)).toMatchObject({
      status: 'paid',
      payment: { status: 'succeeded', captured_minor: 3600 }, // 4000 less the 10% coupon
      paidEvents: 1,
    })
    expect(server.paymentIntents.get(ref!)!.status).toBe('succeeded')
    expect(await redeemed(c.id)).toBe(1) // the coupon stays used
    expect((await kit.ledger()).transactions).toBe(ledger.transactions + 1)
    // The webhook arrives at last: nothing is captured twice.
    expect(
      await deliver(late.rawBody, { 'content-type': 'application/json', 'stripe-signature': late.signature }),
    ).toBe(200)
    expect(await state(order.id)).toMatchObject({ status: 'paid', paidEvents: 1 })
    expect((await kit.ledger()).transactions).toBe(ledger.transactions + 1)
  })

  it('a payment whose creation never reached Stripe (no PaymentIntent id) is cancelled here without a call', async () => {
    server.behaviour.failNext = 3
    const { order, ref } = await cardOrder(pm.visa)
    expect(ref).toBeNull()
    // Not the hour-old abandoned-order sweep's case any more: the order waited for a 3-D Secure page.
    await t.database.query(sql`update commerce.orders set status = 'requires_action' where id = ${order.id}`)
    await age(order.id)
    const calls = server.requests.length
    await runExpiry()
    expect(await state(order.id)).toMatchObject({ status: 'cancelled', payment: { status: 'cancelled' } })
    expect(server.requests.length).toBe(calls)
  })
})

describe('security', () => {
  it('only card payments of the configured provider are touched; the job is not registered for stellar', async () => {
    const { order } = await cardOrder(pm.threeDSecure)
    await age(order.id)
    await t.database.query(
      sql`update commerce.payments set provider = 'sandbox' where order_id = ${order.id}`,
    )
    await runExpiry()
    expect(await state(order.id)).toMatchObject({ status: 'requires_action' })
    expect(cardJobs({ ...t.deps, config: { ...t.config, PAYMENT_PROVIDER: 'stellar' } })).toEqual([])
  })
})
