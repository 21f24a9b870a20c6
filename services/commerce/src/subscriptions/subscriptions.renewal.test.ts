import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql, type JobDefinition, type RecurringJob } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce } from '../test-helpers.ts'
import { SUBSCRIPTION_RENEW_JOB, SUBSCRIPTION_SWEEP_JOB, subscriptionJobs } from './subscriptions.jobs.ts'
import { subscriptionsKit } from './subscriptions.test-kit.ts'

let t: TestCommerce
let k: ReturnType<typeof subscriptionsKit>
beforeAll(async () => {
  t = await createTestCommerce({
    env: { SUBSCRIPTION_RETRY_DAYS: '1,3,5', INVOICE_TAX_RATE_BASIS_POINTS: '2000' },
  })
  k = subscriptionsKit(t)
})
afterAll(() => t.close())

describe('happy', () => {
  it('a trial starts without a charge, then the renewal is charged, posted, invoiced and extends the period', async () => {
    const u = t.user()
    const plan = await k.plan({ amount: 1200, trialDays: 14 })
    const ledgerBefore = await k.ledger()
    const { order, subscription: sub } = await k.subscribe(u, plan.price.id)
    // The trial: a paid order of 0, no payment, nothing posted.
    expect(order).toMatchObject({ status: 'paid', totalMinor: 0, payments: [] })
    expect(sub).toMatchObject({
      status: 'trialing',
      paymentMethod: 'pm_sandbox_ok',
      cancelAtPeriodEnd: false,
    })
    expect(new Date(sub.trialEnd!).getTime() - new Date(sub.currentPeriodStart!).getTime()).toBe(
      14 * 86_400_000,
    )
    expect(sub.currentPeriodEnd).toBe(sub.trialEnd)
    expect((await k.ledger()).transactions).toBe(ledgerBefore.transactions)
    expect(await k.events(sub.id)).toMatchObject([
      {
        type: 'commerce.subscription.activated',
        payload: { status: 'trialing', userId: u.userId, entitlement: { scope: 'all_courses' } },
      },
    ])

    // Before the trial ends nothing happens.
    expect((await k.runAt(k.after(sub.trialEnd!, -1)))[sub.id]).toBeUndefined()
    const outcome = await k.runAt(k.after(sub.trialEnd!, 0.01))
    expect(outcome[sub.id]).toBe('renewed')

    const renewed = await k.get(u, sub.id)
    expect(renewed).toMatchObject({ status: 'active', currentPeriodStart: sub.trialEnd, failedAttempts: 0 })
    const end = new Date(renewed.currentPeriodEnd!)
    const start = new Date(sub.trialEnd!)
    expect(end.getUTCDate()).toBe(Math.min(start.getUTCDate(), end.getUTCDate()))
    expect((end.getUTCMonth() - start.getUTCMonth() + 12) % 12).toBe(1)
    expect(renewed.charges).toMatchObject([{ attempt: 1, status: 'succeeded', amountMinor: 1200 }])

    // The renewal order is a normal paid order: captured payment, ledger balanced, order.paid → invoice.
    const renewalOrder = (await t.call(u, 'GET', `/orders/${renewed.charges[0]!.orderId}`)).json()
    expect(renewalOrder).toMatchObject({
      status: 'paid',
      totalMinor: 1200,
      taxMinor: 200,
      items: [{ productType: 'subscription_plan', amountMinor: 1200 }],
      payments: [{ status: 'succeeded', capturedMinor: 1200 }],
    })
    const ledger = await k.ledger()
    expect(ledger.sum).toBe(0)
    expect(ledger.transactions).toBe(ledgerBefore.transactions + 1)
    await k.issueInvoices()
    expect(await k.invoicesOf(renewalOrder.id)).toMatchObject([{ kind: 'invoice', total_minor: 1200 }])
    const events = await k.events(sub.id)
    expect(events.map((e) => e.type)).toEqual([
      'commerce.subscription.activated',
      'commerce.subscription.renewed',
    ])
    expect(events[1]!.payload).toMatchObject({
      orderId: renewalOrder.id,
      currentPeriodEnd: renewed.currentPeriodEnd,
    })

    // Running again at the same time charges nothing more.
    expect((await k.runAt(k.after(sub.trialEnd!, 0.02)))[sub.id]).toBeUndefined()
    expect((await k.get(u, sub.id)).charges).toHaveLength(1)
  })

  it('without a trial the first period is charged at checkout and the subscription is active at once', async () => {
    const u = t.user()
    const plan = await k.plan({ amount: 999, interval: 'year' })
    const { order, subscription: sub } = await k.subscribe(u, plan.price.id)
    expect(order).toMatchObject({ status: 'paid', totalMinor: 999, payments: [{ status: 'succeeded' }] })
    expect(sub).toMatchObject({ status: 'active', trialEnd: null })
    const start = new Date(sub.currentPeriodStart!)
    const end = new Date(sub.currentPeriodEnd!)
    expect(end.getUTCFullYear() - start.getUTCFullYear()).toBe(1)
    expect(await k.events(sub.id)).toMatchObject([
      { type: 'commerce.subscription.activated', payload: { status: 'active' } },
    ])
  })

  it('a failed renewal is retried on SUBSCRIPTION_RETRY_DAYS while past_due, then the subscription is cancelled', async () => {
    const u = t.user()
    const plan = await k.plan({ amount: 500, trialDays: 7 })
    const { subscription: sub } = await k.subscribe(u, plan.price.id, 'pm_sandbox_declined')
    const end = sub.currentPeriodEnd!

    expect((await k.runAt(k.after(end, 0.01)))[sub.id]).toBe('failed')
    let s = await k.get(u, sub.id)
    expect(s).toMatchObject({
      status: 'past_due',
      failedAttempts: 1,
      nextAttemptAt: k.after(end, 1).toISOString(),
    })
    expect(s.charges).toMatchObject([{ attempt: 1, status: 'failed', failureCode: 'card_declined' }])
    const pastDue = (await k.events(sub.id)).filter((e) => e.type === 'commerce.subscription.past_due')
    expect(pastDue).toMatchObject([
      { payload: { attempt: 1, failureCode: 'card_declined', graceUntil: k.after(end, 5).toISOString() } },
    ])
    // The failed renewal order is failed, and nothing was posted for it; no cart was restored.
    expect((await t.call(u, 'GET', `/orders/${s.charges[0]!.orderId}`)).json()).toMatchObject({
      status: 'failed',
    })
    expect((await t.call(u, 'GET', '/cart')).json().items).toEqual([])

    // Not yet due: nothing. Retry 1 (day 1) and 2 (day 3) fail; still past_due, one past_due event in total.
    expect((await k.runAt(k.after(end, 0.5)))[sub.id]).toBeUndefined()
    expect((await k.runAt(k.after(end, 1.01)))[sub.id]).toBe('failed')
    expect((await k.runAt(k.after(end, 3.01)))[sub.id]).toBe('failed')
    s = await k.get(u, sub.id)
    expect(s).toMatchObject({
      status: 'past_due',
      failedAttempts: 3,
      nextAttemptAt: k.after(end, 5).toISOString(),
    })
    expect((await k.events(sub.id)).filter((e) => e.type === 'commerce.subscription.past_due')).toHaveLength(
      1,
    )

    // The last retry (day 5) fails: cancelled.
    expect((await k.runAt(k.after(end, 5.01)))[sub.id]).toBe('cancelled')
    s = await k.get(u, sub.id)
    expect(s).toMatchObject({ status: 'cancelled', cancelReason: 'payment_failed' })
    expect(s.charges.map((c) => c.attempt).sort()).toEqual([1, 2, 3, 4])
    const cancelled = (await k.events(sub.id)).filter((e) => e.type === 'commerce.subscription.cancelled')
    expect(cancelled).toMatchObject([{ payload: { reason: 'payment_failed' } }])
    expect((await k.ledger()).sum).toBe(0)
    // A cancelled subscription is never charged again.
    expect((await k.runAt(k.after(end, 40)))[sub.id]).toBeUndefined()
  })

  it('a new payment method during past_due is retried at the next pass and recovers the subscription', async () => {
    const u = t.user()
    const plan = await k.plan({ amount: 700, trialDays: 3 })
    const { subscription: sub } = await k.subscribe(u, plan.price.id, 'pm_sandbox_declined')
    expect((await k.runAt(k.after(sub.currentPeriodEnd!, 0.01)))[sub.id]).toBe('failed')
    const changed = await t.call(u, 'PUT', `/subscriptions/${sub.id}/payment-method`, {
      paymentMethod: 'pm_sandbox_ok',
    })
    expect(changed.statusCode, changed.body).toBe(200)
    // Next pass (well before the day-1 retry): charged with the new method.
    expect((await k.runAt(k.after(sub.currentPeriodEnd!, 0.02)))[sub.id]).toBe('renewed')
    const s = await k.get(u, sub.id)
    expect(s).toMatchObject({
      status: 'active',
      failedAttempts: 0,
      nextAttemptAt: null,
      currentPeriodStart: sub.currentPeriodEnd,
    })
    expect(s.charges).toMatchObject([
      { attempt: 2, status: 'succeeded' },
      { attempt: 1, status: 'failed' },
    ])
  })

  it('cancel at period end: no renewal charge, cancelled at the period end with that effective time', async () => {
    const u = t.user()
    const plan = await k.plan({ amount: 999 })
    const { subscription: sub } = await k.subscribe(u, plan.price.id)
    const res = await t.call(u, 'POST', `/subscriptions/${sub.id}/cancel`)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ status: 'active', cancelAtPeriodEnd: true })
    expect((await k.runAt(k.after(sub.currentPeriodEnd!, -1)))[sub.id]).toBeUndefined()
    expect((await k.runAt(k.after(sub.currentPeriodEnd!, 0.01)))[sub.id]).toBe('cancelled')
    const s = await k.get(u, sub.id)
    expect(s).toMatchObject({
      status: 'cancelled',
      cancelReason: 'period_end',
      endedAt: sub.currentPeriodEnd,
      charges: [],
    })
    expect((await k.events(sub.id)).at(-1)).toMatchObject({
      type: 'commerce.subscription.cancelled',
      payload: { reason: 'period_end', effectiveAt: sub.currentPeriodEnd },
    })
  })

  it('resume undoes a cancel at period end: the renewal happens', async () => {
    const u = t.user()
    const plan = await k.plan({ amount: 999 })
    const { subscription: sub } = await k.subscribe(u, plan.price.id)
    await t.call(u, 'POST', `/subscriptions/${sub.id}/cancel`)
    const res = await t.call(u, 'POST', `/subscriptions/${sub.id}/resume`)
    expect(res.json()).toMatchObject({ cancelAtPeriodEnd: false })
    expect((await k.runAt(k.after(sub.currentPeriodEnd!, 0.01)))[sub.id]).toBe('renewed')
  })

  it('an org admin cancels now with a prorated refund of the unused time (ledger balanced, Idempotency-Key replay)', async () => {
    const u = t.user()
    const plan = await k.plan({ amount: 3000 })
    const { subscription: sub, order } = await k.subscribe(u, plan.price.id)
    const before = await k.ledger()
    const res = await t.call(
      k.admin,
      'POST',
      `/subscriptions/${sub.id}/cancel-now`,
      { refund: 'prorated' },
      {
        'idempotency-key': 'cancel-now-1',
      },
    )
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body.subscription).toMatchObject({ status: 'cancelled', cancelReason: 'admin' })
    // Cancelled within seconds of the start: nearly all of it comes back, never more than paid.
    expect(body.refundedMinor).toBeGreaterThan(2990)
    expect(body.refundedMinor).toBeLessThanOrEqual(3000)
    const o = (await t.call(k.admin, 'GET', `/orders/${order.id}`)).json()
    expect(o.refundedMinor).toBe(body.refundedMinor)
    const after = await k.ledger()
    expect(after.sum).toBe(0)
    expect(after.transactions).toBe(before.transactions + 1)
    const again = await t.call(
      k.admin,
      'POST',
      `/subscriptions/${sub.id}/cancel-now`,
      { refund: 'prorated' },
      {
        'idempotency-key': 'cancel-now-1',
      },
    )
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(again.json()).toEqual(body)
    expect((await k.events(sub.id)).at(-1)).toMatchObject({
      type: 'commerce.subscription.cancelled',
      payload: { reason: 'admin' },
    })
  })

  it('a free plan price renews without a payment or a ledger posting, with a paid order and its event', async () => {
    const u = t.user()
    const plan = await k.plan({ amount: 0 })
    const { subscription: sub } = await k.subscribe(u, plan.price.id)
    expect(sub.status).toBe('active')
    const before = await k.ledger()
    expect((await k.runAt(k.after(sub.currentPeriodEnd!, 0.01)))[sub.id]).toBe('renewed')
    const s = await k.get(u, sub.id)
    expect(s.charges).toMatchObject([{ status: 'succeeded', amountMinor: 0 }])
    expect((await t.call(u, 'GET', `/orders/${s.charges[0]!.orderId}`)).json()).toMatchObject({
      status: 'paid',
      payments: [],
    })
    expect((await k.ledger()).transactions).toBe(before.transactions)
  })

  it('an org admin sets what a plan grants; events carry it', async () => {
    const plan = await k.plan()
    const courseId = `crs_${'a'.repeat(32)}`
    const set = await t.call(k.admin, 'PUT', `/plans/${plan.product.id}/entitlement`, {
      scope: 'courses',
      courseIds: [courseId, courseId],
    })
    expect(set.statusCode, set.body).toBe(200)
    expect(set.json()).toEqual({ scope: 'courses', courseIds: [courseId] })
    expect((await t.call(k.admin, 'GET', `/plans/${plan.product.id}/entitlement`)).json()).toEqual(set.json())
    const u = t.user()
    const { subscription: sub } = await k.subscribe(u, plan.price.id)
    expect((await k.events(sub.id))[0]!.payload.entitlement).toEqual({
      scope: 'courses',
      courseIds: [courseId],
    })
  })

  it('one trial per plan and user: subscribing again after cancellation charges the first period', async () => {
    const u = t.user()
    const plan = await k.plan({ amount: 800, trialDays: 10 })
    const first = await k.subscribe(u, plan.price.id)
    expect(first.subscription.status).toBe('trialing')
    await t.call(
      k.admin,
      'POST',
      `/subscriptions/${first.subscription.id}/cancel-now`,
      {},
      { 'idempotency-key': 'c-trial' },
    )
    const second = await k.subscribe(u, plan.price.id)
    expect(second.order).toMatchObject({ totalMinor: 800, status: 'paid' })
    expect(second.subscription).toMatchObject({ status: 'active', trialEnd: null })
  })
})

