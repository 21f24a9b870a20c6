import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId, sql } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce, type TestUser } from '../test-helpers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'
import { createCheckoutArea } from '../orders/checkout.area.ts'
import { sandboxTokens } from '../payments/sandbox.ts'
import { encodeCursor } from './attention.routes.ts'

let t: TestCommerce
let adminA: TestUser
let adminB: TestUser
let root: TestUser

/** Items of one org, one of each kind (rows made as the jobs leave them). */
type Made = Record<'refund_failed' | 'refund_unsent' | 'renewal_charge' | 'card_expiry' | 'succeeded', string>

/** A paid order and an open one in `orgId`, and one item of each kind over them. */
async function makeItems(orgId: string): Promise<Made> {
  const kit = checkoutKit(t, orgId)
  const { price } = await kit.product({ amount: 3000 })
  const buyer = t.user(['learner'], orgId)
  const paid = await kit.paidOrder(buyer, [price.id], { paymentMethod: sandboxTokens.ok })
  const paymentId = paid.payments[0]!.id
  const { refunds } = createCheckoutArea(t.deps)
  // A refused automatic refund, recorded through the refunds service (finalize keeps the failure code).
  const refused = await t.db.transaction((tx) =>
    refunds.reserve(tx, orgId, paid.id, { amountMinor: 500, reason: 'enrollment_rejected' }, null),
  )
  await t.db.transaction((tx) =>
    refunds.finalize(
      tx,
      refused.id,
      { providerRef: 're_x', status: 'failed', failureCode: 'charge_disputed' },
      null,
    ),
  )
  const insertRefund = async (status: string, ageHours: number, providerRef: string | null) => {
    const id = newId('ref')
    await t.database.query(sql`insert into commerce.refunds
      (id, payment_id, order_id, org_id, amount_minor, reason, status, provider_ref, created_at)
      values (${id}, ${paymentId}, ${paid.id}, ${orgId}, 400, 'lesson_cancelled', ${status}, ${providerRef},
        now() - ${ageHours}::int * interval '1 hour')`)
    return id
  }
  const unsent = await insertRefund('pending', 21, null)
  await insertRefund('pending', 2, null) // still sent by the job: not listed
  const succeeded = await insertRefund('succeeded', 30, 're_ok')
  // An open order whose payment was never answered: a renewal attempt out of calls.
  const renewal = await kit.openOrder(price.id, sandboxTokens.action, t.user(['learner'], orgId))
  await t.database.query(
    sql`update commerce.payments set status = 'requires_payment' where order_id = ${renewal.orderId}`,
  )
  const [pay] = await t.database.query<{ id: string }>(
    sql`select id from commerce.payments where order_id = ${renewal.orderId}`,
  )
  const chargeId = newId('sch')
  await t.database.query(sql`insert into commerce.subscription_charges
    (id, subscription_id, org_id, period_start, period_end, attempt, order_id, payment_id, amount_minor,
     status, call_attempts, next_call_at, last_error)
    values (${chargeId}, ${newId('sub')}, ${orgId}, now(), now() + interval '30 days', 1, ${renewal.orderId},
      ${pay!.id}, 3000, 'pending', 8, now() + interval '6 hours', 'StripeConnectionError (503)')`)
  // An abandoned card payment the provider could not cancel.
  const card = await kit.openOrder(price.id, sandboxTokens.action, t.user(['learner'], orgId))
  await t.database
    .query(sql`insert into commerce.card_expiries (order_id, attempts, next_attempt_at, last_error)
    values (${card.orderId}, 8, now() + interval '6 hours', 'StripeAPIError:resource_missing (404)')`)
  return {
    refund_failed: refused.id,
    refund_unsent: unsent,
    renewal_charge: chargeId,
    card_expiry: card.orderId,
    succeeded,
  }
}

let a: Made
let b: Made

beforeAll(async () => {
  t = await createTestCommerce()
  adminA = t.user(['org_admin'], t.orgA)
  adminB = t.user(['org_admin'], t.orgB)
  root = t.user([], t.orgA, { platformAdmin: true })
  a = await makeItems(t.orgA)
  b = await makeItems(t.orgB)
})
afterAll(() => t.close())

async function list(as: TestUser, query = '') {
  const res = await t.call(as, 'GET', `/admin/attention${query}`)
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as {
    items: { kind: string; id: string; orgId: string; [k: string]: unknown }[]
    nextCursor: string | null
  }
}

async function actions(itemId: string) {
  return t.database.query<{ action: string; actor_id: string; note: string | null }>(
    sql`select action, actor_id, note from commerce.attention_actions where item_id = ${itemId} order by created_at`,
  )
}

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
) {
  expect(res.statusCode).toBe(status)
  expect(String(res.headers['content-type'])).toContain('application/problem+json')
}

