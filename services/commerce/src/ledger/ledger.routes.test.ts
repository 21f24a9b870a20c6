import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId, sql, type Tx } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce, type TestUser } from '../test-helpers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'
import { ledgerHandlers } from './ledger.handlers.ts'
import { ledgerJobs } from './ledger.jobs.ts'
import { postPaymentCaptured, postRefund, type PostingLine } from './postings.ts'
import {
  balancesOf,
  courseLine,
  directConsumer,
  ledgerInvariants,
  lessonCompleted,
  payment,
  tutoringLine,
} from './ledger.test-kit.ts'

let t: TestCommerce
let consumer: ReturnType<typeof directConsumer>
beforeAll(async () => {
  t = await createTestCommerce()
  consumer = directConsumer(t.database, ledgerHandlers(t.deps))
})
afterAll(() => t.close())

const tx = <T>(fn: (tx: Tx) => Promise<T>) => t.db.transaction(fn)

/** Captures a payment of these lines in org (default A); returns the payment. */
async function sell(lines: PostingLine[], orgId = t.orgA, feeMinor = 0) {
  const p = payment(orgId, lines, feeMinor)
  await tx((x) => postPaymentCaptured(x, t.config, p))
  return p
}

async function refundLine(p: ReturnType<typeof payment>, line: PostingLine, refundMinor: number) {
  await tx((x) =>
    postRefund(x, t.config, {
      refundId: newId('rfd'),
      paymentId: p.paymentId,
      orderId: p.orderId,
      orgId: p.orgId,
      userId: p.userId,
      currency: p.currency,
      lines: [{ ...line, refundMinor }],
    }),
  )
}

async function counts() {
  const [row] = await t.database.query<Record<string, string>>(
    sql`select (select count(*) from commerce.ledger_transactions)::text as tx,
               (select count(*) from commerce.ledger_entries)::text as entries,
               (select count(*) from commerce.payouts)::text as payouts,
               (select count(*) from commerce.idempotency_keys)::text as keys,
               (select count(*) from commerce.outbox)::text as outbox`,
  )
  return row
}

const admin = () => t.user(['org_admin'])

