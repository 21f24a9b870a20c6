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
import { checkoutJobs } from '../orders/checkout.jobs.ts'
import { CARD_EXPIRE_JOB, cardJobs } from './card.jobs.ts'
import { CARD_EXPIRY_CALLS } from './provider-calls.ts'

const CARD_EXPIRY_MAX_ATTEMPTS = CARD_EXPIRY_CALLS.maxAttempts
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

let runs = 0
/** A run's context, as the runner gives it (each run its own occurrence). */
const jobCtx = () => ({
  id: 'job_test',
  name: CARD_EXPIRE_JOB,
  attempt: 1,
  runAt: new Date(Date.now() + runs++),
  key: null,
})

/** Runs the expiry job once, as the runner does: `handle` in its transaction, then `afterCommit`. */
async function runExpiry(): Promise<void> {
  const ctx = jobCtx()
  await t.db.transaction((tx) => expire.handle(tx, ctx))
  await expire.afterCommit!(ctx)
}

/** The order's expiry row (claim, attempts, back-off), if any. */
async function expiryRow(orderId: string) {
  const [r] = await t.database.query<{
    attempts: number
    claimed_by: string | null
    last_error: string | null
  }>(sql`select attempts, claimed_by, last_error from commerce.card_expiries where order_id = ${orderId}`)
  return r
}

