import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Asset, Keypair } from '@stellar/stellar-sdk'
import { sql, type RecurringJob } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce, type TestUser } from '../test-helpers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'
import { createCheckoutArea } from '../orders/checkout.area.ts'
import {
  payFromWallet,
  parsePayUri,
  startHorizonServer,
  type HorizonTestServer,
} from '../testing/horizon-server.ts'
import { createStellarClient, memoFor } from './stellar.client.ts'
import { stellarSettings } from './stellar.config.ts'
import { STELLAR_EXPIRE_JOB, STELLAR_WATCH_JOB, stellarJobs } from './stellar.jobs.ts'
import { createStellarWatcher, type StellarWatcher } from './stellar.watch.ts'

let h: HorizonTestServer
let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
let watcher: StellarWatcher
const platform = Keypair.random()
const issuer = Keypair.random()
const usdc = new Asset('USDC', issuer.publicKey())
const eurc = new Asset('EURC', issuer.publicKey())

beforeAll(async () => {
  h = await startHorizonServer()
  h.createAccount(issuer.publicKey())
  h.createAccount(platform.publicKey(), { trust: [{ asset: usdc, balance: '1000' }, { asset: eurc }] })
  t = await createTestCommerce({
    env: {
      PAYMENT_PROVIDER: 'stellar',
      STELLAR_HORIZON_URL: h.url,
      STELLAR_SECRET_SEED: platform.secret(),
      STELLAR_ASSET_CODE: 'USDC',
      STELLAR_ASSET_ISSUER: issuer.publicKey(),
      STELLAR_CURRENCY: 'USD',
    },
  })
  kit = checkoutKit(t)
  watcher = createStellarWatcher(
    t.deps,
    createCheckoutArea(t.deps).payments,
    createStellarClient(stellarSettings(t.config)),
  )
})
afterAll(async () => {
  await t.close()
  await h.close()
})

/** A learner with a funded wallet (USDC and EURC trustlines). */
function learner(usdcBalance = '500') {
  const kp = Keypair.random()
  h.createAccount(kp.publicKey(), {
    trust: [
      { asset: usdc, balance: usdcBalance },
      { asset: eurc, balance: '500' },
    ],
  })
  return kp
}

/** A USD course order waiting for its Stellar payment. */
async function stellarOrder(amount = 1234, user: TestUser = t.user()) {
  await kit.add(user, (await kit.product({ amount, currency: 'USD' })).price.id)
  const res = await kit.checkout(user)
  expect(res.statusCode, res.body).toBe(201)
  const order = res.json() as {
    id: string
    status: string
    payments: { id: string; status: string; nextAction: { type: string; url: string } | null }[]
  }
  return { user, order, uri: order.payments[0]!.nextAction!.url }
}

async function poll() {
  return t.db.transaction((tx) => watcher.poll(tx))
}

async function orderState(orderId: string) {
  const [o] = await t.database.query<{ status: string; refunded_minor: number }>(
    sql`select status, refunded_minor from commerce.orders where id = ${orderId}`,
  )
  const paid = (await t.events('commerce.order.paid')).filter((e) => e.payload.orderId === orderId).length
  const [p] = await t.database.query<{ status: string; provider_ref: string; captured_minor: number }>(
    sql`select status, provider_ref, captured_minor from commerce.payments where order_id = ${orderId}`,
  )
  return { status: o!.status, paidEvents: paid, payment: p! }
}

