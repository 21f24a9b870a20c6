import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId, sql } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce } from '../test-helpers.ts'
import { sandboxTokens } from '../payments/sandbox.ts'
import { checkoutKit } from './checkout.test-kit.ts'

let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
beforeAll(async () => {
  t = await createTestCommerce()
  kit = checkoutKit(t)
})
afterAll(() => t.close())

async function couponRow(id: string) {
  const [r] = await t.database.query<{ redeemed_count: number }>(
    sql`select redeemed_count from commerce.coupons where id = ${id}`,
  )
  return r!
}

describe('happy', () => {
  it('checkout with the sandbox: order paid, ledger posted and balanced, commerce.order.paid with every line', async () => {
    const u = t.user()
    const course = await kit.product({ amount: 4999 })
    const pkg = await kit.product({ type: 'tutoring_package', amount: 12_000, lessonCount: 5 })
    await kit.add(u, course.price.id)
    await kit.add(u, pkg.price.id, 2)
    const ledgerBefore = await kit.ledger()
    const res = await kit.checkout(u)
    expect(res.statusCode, res.body).toBe(201)
    const order = res.json()
    expect(order).toMatchObject({
      status: 'paid',
      currency: 'EUR',
      subtotalMinor: 28_999,
      totalMinor: 28_999,
    })
    expect(order.payments).toMatchObject([
      { provider: 'sandbox', status: 'succeeded', capturedMinor: 28_999 },
    ])
    const paid = (await t.events('commerce.order.paid')).filter((e) => e.payload.orderId === order.id)
    expect(paid).toHaveLength(1)
    expect(paid[0]!.payload).toMatchObject({
      userId: u.userId,
      totalMinor: 28_999,
      items: [
        { productType: 'course', productRef: course.product.ref, quantity: 1, amountMinor: 4999 },
        { productType: 'tutoring_package', productRef: pkg.product.ref, quantity: 2, amountMinor: 24_000 },
      ],
    })
    const ledger = await kit.ledger()
    expect(ledger.sum).toBe(0)
    expect(ledger.transactions).toBe(ledgerBefore.transactions + 1)
    expect((await t.call(u, 'GET', '/cart')).json().items).toEqual([])
  })

  it('the same Idempotency-Key and body replays the stored response; one order exists', async () => {
    const u = t.user()
    await kit.add(u, (await kit.product()).price.id)
    const first = await kit.checkout(u, {}, 'key-replay-1')
    const again = await kit.checkout(u, {}, 'key-replay-1')
    expect(again.statusCode).toBe(201)
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(again.json()).toEqual(first.json())
    expect((await t.call(u, 'GET', '/orders/mine')).json().items).toHaveLength(1)
  })

  it('a replay of an answer stored before orders listed their lines still answers in full (not a 5xx)', async () => {
    const u = t.user()
    await kit.add(u, (await kit.product({ title: 'Pottery basics' })).price.id)
    const first = await kit.checkout(u, {}, 'key-replay-old')
    // The answer as it was stored before itemCount/itemTitles existed.
    await t.database.query(
      sql`update commerce.idempotency_keys set response_body = response_body - 'itemCount' - 'itemTitles' where key = 'key-replay-old'`,
    )
    const again = await kit.checkout(u, {}, 'key-replay-old')
    expect(again.statusCode).toBe(201)
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(again.json()).toEqual(first.json())
    expect(again.json()).toMatchObject({ itemCount: 1, itemTitles: ['Pottery basics'] })
  })

  it('a free order (100% coupon) is paid at once with its event and no payment or ledger posting', async () => {
    const u = t.user()
    const p = await kit.product({ amount: 2500 })
    const c = await kit.coupon({ percentOff: 100 })
    await kit.add(u, p.price.id)
    await t.call(u, 'POST', '/cart/coupons', { code: c.code })
    const before = await kit.ledger()
    const res = await kit.checkout(u)
    expect(res.json()).toMatchObject({
      status: 'paid',
      totalMinor: 0,
      discountMinor: 2500,
      payments: [],
      couponCodes: [c.code],
    })
    expect((await t.events('commerce.order.paid')).some((e) => e.payload.orderId === res.json().id)).toBe(
      true,
    )
    expect((await kit.ledger()).transactions).toBe(before.transactions)
    expect((await couponRow(c.id)).redeemed_count).toBe(1)
  })

  it('a declined card fails the order, gives the coupon back and restores the cart', async () => {
    const u = t.user()
    const p = await kit.product({ amount: 2000 })
    const c = await kit.coupon({ percentOff: 10, maxRedemptions: 1 })
    await kit.add(u, p.price.id)
    await t.call(u, 'POST', '/cart/coupons', { code: c.code })
    const res = await kit.checkout(u, { paymentMethod: sandboxTokens.declined })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({
      status: 'failed',
      payments: [{ status: 'failed', failureCode: 'card_declined' }],
    })
    expect((await couponRow(c.id)).redeemed_count).toBe(0)
    const cart = (await t.call(u, 'GET', '/cart')).json()
    expect(cart.items.map((i: { priceId: string }) => i.priceId)).toEqual([p.price.id])
    expect(cart.coupons[0].code).toBe(c.code)
    // The retry with a good card succeeds and uses the (given back) last coupon.
    const retry = await kit.checkout(u)
    expect(retry.json()).toMatchObject({ status: 'paid', totalMinor: 1800 })
  })

  it('"requires action": the buyer completes it on the sandbox page and the order is paid exactly once', async () => {
    const u = t.user()
    await kit.add(u, (await kit.product({ amount: 1500 })).price.id)
    const res = await kit.checkout(u, { paymentMethod: sandboxTokens.action })
    const order = res.json()
    expect(order.status).toBe('requires_action')
    const url = order.payments[0].nextAction.url as string
    expect(url).toMatch(
      /^http:\/\/web\.test\/api\/commerce\/sandbox\/payments\/sbx_pi_[0-9a-f]{32}\/complete$/,
    )
    const path = url.replace('http://web.test/api/commerce', '')
    const done = await t.call(u, 'POST', path, { outcome: 'succeeded' })
    expect(done.statusCode, done.body).toBe(200)
    expect(done.json()).toMatchObject({
      status: 'paid',
      payments: [{ status: 'succeeded', nextAction: null }],
    })
    expect((await t.call(u, 'POST', path, {})).statusCode).toBe(409)
    expect(
      (await t.events('commerce.order.paid')).filter((e) => e.payload.orderId === order.id),
    ).toHaveLength(1)
  })

  it('"requires action" failed by the buyer fails the order', async () => {
    const u = t.user()
    await kit.add(u, (await kit.product()).price.id)
    const order = (await kit.checkout(u, { paymentMethod: sandboxTokens.action })).json()
    const path = (order.payments[0].nextAction.url as string).replace('http://web.test/api/commerce', '')
    const done = await t.call(u, 'POST', path, { outcome: 'failed' })
    expect(done.json()).toMatchObject({
      status: 'failed',
      payments: [{ failureCode: 'authentication_failed' }],
    })
  })

  it('an unpaid order can be cancelled by its buyer; coupons come back', async () => {
    const u = t.user()
    const c = await kit.coupon({ percentOff: 5 })
    await kit.add(u, (await kit.product()).price.id)
    await t.call(u, 'POST', '/cart/coupons', { code: c.code })
    const order = (await kit.checkout(u, { paymentMethod: sandboxTokens.action })).json()
    const res = await t.call(u, 'POST', `/orders/${order.id}/cancel`)
    expect(res.json()).toMatchObject({ status: 'cancelled', payments: [{ status: 'cancelled' }] })
    expect((await couponRow(c.id)).redeemed_count).toBe(0)
  })

  it('my orders page with a cursor; the admin list filters by status and buyer', async () => {
    const u = t.user()
    for (let i = 0; i < 3; i++) await kit.paidOrder(u, [(await kit.product()).price.id])
    const page1 = (await t.call(u, 'GET', '/orders/mine?limit=2')).json()
    expect(page1.items).toHaveLength(2)
    const page2 = (await t.call(u, 'GET', `/orders/mine?limit=2&after=${page1.nextCursor}`)).json()
    expect(page2.items).toHaveLength(1)
    expect(page2.nextCursor).toBeNull()
    const admin = (await t.call(kit.admin, 'GET', `/orders?status=paid&userId=${u.userId}`)).json()
    expect(admin.items).toHaveLength(3)
    const detail = await t.call(kit.admin, 'GET', `/orders/${page2.items[0].id}`)
    expect(detail.json().items).toHaveLength(1)
  })

  it('order lists name each order by its lines: a line count and the first five titles, in checkout order', async () => {
    const u = t.user()
    const titled = async (title: string) => (await kit.product({ title })).price.id
    const small = await kit.paidOrder(u, [await titled('Pottery basics'), await titled('Glazing at home')])
    const sixTitles = ['One', 'Two', 'Three', 'Four', 'Five', 'Six'].map((n) => `Course ${n}`)
    const big = await kit.paidOrder(u, await Promise.all(sixTitles.map(titled)))
    const expected = [
      { id: big.id, itemCount: 6, itemTitles: sixTitles.slice(0, 5) },
      { id: small.id, itemCount: 2, itemTitles: ['Pottery basics', 'Glazing at home'] },
    ]
    expect((await t.call(u, 'GET', '/orders/mine')).json().items).toMatchObject(expected)
    const admin = (await t.call(kit.admin, 'GET', `/orders?userId=${u.userId}`)).json()
    expect(admin.items).toMatchObject(expected)
    const detail = (await t.call(u, 'GET', `/orders/${big.id}`)).json()
    expect(detail).toMatchObject({ itemCount: 6, itemTitles: sixTitles.slice(0, 5) })
    expect(detail.items.map((i: { title: string }) => i.title)).toEqual(sixTitles)
  })

  it('confirm re-drives nothing on a paid order and returns it', async () => {
    const u = t.user()
    const order = await kit.paidOrder(u, [(await kit.product()).price.id])
    const res = await t.call(u, 'POST', `/orders/${order.id}/confirm`, {}, { 'idempotency-key': 'confirm-1' })
    expect(res.json().status).toBe('paid')
  })
  it('the OpenAPI document lists every route of the area', async () => {
    const doc = (await t.call(null, 'GET', '/openapi.json')).json()
    for (const path of [
      '/checkout',
      '/orders/{orderId}/refunds',
      '/cart/merge',
      '/prices',
      '/coupons',
      '/webhooks/sandbox',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path)
    }
  })
})

