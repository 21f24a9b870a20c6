import { randomUUID } from 'node:crypto'
import { expect } from 'vitest'
import { newId, sql, uuid7 } from '@learnmesh/kernel'
import type { TestCommerce, TestUser } from '../test-helpers.ts'

/** Test factories for the checkout area: products, prices, coupons, carts and checkouts through the API. */
export function checkoutKit(t: TestCommerce, orgId = t.orgA) {
  const admin = t.user(['org_admin'], orgId)

  /** A product with one price (course titled 'A course' by default, EUR 49.99). */
  async function product(
    opts: {
      type?: 'course' | 'tutoring_lesson' | 'tutoring_package' | 'subscription_plan'
      amount?: number
      currency?: string
      lessonCount?: number
      interval?: 'month' | 'year'
      payeeUserId?: string | null
      title?: string
      as?: TestUser
    } = {},
  ) {
    const type = opts.type ?? 'course'
    const as = opts.as ?? admin
    const p = await t.call(as, 'POST', '/products', {
      type,
      ref: newId(type === 'course' ? 'crs' : type === 'subscription_plan' ? 'pln' : 'tut'),
      title: opts.title ?? `A ${type}`,
      payeeUserId:
        opts.payeeUserId === undefined
          ? type === 'subscription_plan'
            ? null
            : newId('usr')
          : opts.payeeUserId,
    })
    expect(p.statusCode, p.body).toBe(201)
    const pr = await t.call(as, 'POST', `/products/${p.json().id}/prices`, {
      currency: opts.currency ?? 'EUR',
      unitAmountMinor: opts.amount ?? 4999,
      ...(opts.lessonCount ? { lessonCount: opts.lessonCount } : {}),
      ...(opts.interval ? { interval: opts.interval } : {}),
    })
    expect(pr.statusCode, pr.body).toBe(201)
    return {
      product: p.json() as { id: string; ref: string; type: string },
      price: pr.json() as { id: string },
    }
  }

  /** A coupon (percent 10 sitewide by default). */
  async function coupon(body: Record<string, unknown> = {}) {
    const res = await t.call(admin, 'POST', '/coupons', {
      code: `C${Math.random().toString(36).slice(2, 10)}`.toUpperCase(),
      ...(body.kind === 'fixed' ? {} : { kind: 'percent', percentOff: 10 }),
      ...body,
    })
    expect(res.statusCode, res.body).toBe(201)
    return res.json() as { id: string; code: string }
  }

  /** Adds a price to a user's cart. */
  async function add(user: TestUser, priceId: string, quantity = 1) {
    const res = await t.call(user, 'POST', '/cart/items', { priceId, quantity })
    expect(res.statusCode, res.body).toBe(200)
    return res.json()
  }

  /** POST /checkout with a fresh (or given) Idempotency-Key. */
  function checkout(user: TestUser, body: Record<string, unknown> = {}, key: string = randomUUID()) {
    return t.call(user, 'POST', '/checkout', body, { 'idempotency-key': key })
  }

  /** A learner who bought `priceIds` (paid by the sandbox). */
  async function paidOrder(user: TestUser, priceIds: string[], body: Record<string, unknown> = {}) {
    for (const id of priceIds) await add(user, id)
    const res = await checkout(user, body)
    expect(res.statusCode, res.body).toBe(201)
    return res.json() as {
      id: string
      status: string
      totalMinor: number
      items: { id: string; amountMinor: number; productRef: string; productType: string }[]
      payments: { id: string; status: string; nextAction: { url: string } | null }[]
    }
  }

  /**
   * A checkout of `priceId` with a sandbox `paymentMethod` that leaves the order open (action,
   * late), its detail and the sandbox payment id (what its webhooks name).
   */
  async function openOrder(priceId: string, paymentMethod: string, user: TestUser = t.user()) {
    await add(user, priceId)
    const res = await checkout(user, { paymentMethod })
    expect(res.statusCode, res.body).toBe(201)
    const [row] = await t.database.query<{ provider_ref: string }>(
      sql`select provider_ref from commerce.payments where order_id = ${res.json().id}`,
    )
    return { user, orderId: res.json().id as string, ref: row!.provider_ref, detail: res.json() }
  }

  /** Counts rows of a commerce table (to prove nothing changed). */
  async function count(table: string): Promise<number> {
    const [r] = await t.database.query<{ n: number }>(
      sql.raw(`select count(*)::int as n from commerce.${table}`),
    )
    return r!.n
  }

  /** Sum of all ledger entries (must always be 0) and how many transactions exist. */
  async function ledger(): Promise<{ sum: number; transactions: number }> {
    const [r] = await t.database.query<{ sum: number | null; n: number }>(
      sql`select (select coalesce(sum(amount_minor), 0)::bigint from commerce.ledger_entries) as sum, (select count(*)::int from commerce.ledger_transactions) as n`,
    )
    return { sum: Number(r!.sum ?? 0), transactions: r!.n }
  }

  return { admin, product, coupon, add, checkout, paidOrder, openOrder, count, ledger }
}

/** An event envelope as the inbox hands it to a handler (a fresh id, now). */
export function envelopeOf(
  type: string,
  payload: Record<string, unknown>,
  orgId: string | null,
  producer: string,
) {
  return {
    id: uuid7(),
    type,
    version: 1,
    occurredAt: new Date().toISOString(),
    producer,
    orgId,
    traceparent: null,
    payload,
  }
}