describe('happy', () => {
  it('checkout answers requires_action with a SEP-0007 URI; the learner pays; the watcher captures once', async () => {
    const { order, uri } = await stellarOrder(1234)
    expect(order.status).toBe('requires_action')
    expect(order.payments[0]).toMatchObject({
      status: 'requires_action',
      nextAction: { type: 'stellar_pay_uri' },
    })
    const request = parsePayUri(uri)
    expect(request).toMatchObject({
      destination: platform.publicKey(),
      amount: '12.3400000',
      memo: memoFor('payment', order.payments[0]!.id),
    })
    expect(request.asset.equals(usdc)).toBe(true)
    expect(uri).toContain('memo_type=MEMO_TEXT')

    const wallet = learner()
    const ledgerBefore = await kit.ledger()
    const hash = await payFromWallet(h, wallet, { uri })
    const run = await poll()
    expect(run.outcomes).toEqual({ captured: 1 })
    const s = await orderState(order.id)
    expect(s).toMatchObject({
      status: 'paid',
      paidEvents: 1,
      payment: { status: 'succeeded', provider_ref: hash, captured_minor: 1234 },
    })
    const ledgerAfter = await kit.ledger()
    expect(ledgerAfter.sum).toBe(0)
    expect(ledgerAfter.transactions).toBe(ledgerBefore.transactions + 1)
    expect(h.balance(platform.publicKey(), usdc)).toBe('1012.3400000')

    // Poll again, and again from a reset cursor: nothing is captured twice.
    expect((await poll()).outcomes).toEqual({})
    await t.database.query(sql`delete from commerce.stellar_cursors`)
    expect((await poll()).outcomes).toEqual({})
    expect(await orderState(order.id)).toMatchObject({ status: 'paid', paidEvents: 1 })
    expect((await kit.ledger()).transactions).toBe(ledgerAfter.transactions)
  })

  it('an overpayment captures the order and the receipt keeps what was received', async () => {
    const { order, uri } = await stellarOrder(1000)
    const hash = await payFromWallet(h, learner(), { uri }, { amount: '10.5' })
    expect((await poll()).outcomes).toEqual({ captured: 1 })
    expect((await orderState(order.id)).status).toBe('paid')
    const [r] = await t.database.query<{ received: unknown }>(
      sql`select received from commerce.stellar_receipts where tx_hash = ${hash}`,
    )
    expect(r!.received).toEqual([{ asset: `USDC:${issuer.publicKey()}`, amount: '10.5000000' }])
  })

  it('refunds in full and in part send the asset back to the payer, signed by the platform', async () => {
    const { order, uri } = await stellarOrder(2000)
    const wallet = learner('100')
    await payFromWallet(h, wallet, { uri })
    await poll()
    expect(h.balance(wallet.publicKey(), usdc)).toBe('80.0000000')
    const refund = (body: Record<string, unknown>) =>
      t.call(kit.admin, 'POST', `/orders/${order.id}/refunds`, body, { 'idempotency-key': randomUUID() })
    const partial = await refund({ reason: 'goodwill', amountMinor: 500 })
    expect(partial.statusCode, partial.body).toBe(201)
    expect(partial.json().refund).toMatchObject({ status: 'succeeded', amountMinor: 500 })
    expect(h.balance(wallet.publicKey(), usdc)).toBe('85.0000000')
    expect((await orderState(order.id)).status).toBe('partially_refunded')
    const rest = await refund({ reason: 'requested_by_customer' })
    expect(rest.json().refund).toMatchObject({ status: 'succeeded', amountMinor: 1500 })
    expect(h.balance(wallet.publicKey(), usdc)).toBe('100.0000000')
    expect((await orderState(order.id)).status).toBe('refunded')
    const sent = h.transactions().filter((x) => x.source_account === platform.publicKey() && x.successful)
    expect(sent.map((x) => x.memo)).toEqual(
      expect.arrayContaining([
        memoFor('refund', partial.json().refund.id),
        memoFor('refund', rest.json().refund.id),
      ]),
    )
    expect((await kit.ledger()).sum).toBe(0)
  })

  it('the watcher is a recurring job on STELLAR_POLL_SECONDS whose run captures', async () => {
    const [job] = stellarJobs(t.deps)
    expect(job).toMatchObject({ name: STELLAR_WATCH_JOB, kind: 'recurring', cron: '*/10 * * * * *' })
    const { order, uri } = await stellarOrder(900)
    await payFromWallet(h, learner(), { uri })
    const recurring = job as RecurringJob
    const ctx = { id: 'job_test', name: STELLAR_WATCH_JOB, attempt: 1, runAt: new Date(), key: null }
    await t.db.transaction((tx) => recurring.handle(tx, ctx))
    expect(await orderState(order.id)).toMatchObject({ status: 'paid', paidEvents: 1 })
    await t.db.transaction((tx) => recurring.handle(tx, ctx))
    expect(await orderState(order.id)).toMatchObject({ status: 'paid', paidEvents: 1 })
  })
})

