import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce } from '../test-helpers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'

let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
beforeAll(async () => {
  t = await createTestCommerce()
  kit = checkoutKit(t)
})
afterAll(() => t.close())

describe('happy', () => {
  it('an org admin creates percent and product-scoped fixed coupons, lists, reads and deactivates them', async () => {
    const { product } = await kit.product()
    const pct = await t.call(kit.admin, 'POST', '/coupons', {
      code: 'spring-25',
      kind: 'percent',
      percentOff: 25,
      maxRedemptions: 100,
      maxPerUser: 1,
    })
    expect(pct.statusCode).toBe(201)
    expect(pct.json()).toMatchObject({
      code: 'SPRING-25',
      percentOff: 25,
      redeemedCount: 0,
      stackable: false,
    })
    const fixed = await t.call(kit.admin, 'POST', '/coupons', {
      code: 'TENOFF',
      kind: 'fixed',
      amountOffMinor: 1000,
      currency: 'EUR',
      productIds: [product.id],
      stackable: true,
    })
    expect(fixed.json()).toMatchObject({ productIds: [product.id], currency: 'EUR' })
    const list = await t.call(kit.admin, 'GET', '/coupons?limit=1')
    expect(list.json().items).toHaveLength(1)
    expect(list.json().nextCursor).not.toBeNull()
    expect((await t.call(kit.admin, 'GET', `/coupons/${fixed.json().id}`)).json().code).toBe('TENOFF')
    const off = await t.call(kit.admin, 'PATCH', `/coupons/${fixed.json().id}`, { active: false })
    expect(off.json().active).toBe(false)
  })
})

describe('errors', () => {
  it('inconsistent coupons are 422, duplicates (any case) 409, bad fields 400; nothing is created', async () => {
    const before = await kit.count('coupons')
    for (const body of [
      { code: 'BAD1', kind: 'percent', amountOffMinor: 5 },
      { code: 'BAD2', kind: 'percent', percentOff: 5, currency: 'EUR' },
      { code: 'BAD3', kind: 'fixed', amountOffMinor: 5 },
      { code: 'BAD4', kind: 'fixed', currency: 'EUR' },
      {
        code: 'BAD5',
        kind: 'percent',
        percentOff: 5,
        startsAt: '2030-01-02T00:00:00Z',
        endsAt: '2030-01-01T00:00:00Z',
      },
      { code: 'BAD6', kind: 'percent', percentOff: 5, productIds: [newId('prd')] },
    ]) {
      expect((await t.call(kit.admin, 'POST', '/coupons', body)).statusCode, body.code).toBe(422)
    }
    for (const body of [
      { code: 'B7', kind: 'percent', percentOff: 5 },
      { code: 'BAD8', kind: 'percent', percentOff: 101 },
      { code: 'BAD9', kind: 'percent', percentOff: 0 },
      { code: 'BAD10', kind: 'bogus', percentOff: 5 },
      { code: 'BAD11', kind: 'percent', percentOff: 5, redeemedCount: 0 },
    ]) {
      expect((await t.call(kit.admin, 'POST', '/coupons', body)).statusCode, body.code).toBe(400)
    }
    expect(await kit.count('coupons')).toBe(before)
    await kit.coupon({ code: 'ONCEONLY' })
    expect(
      (await t.call(kit.admin, 'POST', '/coupons', { code: 'onceonly', kind: 'percent', percentOff: 5 }))
        .statusCode,
    ).toBe(409)
  })
})

describe('security', () => {
  it('learners cannot manage coupons (403); anonymous 401', async () => {
    expect((await t.call(t.user(), 'GET', '/coupons')).statusCode).toBe(403)
    expect(
      (await t.call(null, 'POST', '/coupons', { code: 'XXX', kind: 'percent', percentOff: 5 })).statusCode,
    ).toBe(401)
  })

  it("another org's coupon is a 404 to read, change or apply; codes are per org", async () => {
    const c = await kit.coupon()
    const other = t.user(['org_admin'], t.orgB)
    expect((await t.call(other, 'GET', `/coupons/${c.id}`)).statusCode).toBe(404)
    expect((await t.call(other, 'PATCH', `/coupons/${c.id}`, { active: false })).statusCode).toBe(404)
    const kitB = checkoutKit(t, t.orgB)
    const learnerB = t.user(['learner'], t.orgB)
    await kitB.add(learnerB, (await kitB.product()).price.id)
    expect((await t.call(learnerB, 'POST', '/cart/coupons', { code: c.code })).statusCode).toBe(404)
    expect((await t.call(kit.admin, 'GET', `/coupons/${c.id}`)).json().active).toBe(true)
    // The same code may exist in org B independently.
    expect(
      (await t.call(other, 'POST', '/coupons', { code: c.code, kind: 'percent', percentOff: 50 })).statusCode,
    ).toBe(201)
  })
})
