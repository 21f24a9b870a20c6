import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce } from '../test-helpers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'
import { tutoringKit } from '../orders/tutoring.test-kit.ts'

let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
let tutoring: ReturnType<typeof tutoringKit>
beforeAll(async () => {
  t = await createTestCommerce()
  kit = checkoutKit(t)
  tutoring = tutoringKit(t)
})
afterAll(() => t.close())

const addItem = (u: Parameters<TestCommerce['call']>[0], body: Record<string, unknown>, headers = {}) =>
  t.call(u, 'POST', '/cart/items', body, headers)

describe('happy', () => {
  it('one lesson price sits twice in a cart for two bookings; adding a booking again keeps one line', async () => {
    const u = t.user()
    const tutor = await tutoring.tutor()
    const price = await tutor.lessonPrice(60)
    const [b1, b2] = [newId('bkg'), newId('bkg')]
    await addItem(u, { priceId: price.id, reference: b1 })
    await addItem(u, { priceId: price.id, reference: b2 })
    const again = await addItem(u, { priceId: price.id, reference: b1 })
    expect(again.statusCode, again.body).toBe(200)
    expect(
      again.json().items.map((i: { reference: string; quantity: number }) => [i.reference, i.quantity]),
    ).toEqual([
      [b1, 1],
      [b2, 1],
    ])
    expect(again.json().totalMinor).toBe(6000)
    // An unreferenced line of the same price is its own line; removing by reference leaves the others.
    await addItem(u, { priceId: price.id, quantity: 2 })
    const removed = await t.call(u, 'DELETE', `/cart/items/${price.id}?reference=${b2}`)
    expect(removed.json().items.map((i: { reference: string | null }) => i.reference)).toEqual([b1, null])
  })

  it('checkout copies the reference to the order line and commerce.order.paid carries it with orderItemId and lessonCount', async () => {
    const u = t.user()
    const tutor = await tutoring.tutor()
    const booking = newId('bkg')
    const order = await tutoring.buy(u, [
      { priceId: (await tutor.lessonPrice(30)).id, reference: booking },
      { priceId: (await tutor.packagePrice(60, 5)).id },
    ])
    expect(order.status).toBe('paid')
    expect(order.items.map((i) => [i.productType, i.reference])).toEqual([
      ['tutoring_lesson', booking],
      ['tutoring_package', null],
    ])
    const event = (await t.events('commerce.order.paid')).find((e) => e.payload.orderId === order.id)!
    expect(event.payload.items).toEqual([
      expect.objectContaining({
        productType: 'tutoring_lesson',
        productRef: `tut:${tutor.tutorId}:30`,
        orderItemId: order.items[0]!.id,
        lessonCount: 1,
        reference: booking,
        amountMinor: 1500,
      }),
      expect.objectContaining({
        productType: 'tutoring_package',
        lessonCount: 5,
        orderItemId: order.items[1]!.id,
      }),
    ])
    expect((event.payload.items as Record<string, unknown>[])[1]).not.toHaveProperty('reference')
  })

  it('a guest cart merged on sign-in keeps its references', async () => {
    const tutor = await tutoring.tutor()
    const price = await tutor.lessonPrice(60)
    const booking = newId('bkg')
    const guest = await addItem(null, { priceId: price.id, reference: booking })
    expect(guest.statusCode, guest.body).toBe(200)
    const u = t.user()
    const other = newId('bkg')
    await addItem(u, { priceId: price.id, reference: other })
    const merged = await t.call(u, 'POST', '/cart/merge', undefined, {
      'x-cart-token': guest.json().cartToken,
    })
    expect(merged.statusCode, merged.body).toBe(200)
    expect(merged.json().items.map((i: { reference: string }) => i.reference)).toEqual([other, booking])
  })

  it('a declined payment puts the referenced line back in the cart with its reference', async () => {
    const u = t.user()
    const tutor = await tutoring.tutor()
    const booking = newId('bkg')
    await addItem(u, { priceId: (await tutor.lessonPrice(60)).id, reference: booking })
    const res = await kit.checkout(u, { paymentMethod: 'pm_sandbox_declined' })
    expect(res.json().status).toBe('failed')
    const cart = (await t.call(u, 'GET', '/cart')).json()
    expect(cart.items.map((i: { reference: string }) => i.reference)).toEqual([booking])
  })
})

describe('errors', () => {
  it('a reference on a course or package price is a 422 and nothing is added', async () => {
    const u = t.user()
    const course = await kit.product()
    const tutor = await tutoring.tutor()
    const res = await addItem(u, { priceId: course.price.id, reference: newId('bkg') })
    expect(res.statusCode).toBe(422)
    expect(res.json().reason).toBe('reference_not_allowed')
    const pkg = await addItem(u, { priceId: (await tutor.packagePrice()).id, reference: newId('bkg') })
    expect(pkg.statusCode).toBe(422)
    expect((await t.call(u, 'GET', '/cart')).json().items).toEqual([])
  })

  it('a referenced lesson with quantity 2 is a 422; one booking on two prices is a 409', async () => {
    const u = t.user()
    const tutor = await tutoring.tutor()
    const booking = newId('bkg')
    const two = await addItem(u, {
      priceId: (await tutor.lessonPrice(60)).id,
      reference: booking,
      quantity: 2,
    })
    expect(two.statusCode).toBe(422)
    expect(two.json().reason).toBe('reference_quantity')
    expect(
      (await addItem(u, { priceId: (await tutor.lessonPrice(60)).id, reference: booking })).statusCode,
    ).toBe(200)
    const twice = await addItem(u, { priceId: (await tutor.lessonPrice(30)).id, reference: booking })
    expect(twice.statusCode).toBe(409)
    expect(twice.json().reason).toBe('reference_in_cart')
    expect((await t.call(u, 'GET', '/cart')).json().items).toHaveLength(1)
  })

  it('malformed references are a 400: wrong shape, too long, empty', async () => {
    const u = t.user()
    const price = await (await tutoring.tutor()).lessonPrice(60)
    for (const reference of ['', 'bkg', 'BKG_abc', 'bkg_' + 'a'.repeat(61), 'bkg_a b', 'bkg_a/b', 'bkg_ä']) {
      const res = await addItem(u, { priceId: price.id, reference })
      expect(res.statusCode, reference).toBe(400)
    }
    const del = await t.call(u, 'DELETE', `/cart/items/${price.id}?reference=nope`)
    expect(del.statusCode).toBe(400)
  })
})

describe('security', () => {
  it("a guest token cannot remove another cart's referenced line; SQL-looking references are refused", async () => {
    const price = await (await tutoring.tutor()).lessonPrice(60)
    const booking = newId('bkg')
    const owner = t.user()
    await addItem(owner, { priceId: price.id, reference: booking })
    const stranger = await addItem(null, { priceId: price.id, reference: newId('bkg') })
    const res = await t.call(null, 'DELETE', `/cart/items/${price.id}?reference=${booking}`, undefined, {
      'x-cart-token': stranger.json().cartToken,
    })
    expect(res.statusCode).toBe(404)
    expect((await t.call(owner, 'GET', '/cart')).json().items).toHaveLength(1)
    const sqlish = await addItem(owner, { priceId: price.id, reference: "bkg_1'--" })
    expect(sqlish.statusCode).toBe(400)
  })
})
