import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId, type EventHandler } from '@learnmesh/kernel'
import pino from 'pino'
import { createTestCommerce, type TestCommerce } from '../test-helpers.ts'
import { checkoutHandlers } from './checkout.handlers.ts'
import { checkoutKit, envelopeOf } from './checkout.test-kit.ts'

let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
let handlers: EventHandler[]
beforeAll(async () => {
  t = await createTestCommerce()
  kit = checkoutKit(t)
  handlers = checkoutHandlers(t.deps)
})
afterAll(() => t.close())

/** Delivers an event to commerce's handler for its type, in one transaction like the inbox does. */
async function deliver(type: string, payload: Record<string, unknown>, orgId: string | null = t.orgA) {
  const handler = handlers.find((h) => h.event.type === type)!
  const envelope = envelopeOf(type, payload, orgId, 'learning')
  await t.db.transaction((tx) =>
    handler.handle(tx, payload as never, envelope as never, { log: pino({ level: 'silent' }) }),
  )
}

describe('happy', () => {
  it('learning.enrollment.rejected refunds that course line automatically (reason enrollment_rejected)', async () => {
    const u = t.user()
    const course = await kit.product({ amount: 4000 })
    const other = await kit.product({ amount: 1000 })
    const order = await kit.paidOrder(u, [course.price.id, other.price.id])
    const payload = {
      orderId: order.id,
      courseId: course.product.ref,
      userId: u.userId,
      reason: 'course_unavailable',
    }
    await deliver('learning.enrollment.rejected', payload)
    const detail = (await t.call(u, 'GET', `/orders/${order.id}`)).json()
    expect(detail).toMatchObject({ status: 'partially_refunded', refundedMinor: 4000 })
    expect(detail.refunds).toMatchObject([
      { reason: 'enrollment_rejected', status: 'succeeded', amountMinor: 4000 },
    ])
    const events = (await t.events('commerce.payment.refunded')).filter((e) => e.payload.orderId === order.id)
    expect(events[0]!.payload.revokedItems).toEqual([
      {
        orderItemId: order.items.find((i) => i.productRef === course.product.ref)!.id,
        productType: 'course',
        productRef: course.product.ref,
      },
    ])
    // A second rejection (another event id for the same line) changes nothing.
    await deliver('learning.enrollment.rejected', payload)
    expect((await t.call(u, 'GET', `/orders/${order.id}`)).json().refunds).toHaveLength(1)
    expect((await kit.ledger()).sum).toBe(0)
  })

  it('learning.course.published creates the course product with a default price, then only updates the title', async () => {
    const courseId = newId('crs')
    const ownerId = newId('usr')
    const base = {
      courseId,
      version: 1,
      slug: 's',
      title: 'Rust 101',
      visibility: 'public',
      ownerId,
      instructorIds: [ownerId],
      priceMinor: 2900,
      currency: 'EUR',
      publishedBy: ownerId,
    }
    await deliver('learning.course.published', base)
    const first = (
      await t.call(null, 'GET', `/prices?productType=course&ref=${courseId}&orgId=${t.orgA}`)
    ).json()
    expect(first).toMatchObject({
      product: { title: 'Rust 101', payeeUserId: ownerId },
      prices: [{ unitAmountMinor: 2900, currency: 'EUR' }],
    })
    await deliver('learning.course.published', { ...base, version: 2, title: 'Rust 102', priceMinor: 9900 })
    const second = (
      await t.call(null, 'GET', `/prices?productType=course&ref=${courseId}&orgId=${t.orgA}`)
    ).json()
    expect(second.product.title).toBe('Rust 102')
    expect(second.prices).toHaveLength(1)
    expect(second.prices[0].unitAmountMinor).toBe(2900)
  })
})

describe('errors', () => {
  it('a free course (priceMinor 0) gets a product but no price; a bad currency gets no price', async () => {
    const courseId = newId('crs')
    await deliver('learning.course.published', {
      courseId,
      version: 1,
      slug: 's',
      title: 'Free',
      visibility: 'public',
      ownerId: 'usr_x',
      instructorIds: [],
      priceMinor: 0,
      currency: 'EUR',
      publishedBy: 'usr_x',
    })
    expect(
      (await t.call(null, 'GET', `/prices?productType=course&ref=${courseId}&orgId=${t.orgA}`)).json().prices,
    ).toEqual([])
  })

  it('a rejection for an unpaid or unknown order refunds nothing', async () => {
    const refunds = await kit.count('refunds')
    await deliver('learning.enrollment.rejected', {
      orderId: newId('ord'),
      courseId: 'crs_x',
      userId: 'usr_x',
      reason: 'course_unknown',
    })
    expect(await kit.count('refunds')).toBe(refunds)
  })
})

describe('security', () => {
  it("a rejection naming another user's order, or another org, refunds nothing", async () => {
    const u = t.user()
    const course = await kit.product()
    const order = await kit.paidOrder(u, [course.price.id])
    await deliver('learning.enrollment.rejected', {
      orderId: order.id,
      courseId: course.product.ref,
      userId: newId('usr'),
      reason: 'course_unknown',
    })
    await deliver(
      'learning.enrollment.rejected',
      { orderId: order.id, courseId: course.product.ref, userId: u.userId, reason: 'course_unknown' },
      t.orgB,
    )
    expect((await t.call(u, 'GET', `/orders/${order.id}`)).json().status).toBe('paid')
  })
})
