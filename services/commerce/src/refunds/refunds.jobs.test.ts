import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { sql, uuid7, type EventHandler, type RecurringJob } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce, type TestUser } from '../test-helpers.ts'
import { checkoutKit, envelopeOf } from '../orders/checkout.test-kit.ts'
import { checkoutHandlers } from '../orders/checkout.handlers.ts'
import { stripeTestPaymentMethods as pm, type StripeTestServer } from '../testing/stripe-server.ts'
import { startStripeCommerce } from '../payments/stripe.test-kit.ts'
import { ledgerInvariants } from '../ledger/ledger.test-kit.ts'
import { REFUND_SEND_JOB, refundJobs } from './refunds.jobs.ts'
import { REFUND_RESEND_WINDOW_MS, REFUND_SEND_GRACE_MS } from './refunds.service.ts'

let stripe: Awaited<ReturnType<typeof startStripeCommerce>>
let server: StripeTestServer
let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
let handlers: EventHandler[]
let job: RecurringJob

beforeAll(async () => {
  stripe = await startStripeCommerce()
  ;({ server, t } = stripe)
  kit = checkoutKit(t)
  handlers = checkoutHandlers(t.deps)
  job = refundJobs(t.deps).find((j) => j.name === REFUND_SEND_JOB)!
})
afterAll(() => stripe.close())

let runs = 0
/** Runs the job once, as the kernel runner does: `handle` in its transaction, then `afterCommit`. */
async function runJob() {
  const ctx = {
    id: 'job_test',
    name: REFUND_SEND_JOB,
    attempt: 1,
    runAt: new Date(Date.now() + runs++),
    key: null,
  }
  await t.db.transaction((tx) => job.handle(tx, ctx))
  await job.afterCommit!(ctx)
}

/** Delivers learning.enrollment.rejected in one transaction, like the inbox; `crash` rolls it back after the handler. */
async function rejectEnrollment(payload: Record<string, unknown>, crash = false) {
  const type = 'learning.enrollment.rejected'
  const handler = handlers.find((h) => h.event.type === type)!
  const envelope = envelopeOf(type, payload, t.orgA, 'learning')
  await t.db.transaction(async (tx) => {
    await handler.handle(tx, payload as never, envelope as never, { log: pino({ level: 'silent' }) })
    if (crash) throw new Error('crashed before the commit')
  })
}

/** A course bought with a card that Stripe charges at once. */
async function paidCourse(user: TestUser = t.user()) {
  const course = await kit.product({ amount: 4000 })
  const order = await kit.paidOrder(user, [course.price.id], { paymentMethod: pm.visa })
  expect(order.status).toBe('paid')
  const payload = {
    orderId: order.id,
    courseId: course.product.ref,
    userId: user.userId,
    reason: 'course_unavailable',
  }
  return { user, order, payload }
}

async function refundsOf(orderId: string) {
  return t.database.query<{ id: string; status: string; provider_ref: string | null; reason: string }>(
    sql`select id, status, provider_ref, reason from commerce.refunds where order_id = ${orderId} order by id`,
  )
}

const stripeRefundsFor = (refundId: string) =>
  [...server.refunds.values()].filter((r) => (r.metadata as Record<string, string>).refundId === refundId)

async function orderStatus(orderId: string) {
  const [o] = await t.database.query<{ status: string }>(
    sql`select status from commerce.orders where id = ${orderId}`,
  )
  return o!.status
}