describe('errors', () => {
  it('an order whose payment never came is cancelled after STELLAR_PAYMENT_WINDOW_HOURS, its coupon comes back, and a late payment is not captured', async () => {
    const user = t.user()
    const c = await kit.coupon({ maxRedemptions: 1 })
    await kit.add(user, (await kit.product({ amount: 1500, currency: 'USD' })).price.id)
    await t.call(user, 'POST', '/cart/coupons', { code: c.code })
    const res = await kit.checkout(user)
    expect(res.statusCode, res.body).toBe(201)
    const order = res.json() as { id: string; payments: { nextAction: { url: string } }[] }
    const uri = order.payments[0]!.nextAction.url
    const fresh = await stellarOrder(1600)
    const redeemed = async () =>
      (
        await t.database.query<{ n: number }>(
          sql`select redeemed_count as n from commerce.coupons where id = ${c.id}`,
        )
      )[0]!.n
    expect(await redeemed()).toBe(1)

    const expire = stellarJobs(t.deps).find((j) => j.name === STELLAR_EXPIRE_JOB) as RecurringJob
    const ctx = { id: 'job_test', name: STELLAR_EXPIRE_JOB, attempt: 1, runAt: new Date(), key: null }
    // Within the window nothing happens.
    await t.db.transaction((tx) => expire.handle(tx, ctx))
    expect(await orderState(order.id)).toMatchObject({ status: 'requires_action' })
    // Checked out 25 hours ago (default window: 24 h).
    await t.database.query(
      sql`update commerce.orders set created_at = now() - interval '25 hours' where id = ${order.id}`,
    )
    await t.db.transaction((tx) => expire.handle(tx, ctx))
    expect(await orderState(order.id)).toMatchObject({
      status: 'cancelled',
      paidEvents: 0,
      payment: { status: 'cancelled' },
    })
    expect(await orderState(fresh.order.id)).toMatchObject({ status: 'requires_action' })
    expect(await redeemed()).toBe(0)

    // Paying the stale request afterwards records the money for reconciliation; nothing is captured.
    const before = await kit.ledger()
    await payFromWallet(h, learner(), { uri })
    expect((await poll()).outcomes).toEqual({ order_closed: 1 })
    expect(await orderState(order.id)).toMatchObject({ status: 'cancelled', paidEvents: 0 })
    expect(await kit.ledger()).toEqual(before)
  })

  it('underpaid, wrong asset, unknown memo, no memo: recorded, nothing captured', async () => {
    const { order, uri } = await stellarOrder(3000)
    const wallet = learner()
    const before = await kit.ledger()
    const underpaid = await payFromWallet(h, wallet, { uri }, { amount: '29.99' })
    const wrongAsset = await payFromWallet(h, wallet, { uri }, { asset: eurc })
    const unknown = await payFromWallet(h, wallet, { uri }, { memo: 'p000000000000000000000000000' })
    const noMemo = await payFromWallet(h, wallet, { uri }, { memo: null })
    expect((await poll()).outcomes).toEqual({ underpaid: 1, wrong_asset: 1, unknown_memo: 2 })
    expect(await orderState(order.id)).toMatchObject({
      status: 'requires_action',
      paidEvents: 0,
      payment: { status: 'requires_action' },
    })
    expect(await kit.ledger()).toEqual(before)
    const rows = await t.database.query<{ tx_hash: string; outcome: string; from_account: string }>(
      sql`select tx_hash, outcome, from_account from commerce.stellar_receipts where tx_hash in (${underpaid}, ${wrongAsset}, ${unknown}, ${noMemo})`,
    )
    expect(Object.fromEntries(rows.map((r) => [r.tx_hash, r.outcome]))).toEqual({
      [underpaid]: 'underpaid',
      [wrongAsset]: 'wrong_asset',
      [unknown]: 'unknown_memo',
      [noMemo]: 'unknown_memo',
    })
    expect(rows.every((r) => r.from_account === wallet.publicKey())).toBe(true)

    // The full amount afterwards still pays it; a second full payment is recorded as already paid.
    await payFromWallet(h, wallet, { uri })
    const again = await payFromWallet(h, wallet, { uri })
    expect((await poll()).outcomes).toEqual({ captured: 1, already_paid: 1 })
    expect(await orderState(order.id)).toMatchObject({ status: 'paid', paidEvents: 1 })
    const [r] = await t.database.query<{ outcome: string }>(
      sql`select outcome from commerce.stellar_receipts where tx_hash = ${again}`,
    )
    expect(r!.outcome).toBe('already_paid')
  })

  it('a cart in another currency is refused with 422 and nothing is created', async () => {
    const user = t.user()
    await kit.add(user, (await kit.product({ amount: 1000, currency: 'EUR' })).price.id)
    const orders = await kit.count('orders')
    const res = await kit.checkout(user)
    expect(res.statusCode).toBe(422)
    expect(res.json()).toMatchObject({ reason: 'currency_not_supported' })
    expect(await kit.count('orders')).toBe(orders)
  })

  it('a refund the platform cannot fund fails and frees its reservation', async () => {
    const { order, uri } = await stellarOrder(1500)
    await payFromWallet(h, learner(), { uri })
    await poll()
    // Drain the platform's USDC so the refund is refused by the network (op_underfunded).
    const drain = Keypair.random()
    h.createAccount(drain.publicKey(), { trust: [{ asset: usdc }] })
    const balance = h.balance(platform.publicKey(), usdc)!
    await payFromWallet(h, platform, {
      destination: drain.publicKey(),
      amount: balance,
      asset: usdc,
      memo: 'drain',
    })
    const res = await t.call(
      kit.admin,
      'POST',
      `/orders/${order.id}/refunds`,
      { reason: 'x' },
      { 'idempotency-key': randomUUID() },
    )
    expect(res.json().refund).toMatchObject({ status: 'failed' })
    expect((await orderState(order.id)).status).toBe('paid')
    await payFromWallet(h, drain, {
      destination: platform.publicKey(),
      amount: balance,
      asset: usdc,
      memo: 'back',
    })
    expect((await poll()).outcomes).toEqual({ unknown_memo: 1 }) // our own top-up, recorded as stray
  })
})