describe('GET /admin/attention', () => {
  it('lists a refused refund someone asked for too (a refusal can come later, by webhook)', async () => {
    const kit = checkoutKit(t, t.orgA)
    const { price } = await kit.product({ amount: 2000 })
    const paid = await kit.paidOrder(t.user(['learner'], t.orgA), [price.id], {
      paymentMethod: sandboxTokens.ok,
    })
    const { refunds } = createCheckoutArea(t.deps)
    const asked = await t.db.transaction((tx) =>
      refunds.reserve(tx, t.orgA, paid.id, { amountMinor: 700, reason: 'customer_request' }, null),
    )
    await t.db.transaction((tx) =>
      refunds.finalize(
        tx,
        asked.id,
        { providerRef: 're_y', status: 'failed', failureCode: 'declined' },
        null,
      ),
    )
    const listed = (await list(adminA, '?kind=refund_failed&limit=100')).items.find((i) => i.id === asked.id)
    expect(listed).toMatchObject({ kind: 'refund_failed', amountMinor: 700, reason: 'customer_request' })
    // Settled here, so the other tests' lists stay as made.
    const res = await t.call(adminA, 'POST', `/admin/attention/refund_failed/${asked.id}/resolve`, {
      note: 'Refunded by bank transfer',
    })
    expect(res.statusCode, res.body).toBe(200)
    expect((await list(adminA, '?limit=100')).items.map((i) => i.id)).not.toContain(asked.id)
  })

  it("lists an org admin's own items of every kind, oldest first, with what a person needs to act", async () => {
    const { items } = await list(adminA, '?limit=100')
    expect(items.map((i) => [i.kind, i.id]).sort()).toEqual(
      Object.entries(a)
        .filter(([k]) => k !== 'succeeded')
        .sort(),
    )
    expect(items.every((i) => i.orgId === t.orgA)).toBe(true)
    const byKind = Object.fromEntries(items.map((i) => [i.kind, i]))
    expect(byKind.refund_failed).toMatchObject({
      amountMinor: 500,
      currency: 'EUR',
      lastError: 'charge_disputed',
      reason: 'enrollment_rejected',
      attempts: null,
      retryable: false,
    })
    expect(byKind.refund_unsent).toMatchObject({ amountMinor: 400, lastError: null, retryable: false })
    expect(byKind.renewal_charge).toMatchObject({
      amountMinor: 3000,
      attempts: 8,
      lastError: 'StripeConnectionError (503)',
      retryable: true,
    })
    expect(byKind.renewal_charge!.subscriptionId).toMatch(/^sub_/)
    expect(byKind.card_expiry).toMatchObject({ orderId: a.card_expiry, attempts: 8, retryable: true })
    const since = items.map((i) => String(i.since))
    expect([...since].sort()).toEqual(since)
  })

  it('a platform admin sees every org, or one with orgId; kind filters', async () => {
    const all = await list(root, '?limit=100')
    const ids = all.items.map((i) => i.id)
    for (const id of [a.refund_failed, b.refund_failed, a.card_expiry, b.card_expiry])
      expect(ids).toContain(id)
    const onlyB = await list(root, `?limit=100&orgId=${t.orgB}`)
    expect(onlyB.items.length).toBe(4)
    expect(onlyB.items.every((i) => i.orgId === t.orgB)).toBe(true)
    const charges = await list(root, '?kind=renewal_charge')
    expect(charges.items.map((i) => i.id).sort()).toEqual([a.renewal_charge, b.renewal_charge].sort())
  })

  it('pages with a keyset cursor: every item once', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page = await list(root, `?limit=3${cursor ? `&after=${cursor}` : ''}`)
      expect(page.items.length).toBeLessThanOrEqual(3)
      seen.push(...page.items.map((i) => i.id))
      cursor = page.nextCursor
    } while (cursor)
    expect(seen.length).toBe(8)
    expect(new Set(seen).size).toBe(8)
  })

  it('refuses learners (403), anonymous callers (401), bad input (400) and other orgs (404)', async () => {
    expectProblem(await t.call(t.user(['learner'], t.orgA), 'GET', '/admin/attention'), 403)
    expectProblem(await t.call(null, 'GET', '/admin/attention'), 401)
    expectProblem(await t.call(adminA, 'GET', '/admin/attention?kind=everything'), 400)
    expectProblem(await t.call(adminA, 'GET', '/admin/attention?limit=0'), 400)
    expectProblem(await t.call(adminA, 'GET', '/admin/attention?after=bm90LWEtY3Vyc29y'), 400)
    const forged = encodeCursor({ sinceKey: 'yesterday', kind: 'card_expiry', id: a.card_expiry })
    expectProblem(await t.call(adminA, 'GET', `/admin/attention?after=${forged}`), 400)
    expectProblem(await t.call(adminA, 'GET', `/admin/attention?orgId=${t.orgB}`), 404)
  })
})

