import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Asset, Keypair } from '@stellar/stellar-sdk'
import { newId, sql } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce } from '../test-helpers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'
import { startHorizonServer, type HorizonTestServer } from '../testing/horizon-server.ts'
import { createStellarClient, memoFor, StellarUnknownOutcome } from '../payments/stellar.client.ts'
import { stellarSettings } from '../payments/stellar.config.ts'
import { createStellarProvider } from '../payments/stellar.ts'
import { reservePayouts, sendPendingPayouts } from './payouts.service.ts'
import { stellarPayoutProvider } from './stellar-payouts.ts'
import type { PayoutRequest } from './payout-provider.ts'

let h: HorizonTestServer
let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
const platform = Keypair.random()
const issuer = Keypair.random()
const usdc = new Asset('USDC', issuer.publicKey())

beforeAll(async () => {
  h = await startHorizonServer()
  h.createAccount(issuer.publicKey())
  h.createAccount(platform.publicKey(), { trust: [{ asset: usdc, balance: '10000' }] })
  t = await createTestCommerce({
    env: {
      PAYMENT_PROVIDER: 'sandbox',
      PAYOUT_PROVIDER: 'stellar',
      STELLAR_HORIZON_URL: h.url,
      STELLAR_SECRET_SEED: platform.secret(),
      STELLAR_ASSET_CODE: 'USDC',
      STELLAR_ASSET_ISSUER: issuer.publicKey(),
      STELLAR_CURRENCY: 'USD',
    },
  })
  kit = checkoutKit(t)
})
afterAll(async () => {
  await t.close()
  await h.close()
})

/** A payee who earned from a USD course sale (sandbox capture) and registered a Stellar account. */
async function payeeWithEarnings(amount: number, wallet: { trust: boolean } = { trust: true }) {
  const payee = t.user()
  const keys = Keypair.random()
  h.createAccount(keys.publicKey(), { trust: wallet.trust ? [{ asset: usdc }] : [] })
  const { price } = await kit.product({ amount, currency: 'USD', payeeUserId: payee.userId })
  await kit.paidOrder(t.user(), [price.id])
  const res = await t.call(payee, 'PUT', '/earnings/me/payout-account', {
    provider: 'stellar',
    accountRef: keys.publicKey(),
  })
  expect(res.statusCode, res.body).toBe(200)
  return { payee, keys }
}

async function run() {
  const provider = stellarPayoutProvider(t.config)
  await t.db.transaction((tx) =>
    reservePayouts(tx, provider, { orgId: t.orgA, periodEnd: new Date(), minimumMinor: 1 }),
  )
  return sendPendingPayouts(t.deps, provider, { orgId: t.orgA })
}

function request(destination: string, amountMinor = 1000, currency = 'USD'): PayoutRequest {
  return {
    payoutId: newId('pyo'),
    orgId: t.orgA,
    payeeUserId: newId('usr'),
    currency,
    amountMinor,
    destination,
  }
}