describe('errors', () => {
  it('a plan needs a payment method at checkout (422) and nothing is created', async () => {
    const u = t.user()
    const plan = await k.plan({ trialDays: 5 })
    await k.add(u, plan.price.id)
    const subs = await k.count('subscriptions')
    const orders = await k.count('orders')
    const res = await k.checkout(u, {})
    expect(res.statusCode).toBe(422)
    expect(res.json()).toMatchObject({ reason: 'payment_method_required' })
    expect(await k.count('subscriptions')).toBe(subs)
    expect(await k.count('orders')).toBe(orders)
  })

  it('subscribing twice to the same plan is a 409 already_subscribed', async () => {
    const u = t.user()
    const plan = await k.plan()
    await k.subscribe(u, plan.price.id)
    await k.add(u, plan.price.id)
    const res = await k.checkout(u, { paymentMethod: 'pm_sandbox_ok' })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ reason: 'already_subscribed' })
  })

  it('a declined first charge leaves an incomplete subscription that the sweep expires; no access event', async () => {
    const u = t.user()
    const plan = await k.plan()
    await k.add(u, plan.price.id)
    const res = await k.checkout(u, { paymentMethod: 'pm_sandbox_declined' })
    expect(res.json()).toMatchObject({ status: 'failed' })
    const [sub] = (await t.call(u, 'GET', '/subscriptions/mine')).json().items
    expect(sub).toMatchObject({ status: 'incomplete', currentPeriodEnd: null })
    expect((await k.runAt(new Date()))[sub.id]).toBe('expired')
    expect(await k.get(u, sub.id)).toMatchObject({ status: 'cancelled', cancelReason: 'incomplete_expired' })
    expect(await k.events(sub.id)).toEqual([])
  })

  it('the jobs: the sweep schedules one renewal job per due subscription, and that job runs the pass', async () => {
    const u = t.user()
    const plan = await k.plan()
    await k.add(u, plan.price.id)
    await k.checkout(u, { paymentMethod: 'pm_sandbox_declined' })
    const [sub] = (await t.call(u, 'GET', '/subscriptions/mine')).json().items
    const defs = subscriptionJobs(t.deps)
    const sweep = defs.find((d) => d.name === SUBSCRIPTION_SWEEP_JOB)!
    const renew = defs.find((d) => d.name === SUBSCRIPTION_RENEW_JOB)!
    const ctx = { id: 'job', name: sweep.name, attempt: 1, runAt: new Date(), key: null }
    await t.db.transaction((tx) => (sweep as RecurringJob).handle(tx, ctx))
    await t.db.transaction((tx) => (sweep as RecurringJob).handle(tx, ctx)) // a second sweep adds no duplicate
    const jobs = await t.database.query<{ payload: { subscriptionId: string } }>(
      sql`select payload from commerce.jobs where name = ${SUBSCRIPTION_RENEW_JOB} and key = ${sub.id} and status = 'pending'`,
    )
    expect(jobs).toEqual([{ payload: { subscriptionId: sub.id } }])
    await t.db.transaction((tx) =>
      (renew as JobDefinition).handle(tx, { subscriptionId: sub.id } as never, { ...ctx, name: renew.name }),
    )
    expect((await k.get(u, sub.id)).status).toBe('cancelled')
  })

  it('cancel, resume and payment-method changes on a cancelled subscription are 409; bad bodies 400', async () => {
    const u = t.user()
    const plan = await k.plan()
    const { subscription: sub } = await k.subscribe(u, plan.price.id)
    await t.call(k.admin, 'POST', `/subscriptions/${sub.id}/cancel-now`, {}, { 'idempotency-key': 'c-1' })
    expect((await t.call(u, 'POST', `/subscriptions/${sub.id}/cancel`)).statusCode).toBe(409)
    expect((await t.call(u, 'POST', `/subscriptions/${sub.id}/resume`)).statusCode).toBe(409)
    const pm = await t.call(u, 'PUT', `/subscriptions/${sub.id}/payment-method`, {
      paymentMethod: 'pm_sandbox_ok',
    })
    expect(pm.statusCode).toBe(409)
    const again = await t.call(
      k.admin,
      'POST',
      `/subscriptions/${sub.id}/cancel-now`,
      {},
      { 'idempotency-key': 'c-2' },
    )
    expect(again.statusCode).toBe(409)
    const bad = await t.call(u, 'PUT', `/subscriptions/${sub.id}/payment-method`, {
      paymentMethod: '4242 4242 4242 4242',
    })
    expect(bad.statusCode).toBe(400)
    expect((await t.call(u, 'GET', '/subscriptions/sub_nope')).statusCode).toBe(400)
    const noKey = await t.call(k.admin, 'POST', `/subscriptions/${sub.id}/cancel-now`, {})
    expect(noKey.statusCode).toBe(400)
  })

  it('an entitlement for a product that is not a plan is a 404; an empty course list is a 400', async () => {
    const course = await k.product()
    expect(
      (await t.call(k.admin, 'PUT', `/plans/${course.product.id}/entitlement`, { scope: 'all_courses' }))
        .statusCode,
    ).toBe(404)
    const plan = await k.plan()
    expect(
      (
        await t.call(k.admin, 'PUT', `/plans/${plan.product.id}/entitlement`, {
          scope: 'courses',
          courseIds: [],
        })
      ).statusCode,
    ).toBe(400)
  })
})
