import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql, type RecurringJob } from '@learnmesh/kernel'
import type { TestCommerce } from '../test-helpers.ts'
import { stripeTestPaymentMethods as pm, type StripeTestServer } from '../testing/stripe-server.ts'
import { startStripeCommerce } from '../payments/stripe.test-kit.ts'
import { SUBSCRIPTION_CHARGE_JOB, subscriptionJobs } from './subscriptions.jobs.ts'
import { subscriptionsKit, type Sub } from './subscriptions.test-kit.ts'

let stripe: Awaited<ReturnType<typeof startStripeCommerce>>
let server: StripeTestServer
let t: TestCommerce
let k: ReturnType<typeof subscriptionsKit>
let job: RecurringJob
const logs: string[] = []

beforeAll(async () => {
  stripe = await startStripeCommerce(logs)
  ;({ server, t } = stripe)
  k = subscriptionsKit(t)
  job = subscriptionJobs(t.deps).find((j) => j.name === SUBSCRIPTION_CHARGE_JOB) as RecurringJob
})
afterAll(() => stripe.close())

let runs = 0
/** A run's context, as the runner gives it (each run its own occurrence). */
const jobCtx = () => ({
  id: 'job_charge',
  name: SUBSCRIPTION_CHARGE_JOB,
  attempt: 1,
  runAt: new Date(Date.now() + runs++),
  key: null,
})

/** Runs the charge job once as the runner does: `handle` in its transaction, then `afterCommit`. */
async function runCharge(): Promise<void> {
  const ctx = jobCtx()
  await t.db.transaction((tx) => job.handle(tx, ctx))
  await job.afterCommit!(ctx)
}

/** A trialing subscription (Stripe card on file) whose trial ended, with its renewal attempt created. */
async function dueRenewal(paymentMethod: string = pm.visa) {
  const u = t.user()
  const plan = await k.plan({ amount: 1500, trialDays: 3 })
  const { subscription: sub } = await k.subscribe(u, plan.price.id, paymentMethod)
  expect(sub.status).toBe('trialing')
  const at = k.after(sub.currentPeriodEnd!, 0.01)
  expect(await t.db.transaction((tx) => k.subscriptions.renewOne(tx, sub.id, at))).toBe('pending')
  const [c] = await t.database.query<{ id: string; payment_id: string }>(
    sql`select id, payment_id from commerce.subscription_charges where subscription_id = ${sub.id}`,
  )
  return { u, sub, at, chargeId: c!.id, paymentId: c!.payment_id }
}

/** The attempt's call bookkeeping and status. */
async function attempt(chargeId: string) {
  const [r] = await t.database.query<{
    status: string
    call_attempts: number
    claimed_by: string | null
    last_error: string | null
  }>(
    sql`select status, call_attempts, claimed_by, last_error from commerce.subscription_charges where id = ${chargeId}`,
  )
  return r!
}

/** PaymentIntent creations sent for our payment (its id is the idempotency key). */
const creates = (paymentId: string) =>
  server.requests.filter(
    (r) => r.method === 'POST' && r.path === '/v1/payment_intents' && r.idempotencyKey === paymentId,
  ).length
/** PaymentIntents Stripe holds for our payment: more than one would be a double charge. */
const intents = (paymentId: string) =>
  [...server.paymentIntents.values()].filter(
    (pi) => (pi.metadata as Record<string, string> | undefined)?.paymentId === paymentId,
  )

const renewedEvents = async (sub: Sub) =>
  (await k.events(sub.id)).filter((e) => e.type === 'commerce.subscription.renewed').length

describe('happy', () => {
  it('the renewal pass creates the attempt without calling Stripe; the charge job sends it after its commit and renews once', async () => {
    const { u, sub, chargeId, paymentId } = await dueRenewal()
    expect(creates(paymentId)).toBe(0) // nothing sent from the pass's transaction
    const before = await k.ledger()
    await runCharge()
    expect(creates(paymentId)).toBe(1)
    expect(intents(paymentId)).toHaveLength(1)
    const s = await k.get(u, sub.id)
    expect(s).toMatchObject({ status: 'active', currentPeriodStart: sub.currentPeriodEnd })
    expect(s.charges).toMatchObject([{ status: 'succeeded', amountMinor: 1500 }])
    expect(await attempt(chargeId)).toMatchObject({ claimed_by: null, call_attempts: 0 })
    const after = await k.ledger()
    expect(after.transactions).toBe(before.transactions + 1)
    expect(after.sum).toBe(0)
    expect(await renewedEvents(sub)).toBe(1)
    await runCharge() // nothing left to send
    expect(creates(paymentId)).toBe(1)
  })
})