describe('happy', () => {
  it('an instructor sees a course sale in their earnings with descriptions, paginated newest first', async () => {
    const instructor = t.user(['instructor'])
    await sell([courseLine(instructor.userId, 1000)])
    await sell([courseLine(instructor.userId, 2000)])
    await sell([courseLine(instructor.userId, 3001)])
    const me = await t.call(instructor, 'GET', '/earnings/me')
    expect(me.statusCode).toBe(200)
    expect(me.json()).toEqual({
      payeeUserId: instructor.userId,
      balances: [{ currency: 'EUR', availableMinor: 800 + 1600 + 2400, pendingEscrowMinor: 0 }],
      payoutMinimumMinor: t.config.PAYOUT_MINIMUM_MINOR,
    })
    const first = await t.call(instructor, 'GET', '/earnings/me/entries?limit=2')
    expect(first.statusCode).toBe(200)
    const body = first.json()
    expect(body.items.map((i: { amountMinor: number }) => i.amountMinor)).toEqual([2400, 1600])
    expect(body.items[0].description).toMatch(/your 80% share/)
    const second = await t.call(instructor, 'GET', `/earnings/me/entries?limit=2&after=${body.nextCursor}`)
    expect(second.json().items.map((i: { amountMinor: number }) => i.amountMinor)).toEqual([800])
    expect(second.json().nextCursor).toBeNull()
  })

  it('entries read as labels naming the course sold, never an id; the ids have their own fields', async () => {
    const kit = checkoutKit(t)
    const instructor = t.user(['instructor'])
    const course = await kit.product({ amount: 5000, title: 'Intro to Rust', payeeUserId: instructor.userId })
    const order = await kit.paidOrder(t.user(), [course.price.id])
    const refund = await t.call(
      kit.admin,
      'POST',
      `/orders/${order.id}/refunds`,
      { reason: 'customer request' },
      { 'idempotency-key': newId('key') },
    )
    expect(refund.statusCode, refund.body).toBe(201)
    const res = await t.call(instructor, 'GET', '/earnings/me/entries')
    expect(res.statusCode).toBe(200)
    const [clawback, sale] = res.json().items
    expect(sale).toMatchObject({
      transactionKind: 'payment_captured',
      transactionRef: order.payments[0]!.id,
      description: 'Course sale (Intro to Rust): your 80% share',
      transactionDescription: 'Payment captured (sandbox)',
      orderId: order.id,
      orderItemId: order.items[0]!.id,
      itemTitle: 'Intro to Rust',
    })
    expect(clawback).toMatchObject({
      transactionKind: 'refund',
      transactionRef: refund.json().refund.id,
      description: 'Refund of a course sale (Intro to Rust): clawed back from your earnings',
      transactionDescription: 'Refund (Intro to Rust)',
      orderId: order.id,
    })
    for (const e of res.json().items) {
      expect(`${e.description} ${e.transactionDescription}`).not.toMatch(/\b[a-z]{2,4}_[A-Za-z0-9]{6,}/)
    }
  })

  it('a delivered lesson releases its share of escrow: 80% to the tutor, 20% commission; a redelivery changes nothing', async () => {
    const tutor = t.user(['tutor'])
    const line = tutoringLine(tutor.userId, 3001, 3)
    await sell([line])
    let me = (await t.call(tutor, 'GET', '/earnings/me')).json()
    expect(me.balances).toEqual([{ currency: 'EUR', availableMinor: 0, pendingEscrowMinor: 3001 }])
    const payload = lessonCompleted(line)
    const eventId = await consumer.deliver('tutoring.lesson.completed', t.orgA, payload)
    await consumer.deliver('tutoring.lesson.completed', t.orgA, payload, eventId) // same event again
    await consumer.deliver('tutoring.lesson.completed', t.orgA, payload) // same booking, new event id
    me = (await t.call(tutor, 'GET', '/earnings/me')).json()
    expect(me.balances).toEqual([{ currency: 'EUR', availableMinor: 800, pendingEscrowMinor: 2001 }])
    // The last lesson carries the remainder: 1000 + 1000 + 1001 = 3001.
    await consumer.deliver('tutoring.lesson.completed', t.orgA, lessonCompleted(line))
    await consumer.deliver('tutoring.lesson.completed', t.orgA, lessonCompleted(line))
    me = (await t.call(tutor, 'GET', '/earnings/me')).json()
    expect(me.balances).toEqual([{ currency: 'EUR', availableMinor: 800 + 800 + 800, pendingEscrowMinor: 0 }])
    const b = await balancesOf(t.database, t.orgA)
    expect(b[`escrow:${tutor.userId}:EUR`]).toBeUndefined()
    const [hold] = await t.database.query<{ status: string; released_minor: number }>(
      sql`select status, released_minor from commerce.escrow_holds where order_item_id = ${line.orderItemId}`,
    )
    expect(hold).toEqual({ status: 'released', released_minor: 3001 })
    const [hours] = await t.database.query<{ minutes_taught: number }>(
      sql`select minutes_taught from commerce.tutor_teaching_totals where tutor_id = ${tutor.userId}`,
    )
    expect(hours!.minutes_taught).toBe(180)
  })

  it('a refundable cancellation marks the share refundable and moves no money; a forfeited one releases it', async () => {
    const tutor = t.user(['tutor'])
    const line = tutoringLine(tutor.userId, 2000, 2)
    await sell([line])
    const before = await counts()
    const base = lessonCompleted(line)
    await consumer.deliver('tutoring.lesson.cancelled', t.orgA, {
      bookingId: base.bookingId,
      tutorId: tutor.userId,
      learnerId: base.learnerId,
      orderId: base.orderId,
      orderItemId: line.orderItemId,
      cancelledBy: 'learner',
      refundable: true,
    })
    expect((await counts())!.entries).toBe(before!.entries)
    const [hold] = await t.database.query<{ refundable_minor: number; lessons_cancelled: number }>(
      sql`select refundable_minor, lessons_cancelled from commerce.escrow_holds where order_item_id = ${line.orderItemId}`,
    )
    expect(hold).toEqual({ refundable_minor: 1000, lessons_cancelled: 1 })
    await consumer.deliver('tutoring.lesson.cancelled', t.orgA, {
      bookingId: newId('bkg'),
      tutorId: tutor.userId,
      learnerId: base.learnerId,
      orderId: base.orderId,
      orderItemId: line.orderItemId,
      cancelledBy: 'learner',
      refundable: false,
    })
    const me = (await t.call(tutor, 'GET', '/earnings/me')).json()
    expect(me.balances).toEqual([{ currency: 'EUR', availableMinor: 800, pendingEscrowMinor: 1000 }])
  })

  it('an org admin reads a balanced trial balance, accounts and a transaction with its entries', async () => {
    const a = admin()
    const p = await sell([courseLine(newId('usr'), 999)], t.orgA, 30)
    const tb = await t.call(a, 'GET', '/ledger/trial-balance')
    expect(tb.statusCode).toBe(200)
    expect(tb.json().balanced).toBe(true)
    expect(tb.json().unbalancedTransactions).toBe(0)
    for (const row of tb.json().totals) expect(row.sumMinor).toBe(0)
    const accounts = await t.call(a, 'GET', '/ledger/accounts?kind=provider_fees')
    expect(accounts.statusCode).toBe(200)
    expect(accounts.json().items).toHaveLength(1)
    expect(accounts.json().items[0].balanceMinor).toBeGreaterThanOrEqual(30)
    const [row] = await t.database.query<{ id: string }>(
      sql`select id from commerce.ledger_transactions where ref = ${p.paymentId}`,
    )
    const res = await t.call(a, 'GET', `/ledger/transactions/${row!.id}`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ kind: 'payment_captured', ref: p.paymentId, sumMinor: 0 })
    expect(
      res
        .json()
        .entries.map((e: { accountKind: string }) => e.accountKind)
        .sort(),
    ).toEqual(
      ['payable', 'platform_revenue', 'provider_clearing', 'provider_clearing', 'provider_fees'].sort(),
    )
  })

  it('an admin payout run pays balances above the minimum once per Idempotency-Key and emits commerce.payout.sent', async () => {
    const a = admin()
    const rich = t.user(['instructor'])
    const poor = t.user(['instructor'])
    await sell([courseLine(rich.userId, 10_000), courseLine(poor.userId, 1000)])
    const key = { 'idempotency-key': `run-${newId('x')}` }
    const res = await t.call(a, 'POST', '/ledger/payouts/run', {}, key)
    expect(res.statusCode).toBe(200)
    const mine = res.json().payouts.filter((p: { payeeUserId: string }) => p.payeeUserId === rich.userId)
    expect(mine).toEqual([
      expect.objectContaining({ amountMinor: 8000, status: 'paid', provider: 'sandbox' }),
    ])
    expect(res.json().payouts.some((p: { payeeUserId: string }) => p.payeeUserId === poor.userId)).toBe(false)
    const again = await t.call(a, 'POST', '/ledger/payouts/run', {}, key)
    expect(again.statusCode).toBe(200)
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(again.json()).toEqual(res.json())
    const me = (await t.call(rich, 'GET', '/earnings/me')).json()
    expect(me.balances[0].availableMinor).toBe(0)
    const payouts = (await t.call(rich, 'GET', '/earnings/me/payouts')).json()
    expect(payouts.items).toHaveLength(1)
    const events = await t.events('commerce.payout.sent')
    expect(events.filter((e) => e.payload.payeeUserId === rich.userId)).toHaveLength(1)
    const b = await balancesOf(t.database, t.orgA)
    expect(b['payouts_in_transit::EUR']).toBeUndefined()
    expect(await ledgerInvariants(t.database)).toEqual({ unbalanced: [], total: 0 })
  })

  it('the scheduled payout job pays every organization once per period', async () => {
    const payee = t.user(['instructor'], t.orgB)
    await sell([courseLine(payee.userId, 20_000)], t.orgB)
    const job = ledgerJobs(t.deps)[0]!
    if (job.kind !== 'recurring') throw new Error('expected a recurring job')
    const runAt = new Date(Date.now() - 1000)
    const ctx = { id: 'j1', name: job.name, attempt: 1, runAt, key: null }
    await tx((x) => job.handle(x, ctx))
    await tx((x) => job.handle(x, ctx)) // a retry of the same occurrence
    const [row] = await t.database.query<{ n: number; amount: number }>(
      sql`select count(*)::int as n, sum(amount_minor)::int as amount from commerce.payouts where payee_user_id = ${payee.userId}`,
    )
    expect(row).toEqual({ n: 1, amount: 16_000 })
  })

  it('an annual statement shows gross, commission, clawbacks, payouts and net, as JSON, CSV and PDF', async () => {
    const instructor = t.user(['instructor'])
    const line = courseLine(instructor.userId, 10_000)
    const p = await sell([line])
    await refundLine(p, line, 2500)
    await t.call(admin(), 'POST', '/ledger/payouts/run', {}, { 'idempotency-key': newId('k') })
    const year = new Date().getUTCFullYear()
    const res = await t.call(instructor, 'GET', `/earnings/statements/${year}`)
    expect(res.statusCode).toBe(200)
    const eur = res.json().currencies[0]
    expect(eur.total).toMatchObject({
      grossMinor: 10_000,
      commissionMinor: 2000,
      refundsMinor: 2000,
      netMinor: 6000,
      payoutsMinor: 6000,
    })
    expect(eur.openingBalanceMinor).toBe(0)
    expect(eur.closingBalanceMinor).toBe(0)
    const csv = await t.call(instructor, 'GET', `/earnings/statements/${year}?format=csv`)
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-type']).toMatch(/^text\/csv/)
    expect(csv.body).toContain(`${instructor.userId},${year},total,EUR,10000,2000,2000,6000,6000,0,0`)
    const pdf = await t.call(instructor, 'GET', `/earnings/statements/${year}?format=pdf`)
    expect(pdf.statusCode).toBe(200)
    expect(pdf.headers['content-type']).toBe('application/pdf')
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-')
    const byAdmin = await t.call(
      admin(),
      'GET',
      `/earnings/statements/${year}?payeeUserId=${instructor.userId}`,
    )
    expect(byAdmin.statusCode).toBe(200)
    expect(byAdmin.json().currencies[0].total.grossMinor).toBe(10_000)
  })
})

