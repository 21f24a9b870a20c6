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
  it('an org admin creates a course product with a price; anyone looks the price up by course id', async () => {
    const { product, price } = await kit.product({ amount: 4999 })
    const anon = await t.call(null, 'GET', `/prices?productType=course&ref=${product.ref}&orgId=${t.orgA}`)
    expect(anon.statusCode).toBe(200)
    expect(anon.json()).toMatchObject({
      product: { id: product.id, type: 'course', active: true },
      prices: [{ id: price.id, currency: 'EUR', unitAmountMinor: 4999, lessonCount: 1, interval: null }],
    })
    const signedIn = await t.call(t.user(), 'GET', `/prices?productType=course&ref=${product.ref}`)
    expect(signedIn.json().prices).toHaveLength(1)
  })

  it('tutoring single lessons, packages (5 lessons at a discount) and plans with interval and trial', async () => {
    const lesson = await kit.product({ type: 'tutoring_lesson', amount: 3000 })
    const pkg = await t.call(kit.admin, 'POST', `/products/${lesson.product.id}/prices`, {
      currency: 'EUR',
      unitAmountMinor: 1,
    })
    expect(pkg.statusCode).toBe(201)
    const five = await kit.product({ type: 'tutoring_package', amount: 13500, lessonCount: 5 })
    expect(
      (await t.call(kit.admin, 'GET', `/products/${five.product.id}`)).json().prices[0].lessonCount,
    ).toBe(5)
    const plan = await t.call(kit.admin, 'POST', '/products', {
      type: 'subscription_plan',
      ref: 'pln_gold',
      title: 'Gold',
    })
    const planPrice = await t.call(kit.admin, 'POST', `/products/${plan.json().id}/prices`, {
      currency: 'USD',
      unitAmountMinor: 1900,
      interval: 'month',
      trialDays: 14,
    })
    expect(planPrice.json()).toMatchObject({ interval: 'month', trialDays: 14 })
  })

  it('deactivated prices disappear from the public lookup; products are listed with a cursor', async () => {
    const { product, price } = await kit.product()
    const off = await t.call(kit.admin, 'PATCH', `/prices/${price.id}`, { active: false })
    expect(off.json().active).toBe(false)
    expect(
      (await t.call(null, 'GET', `/prices?productType=course&ref=${product.ref}&orgId=${t.orgA}`)).json()
        .prices,
    ).toEqual([])
    const page = await t.call(kit.admin, 'GET', '/products?limit=1')
    expect(page.json().items).toHaveLength(1)
    const next = await t.call(kit.admin, 'GET', `/products?limit=1&after=${page.json().nextCursor}`)
    expect(next.json().items[0].id).not.toBe(page.json().items[0].id)
    const patched = await t.call(kit.admin, 'PATCH', `/products/${product.id}`, {
      title: 'Renamed',
      active: false,
    })
    expect(patched.json()).toMatchObject({ title: 'Renamed', active: false })
    expect(
      (await t.call(null, 'GET', `/prices?productType=course&ref=${product.ref}&orgId=${t.orgA}`)).statusCode,
    ).toBe(404)
  })
})

describe('errors', () => {
  it('a duplicate (type, ref) is a 409; bad currency or amount a 400; nonsense combinations a 422', async () => {
    const { product } = await kit.product()
    const before = [await kit.count('products'), await kit.count('prices')]
    const dup = await t.call(kit.admin, 'POST', '/products', {
      type: 'course',
      ref: product.ref,
      title: 'Again',
    })
    expect(dup.statusCode).toBe(409)
    for (const body of [
      { currency: 'eur', unitAmountMinor: 100 },
      { currency: 'EURO', unitAmountMinor: 100 },
      { currency: 'EUR', unitAmountMinor: -1 },
      { currency: 'EUR', unitAmountMinor: 1_000_000_001 },
      { currency: 'EUR', unitAmountMinor: 10.5 },
      { currency: 'EUR', unitAmountMinor: 100, extra: 1 },
    ]) {
      expect(
        (await t.call(kit.admin, 'POST', `/products/${product.id}/prices`, body)).statusCode,
        JSON.stringify(body),
      ).toBe(400)
    }
    for (const body of [
      { currency: 'EUR', unitAmountMinor: 100, interval: 'month' },
      { currency: 'EUR', unitAmountMinor: 100, lessonCount: 5 },
    ]) {
      expect((await t.call(kit.admin, 'POST', `/products/${product.id}/prices`, body)).statusCode).toBe(422)
    }
    const plan = await t.call(kit.admin, 'POST', '/products', {
      type: 'subscription_plan',
      ref: newId('pln'),
      title: 'P',
    })
    expect(
      (
        await t.call(kit.admin, 'POST', `/products/${plan.json().id}/prices`, {
          currency: 'EUR',
          unitAmountMinor: 1,
        })
      ).statusCode,
    ).toBe(422)
    const pkg = await t.call(kit.admin, 'POST', '/products', {
      type: 'tutoring_package',
      ref: newId('tut'),
      title: 'P',
    })
    expect(
      (
        await t.call(kit.admin, 'POST', `/products/${pkg.json().id}/prices`, {
          currency: 'EUR',
          unitAmountMinor: 1,
          lessonCount: 1,
        })
      ).statusCode,
    ).toBe(422)
    // Only the two products created above to test their price rules were added; no price at all.
    expect([await kit.count('products'), await kit.count('prices')]).toEqual([before[0]! + 2, before[1]])
  })

  it('unknown products and prices are 404; anonymous lookup without orgId is 400', async () => {
    expect((await t.call(kit.admin, 'GET', `/products/${newId('prd')}`)).statusCode).toBe(404)
    expect((await t.call(kit.admin, 'PATCH', `/prices/${newId('pri')}`, { active: false })).statusCode).toBe(
      404,
    )
    expect((await t.call(null, 'GET', '/prices?productType=course&ref=crs_x')).statusCode).toBe(400)
    expect(
      (await t.call(null, 'GET', `/prices?productType=course&ref=nope&orgId=${t.orgA}`)).statusCode,
    ).toBe(404)
  })
})

describe('security', () => {
  it('anonymous → 401, learners and instructors → 403 on management', async () => {
    const body = { type: 'course', ref: newId('crs'), title: 'X' }
    expect((await t.call(null, 'POST', '/products', body)).statusCode).toBe(401)
    expect((await t.call(t.user(), 'POST', '/products', body)).statusCode).toBe(403)
    expect((await t.call(t.user(['instructor']), 'GET', '/products')).statusCode).toBe(403)
  })

  it("another org's admin cannot see or change this org's products and prices (404)", async () => {
    const { product, price } = await kit.product()
    const other = t.user(['org_admin'], t.orgB)
    expect((await t.call(other, 'GET', `/products/${product.id}`)).statusCode).toBe(404)
    expect((await t.call(other, 'PATCH', `/products/${product.id}`, { active: false })).statusCode).toBe(404)
    expect(
      (await t.call(other, 'POST', `/products/${product.id}/prices`, { currency: 'EUR', unitAmountMinor: 1 }))
        .statusCode,
    ).toBe(404)
    expect((await t.call(other, 'PATCH', `/prices/${price.id}`, { active: false })).statusCode).toBe(404)
    expect((await t.call(kit.admin, 'GET', `/products/${product.id}`)).json().product.active).toBe(true)
  })
})
