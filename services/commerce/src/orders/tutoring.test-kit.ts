import { randomUUID } from 'node:crypto'
import { expect } from 'vitest'
import pino from 'pino'
import { newId, sql, uuid7, type EventHandler } from '@learnmesh/kernel'
import { commerceHandlers } from '../consumers.ts'
import { directConsumer } from '../ledger/ledger.test-kit.ts'
import type { TestCommerce, TestUser } from '../test-helpers.ts'

/** A priced product as GET /prices shows it. */
export interface Listed {
  product: { id: string; ref: string; type: string; title: string; payeeUserId: string; active: boolean }
  prices: { id: string; unitAmountMinor: number; lessonCount: number; currency: string; active: boolean }[]
}

/** A paid order as the API shows it. */
export interface PaidOrder {
  id: string
  status: string
  totalMinor: number
  refundedMinor: number
  items: {
    id: string
    amountMinor: number
    refundedMinor: number
    productRef: string
    productType: string
    reference: string | null
    lessonCount: number
    taxMinor: number
  }[]
  refunds: { id: string; amountMinor: number; reason: string; status: string }[]
}

/**
 * Test factories for the commerce side of tutoring: a tutor listed through tutoring.tutor.listed,
 * lessons bought for held bookings through the cart and checkout, and tutoring events delivered
 * through the kernel's real consumer (inbox, payload validation).
 */
export function tutoringKit(t: TestCommerce, orgId = t.orgA) {
  const handlers: EventHandler[] = commerceHandlers(t.deps)
  const consumer = directConsumer(t.database, handlers)

  /** Delivers an event through the inbox (pass `id` to redeliver the same event). */
  const deliver = (type: string, payload: Record<string, unknown>, id?: string, org: string = orgId) =>
    consumer.deliver(type, org, payload, id)

  /** Runs a handler directly with a chosen envelope (ordering tests: occurredAt and id). */
  async function deliverAt(
    type: string,
    payload: Record<string, unknown>,
    envelope: { id?: string; occurredAt: string; orgId?: string | null },
  ) {
    const handler = handlers.find((h) => h.event.type === type)!
    await t.db.transaction((tx) =>
      handler.handle(
        tx,
        payload as never,
        {
          id: envelope.id ?? uuid7(),
          type,
          version: 1,
          occurredAt: envelope.occurredAt,
          producer: 'tutoring',
          orgId: envelope.orgId === undefined ? orgId : envelope.orgId,
          traceparent: null,
          payload,
        } as never,
        { log: pino({ level: 'silent' }) },
      ),
    )
  }

  /** A tutoring.tutor.listed payload (EUR 30.00 an hour, 30 and 60 minutes, 5 lessons at 10 % off). */
  function listing(over: Record<string, unknown> = {}) {
    return {
      tutorId: newId('usr'),
      displayName: 'Ada',
      currency: 'EUR',
      hourlyRateMinor: 3000,
      lessonMinutes: [30, 60],
      packages: [{ lessons: 5, discountPercent: 10 }],
      active: true,
      ...over,
    }
  }

  /** GET /prices for a tutoring ref (null when not for sale). */
  async function offer(type: 'tutoring_lesson' | 'tutoring_package', ref: string): Promise<Listed | null> {
    const res = await t.call(null, 'GET', `/prices?productType=${type}&ref=${ref}&orgId=${orgId}`)
    if (res.statusCode === 404) return null
    expect(res.statusCode, res.body).toBe(200)
    return res.json() as Listed
  }

  /** Lists a tutor and returns the active price id of their `minutes` lesson (and of a package). */
  async function tutor(over: Record<string, unknown> = {}) {
    const payload = listing(over)
    await deliver('tutoring.tutor.listed', payload)
    const lessonPrice = async (minutes = 60) =>
      (await offer('tutoring_lesson', `tut:${payload.tutorId}:${minutes}`))!.prices[0]!
    const packagePrice = async (minutes = 60, lessons = 5) =>
      (await offer('tutoring_package', `tut:${payload.tutorId}:${minutes}:x${lessons}`))!.prices[0]!
    return { payload, tutorId: payload.tutorId, lessonPrice, packagePrice }
  }

  /** Adds a price to the user's cart (optionally for a booking) and checks out; the sandbox pays. */
  async function buy(user: TestUser, lines: { priceId: string; reference?: string; quantity?: number }[]) {
    for (const l of lines) {
      const res = await t.call(user, 'POST', '/cart/items', {
        priceId: l.priceId,
        quantity: l.quantity ?? 1,
        ...(l.reference ? { reference: l.reference } : {}),
      })
      expect(res.statusCode, res.body).toBe(200)
    }
    const res = await t.call(user, 'POST', '/checkout', {}, { 'idempotency-key': randomUUID() })
    expect(res.statusCode, res.body).toBe(201)
    return res.json() as PaidOrder
  }

  /** The order as its buyer sees it. */
  async function order(user: TestUser, orderId: string): Promise<PaidOrder> {
    return (await t.call(user, 'GET', `/orders/${orderId}`)).json() as PaidOrder
  }

  /** The escrow hold of a line. */
  async function hold(orderItemId: string) {
    const [row] = await t.database.query<{
      amount_minor: string
      released_minor: string
      refunded_minor: string
      refundable_minor: string
      lessons_cancelled: number
      status: string
    }>(sql`select * from commerce.escrow_holds where order_item_id = ${orderItemId}`)
    return {
      amount: Number(row!.amount_minor),
      released: Number(row!.released_minor),
      refunded: Number(row!.refunded_minor),
      refundable: Number(row!.refundable_minor),
      lessonsCancelled: row!.lessons_cancelled,
      status: row!.status,
    }
  }

  /** commerce.payment.refunded events of an order. */
  async function refundEvents(orderId: string) {
    return (await t.events('commerce.payment.refunded')).filter((e) => e.payload.orderId === orderId)
  }

  return { deliver, deliverAt, listing, offer, tutor, buy, order, hold, refundEvents }
}
