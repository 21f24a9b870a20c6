import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql, type JobContext, type JobDefinition, type RecurringJob } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce, type TestUser } from '../test-helpers.ts'
import { createSandboxProvider, sandboxTokens } from '../payments/sandbox.ts'
import type { PaymentProvider } from '../payments/provider.ts'
import { SANDBOX_LATE_WEBHOOK_JOB } from '../payments/payments.service.ts'
import { createCheckoutArea } from './checkout.area.ts'
import { checkoutJobs } from './checkout.jobs.ts'
import { checkoutKit } from './checkout.test-kit.ts'

let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
let jobs: (JobDefinition | RecurringJob)[]
beforeAll(async () => {
  t = await createTestCommerce()
  kit = checkoutKit(t)
  jobs = checkoutJobs(t.deps)
})
afterAll(() => t.close())

const ctx = (name: string): JobContext => ({
  id: randomUUID(),
  name,
  attempt: 1,
  runAt: new Date(),
  key: null,
})

/** The principal a request of `u` carries. */
function principalOf(u: TestUser) {
  return {
    userId: u.userId,
    orgId: u.orgId,
    roles: u.roles as never,
    platformAdmin: false,
    sessionId: 's',
    claims: {},
  }
}

/** The sandbox, except that creating a payment never answers (network down). */
function unreachable(): PaymentProvider {
  return {
    ...createSandboxProvider(t.config),
    local: false, // a networked provider: called between the two transactions
    async createPayment() {
      throw new Error('connect ETIMEDOUT')
    },
  }
}

async function orderState(orderId: string) {
  const [o] = await t.database.query<{ status: string }>(
    sql`select status from commerce.orders where id = ${orderId}`,
  )
  const pays = await t.database.query<{ status: string }>(
    sql`select status from commerce.payments where order_id = ${orderId}`,
  )
  return { order: o!.status, payments: pays.map((p) => p.status) }
}

describe('happy', () => {
  it("the sandbox's late webhook job pays a processing order", async () => {
    const u = t.user()
    await kit.add(u, (await kit.product()).price.id)
    const order = (await kit.checkout(u, { paymentMethod: sandboxTokens.late })).json()
    const [row] = await t.database.query<{ payload: { providerRef: string } }>(
      sql`select payload from commerce.jobs where name = ${SANDBOX_LATE_WEBHOOK_JOB} and key = ${order.payments[0].id}`,
    )
    const job = jobs.find((j) => j.name === SANDBOX_LATE_WEBHOOK_JOB) as JobDefinition
    await t.db.transaction((tx) => job.handle(tx, row!.payload as never, ctx(job.name)))
    expect(await orderState(order.id)).toEqual({ order: 'paid', payments: ['succeeded'] })
    // Delivered twice (job retry): still one capture.
    await t.db.transaction((tx) => job.handle(tx, row!.payload as never, ctx(job.name)))
    expect(
      (await t.events('commerce.order.paid')).filter((e) => e.payload.orderId === order.id),
    ).toHaveLength(1)
  })

  it('a provider that never answered leaves the order payable: confirm re-drives it', async () => {
    const u = t.user()
    await kit.add(u, (await kit.product()).price.id)
    const down = createCheckoutArea(t.deps, unreachable())
    const principal = principalOf(u)
    const detail = await down.checkout.checkout(principal, {}, null)
    expect(detail.order.status).toBe('pending_payment')
    expect(detail.payments.map((p) => p.status)).toEqual(['requires_payment'])
    const res = await t.call(
      u,
      'POST',
      `/orders/${detail.order.id}/confirm`,
      {},
      { 'idempotency-key': randomUUID() },
    )
    expect(res.json()).toMatchObject({ status: 'paid', payments: [{ status: 'succeeded' }] })
  })

  it('abandoned orders whose payment never reached the provider are cancelled and give their coupons back', async () => {
    const u = t.user()
    const c = await kit.coupon({ percentOff: 20 })
    await kit.add(u, (await kit.product()).price.id)
    await t.call(u, 'POST', '/cart/coupons', { code: c.code })
    const down = createCheckoutArea(t.deps, unreachable())
    const principal = principalOf(u)
    const detail = await down.checkout.checkout(principal, {}, null)
    // Not old enough yet: untouched.
    await t.db.transaction((tx) => down.checkout.expireAbandoned(tx, new Date(Date.now() - 3600_000)))
    expect((await orderState(detail.order.id)).order).toBe('pending_payment')
    await t.db.transaction((tx) => down.checkout.expireAbandoned(tx, new Date(Date.now() + 1000)))
    expect(await orderState(detail.order.id)).toEqual({ order: 'cancelled', payments: ['cancelled'] })
    const [row] = await t.database.query<{ n: number }>(
      sql`select redeemed_count as n from commerce.coupons where id = ${c.id}`,
    )
    expect(row!.n).toBe(0)
  })
})

describe('errors', () => {
  it('with a local provider a failure at the payment step rolls the whole checkout back', async () => {
    const u = t.user()
    const c = await kit.coupon({ percentOff: 10 })
    await kit.add(u, (await kit.product()).price.id)
    await t.call(u, 'POST', '/cart/coupons', { code: c.code })
    const crashing: PaymentProvider = {
      ...createSandboxProvider(t.config),
      async createPayment() {
        throw new Error('process died mid-checkout')
      },
    }
    const area = createCheckoutArea(t.deps, crashing)
    const principal = principalOf(u)
    const counts = async () => [
      await kit.count('orders'),
      await kit.count('payments'),
      await kit.count('coupon_redemptions'),
    ]
    const before = await counts()
    await expect(area.checkout.checkout(principal, {}, null)).rejects.toThrow('process died')
    expect(await counts()).toEqual(before)
    const [row] = await t.database.query<{ n: number }>(
      sql`select redeemed_count as n from commerce.coupons where id = ${c.id}`,
    )
    expect(row!.n).toBe(0)
    expect((await t.call(u, 'GET', '/cart')).json().items).toHaveLength(1)
  })

  it('the recurring jobs run without error on an empty or busy database', async () => {
    for (const job of jobs.filter((j): j is RecurringJob => j.kind === 'recurring')) {
      await t.db.transaction((tx) => job.handle(tx, ctx(job.name)))
    }
  })
})

describe('security', () => {
  it('expiry never touches orders whose payment reached the provider (requires action, processing)', async () => {
    const u = t.user()
    await kit.add(u, (await kit.product()).price.id)
    const order = (await kit.checkout(u, { paymentMethod: sandboxTokens.late })).json()
    const area = createCheckoutArea(t.deps)
    await t.db.transaction((tx) => area.checkout.expireAbandoned(tx, new Date(Date.now() + 1000)))
    expect((await orderState(order.id)).order).toBe('pending_payment')
  })

  it("a pending payment with a provider ref is the card expiry's, not this job's (nothing cancelled here while the provider may hold it)", async () => {
    const u = t.user()
    await kit.add(u, (await kit.product()).price.id)
    const down = createCheckoutArea(t.deps, unreachable())
    const detail = await down.checkout.checkout(principalOf(u), {}, null)
    await t.database.query(
      sql`update commerce.payments set provider_ref = ${`pi_${randomUUID()}`} where order_id = ${detail.order.id}`,
    )
    await t.db.transaction((tx) => down.checkout.expireAbandoned(tx, new Date(Date.now() + 1000)))
    expect(await orderState(detail.order.id)).toEqual({
      order: 'pending_payment',
      payments: ['requires_payment'],
    })
  })
})
