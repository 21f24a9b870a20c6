import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCommerce, type TestCommerce } from '../test-helpers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'

// The cart shows the tax its total includes (prices are tax-inclusive), exactly as checkout will record it.
let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
beforeAll(async () => {
  t = await createTestCommerce({ env: { INVOICE_TAX_RATE_BASIS_POINTS: '2000', INVOICE_TAX_LABEL: 'VAT' } })
  kit = checkoutKit(t)
})
afterAll(() => t.close())

describe('cart tax', () => {
  it('an empty cart shows the rate and no tax', async () => {
    const res = await t.call(t.user(), 'GET', '/cart')
    expect(res.statusCode).toBe(200)
    expect(res.json().tax).toEqual({ label: 'VAT', rateBasisPoints: 2000, includedMinor: 0 })
  })

  it('sums each line’s included tax after discounts, and the order records the same tax', async () => {
    const u = t.user()
    const a = await kit.product({ amount: 1200 })
    const b = await kit.product({ amount: 1001 })
    await kit.add(u, a.price.id)
    await kit.add(u, b.price.id)
    const full = (await t.call(u, 'GET', '/cart')).json()
    // 1200 → 200; 1001 → 1001 − round(1001 / 1.2 = 834.17) = 167
    expect(full.tax.includedMinor).toBe(367)
    const pct = await kit.coupon({ percentOff: 50 })
    const discounted = (await t.call(u, 'POST', '/cart/coupons', { code: pct.code })).json()
    // 2201 − 1101 = 1100 over 600 / 500: 100 + 83
    expect(discounted.totalMinor).toBe(1100)
    expect(discounted.tax.includedMinor).toBe(183)
    const res = await t.call(u, 'POST', '/checkout', {}, { 'idempotency-key': randomUUID() })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json().taxMinor).toBe(discounted.tax.includedMinor)
  })

  it('without a configured rate the tax is 0', async () => {
    const plain = await createTestCommerce()
    try {
      const u = plain.user()
      const p = await checkoutKit(plain).product({ amount: 999 })
      await checkoutKit(plain).add(u, p.price.id)
      const cart = (await plain.call(u, 'GET', '/cart')).json()
      expect(cart.tax).toMatchObject({ rateBasisPoints: 0, includedMinor: 0 })
      expect(cart.totalMinor).toBe(999)
    } finally {
      await plain.close()
    }
  })
})
