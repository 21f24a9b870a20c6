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
  it('a signed-in user fills a persistent cart; totals are computed server-side', async () => {
    const u = t.user()
    const course = await kit.product({ amount: 4999 })
    const lesson = await kit.product({ type: 'tutoring_lesson', amount: 3000 })
    await kit.add(u, course.price.id)
    await kit.add(u, lesson.price.id, 2)
    const again = await kit.add(u, course.price.id) // single seat: stays 1
    expect(again.items.map((i: { quantity: number }) => i.quantity)).toEqual([1, 2])
    const cart = (await t.call(u, 'GET', '/cart')).json()
    expect(cart).toMatchObject({
      currency: 'EUR',
      subtotalMinor: 10_999,
      discountMinor: 0,
      totalMinor: 10_999,
    })
    const removed = await t.call(u, 'DELETE', `/cart/items/${lesson.price.id}`)
    expect(removed.json().totalMinor).toBe(4999)
  })

  it('percent then fixed coupons stack when both are stackable; lines carry their share', async () => {
    const u = t.user()
    const a = await kit.product({ amount: 3000 })
    const b = await kit.product({ amount: 1000 })
    await kit.add(u, a.price.id)
    await kit.add(u, b.price.id)
    const fixed = await kit.coupon({ kind: 'fixed', amountOffMinor: 1001, currency: 'EUR', stackable: true })
    const pct = await kit.coupon({ percentOff: 10, stackable: true })
    await t.call(u, 'POST', '/cart/coupons', { code: fixed.code.toLowerCase() })
    const cart = (await t.call(u, 'POST', '/cart/coupons', { code: pct.code })).json()
    // 10% of 4000 = 400 (300 + 100), then 1001 over 2700/900 → 751/250.
    expect(cart.coupons).toEqual([
      { code: fixed.code, discountMinor: 1001, reason: null },
      { code: pct.code, discountMinor: 400, reason: null },
    ])
    expect(cart.items.map((i: { discountMinor: number }) => i.discountMinor)).toEqual([1051, 350])
    expect(cart).toMatchObject({ subtotalMinor: 4000, discountMinor: 1401, totalMinor: 2599 })
    const without = (await t.call(u, 'DELETE', `/cart/coupons/${pct.code}`)).json()
    expect(without.discountMinor).toBe(1001)
  })

  it('a guest gets a token once, keeps the cart with it, and it merges into the user cart on sign-in', async () => {
    const course = await kit.product()
    const lesson = await kit.product({ type: 'tutoring_lesson', amount: 2000 })
    const first = await t.call(null, 'POST', '/cart/items', { priceId: course.price.id })
    expect(first.statusCode).toBe(200)
    const token = first.json().cartToken as string
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const second = await t.call(
      null,
      'POST',
      '/cart/items',
      { priceId: lesson.price.id, quantity: 3 },
      { 'x-cart-token': token },
    )
    expect(second.json().cartToken).toBeUndefined()
    expect(second.json().items).toHaveLength(2)

    const u = t.user()
    await kit.add(u, course.price.id)
    await kit.add(u, lesson.price.id, 1)
    const merged = await t.call(u, 'POST', '/cart/merge', undefined, { 'x-cart-token': token })
    expect(merged.statusCode, merged.body).toBe(200)
    expect(
      merged.json().items.map((i: { priceId: string; quantity: number }) => [i.priceId, i.quantity]),
    ).toEqual([
      [course.price.id, 1],
      [lesson.price.id, 4],
    ])
    // The guest cart is merged: its token no longer opens a cart.
    expect((await t.call(null, 'GET', '/cart', undefined, { 'x-cart-token': token })).statusCode).toBe(404)
    expect((await t.call(u, 'POST', '/cart/merge', undefined, { 'x-cart-token': token })).statusCode).toBe(
      404,
    )
  })

  it('an anonymous caller without a cart sees an empty cart', async () => {
    expect((await t.call(null, 'GET', '/cart')).json()).toMatchObject({ id: null, items: [], totalMinor: 0 })
  })
})

