import pino from 'pino'
import { newId, type Database, type EventHandler } from '@learnmesh/kernel'
import { createTestDatabase, createTestPrincipals, type TestUser } from '@learnmesh/kernel/testing'
import { buildApp } from '../app.ts'
import { loadCommerceConfig } from '../config.ts'
import type { CommerceDeps } from '../deps.ts'
import { orderItems, orders, refunds } from '../db/schema.ts'
import { commerceService } from '../service.ts'
import { invoiceHandlers } from './invoices.handlers.ts'

/** A test principal. */
export type KitUser = TestUser

/**
 * Test-only: commerce's app on PGlite (default) or a given database, plus helpers that seed paid
 * orders and refunds straight into the tables and deliver invoice events.
 */
export async function createInvoiceKit(options: { env?: Record<string, string>; database?: Database } = {}) {
  const database = options.database ?? (await createTestDatabase(commerceService.migrations))
  const config = loadCommerceConfig({ PUBLIC_URL: 'http://web.test', ...options.env })
  const deps: CommerceDeps = { database, config, logger: pino({ level: 'silent' }), wakeRelay: () => {} }
  const principals = await createTestPrincipals()
  const app = await buildApp(deps, { verifier: principals.verifier })
  await app.ready()
  const handlers = invoiceHandlers(deps)
  const { orgA, orgB } = principals
  const db = database.db
  const user = (roles: string[] = ['learner'], orgId = orgA): KitUser => principals.user(roles, orgId)
  const callAs = principals.caller(app)
  const call = (u: KitUser | null, method: 'GET' | 'POST', url: string) => callAs(u, method, url)

  /** A paid order with lines of the given tax-inclusive amounts. */
  async function paidOrder(u: KitUser, amounts: number[], currency = 'EUR') {
    const orderId = newId('ord')
    const total = amounts.reduce((s, a) => s + a, 0)
    await db.insert(orders).values({
      id: orderId,
      orgId: u.orgId,
      userId: u.userId,
      status: 'paid',
      currency,
      subtotalMinor: total,
      totalMinor: total,
      paidAt: new Date(),
    })
    const items = amounts.map((a, i) => ({
      id: newId('oit'),
      orderId,
      orgId: u.orgId,
      productId: newId('prd'),
      priceId: newId('prc'),
      productType: 'course',
      productRef: newId('crs'),
      title: `Course ${i + 1}`,
      quantity: 1,
      unitAmountMinor: a,
      amountMinor: a,
    }))
    if (items.length) await db.insert(orderItems).values(items)
    return { orderId, items, total, orgId: u.orgId, userId: u.userId, currency }
  }

  /** A succeeded refund row of an order. */
  async function refund(
    order: Awaited<ReturnType<typeof paidOrder>>,
    lines: { orderItemId: string; amountMinor: number }[],
    status = 'succeeded',
  ) {
    const refundId = newId('ref')
    await db.insert(refunds).values({
      id: refundId,
      paymentId: newId('pay'),
      orderId: order.orderId,
      orgId: order.orgId,
      amountMinor: lines.reduce((s, l) => s + l.amountMinor, 0),
      reason: 'requested_by_customer',
      status,
      items: lines,
    })
    return refundId
  }

  /** Delivers an event to the invoice handler of its type, in one transaction (as the inbox does). */
  async function deliver(
    type: string,
    orgId: string | null,
    payload: Record<string, unknown>,
    on: Database = database,
  ) {
    const h = handlers.find((x: EventHandler) => x.event.type === type)!
    const envelope = {
      id: newId('evt'),
      type,
      version: 1,
      producer: 'commerce',
      occurredAt: new Date().toISOString(),
      orgId,
      traceparent: null,
      payload,
    }
    await on.db.transaction((tx) =>
      h.handle(tx, payload as never, envelope as never, { log: pino({ level: 'silent' }) }),
    )
  }

  /** commerce.order.paid for a seeded order. */
  const orderPaid = (o: Awaited<ReturnType<typeof paidOrder>>, orgId: string | null = o.orgId) =>
    deliver('commerce.order.paid', orgId, {
      orderId: o.orderId,
      userId: o.userId,
      currency: o.currency,
      totalMinor: o.total,
      items: o.items.map((i) => ({
        productType: 'course',
        productRef: i.productRef,
        quantity: 1,
        amountMinor: i.amountMinor,
        orderItemId: i.id,
        lessonCount: 1,
      })),
      paidAt: new Date().toISOString(),
    })

  /** commerce.payment.refunded for a seeded refund. */
  const refunded = (o: Awaited<ReturnType<typeof paidOrder>>, refundId: string, amountMinor: number) =>
    deliver('commerce.payment.refunded', o.orgId, {
      orderId: o.orderId,
      refundId,
      userId: o.userId,
      currency: o.currency,
      amountMinor,
      full: amountMinor === o.total,
      revokedItems: [],
    })

  return {
    app,
    database,
    db,
    deps,
    orgA,
    orgB,
    user,
    call,
    paidOrder,
    refund,
    deliver,
    orderPaid,
    refunded,
    async close() {
      await app.close()
      if (!options.database) await database.close()
    },
  }
}