describe('errors', () => {
  it('no Idempotency-Key → 400; empty cart → 422; same key with another body → 422; nothing is created', async () => {
    const u = t.user()
    const orders = await kit.count('orders')
    expect((await t.call(u, 'POST', '/checkout', {})).statusCode).toBe(400)
    expect((await kit.checkout(u)).statusCode).toBe(422)
    await kit.add(u, (await kit.product()).price.id)
    const first = await kit.checkout(u, {}, 'same-key')
    expect(first.statusCode).toBe(201)
    const other = await kit.checkout(u, { paymentMethod: sandboxTokens.declined }, 'same-key')
    expect(other.statusCode).toBe(422)
    expect(await kit.count('orders')).toBe(orders + 1)
  })

  it('buying a course already bought is a 409 and nothing changes', async () => {
    const u = t.user()
    const course = await kit.product()
    await kit.paidOrder(u, [course.price.id])
    await kit.add(u, course.price.id)
    const orders = await kit.count('orders')
    const res = await kit.checkout(u)
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ reason: 'already_purchased', productRefs: [course.product.ref] })
    expect(await kit.count('orders')).toBe(orders)
    expect((await t.call(u, 'GET', '/cart')).json().items).toHaveLength(1)
  })

  it('a coupon deactivated or a price withdrawn after it was put in the cart → 409, nothing redeemed', async () => {
    const u = t.user()
    const p = await kit.product()
    const c = await kit.coupon()
    await kit.add(u, p.price.id)
    await t.call(u, 'POST', '/cart/coupons', { code: c.code })
    await t.call(kit.admin, 'PATCH', `/coupons/${c.id}`, { active: false })
    const res = await kit.checkout(u)
    expect(res.statusCode).toBe(409)
    expect(res.json().reason).toBe('coupon_unavailable')
    await t.call(u, 'DELETE', `/cart/coupons/${c.code}`)
    await t.call(kit.admin, 'PATCH', `/prices/${p.price.id}`, { active: false })
    const gone = await kit.checkout(u)
    expect(gone.statusCode).toBe(409)
    expect(gone.json().reason).toBe('item_unavailable')
    expect((await couponRow(c.id)).redeemed_count).toBe(0)
  })

  it('per-user coupon limit: the second order of the same user with the coupon is refused', async () => {
    const u = t.user()
    const c = await kit.coupon({ maxPerUser: 1, stackable: true })
    await kit.add(u, (await kit.product()).price.id)
    await t.call(u, 'POST', '/cart/coupons', { code: c.code })
    expect((await kit.checkout(u)).json().status).toBe('paid')
    await kit.add(u, (await kit.product()).price.id)
    expect((await t.call(u, 'POST', '/cart/coupons', { code: c.code })).statusCode).toBe(422)
  })

  it('illegal transitions are refused: cancelling a paid order, confirming a failed one', async () => {
    const u = t.user()
    const paid = await kit.paidOrder(u, [(await kit.product()).price.id])
    expect((await t.call(u, 'POST', `/orders/${paid.id}/cancel`)).statusCode).toBe(409)
    await kit.add(u, (await kit.product()).price.id)
    const failed = (await kit.checkout(u, { paymentMethod: sandboxTokens.declined })).json()
    const res = await t.call(u, 'POST', `/orders/${failed.id}/confirm`, {}, { 'idempotency-key': 'c-f' })
    expect(res.statusCode).toBe(409)
  })

  it('an unknown payment method token fails the payment cleanly (no 5xx)', async () => {
    const u = t.user()
    await kit.add(u, (await kit.product()).price.id)
    const res = await kit.checkout(u, { paymentMethod: 'pm_whatever' })
    expect(res.json()).toMatchObject({
      status: 'failed',
      payments: [{ failureCode: 'invalid_payment_method' }],
    })
  })
})