describe('POST /admin/attention/:kind/:id/retry', () => {
  it('puts a renewal attempt back in the charge queue once, audited; a repeat changes nothing', async () => {
    const res = await t.call(adminA, 'POST', `/admin/attention/renewal_charge/${a.renewal_charge}/retry`, {})
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ action: 'retry', status: 'queued', changed: true, by: adminA.userId })
    const [row] = await t.database.query<{ call_attempts: number; due: boolean; claimed_by: string | null }>(
      sql`select call_attempts, next_call_at <= now() as due, claimed_by from commerce.subscription_charges
          where id = ${a.renewal_charge}`,
    )
    expect(row).toEqual({ call_attempts: 0, due: true, claimed_by: null })
    expect((await list(adminA, '?limit=100')).items.map((i) => i.id)).not.toContain(a.renewal_charge)
    const again = await t.call(
      adminA,
      'POST',
      `/admin/attention/renewal_charge/${a.renewal_charge}/retry`,
      {},
    )
    expect(again.statusCode, again.body).toBe(200)
    expect(again.json()).toMatchObject({ changed: false, status: 'queued' })
    expect(await actions(a.renewal_charge)).toEqual([
      { action: 'retry', actor_id: adminA.userId, note: null },
    ])
  })

  it('a platform admin requeues another org’s card expiry', async () => {
    const res = await t.call(root, 'POST', `/admin/attention/card_expiry/${b.card_expiry}/retry`)
    expect(res.statusCode, res.body).toBe(200)
    const [row] = await t.database.query<{ attempts: number }>(
      sql`select attempts from commerce.card_expiries where order_id = ${b.card_expiry}`,
    )
    expect(row!.attempts).toBe(0)
  })

  it('never re-sends a refund (409 not_retryable, nothing changed)', async () => {
    const res = await t.call(adminA, 'POST', `/admin/attention/refund_unsent/${a.refund_unsent}/retry`)
    expectProblem(res, 409)
    expect(res.json()).toMatchObject({ reason: 'not_retryable' })
    const [r] = await t.database.query<{ status: string }>(
      sql`select status from commerce.refunds where id = ${a.refund_unsent}`,
    )
    expect(r!.status).toBe('pending')
    expect(await actions(a.refund_unsent)).toEqual([])
  })

  it("answers 404 for another org's item and changes nothing; 400 for a malformed path", async () => {
    expectProblem(await t.call(adminB, 'POST', `/admin/attention/card_expiry/${a.card_expiry}/retry`), 404)
    expectProblem(await t.call(adminA, 'POST', `/admin/attention/card_expiry/${newId('ord')}/retry`), 404)
    const [row] = await t.database.query<{ attempts: number }>(
      sql`select attempts from commerce.card_expiries where order_id = ${a.card_expiry}`,
    )
    expect(row!.attempts).toBe(8)
    expectProblem(await t.call(adminA, 'POST', `/admin/attention/payout/${a.card_expiry}/retry`), 400)
    expectProblem(await t.call(adminA, 'POST', `/admin/attention/card_expiry/not-an-id/retry`), 400)
    expectProblem(
      await t.call(
        t.user(['learner'], t.orgA),
        'POST',
        `/admin/attention/card_expiry/${a.card_expiry}/retry`,
      ),
      403,
    )
  })
})

describe('POST /admin/attention/:kind/:id/resolve', () => {
  it('resolves with a note once (who and when kept); it leaves the list and is not retried', async () => {
    const path = `/admin/attention/refund_failed/${a.refund_failed}/resolve`
    const res = await t.call(adminA, 'POST', path, { note: '  Refunded by bank transfer ' })
    expect(res.statusCode, res.body).toBe(200)
    const first = res.json()
    expect(first).toMatchObject({
      status: 'resolved',
      changed: true,
      by: adminA.userId,
      note: 'Refunded by bank transfer',
    })
    expect((await list(adminA, '?limit=100')).items.map((i) => i.id)).not.toContain(a.refund_failed)
    const again = await t.call(root, 'POST', path, { note: 'again' })
    expect(again.statusCode, again.body).toBe(200)
    expect(again.json()).toEqual({ ...first, changed: false })
    expect(await actions(a.refund_failed)).toEqual([
      { action: 'resolve', actor_id: adminA.userId, note: 'Refunded by bank transfer' },
    ])
    await t.call(adminA, 'POST', `/admin/attention/card_expiry/${a.card_expiry}/resolve`, {
      note: 'Cancelled in the Stripe dashboard',
    })
    const retry = await t.call(adminA, 'POST', `/admin/attention/card_expiry/${a.card_expiry}/retry`)
    expectProblem(retry, 409)
    expect(retry.json()).toMatchObject({ reason: 'already_resolved' })
  })

  it('refuses a note-less resolve (400), an item that does not wait (409), another org’s (404)', async () => {
    const path = `/admin/attention/refund_unsent/${a.refund_unsent}/resolve`
    expectProblem(await t.call(adminA, 'POST', path, {}), 400)
    expectProblem(await t.call(adminA, 'POST', path, { note: '   ' }), 400)
    expectProblem(await t.call(adminA, 'POST', path, { note: 'x', extra: 1 }), 400)
    const done = await t.call(adminA, 'POST', `/admin/attention/refund_unsent/${a.succeeded}/resolve`, {
      note: 'x',
    })
    expectProblem(done, 409)
    expect(done.json()).toMatchObject({ reason: 'not_waiting' })
    expectProblem(await t.call(adminB, 'POST', path, { note: 'not mine' }), 404)
    expect(await actions(a.refund_unsent)).toEqual([])
    expect((await list(adminA, '?limit=100')).items.map((i) => i.id)).toContain(a.refund_unsent)
  })
})