describe('errors', () => {
  it('Stripe down (answers lost), then up: retried after the back-off with the same key, charged once', async () => {
    const { u, sub, at, chargeId, paymentId } = await dueRenewal()
    server.behaviour.loseNext = 3 // Stripe creates the PaymentIntent, but the call and the SDK's 2 retries get a 500
    await runCharge()
    expect(await attempt(chargeId)).toMatchObject({ status: 'pending', call_attempts: 1, claimed_by: null })
    expect((await attempt(chargeId)).last_error).toMatch(/\(500\)$/)
    expect((await k.get(u, sub.id)).status).toBe('trialing')
    expect(await renewedEvents(sub)).toBe(0)
    expect(logs.some((l) => l.includes('renewal charge: provider unreachable; retried later'))).toBe(true)
    expect(logs.some((l) => l.includes(server.secretKey))).toBe(false)

    // Backing off: neither the job nor a renewal pass sends it again.
    const sent = creates(paymentId)
    await runCharge()
    expect(await t.db.transaction((tx) => k.subscriptions.renewOne(tx, sub.id, at))).toBe('pending')
    expect(creates(paymentId)).toBe(sent)

    await t.database.query(
      sql`update commerce.subscription_charges set next_call_at = now() - interval '1 second' where id = ${chargeId}`,
    )
    await runCharge()
    expect(creates(paymentId)).toBe(sent + 1)
    expect(intents(paymentId)).toHaveLength(1) // the key answered the PaymentIntent made during the outage
    expect(await k.get(u, sub.id)).toMatchObject({ status: 'active', failedAttempts: 0 })
    expect(await renewedEvents(sub)).toBe(1)
    expect((await k.ledger()).sum).toBe(0)
  })

  it('a declined renewal: payment and order failed, past_due with its event (dunning as before), no second call', async () => {
    const { u, sub, chargeId, paymentId } = await dueRenewal()
    await t.database.query(
      sql`update commerce.subscriptions set payment_method_ref = ${pm.declined} where id = ${sub.id}`,
    )
    await runCharge()
    const s = await k.get(u, sub.id)
    expect(s).toMatchObject({ status: 'past_due', failedAttempts: 1 })
    expect(s.charges).toMatchObject([{ status: 'failed', failureCode: 'card_declined' }])
    const [p] = await t.database.query<{ status: string; order_status: string }>(
      sql`select p.status, o.status as order_status from commerce.payments p join commerce.orders o on o.id = p.order_id where p.id = ${paymentId}`,
    )
    expect(p).toEqual({ status: 'failed', order_status: 'failed' })
    expect((await k.events(sub.id)).at(-1)).toMatchObject({
      type: 'commerce.subscription.past_due',
      payload: { failureCode: 'card_declined', attempt: 1 },
    })
    await runCharge()
    expect(creates(paymentId)).toBe(1)
    expect(await attempt(chargeId)).toMatchObject({ status: 'failed', claimed_by: null })
  })

  it('two charge runs at once: one claims and sends, the other sends nothing; one PaymentIntent', async () => {
    const { u, sub, paymentId } = await dueRenewal()
    const [a, b] = [jobCtx(), jobCtx()]
    await Promise.all([
      t.db.transaction((tx) => job.handle(tx, a)),
      t.db.transaction((tx) => job.handle(tx, b)),
    ])
    await Promise.all([job.afterCommit!(a), job.afterCommit!(b)])
    expect(creates(paymentId)).toBe(1)
    expect(intents(paymentId)).toHaveLength(1)
    expect((await k.get(u, sub.id)).status).toBe('active')
    expect(await renewedEvents(sub)).toBe(1)
  })
})

describe('security', () => {
  it('a claim whose transaction rolled back sends nothing (even if its after-commit step ran)', async () => {
    const { u, sub, chargeId, paymentId } = await dueRenewal()
    const ctx = jobCtx()
    await expect(
      t.db.transaction(async (tx) => {
        await job.handle(tx, ctx)
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    await job.afterCommit!(ctx)
    expect(creates(paymentId)).toBe(0)
    expect(await attempt(chargeId)).toMatchObject({ status: 'pending', claimed_by: null, call_attempts: 0 })
    expect((await k.get(u, sub.id)).status).toBe('trialing')
    await runCharge() // the next run sends it
    expect(creates(paymentId)).toBe(1)
  })
})