describe('errors', () => {
  it('a payout run without an Idempotency-Key is a 400 and pays nothing', async () => {
    await sell([courseLine(newId('usr'), 50_000)])
    const before = await counts()
    const res = await t.call(admin(), 'POST', '/ledger/payouts/run', {})
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/problem\+json/)
    expect(await counts()).toEqual(before)
  })

  it('the same key with a different body is a 422; a future period or unknown field changes nothing', async () => {
    const a = admin()
    const key = { 'idempotency-key': newId('k') }
    const past = new Date(Date.now() - 3_600_000).toISOString()
    expect((await t.call(a, 'POST', '/ledger/payouts/run', { periodEnd: past }, key)).statusCode).toBe(200)
    const before = await counts()
    const other = await t.call(a, 'POST', '/ledger/payouts/run', {}, key)
    expect(other.statusCode).toBe(422)
    const future = new Date(Date.now() + 86_400_000).toISOString()
    const res = await t.call(
      a,
      'POST',
      '/ledger/payouts/run',
      { periodEnd: future },
      { 'idempotency-key': newId('k') },
    )
    expect(res.statusCode).toBe(422)
    const extra = await t.call(
      a,
      'POST',
      '/ledger/payouts/run',
      { amount: 1 },
      { 'idempotency-key': newId('k') },
    )
    expect(extra.statusCode).toBe(400)
    const bad = await t.call(
      a,
      'POST',
      '/ledger/payouts/run',
      { periodEnd: 'yesterday' },
      { 'idempotency-key': newId('k') },
    )
    expect(bad.statusCode).toBe(400)
    const badKey = await t.call(a, 'POST', '/ledger/payouts/run', {}, { 'idempotency-key': 'a b' })
    expect(badKey.statusCode).toBe(400)
    expect(await counts()).toEqual(before)
  })

  it('bad queries and ids are 4xx problems', async () => {
    const a = admin()
    const u = t.user(['instructor'])
    expect((await t.call(u, 'GET', '/earnings/me/entries?limit=0')).statusCode).toBe(400)
    expect((await t.call(u, 'GET', '/earnings/me/entries?after=abc')).statusCode).toBe(400)
    expect((await t.call(u, 'GET', '/earnings/me/entries?foo=1')).statusCode).toBe(400)
    expect((await t.call(u, 'GET', '/earnings/statements/1999')).statusCode).toBe(400)
    expect((await t.call(u, 'GET', '/earnings/statements/2026?format=xls')).statusCode).toBe(400)
    expect((await t.call(a, 'GET', '/ledger/transactions/nope')).statusCode).toBe(400)
    expect((await t.call(a, 'GET', `/ledger/transactions/${newId('ltx')}`)).statusCode).toBe(404)
    expect((await t.call(a, 'GET', '/ledger/accounts?kind=cash')).statusCode).toBe(400)
  })

  it('a malformed lesson event is rejected (dead-lettered) and changes nothing', async () => {
    const tutor = t.user(['tutor'])
    const line = tutoringLine(tutor.userId, 1000, 1)
    await sell([line])
    const before = await counts()
    await expect(
      consumer.deliver('tutoring.lesson.completed', t.orgA, { ...lessonCompleted(line), minutes: -5 }),
    ).rejects.toThrow(/invalid payload/)
    expect(await counts()).toEqual(before)
  })

  it('a statement of someone with no earnings is a 404', async () => {
    const u = t.user(['learner'])
    expect((await t.call(u, 'GET', '/earnings/statements/2026')).statusCode).toBe(404)
  })
})

