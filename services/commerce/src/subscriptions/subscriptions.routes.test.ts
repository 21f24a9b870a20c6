import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCommerce, type TestCommerce } from '../test-helpers.ts'
import { subscriptionsKit } from './subscriptions.test-kit.ts'

let t: TestCommerce
let k: ReturnType<typeof subscriptionsKit>
beforeAll(async () => {
  t = await createTestCommerce()
  k = subscriptionsKit(t)
})
afterAll(() => t.close())

describe('happy', () => {
  it('a subscriber lists and reads their subscriptions; an org admin lists the org’s with filters', async () => {
    const u = t.user()
    const plan = await k.plan({ trialDays: 7 })
    const { subscription: sub } = await k.subscribe(u, plan.price.id)
    const mine = (await t.call(u, 'GET', '/subscriptions/mine?limit=10')).json()
    expect(mine).toMatchObject({ items: [{ id: sub.id, status: 'trialing' }], nextCursor: null })
    expect(await k.get(u, sub.id)).toMatchObject({ id: sub.id, charges: [] })
    const org = (await t.call(k.admin, 'GET', `/subscriptions?status=trialing&userId=${u.userId}`)).json()
    expect(org.items.map((s: { id: string }) => s.id)).toEqual([sub.id])
    expect((await k.get(k.admin, sub.id)).id).toBe(sub.id)
  })
})

describe('errors', () => {
  it('unknown subscriptions are 404; a bad query is 400', async () => {
    const u = t.user()
    expect((await t.call(u, 'GET', `/subscriptions/sub_${'0'.repeat(32)}`)).statusCode).toBe(404)
    expect((await t.call(u, 'GET', '/subscriptions/mine?limit=0')).statusCode).toBe(400)
    expect((await t.call(k.admin, 'GET', '/subscriptions?status=paused')).statusCode).toBe(400)
  })
})

describe('security', () => {
  it('anonymous callers get 401', async () => {
    expect((await t.call(null, 'GET', '/subscriptions/mine')).statusCode).toBe(401)
    expect((await t.call(null, 'GET', '/subscriptions')).statusCode).toBe(401)
  })

  it('another user’s subscription is a 404 for reading and every change; its payment method never leaks', async () => {
    const owner = t.user()
    const other = t.user()
    const plan = await k.plan()
    const { subscription: sub } = await k.subscribe(owner, plan.price.id)
    expect((await t.call(other, 'GET', `/subscriptions/${sub.id}`)).statusCode).toBe(404)
    expect((await t.call(other, 'POST', `/subscriptions/${sub.id}/cancel`)).statusCode).toBe(404)
    expect((await t.call(other, 'POST', `/subscriptions/${sub.id}/resume`)).statusCode).toBe(404)
    const pm = await t.call(other, 'PUT', `/subscriptions/${sub.id}/payment-method`, {
      paymentMethod: 'pm_sandbox_declined',
    })
    expect(pm.statusCode).toBe(404)
    // Even an org admin cannot change a customer's payment method.
    const adminPm = await t.call(k.admin, 'PUT', `/subscriptions/${sub.id}/payment-method`, {
      paymentMethod: 'pm_sandbox_declined',
    })
    expect(adminPm.statusCode).toBe(404)
    expect((await t.call(other, 'GET', '/subscriptions/mine')).json().items).toEqual([])
    expect(await k.get(owner, sub.id)).toMatchObject({
      status: 'active',
      cancelAtPeriodEnd: false,
      paymentMethod: 'pm_sandbox_ok',
    })
  })

  it('another org’s subscription is a 404, even for its admins; its plans’ entitlements too', async () => {
    const u = t.user()
    const plan = await k.plan()
    const { subscription: sub } = await k.subscribe(u, plan.price.id)
    const adminB = t.user(['org_admin'], t.orgB)
    expect((await t.call(adminB, 'GET', `/subscriptions/${sub.id}`)).statusCode).toBe(404)
    const cancel = await t.call(
      adminB,
      'POST',
      `/subscriptions/${sub.id}/cancel-now`,
      {},
      { 'idempotency-key': 'x-org' },
    )
    expect(cancel.statusCode).toBe(404)
    expect((await t.call(adminB, 'GET', '/subscriptions')).json().items).toEqual([])
    expect((await t.call(adminB, 'GET', `/plans/${plan.product.id}/entitlement`)).statusCode).toBe(404)
    expect(
      (await t.call(adminB, 'PUT', `/plans/${plan.product.id}/entitlement`, { scope: 'all_courses' }))
        .statusCode,
    ).toBe(404)
    expect((await k.get(u, sub.id)).status).toBe('active')
  })

  it('learners cannot cancel now, list the org or set entitlements (403)', async () => {
    const u = t.user()
    const plan = await k.plan()
    const { subscription: sub } = await k.subscribe(u, plan.price.id)
    const res = await t.call(
      u,
      'POST',
      `/subscriptions/${sub.id}/cancel-now`,
      {},
      { 'idempotency-key': 'self' },
    )
    expect(res.statusCode).toBe(403)
    expect((await t.call(u, 'GET', '/subscriptions')).statusCode).toBe(403)
    expect(
      (await t.call(u, 'PUT', `/plans/${plan.product.id}/entitlement`, { scope: 'all_courses' })).statusCode,
    ).toBe(403)
    expect((await k.get(u, sub.id)).status).toBe('active')
  })
})