/** The back-off is over: the order may be tried again. */
async function retryNow(orderId: string): Promise<void> {
  await t.database.query(
    sql`update commerce.card_expiries set next_attempt_at = now() - interval '1 second' where order_id = ${orderId}`,
  )
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
  it('Stripe unreachable while cancelling: the order stays open, the other orders wait, and a later run cancels it after the back-off', async () => {
    const { order, ref } = await cardOrder(pm.threeDSecure)
    const other = await cardOrder(pm.threeDSecure)
    await age(order.id)
    await age(other.order.id)
    const [first, second] = [order, other.order].sort((a, b) => (a.id < b.id ? -1 : 1))
    server.behaviour.failNext = 3 // the call and the SDK's 2 retries
    const calls = server.requests.length
    await runExpiry()
    // One order was tried (3 requests); the outage stopped the run before the other was asked.
    expect(server.requests.length - calls).toBe(3)
    for (const o of [order, other.order]) {
      expect(await state(o.id)).toMatchObject({
        status: 'requires_action',
        payment: { status: 'requires_action' },
      })
    }
    expect(await expiryRow(first!.id)).toMatchObject({ attempts: 1, claimed_by: null })
    expect((await expiryRow(first!.id))!.last_error).toMatch(/StripeAPIError \(500\)$/)
    expect(await expiryRow(second!.id)).toMatchObject({ attempts: 0, claimed_by: null }) // deferred, not counted
    const line = logs.find((l) => l.includes('provider cancel failed; retried later'))
    expect(line).toBeDefined()
    expect(logs.some((l) => l.includes(server.secretKey))).toBe(false)

    // The next run: the deferred order is cancelled; the failed one waits for its back-off.
    await runExpiry()
    expect(await state(second!.id)).toMatchObject({ status: 'cancelled' })
    expect(await state(first!.id)).toMatchObject({ status: 'requires_action' })
    expect(await expiryRow(second!.id)).toBeUndefined()
    await retryNow(first!.id)
    await runExpiry()
    expect(await state(first!.id)).toMatchObject({ status: 'cancelled', payment: { status: 'cancelled' } })
    expect(server.paymentIntents.get(ref!)!.status).toBe('canceled')
    expect(await expiryRow(first!.id)).toBeUndefined()
  })

  it("Stripe refusing one order (404 unknown PaymentIntent) is that order's failure only: the run goes on with the others", async () => {
    const broken = await cardOrder(pm.threeDSecure)
    const fine = await cardOrder(pm.threeDSecure)
    await t.database.query(
      sql`update commerce.payments set provider_ref = ${`pi_missing${broken.order.id.slice(-12)}`} where order_id = ${broken.order.id}`,
    )
    await age(broken.order.id)
    await age(fine.order.id)
    await runExpiry()
    expect(await state(broken.order.id)).toMatchObject({ status: 'requires_action' })
    expect((await expiryRow(broken.order.id))!.last_error).toMatch(/resource_missing \(404\)$/)
    expect(await state(fine.order.id)).toMatchObject({ status: 'cancelled' })
  })

  it(`retries are bounded: after ${CARD_EXPIRY_MAX_ATTEMPTS} failed calls the order is no longer tried and a person is told`, async () => {
    const { order, ref } = await cardOrder(pm.threeDSecure)
    await age(order.id)
    await runExpiry() // claims and cancels nothing else first: make this order the one failing
    expect(await state(order.id)).toMatchObject({ status: 'cancelled' })
    const stuck = await cardOrder(pm.threeDSecure)
    await age(stuck.order.id)
    await t.database.query(
      sql`insert into commerce.card_expiries (order_id, attempts) values (${stuck.order.id}, ${CARD_EXPIRY_MAX_ATTEMPTS - 1})`,
    )
    server.behaviour.failNext = 3
    await runExpiry()
    expect(await expiryRow(stuck.order.id)).toMatchObject({ attempts: CARD_EXPIRY_MAX_ATTEMPTS })
    expect(logs.some((l) => l.includes('gave up') && l.includes(stuck.order.id))).toBe(true)
    await retryNow(stuck.order.id)
    const calls = cancelCalls(stuck.ref!)
    await runExpiry()
    expect(cancelCalls(stuck.ref!)).toBe(calls)
    expect(await state(stuck.order.id)).toMatchObject({ status: 'requires_action' })
    expect(cancelCalls(ref!)).toBe(1)
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

  it('the webhook lands between the claim and the call: no cancel is sent and the order ends paid, once', async () => {
    const { order, ref } = await cardOrder(pm.threeDSecure)
    await age(order.id)
    const ctx = jobCtx()
    await t.db.transaction((tx) => expire.handle(tx, ctx)) // claimed
    await server.completeAction(ref!) // the customer finishes; the webhook captures
    await expire.afterCommit!(ctx)
    expect(cancelCalls(ref!)).toBe(0)
    expect(await state(order.id)).toMatchObject({
      status: 'paid',
      payment: { status: 'succeeded' },
      paidEvents: 1,
    })
    expect(await expiryRow(order.id)).toBeUndefined()
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

describe('concurrency', () => {
  it('two runs at once (two replicas): each payment is cancelled at Stripe once', async () => {
    const made = [
      await cardOrder(pm.threeDSecure),
      await cardOrder(undefined),
      await cardOrder(pm.threeDSecure),
    ]
    for (const m of made) await age(m.order.id)
    const [a, b] = [jobCtx(), { ...jobCtx(), id: 'job_other_replica' }]
    await Promise.all([
      t.db.transaction((tx) => expire.handle(tx, a)),
      t.db.transaction((tx) => expire.handle(tx, b)),
    ])
    await Promise.all([expire.afterCommit!(a), expire.afterCommit!(b), expire.afterCommit!(a)])
    await runExpiry() // and a third, later one
    for (const m of made) {
      expect(cancelCalls(m.ref!)).toBe(1)
      expect(await state(m.order.id)).toMatchObject({ status: 'cancelled', payment: { status: 'cancelled' } })
    }
  })

  it('with commerce.orders.expire_abandoned: each abandoned order is expired once, by the job that owns it', async () => {
    const ordersJob = checkoutJobs(t.deps).find(
      (j): j is RecurringJob => j.name === 'commerce.orders.expire_abandoned',
    )!
    const runOrdersJob = () =>
      t.db.transaction((tx) => ordersJob.handle(tx, { ...jobCtx(), name: ordersJob.name }))
    const c = await kit.coupon({ maxRedemptions: 2 })
    // Never reached Stripe (the create call failed): pending_payment, no PaymentIntent.
    server.behaviour.failNext = 3
    const lost = await cardOrder(pm.visa, c)
    expect(lost.order.status).toBe('pending_payment')
    // Reached Stripe, 3-D Secure abandoned.
    const abandoned = await cardOrder(pm.threeDSecure, c, t.user())
    expect(await redeemed(c.id)).toBe(2)
    await t.database.query(
      sql`update commerce.orders set created_at = now() - interval '25 hours' where id in (${lost.order.id}, ${abandoned.order.id})`,
    )
    await age(lost.order.id)
    await age(abandoned.order.id)
    const cancelled = async () =>
      (
        await t.database.query<{ n: number }>(
          sql`select count(*)::int as n from commerce.orders where id in (${lost.order.id}, ${abandoned.order.id}) and status = 'cancelled'`,
        )
      )[0]!.n
    const requests = server.requests.length

    await runExpiry() // the card job leaves the order that never reached Stripe alone
    expect(await state(lost.order.id)).toMatchObject({ status: 'pending_payment' })
    expect(await state(abandoned.order.id)).toMatchObject({ status: 'cancelled' })
    expect(await redeemed(c.id)).toBe(1)
    await runOrdersJob() // and the orders job only takes that one
    expect(await state(lost.order.id)).toMatchObject({
      status: 'cancelled',
      payment: { status: 'cancelled' },
    })
    expect(await cancelled()).toBe(2)
    expect(await redeemed(c.id)).toBe(0)
    // Both again, either order: nothing changes, nothing more is asked of Stripe.
    await runOrdersJob()
    await runExpiry()
    await runOrdersJob()
    expect(await cancelled()).toBe(2)
    expect(server.requests.length - requests).toBe(1) // the one cancel of the abandoned PaymentIntent
    expect(cancelCalls(abandoned.ref!)).toBe(1)
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