describe('happy', () => {
  it('the saga refund is reserved in the consumer without calling Stripe, then sent after the job commits: refunded once', async () => {
    const { order, payload } = await paidCourse()
    const calls = server.requests.length
    await rejectEnrollment(payload)
    expect(server.requests.length).toBe(calls) // no provider call inside the inbox transaction
    const [pending] = await refundsOf(order.id)
    expect(pending).toMatchObject({ status: 'pending', provider_ref: null, reason: 'enrollment_rejected' })
    expect(await orderStatus(order.id)).toBe('paid')

    await runJob()
    const [done] = await refundsOf(order.id)
    expect(done).toMatchObject({ status: 'succeeded' })
    expect(done!.provider_ref).toMatch(/^re_/)
    expect(stripeRefundsFor(done!.id)).toHaveLength(1)
    expect(
      server.requests.find((r) => r.path === '/v1/refunds' && r.idempotencyKey === done!.id),
    ).toBeDefined()
    expect(await orderStatus(order.id)).toBe('refunded')
    const events = (await t.events('commerce.payment.refunded')).filter((e) => e.payload.orderId === order.id)
    expect(events).toHaveLength(1)
    expect(await ledgerInvariants(t.database)).toEqual({ unbalanced: [], total: 0 })

    // Later runs and a redelivered rejection change nothing.
    await runJob()
    await rejectEnrollment(payload)
    await runJob()
    expect(await refundsOf(order.id)).toHaveLength(1)
    expect(stripeRefundsFor(done!.id)).toHaveLength(1)
  })
})

describe('errors', () => {
  it('a consumer transaction that rolls back leaves no refund and nothing for the job to send', async () => {
    const { order, payload } = await paidCourse()
    await expect(rejectEnrollment(payload, true)).rejects.toThrow('crashed before the commit')
    expect(await refundsOf(order.id)).toEqual([])
    const calls = server.requests.filter((r) => r.path === '/v1/refunds').length
    await runJob()
    expect(server.requests.filter((r) => r.path === '/v1/refunds').length).toBe(calls)
    expect(await orderStatus(order.id)).toBe('paid')
  })

  it('Stripe unreachable: the refund stays pending; the next run sends it with the same key and refunds once', async () => {
    const { order, payload } = await paidCourse()
    await rejectEnrollment(payload)
    server.behaviour.failNext = 3 // the SDK's retries included
    await runJob()
    server.behaviour.failNext = 0
    expect((await refundsOf(order.id))[0]).toMatchObject({ status: 'pending', provider_ref: null })
    await runJob()
    const [r] = await refundsOf(order.id)
    expect(r).toMatchObject({ status: 'succeeded' })
    expect(stripeRefundsFor(r!.id)).toHaveLength(1)
  })

  it('a request-made refund without an answer waits the grace period; one older than the resend window is left for a person', async () => {
    const fresh = await paidCourse()
    const old = await paidCourse()
    for (const o of [fresh, old]) {
      server.behaviour.failNext = 3 // the request's call gets no answer (the SDK's retries included)
      const res = await t.call(
        kit.admin,
        'POST',
        `/orders/${o.order.id}/refunds`,
        { reason: 'customer request' },
        { 'idempotency-key': uuid7() },
      )
      server.behaviour.failNext = 0
      expect(res.statusCode, res.body).toBeLessThan(300)
      expect((await refundsOf(o.order.id))[0]).toMatchObject({ status: 'pending', provider_ref: null })
    }
    await t.database.query(
      sql`update commerce.refunds set created_at = now() - make_interval(secs => ${(REFUND_RESEND_WINDOW_MS + 60_000) / 1000}) where order_id = ${old.order.id}`,
    )
    const before = server.requests.filter((r) => r.path === '/v1/refunds').length
    await runJob()
    // Within the grace period: the request's own call may still answer.
    expect(server.requests.filter((r) => r.path === '/v1/refunds').length).toBe(before)
    await t.database.query(
      sql`update commerce.refunds set created_at = now() - make_interval(secs => ${(REFUND_SEND_GRACE_MS + 60_000) / 1000}) where order_id = ${fresh.order.id}`,
    )
    await runJob()
    expect((await refundsOf(fresh.order.id))[0]).toMatchObject({ status: 'succeeded' })
    expect((await refundsOf(old.order.id))[0]).toMatchObject({ status: 'pending', provider_ref: null })
  })
})

describe('security', () => {
  it('with the sandbox (local) there is no send job: refunds are answered inside the consumer', async () => {
    const local = await createTestCommerce()
    try {
      expect(refundJobs(local.deps)).toEqual([])
    } finally {
      await local.close()
    }
  })
})