describe('happy', () => {
  it('pays the payee’s G… account in the asset, memo from the payout id, once even when re-run', async () => {
    const { payee, keys } = await payeeWithEarnings(5000)
    const paid = await run()
    const mine = paid.filter((p) => p.payeeUserId === payee.userId)
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({ status: 'paid', provider: 'stellar', amountMinor: 4000 })
    expect(h.balance(keys.publicKey(), usdc)).toBe('40.0000000')
    const tx = h.transactions().find((x) => x.hash === mine[0]!.providerRef)!
    expect(tx).toMatchObject({ source_account: platform.publicKey(), memo: memoFor('payout', mine[0]!.id) })

    expect((await run()).filter((p) => p.payeeUserId === payee.userId)).toEqual([])
    expect(h.balance(keys.publicKey(), usdc)).toBe('40.0000000')
    expect((await kit.ledger()).sum).toBe(0)
  })

  it('sending the same payout twice pays once (the landed transaction is found by its memo)', async () => {
    const keys = Keypair.random()
    h.createAccount(keys.publicKey(), { trust: [{ asset: usdc }] })
    const provider = stellarPayoutProvider(t.config)
    const req = request(keys.publicKey(), 1250)
    const a = await provider.send(req)
    const b = await stellarPayoutProvider(t.config).send(req) // another process: no shared memory
    expect(a).toEqual(b)
    expect(a).toMatchObject({ status: 'paid' })
    expect(h.balance(keys.publicKey(), usdc)).toBe('12.5000000')
  })

  it('two replicas sending the same payout at once pay it once (the sequence number decides)', async () => {
    const keys = Keypair.random()
    h.createAccount(keys.publicKey(), { trust: [{ asset: usdc }] })
    const req = request(keys.publicKey(), 300)
    const [a, b] = await Promise.all([
      stellarPayoutProvider(t.config).send(req),
      stellarPayoutProvider(t.config).send(req),
    ])
    expect(a).toMatchObject({ status: 'paid' })
    expect(b).toEqual(a)
    expect(h.balance(keys.publicKey(), usdc)).toBe('3.0000000')
  })

  it('a lost Horizon response: the retry waits out the time bounds, then finds the landed payment', async () => {
    const keys = Keypair.random()
    h.createAccount(keys.publicKey(), { trust: [{ asset: usdc }] })
    let now = Date.now()
    const client = createStellarClient(stellarSettings(t.config), () => now)
    const provider = stellarPayoutProvider(t.config, client)
    const req = request(keys.publicKey(), 700)
    h.loseNextSubmitResponse()
    await expect(provider.send(req)).rejects.toBeInstanceOf(StellarUnknownOutcome)
    await expect(provider.send(req)).rejects.toThrow(/may still land/)
    now += 31_000 + 60_000
    const result = await provider.send(req)
    expect(result).toMatchObject({ status: 'paid' })
    expect(h.balance(keys.publicKey(), usdc)).toBe('7.0000000')
    expect(h.transactions().filter((x) => x.memo === memoFor('payout', req.payoutId))).toHaveLength(1)
  })

  it('a refund re-sent after a crash pays the learner once', async () => {
    const learner = Keypair.random()
    h.createAccount(learner.publicKey(), { trust: [{ asset: usdc, balance: '20' }] })
    const { payFromWallet } = await import('../testing/horizon-server.ts')
    const paymentHash = await payFromWallet(h, learner, {
      destination: platform.publicKey(),
      amount: '20',
      asset: usdc,
      memo: 'p-test',
    })
    const config = { ...t.config, PAYMENT_PROVIDER: 'stellar' as const }
    const refund = { refundId: newId('rfd'), providerRef: paymentHash, amountMinor: 1500, currency: 'USD' }
    const first = await createStellarProvider(config).refund(refund)
    const again = await createStellarProvider(config).refund(refund)
    expect(first).toMatchObject({ status: 'succeeded' })
    expect(again).toEqual(first)
    expect(h.balance(learner.publicKey(), usdc)).toBe('15.0000000')
  })
})

describe('errors', () => {
  it('a payee account without a trustline: the payout fails and the money is owed again', async () => {
    const { payee, keys } = await payeeWithEarnings(3000, { trust: false })
    const made = (await run()).filter((p) => p.payeeUserId === payee.userId)
    expect(made).toMatchObject([{ status: 'failed' }])
    expect(h.balance(keys.publicKey(), usdc)).toBeNull()
    const [bal] = await t.database.query<{ sum: number }>(
      sql`select coalesce(sum(e.amount_minor), 0)::int as sum from commerce.ledger_entries e join commerce.ledger_accounts a on a.id = e.account_id where a.kind = 'payable' and a.owner_id = ${payee.userId}`,
    )
    expect(bal!.sum).toBe(-2400) // still owed (credit balance)
  })

  it('refuses other currencies and refused payments without sending anything', async () => {
    const provider = stellarPayoutProvider(t.config)
    const before = h.transactions().length
    expect(await provider.send(request(Keypair.random().publicKey(), 100, 'EUR'))).toEqual({
      status: 'failed',
      reason: 'currency_not_supported',
    })
    expect(h.transactions().length).toBe(before)
    expect(await provider.send(request(Keypair.random().publicKey()))).toEqual({
      status: 'failed',
      reason: 'op_no_destination',
    })
  })
})

describe('security', () => {
  it('a destination that is not a valid G… key (bad checksum) or the platform itself is refused offline', async () => {
    const provider = stellarPayoutProvider(t.config)
    const before = h.requests().length
    const valid = Keypair.random().publicKey()
    const badChecksum = valid.slice(0, -1) + (valid.endsWith('A') ? 'B' : 'A')
    expect(await provider.send(request(badChecksum))).toEqual({
      status: 'failed',
      reason: 'invalid_destination',
    })
    expect(await provider.send(request(platform.secret()))).toEqual({
      status: 'failed',
      reason: 'invalid_destination',
    })
    expect(await provider.send(request(platform.publicKey()))).toEqual({
      status: 'failed',
      reason: 'invalid_destination',
    })
    expect(h.requests().length).toBe(before)
  })
})