describe('security', () => {
  it('anonymous checkout → 401; amounts cannot be sent (400); junk bodies never give a 5xx', async () => {
    expect((await t.call(null, 'POST', '/checkout', {}, { 'idempotency-key': 'a' })).statusCode).toBe(401)
    const u = t.user()
    expect((await kit.checkout(u, { totalMinor: 1 })).statusCode).toBe(400)
    for (const body of [
      [],
      'x',
      { paymentMethod: '' },
      { paymentMethod: 'a'.repeat(101) },
      { paymentMethod: '<script>' },
    ]) {
      const res = await kit.checkout(u, body as never)
      expect(res.statusCode).toBeLessThan(500)
    }
    const raw = await t.app.inject({
      method: 'POST',
      url: '/checkout',
      payload: '{"paymentMethod":',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await t.token(u)}`,
        'idempotency-key': 'raw',
      },
    })
    expect(raw.statusCode).toBe(400)
  })

  it("another learner's order is a 404; another org's admin gets 404 on read, cancel, confirm and refund", async () => {
    const u = t.user()
    await kit.add(u, (await kit.product()).price.id)
    const order = (await kit.checkout(u, { paymentMethod: sandboxTokens.action })).json()
    const stranger = t.user()
    expect((await t.call(stranger, 'GET', `/orders/${order.id}`)).statusCode).toBe(404)
    expect((await t.call(stranger, 'POST', `/orders/${order.id}/cancel`)).statusCode).toBe(404)
    const path = (order.payments[0].nextAction.url as string).replace('http://web.test/api/commerce', '')
    expect((await t.call(stranger, 'POST', path, {})).statusCode).toBe(404)
    const otherAdmin = t.user(['org_admin'], t.orgB)
    expect((await t.call(otherAdmin, 'GET', `/orders/${order.id}`)).statusCode).toBe(404)
    expect((await t.call(otherAdmin, 'POST', `/orders/${order.id}/cancel`)).statusCode).toBe(404)
    expect(
      (
        await t.call(
          otherAdmin,
          'POST',
          `/orders/${order.id}/refunds`,
          { reason: 'x' },
          { 'idempotency-key': 'r' },
        )
      ).statusCode,
    ).toBe(404)
    expect(
      (await t.call(otherAdmin, 'GET', '/orders'))
        .json()
        .items.some((o: { id: string }) => o.id === order.id),
    ).toBe(false)
    expect((await t.call(u, 'GET', `/orders/${order.id}`)).json().status).toBe('requires_action')
    expect((await t.call(u, 'GET', `/orders/${newId('ord')}`)).statusCode).toBe(404)
  })

  it('learners cannot list the org orders (403)', async () => {
    expect((await t.call(t.user(), 'GET', '/orders')).statusCode).toBe(403)
  })

  it('fuzz: nothing a client sends to the area gives a 5xx', async () => {
    const u = t.user()
    const admin = kit.admin
    const junk: unknown[] = [
      {},
      [],
      'str',
      0,
      null,
      { a: { b: { c: [1, 2, { d: 'x'.repeat(5000) }] } } },
      { priceId: 'pri_' + 'f'.repeat(32), quantity: 1e12 },
      { code: '\u0000\u0000\u0000' },
      { reason: 'x', amountMinor: Number.MAX_SAFE_INTEGER },
      { type: 'course', ref: '../../etc', title: ' ' },
      { currency: 'ZZZ', unitAmountMinor: 1e9 },
      { outcome: 'maybe' },
    ]
    const id = `ord_${'0'.repeat(32)}`
    const routes: ['GET' | 'POST' | 'PATCH' | 'DELETE', string][] = [
      ['POST', '/checkout'],
      ['POST', `/orders/${id}/confirm`],
      ['POST', `/orders/${id}/cancel`],
      ['POST', `/orders/${id}/refunds`],
      ['POST', '/orders/not-an-id/refunds'],
      ['GET', '/orders?from=yesterday'],
      ['GET', '/orders/mine?after=%00'],
      ['POST', '/cart/items'],
      ['POST', '/cart/coupons'],
      ['DELETE', '/cart/coupons/%27%3B--'],
      ['POST', '/cart/merge'],
      ['POST', '/products'],
      ['PATCH', `/products/prd_${'0'.repeat(32)}`],
      ['POST', `/products/prd_${'0'.repeat(32)}/prices`],
      ['POST', '/coupons'],
      ['GET', '/prices?productType=course&ref=%27'],
      ['POST', `/sandbox/payments/sbx_pi_${'0'.repeat(32)}/complete`],
    ]
    for (const [method, url] of routes) {
      for (const body of junk) {
        for (const who of [u, admin, null]) {
          const res = await t.call(who, method, url, method === 'GET' ? undefined : body, {
            'idempotency-key': randomUUID(),
            'x-cart-token': 'junk',
          })
          expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)?.slice(0, 80)}`).toBeLessThan(500)
        }
      }
    }
  })
})