describe('security', () => {
  it('POST /webhooks/stellar is a 400 problem, never a 5xx, and changes nothing', async () => {
    const events = await kit.count('provider_events')
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhooks/stellar',
      payload: JSON.stringify({ type: 'payment.succeeded', data: { providerRef: 'x' } }),
      headers: { 'content-type': 'application/json' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toContain('application/problem+json')
    expect(await kit.count('provider_events')).toBe(events)
  })

  it('a payment sent to another account with the right memo captures nothing', async () => {
    const { order, uri } = await stellarOrder(700)
    const other = learner('0')
    await payFromWallet(h, learner(), { uri }, {}).then(() => undefined)
    // The first payment above pays the order; a forged "receipt" elsewhere must not matter:
    const memo = parsePayUri(uri).memo!
    await payFromWallet(h, learner(), { destination: other.publicKey(), amount: '7', asset: usdc, memo })
    expect((await poll()).outcomes).toEqual({ captured: 1 })
    expect((await orderState(order.id)).paidEvents).toBe(1)
  })

  it('the secret seed never appears in logs or responses', async () => {
    const logs: string[] = []
    const c = await createTestCommerce({
      logs,
      env: {
        PAYMENT_PROVIDER: 'stellar',
        STELLAR_HORIZON_URL: h.url,
        STELLAR_SECRET_SEED: platform.secret(),
        STELLAR_ASSET_CODE: 'USDC',
        STELLAR_ASSET_ISSUER: issuer.publicKey(),
      },
    })
    const k = checkoutKit(c)
    const u = c.user()
    await k.add(u, (await k.product({ amount: 100, currency: 'USD' })).price.id)
    const res = await k.checkout(u)
    const w = createStellarWatcher(
      c.deps,
      createCheckoutArea(c.deps).payments,
      createStellarClient(stellarSettings(c.config)),
    )
    await payFromWallet(h, learner(), { uri: res.json().payments[0].nextAction.url }, { amount: '0.5' })
    await c.db.transaction((tx) => w.poll(tx))
    await c.close()
    expect(logs.length).toBeGreaterThan(0)
    expect(logs.join('\n')).not.toContain(platform.secret())
    expect(res.body).not.toContain(platform.secret())
  })
})