describe('security', () => {
  it('anonymous callers get 401 everywhere', async () => {
    for (const [method, url] of [
      ['GET', '/earnings/me'],
      ['GET', '/earnings/me/entries'],
      ['GET', '/earnings/me/payouts'],
      ['GET', '/earnings/statements/2026'],
      ['GET', '/ledger/accounts'],
      ['GET', '/ledger/trial-balance'],
      ['GET', `/ledger/transactions/${newId('ltx')}`],
      ['GET', '/ledger/payouts'],
      ['POST', '/ledger/payouts/run'],
    ] as const) {
      const res = await t.call(null, method, url, method === 'POST' ? {} : undefined)
      expect(res.statusCode, url).toBe(401)
    }
  })

  it('only org admins see the trial balance, accounts, transactions, all payouts, and can run payouts', async () => {
    for (const roles of [['learner'], ['instructor'], ['tutor']]) {
      const u = t.user(roles)
      expect((await t.call(u, 'GET', '/ledger/trial-balance')).statusCode).toBe(403)
      expect((await t.call(u, 'GET', '/ledger/accounts')).statusCode).toBe(403)
      expect((await t.call(u, 'GET', `/ledger/transactions/${newId('ltx')}`)).statusCode).toBe(403)
      expect((await t.call(u, 'GET', '/ledger/payouts')).statusCode).toBe(403)
      const before = await counts()
      const run = await t.call(u, 'POST', '/ledger/payouts/run', {}, { 'idempotency-key': newId('k') })
      expect(run.statusCode).toBe(403)
      expect(await counts()).toEqual(before)
    }
  })

  it('a lesson event from another organization cannot release this organization’s escrow', async () => {
    const tutor = t.user(['tutor'])
    const line = tutoringLine(tutor.userId, 1000, 1)
    await sell([line])
    const before = await counts()
    await consumer.deliver('tutoring.lesson.completed', t.orgB, lessonCompleted(line))
    expect((await counts())!.entries).toBe(before!.entries)
    const me = (await t.call(tutor, 'GET', '/earnings/me')).json()
    expect(me.balances).toEqual([{ currency: 'EUR', availableMinor: 0, pendingEscrowMinor: 1000 }])
  })

  it('a payee sees only their own earnings, payouts and statements', async () => {
    const alice = t.user(['instructor'])
    const bob = t.user(['instructor'])
    await sell([courseLine(alice.userId, 7000)])
    const bobs = (await t.call(bob, 'GET', '/earnings/me')).json()
    expect(bobs.balances).toEqual([])
    expect((await t.call(bob, 'GET', '/earnings/me/entries')).json().items).toEqual([])
    const res = await t.call(bob, 'GET', `/earnings/statements/2026?payeeUserId=${alice.userId}`)
    expect(res.statusCode).toBe(403)
  })

  it('another organization’s accounts, transactions, payouts and statements are invisible (404)', async () => {
    const alice = t.user(['instructor'])
    const p = await sell([courseLine(alice.userId, 60_000)])
    await t.call(admin(), 'POST', '/ledger/payouts/run', {}, { 'idempotency-key': newId('k') })
    const adminB = t.user(['org_admin'], t.orgB)
    const [row] = await t.database.query<{ id: string }>(
      sql`select id from commerce.ledger_transactions where ref = ${p.paymentId}`,
    )
    expect((await t.call(adminB, 'GET', `/ledger/transactions/${row!.id}`)).statusCode).toBe(404)
    const year = new Date().getUTCFullYear()
    expect(
      (await t.call(adminB, 'GET', `/earnings/statements/${year}?payeeUserId=${alice.userId}`)).statusCode,
    ).toBe(404)
    const accounts = (await t.call(adminB, 'GET', `/ledger/accounts?ownerId=${alice.userId}`)).json()
    expect(accounts.items).toEqual([])
    const payouts = (await t.call(adminB, 'GET', `/ledger/payouts?payeeUserId=${alice.userId}`)).json()
    expect(payouts.items).toEqual([])
    // Org B's payout run never pays org A's payees; its trial balance does not see org A's money.
    const run = await t.call(adminB, 'POST', '/ledger/payouts/run', {}, { 'idempotency-key': newId('k') })
    expect(run.json().payouts.every((x: { payeeUserId: string }) => x.payeeUserId !== alice.userId)).toBe(
      true,
    )
    const tb = (await t.call(adminB, 'GET', '/ledger/trial-balance')).json()
    const aTb = (await t.call(admin(), 'GET', '/ledger/trial-balance')).json()
    expect(tb.totals).not.toEqual(aTb.totals)
    // The same instructor token switched to org B sees nothing of org A.
    const aliceInB: TestUser = { ...alice, orgId: t.orgB }
    expect((await t.call(aliceInB, 'GET', '/earnings/me')).json().balances).toEqual([])
  })
})
