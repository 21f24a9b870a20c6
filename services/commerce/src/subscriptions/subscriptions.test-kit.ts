import { randomUUID } from 'node:crypto'
import pino from 'pino'
import { expect } from 'vitest'
import { newId, sql, type EventHandler } from '@learnmesh/kernel'
import { invoiceHandlers } from '../invoices/invoices.handlers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'
import type { TestCommerce, TestUser } from '../test-helpers.ts'
import { createSubscriptionsArea } from './subscriptions.routes.ts'

const DAY = 24 * 60 * 60 * 1000

/** Test factories for subscriptions: plans, subscribing through checkout, renewal passes at a chosen time. */
export function subscriptionsKit(t: TestCommerce, orgId = t.orgA) {
  const kit = checkoutKit(t, orgId)
  const { subscriptions } = createSubscriptionsArea(t.deps)
  const invoices = invoiceHandlers(t.deps)

  /** A subscription_plan product with one price (EUR 9.99 a month by default). */
  async function plan(opts: { amount?: number; interval?: 'month' | 'year'; trialDays?: number } = {}) {
    const p = await t.call(kit.admin, 'POST', '/products', {
      type: 'subscription_plan',
      ref: newId('pln'),
      title: 'All-access',
      payeeUserId: null,
    })
    expect(p.statusCode, p.body).toBe(201)
    const pr = await t.call(kit.admin, 'POST', `/products/${p.json().id}/prices`, {
      currency: 'EUR',
      unitAmountMinor: opts.amount ?? 999,
      interval: opts.interval ?? 'month',
      ...(opts.trialDays ? { trialDays: opts.trialDays } : {}),
    })
    expect(pr.statusCode, pr.body).toBe(201)
    return { product: p.json() as { id: string; ref: string }, price: pr.json() as { id: string } }
  }

  /** Subscribes `u` to a plan price through the cart and checkout; returns the order and the subscription. */
  async function subscribe(u: TestUser, priceId: string, paymentMethod = 'pm_sandbox_ok') {
    await kit.add(u, priceId)
    const res = await kit.checkout(u, { paymentMethod })
    expect(res.statusCode, res.body).toBe(201)
    const mine = (await t.call(u, 'GET', '/subscriptions/mine')).json().items as Sub[]
    return { order: res.json(), subscription: mine[0]! }
  }

  /** GET /subscriptions/:id as `u`. */
  async function get(u: TestUser, id: string): Promise<Sub & { charges: Charge[] }> {
    const res = await t.call(u, 'GET', `/subscriptions/${id}`)
    expect(res.statusCode, res.body).toBe(200)
    return res.json()
  }

  /** Runs the renewal pass over everything due at `at` (what the jobs do). */
  function runAt(at: Date) {
    return subscriptions.runDue(at)
  }

  /** A moment `days` days after `iso`. */
  const after = (iso: string, days: number) => new Date(new Date(iso).getTime() + days * DAY)

  /** Delivers every commerce.order.paid in the outbox to the invoice consumer (idempotent per order). */
  async function issueInvoices() {
    const h = invoices.find((x: EventHandler) => x.event.type === 'commerce.order.paid')!
    for (const e of await t.events('commerce.order.paid')) {
      const envelope = { id: randomUUID(), type: e.type, orgId, traceparent: null, payload: e.payload }
      await t.db.transaction((tx) =>
        h.handle(tx, e.payload as never, envelope as never, { log: pino({ level: 'silent' }) }),
      )
    }
  }

  /** Invoices of an order. */
  async function invoicesOf(orderId: string) {
    return t.database.query<{ kind: string; total_minor: number; number: string }>(
      sql`select kind, total_minor::int, number from commerce.invoices where order_id = ${orderId}`,
    )
  }

  /** The subscription events of one subscription, oldest first. */
  async function events(subscriptionId: string) {
    return (await t.events())
      .filter(
        (e) => e.type.startsWith('commerce.subscription.') && e.payload.subscriptionId === subscriptionId,
      )
      .map((e) => ({ type: e.type, payload: e.payload }))
  }

  return { ...kit, subscriptions, plan, subscribe, get, runAt, after, issueInvoices, invoicesOf, events }
}

/** A subscription as the API shows it. */
export interface Sub {
  id: string
  status: string
  orderId: string
  productId: string
  userId: string
  trialEnd: string | null
  currentPeriodStart: string | null
  currentPeriodEnd: string | null
  cancelAtPeriodEnd: boolean
  failedAttempts: number
  nextAttemptAt: string | null
  paymentMethod: string
  cancelReason: string | null
  endedAt: string | null
}

/** A renewal attempt as the API shows it. */
export interface Charge {
  id: string
  attempt: number
  orderId: string
  status: string
  failureCode: string | null
  amountMinor: number
  periodStart: string
  periodEnd: string
}