describe('errors', () => {
  it('mixing currencies is a 409 and the cart is unchanged', async () => {
    const u = t.user()
    const eur = await kit.product({ currency: 'EUR' })
    const usd = await kit.product({ currency: 'USD' })
    await kit.add(u, eur.price.id)
    const res = await t.call(u, 'POST', '/cart/items', { priceId: usd.price.id })
    expect(res.statusCode).toBe(409)
    expect(res.json().reason).toBe('currency_mismatch')
    expect((await t.call(u, 'GET', '/cart')).json().items).toHaveLength(1)
  })

  it('a course with quantity 2 is a 422; unknown prices 404; inactive prices 409; too many lessons 422', async () => {
    const u = t.user()
    const course = await kit.product()
    expect(
      (await t.call(u, 'POST', '/cart/items', { priceId: course.price.id, quantity: 2 })).statusCode,
    ).toBe(422)
    expect((await t.call(u, 'POST', '/cart/items', { priceId: newId('pri') })).statusCode).toBe(404)
    const off = await kit.product()
    await t.call(kit.admin, 'PATCH', `/prices/${off.price.id}`, { active: false })
    expect((await t.call(u, 'POST', '/cart/items', { priceId: off.price.id })).statusCode).toBe(409)
    const lesson = await kit.product({ type: 'tutoring_lesson' })
    await kit.add(u, lesson.price.id, 15)
    expect(
      (await t.call(u, 'POST', '/cart/items', { priceId: lesson.price.id, quantity: 6 })).statusCode,
    ).toBe(422)
    expect((await t.call(u, 'DELETE', `/cart/items/${newId('pri')}`)).statusCode).toBe(404)
  })

  it('coupons: unknown 404, expired or wrong currency 422, non-stackable combination 409', async () => {
    const u = t.user()
    await kit.add(u, (await kit.product()).price.id)
    expect((await t.call(u, 'POST', '/cart/coupons', { code: 'NOPE-NOPE' })).statusCode).toBe(404)
    const expired = await kit.coupon({ startsAt: '2020-01-01T00:00:00Z', endsAt: '2020-02-01T00:00:00Z' })
    expect((await t.call(u, 'POST', '/cart/coupons', { code: expired.code })).statusCode).toBe(422)
    const usd = await kit.coupon({ kind: 'fixed', amountOffMinor: 100, currency: 'USD' })
    expect((await t.call(u, 'POST', '/cart/coupons', { code: usd.code })).statusCode).toBe(422)
    const solo = await kit.coupon({ stackable: false })
    const other = await kit.coupon({ stackable: true })
    expect((await t.call(u, 'POST', '/cart/coupons', { code: solo.code })).statusCode).toBe(200)
    const both = await t.call(u, 'POST', '/cart/coupons', { code: other.code })
    expect(both.statusCode).toBe(409)
    expect((await t.call(u, 'GET', '/cart')).json().coupons).toHaveLength(1)
  })

  it('merge: no token 400; currency mismatch 409 with nothing changed', async () => {
    const u = t.user()
    expect((await t.call(u, 'POST', '/cart/merge')).statusCode).toBe(400)
    const eur = await kit.product({ currency: 'EUR' })
    const usd = await kit.product({ currency: 'USD' })
    await kit.add(u, eur.price.id)
    const guest = await t.call(null, 'POST', '/cart/items', { priceId: usd.price.id })
    const res = await t.call(u, 'POST', '/cart/merge', undefined, { 'x-cart-token': guest.json().cartToken })
    expect(res.statusCode).toBe(409)
    expect(
      (await t.call(null, 'GET', '/cart', undefined, { 'x-cart-token': guest.json().cartToken })).json()
        .items,
    ).toHaveLength(1)
    expect((await t.call(u, 'GET', '/cart')).json().items).toHaveLength(1)
  })
})

describe('security', () => {
  it("a signed-in user cannot add another org's price (404) nor merge another org's guest cart (404)", async () => {
    const kitB = checkoutKit(t, t.orgB)
    const b = await kitB.product()
    const u = t.user()
    expect((await t.call(u, 'POST', '/cart/items', { priceId: b.price.id })).statusCode).toBe(404)
    const guestB = await t.call(null, 'POST', '/cart/items', { priceId: b.price.id })
    const res = await t.call(u, 'POST', '/cart/merge', undefined, { 'x-cart-token': guestB.json().cartToken })
    expect(res.statusCode).toBe(404)
    expect(
      (await t.call(null, 'GET', '/cart', undefined, { 'x-cart-token': guestB.json().cartToken })).json()
        .items,
    ).toHaveLength(1)
  })

  it('a forged or malformed cart token is a 404; the token hash never leaves the server', async () => {
    expect(
      (await t.call(null, 'GET', '/cart', undefined, { 'x-cart-token': 'x'.repeat(43) })).statusCode,
    ).toBe(404)
    expect((await t.call(null, 'GET', '/cart', undefined, { 'x-cart-token': 'short' })).statusCode).toBe(404)
    const p = await kit.product()
    const guest = await t.call(null, 'POST', '/cart/items', { priceId: p.price.id })
    const hash = await t.database.query<{ h: string }>(
      (await import('@learnmesh/kernel'))
        .sql`select guest_token_hash as h from commerce.carts where id = ${guest.json().id}`,
    )
    expect(hash[0]!.h).not.toBe(guest.json().cartToken)
    expect(guest.body).not.toContain(hash[0]!.h)
  })

  it('merge needs a signed-in user (401) and unknown body fields are refused (400)', async () => {
    expect(
      (await t.call(null, 'POST', '/cart/merge', undefined, { 'x-cart-token': 'x'.repeat(43) })).statusCode,
    ).toBe(401)
    const p = await kit.product()
    expect(
      (await t.call(t.user(), 'POST', '/cart/items', { priceId: p.price.id, unitAmountMinor: 1 })).statusCode,
    ).toBe(400)
  })
})
