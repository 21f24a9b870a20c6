import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId, sql, type Tx } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce, type TestUser } from '../test-helpers.ts'
import { postPaymentCaptured } from '../ledger/postings.ts'
import { balancesOf, courseLine, ledgerInvariants, payment } from '../ledger/ledger.test-kit.ts'

let t: TestCommerce
beforeAll(async () => {
  t = await createTestCommerce({ env: { PAYOUT_MINIMUM_MINOR: '1000', PAYOUT_REQUESTS_PER_DAY: '2' } })
})
afterAll(() => t.close())

/** A fresh org with a payee who earned 80% of each gross (course sales). */
async function earner(...gross: number[]) {
  const orgId = newId('org')
  const payee = t.user(['instructor'], orgId)
  await earn(payee, ...gross)
  return { orgId, payee }
}

async function earn(payee: TestUser, ...gross: number[]) {
  for (const g of gross) {
    await t.db.transaction((tx: Tx) =>
      postPaymentCaptured(tx, t.config, payment(payee.orgId, [courseLine(payee.userId, g)])),
    )
  }
}

const key = () => ({ 'idempotency-key': newId('k') })
const payOut = (u: TestUser, headers: Record<string, string> = key(), body: unknown = {}) =>
  t.call(u, 'POST', '/earnings/me/payouts', body, headers)
const available = async (u: TestUser) =>
  (await t.call(u, 'GET', '/earnings/me')).json().balances[0]?.availableMinor as number

async function payoutsOf(orgId: string) {
  return t.database.query<{ id: string; status: string; amount_minor: number }>(
    sql`select id, status, amount_minor::int as amount_minor from commerce.payouts where org_id = ${orgId}`,
  )
}

async function changes(orgId: string) {
  const [row] = await t.database.query<Record<string, string>>(
    sql`select (select count(*) from commerce.ledger_transactions where org_id = ${orgId})::text as tx,
               (select count(*) from commerce.payouts where org_id = ${orgId})::text as payouts,
               (select count(*) from commerce.outbox where org_id = ${orgId})::text as outbox`,
  )
  return row
}

describe('happy', () => {
  it('pays the whole available balance through the sandbox rail, balanced, listed, with commerce.payout.sent', async () => {
    const { orgId, payee } = await earner(10_000, 2500)
    const me = (await t.call(payee, 'GET', '/earnings/me')).json()
    expect(me).toMatchObject({ payoutMinimumMinor: 1000, balances: [{ availableMinor: 10_000 }] })
    const res = await payOut(payee)
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json().payouts).toEqual([
      expect.objectContaining({
        payeeUserId: payee.userId,
        currency: 'EUR',
        amountMinor: 10_000,
        provider: 'sandbox',
        status: 'paid',
      }),
    ])
    expect(res.json().periodEnd).toBe(res.json().payouts[0].periodEnd)
    expect(await available(payee)).toBe(0)
    const listed = (await t.call(payee, 'GET', '/earnings/me/payouts')).json()
    expect(listed.items).toEqual(res.json().payouts)
    const sent = (await t.events('commerce.payout.sent')).filter(
      (e) => e.payload.payeeUserId === payee.userId,
    )
    expect(sent).toHaveLength(1)
    expect(sent[0]!.payload).toMatchObject({ payoutId: res.json().payouts[0].id, amountMinor: 10_000 })
    const b = await balancesOf(t.database, orgId)
    expect(b[`payable:${payee.userId}:EUR`]).toBeUndefined()
    expect(b['payouts_in_transit::EUR']).toBeUndefined()
    expect(await ledgerInvariants(t.database)).toEqual({ unbalanced: [], total: 0 })
  })

  it('only the caller is paid: other payees of the org keep their balance for the scheduled run', async () => {
    const { orgId, payee } = await earner(5000)
    const colleague = t.user(['instructor'], orgId)
    await earn(colleague, 5000)
    expect((await payOut(payee)).statusCode).toBe(201)
    expect(await available(colleague)).toBe(4000)
    expect(await payoutsOf(orgId)).toHaveLength(1)
  })

  it('the same Idempotency-Key replays the answer and pays once', async () => {
    const { orgId, payee } = await earner(5000)
    const k = key()
    const first = await payOut(payee, k)
    expect(first.statusCode).toBe(201)
    await earn(payee, 5000) // new money: a replay still must not pay it
    const again = await payOut(payee, k)
    expect(again.statusCode).toBe(201)
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(again.json()).toEqual(first.json())
    expect(await payoutsOf(orgId)).toHaveLength(1)
    expect(await available(payee)).toBe(4000)
  })

  it('two requests at once (other keys or the same key) pay once', async () => {
    const { orgId, payee } = await earner(5000)
    const both = await Promise.all([payOut(payee), payOut(payee)])
    expect(both.map((r) => r.statusCode).sort()).toEqual([201, 409])
    expect(both.find((r) => r.statusCode === 409)!.json().reason).toBe('below_minimum')
    await earn(payee, 5000)
    const k = key()
    const same = await Promise.all([payOut(payee, k), payOut(payee, k)])
    expect(same.map((r) => r.statusCode)).toEqual([201, 201])
    expect(same[0]!.json()).toEqual(same[1]!.json())
    const rows = await payoutsOf(orgId)
    expect(rows.map((r) => r.amount_minor)).toEqual([4000, 4000])
    expect(await available(payee)).toBe(0)
    expect(await ledgerInvariants(t.database)).toEqual({ unbalanced: [], total: 0 })
  })
})