describe('plans on sale (GET /plans)', () => {
  it('lists the org’s active plans with active prices and entitlements, to members and to anonymous callers', async () => {
    const trial = await k.plan({ trialDays: 14, amount: 1500 })
    const yearly = await t.call(k.admin, 'POST', `/products/${trial.product.id}/prices`, {
      currency: 'EUR',
      unitAmountMinor: 15000,
      interval: 'year',
    })
    expect(yearly.statusCode).toBe(201)
    const course = `crs_${'1'.repeat(32)}`
    const put = await t.call(k.admin, 'PUT', `/plans/${trial.product.id}/entitlement`, {
      scope: 'courses',
      courseIds: [course],
    })
    expect(put.statusCode).toBe(200)
    // Off sale: a plan whose only price is deactivated, and a deactivated plan.
    const noPrice = await k.plan()
    await t.call(k.admin, 'PATCH', `/prices/${noPrice.price.id}`, { active: false })
    const off = await k.plan()
    await t.call(k.admin, 'PATCH', `/products/${off.product.id}`, { active: false })

    const res = await t.call(t.user(), 'GET', '/plans')
    expect(res.statusCode, res.body).toBe(200)
    const items = res.json().items as { product: { id: string }; prices: unknown[]; entitlement: unknown }[]
    const ids = items.map((i) => i.product.id)
    expect(ids).toContain(trial.product.id)
    expect(ids).not.toContain(noPrice.product.id)
    expect(ids).not.toContain(off.product.id)
    const listed = items.find((i) => i.product.id === trial.product.id)!
    expect(listed.entitlement).toEqual({ scope: 'courses', courseIds: [course] })
    expect(listed.prices).toMatchObject([
      { id: trial.price.id, interval: 'month', trialDays: 14, unitAmountMinor: 1500 },
      { interval: 'year', unitAmountMinor: 15000 },
    ])
    // A plan never given an entitlement grants every course.
    const other = await k.plan()
    const again = (await t.call(null, 'GET', `/plans?orgId=${t.orgA}`)).json().items as typeof items
    expect(again.find((i) => i.product.id === other.product.id)?.entitlement).toEqual({
      scope: 'all_courses',
    })
  })

  it('anonymous without orgId, or a malformed orgId, is a 400; another org sees only its own plans', async () => {
    expect((await t.call(null, 'GET', '/plans')).statusCode).toBe(400)
    expect((await t.call(null, 'GET', '/plans?orgId=a%20b')).statusCode).toBe(400)
    const plan = await k.plan()
    const memberB = t.user(['learner'], t.orgB)
    const res = await t.call(memberB, 'GET', '/plans')
    expect(res.statusCode).toBe(200)
    expect(res.json().items.map((i: { product: { id: string } }) => i.product.id)).not.toContain(
      plan.product.id,
    )
  })
})