describe('errors', () => {
  it('below the minimum: 409 below_minimum, nothing changes, and the refusal is replayed for its key', async () => {
    const { orgId, payee } = await earner(1000) // 800 available, minimum 1000
    const before = await changes(orgId)
    const k = key()
    const res = await payOut(payee, k)
    expect(res.statusCode).toBe(409)
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
    expect(res.json()).toMatchObject({ code: 'conflict', reason: 'below_minimum', minimumMinor: 1000 })
    expect(await changes(orgId)).toEqual(before)
    expect(await available(payee)).toBe(800)
    await earn(payee, 5000)
    expect((await payOut(payee, k)).json().reason).toBe('below_minimum') // same key, same answer
    expect((await payOut(payee)).statusCode).toBe(201) // a new key pays the new balance
  })

  it('someone with no earnings at all gets below_minimum, not a 5xx', async () => {
    const res = await payOut(t.user(['learner']))
    expect(res.statusCode).toBe(409)
    expect(res.json().reason).toBe('below_minimum')
  })

  it('a pending payout blocks a new request with payout_pending', async () => {
    const { orgId, payee } = await earner(5000)
    await t.database.query(
      sql`insert into commerce.payouts (id, org_id, payee_user_id, currency, amount_minor, provider, status, period_start, period_end)
          values (${newId('pyo')}, ${orgId}, ${payee.userId}, 'EUR', 100, 'sandbox', 'pending', now() - interval '1 day', now() - interval '1 hour')`,
    )
    const res = await payOut(payee)
    expect(res.statusCode).toBe(409)
    expect(res.json().reason).toBe('payout_pending')
    expect(await available(payee)).toBe(4000)
  })

  it('at most PAYOUT_REQUESTS_PER_DAY paying requests a day: then 429 payout_request_limit', async () => {
    const { orgId, payee } = await earner(5000)
    expect((await payOut(payee)).statusCode).toBe(201)
    expect((await payOut(payee)).statusCode).toBe(409) // a refusal does not count
    await earn(payee, 5000)
    expect((await payOut(payee)).statusCode).toBe(201)
    await earn(payee, 5000)
    const third = await payOut(payee)
    expect(third.statusCode).toBe(429)
    expect(third.json()).toMatchObject({ reason: 'payout_request_limit', limitPerDay: 2 })
    expect(await available(payee)).toBe(4000)
    expect(await payoutsOf(orgId)).toHaveLength(2)
  })

  it('no Idempotency-Key, a malformed key or a body field: 400 and nothing is paid', async () => {
    const { orgId, payee } = await earner(5000)
    const none = await t.call(payee, 'POST', '/earnings/me/payouts', {})
    expect(none.statusCode).toBe(400)
    expect((await payOut(payee, { 'idempotency-key': 'a b' })).statusCode).toBe(400)
    expect((await payOut(payee, key(), { amountMinor: 1 })).statusCode).toBe(400)
    expect(await payoutsOf(orgId)).toEqual([])
    expect(await available(payee)).toBe(4000)
  })
})

describe('security', () => {
  it('anonymous callers get 401', async () => {
    const res = await t.call(null, 'POST', '/earnings/me/payouts', {}, key())
    expect(res.statusCode).toBe(401)
  })

  it('nobody can pay out someone else’s balance: no payee parameter, keys are per caller', async () => {
    const { orgId, payee } = await earner(5000)
    const other = t.user(['instructor'], orgId)
    const k = key()
    expect((await payOut(other, key(), { payeeUserId: payee.userId })).statusCode).toBe(400)
    const query = await t.call(other, 'POST', `/earnings/me/payouts?payeeUserId=${payee.userId}`, {}, key())
    expect(query.json().reason).toBe('below_minimum')
    expect((await payOut(other, k)).json().reason).toBe('below_minimum')
    expect(await available(payee)).toBe(4000)
    const own = await payOut(payee, k) // the same key value, another caller: not a replay
    expect(own.statusCode).toBe(201)
    expect(own.headers['idempotent-replayed']).toBeUndefined()
    expect(own.json().payouts[0].payeeUserId).toBe(payee.userId)
    expect(await payoutsOf(orgId)).toHaveLength(1)
  })

  it('a payee in another organization is not paid by this organization’s request', async () => {
    const { payee } = await earner(5000)
    const twin = t.user(['instructor'], newId('org'))
    const res = await t.call({ ...twin, userId: payee.userId }, 'POST', '/earnings/me/payouts', {}, key())
    expect(res.json().reason).toBe('below_minimum')
    expect(await available(payee)).toBe(4000)
  })
})
