import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Asset, Horizon, Keypair, Memo, Networks, Operation, TransactionBuilder } from '@stellar/stellar-sdk'
import { horizonResultCodes } from '../payments/stellar.client.ts'
import { payFromWallet, startHorizonServer, type HorizonTestServer } from './horizon-server.ts'

let h: HorizonTestServer
let sdk: Horizon.Server
const issuer = Keypair.random()
const usdc = new Asset('USDC', issuer.publicKey())
const alice = Keypair.random()
const bob = Keypair.random()

beforeAll(async () => {
  h = await startHorizonServer()
  sdk = new Horizon.Server(h.url, { allowHttp: true })
  h.createAccount(issuer.publicKey())
  h.createAccount(alice.publicKey(), { xlm: '100', trust: [{ asset: usdc, balance: '50' }] })
  h.createAccount(bob.publicKey(), { xlm: '100', trust: [{ asset: usdc }] })
})
afterAll(() => h.close())

async function payment(
  from: Keypair,
  to: string,
  amount: string,
  opts: { asset?: Asset; memo?: string; passphrase?: string; signer?: Keypair; sequence?: string } = {},
) {
  const account = await sdk.loadAccount(from.publicKey())
  if (opts.sequence) account.incrementSequenceNumber()
  const tx = new TransactionBuilder(account, {
    fee: '100',
    networkPassphrase: opts.passphrase ?? Networks.TESTNET,
  })
    .addOperation(Operation.payment({ destination: to, asset: opts.asset ?? usdc, amount }))
    .addMemo(Memo.text(opts.memo ?? 'hello'))
    .setTimeout(30)
    .build()
  tx.sign(opts.signer ?? from)
  return tx
}

function resultCodes(err: unknown) {
  return horizonResultCodes(err)
}

describe('happy', () => {
  it('applies a signed payment submitted through the SDK: balances, sequence, history', async () => {
    const before = (await sdk.loadAccount(alice.publicKey())).sequence
    const res = await sdk.submitTransaction(await payment(alice, bob.publicKey(), '12.5', { memo: 'm-1' }))
    expect(res.successful).toBe(true)
    expect(h.balance(alice.publicKey(), usdc)).toBe('37.5000000')
    expect(h.balance(bob.publicKey(), usdc)).toBe('12.5000000')
    expect((await sdk.loadAccount(alice.publicKey())).sequence).toBe((BigInt(before) + 1n).toString())
    expect(h.balance(alice.publicKey(), Asset.native())).toBe('99.9999900') // the fee

    const tx = await sdk.transactions().transaction(res.hash).call()
    expect(tx).toMatchObject({ hash: res.hash, memo_type: 'text', memo: 'm-1', successful: true })
    const page = await sdk.payments().forAccount(bob.publicKey()).join('transactions').call()
    const p = page.records.at(-1) as Horizon.ServerApi.PaymentOperationRecord
    expect(p).toMatchObject({
      from: alice.publicKey(),
      to: bob.publicKey(),
      amount: '12.5000000',
      asset_code: 'USDC',
    })
    expect((await p.transaction()).memo).toBe('m-1')
  })

  it('pages with cursor, order and limit through the SDK’s next()', async () => {
    const carol = Keypair.random()
    h.createAccount(carol.publicKey(), { trust: [{ asset: usdc }] })
    for (const amount of ['1', '2', '3'])
      await payFromWallet(h, alice, { destination: carol.publicKey(), amount, asset: usdc, memo: amount })
    const first = await sdk.payments().forAccount(carol.publicKey()).order('asc').limit(2).call()
    expect(first.records.map((r) => (r as { amount: string }).amount)).toEqual(['1.0000000', '2.0000000'])
    const second = await first.next()
    expect(second.records.map((r) => (r as { amount: string }).amount)).toEqual(['3.0000000'])
    expect((await second.next()).records).toEqual([])
    const desc = await sdk.transactions().forAccount(carol.publicKey()).order('desc').limit(1).call()
    expect(desc.records[0]!.memo).toBe('3')
    const after = await sdk
      .payments()
      .forAccount(carol.publicKey())
      .cursor(first.records[1]!.paging_token)
      .call()
    expect(after.records).toHaveLength(1)
  })

  it('an issuer mints its asset; a re-submitted applied transaction answers its recorded result', async () => {
    const tx = await payment(issuer, bob.publicKey(), '1000')
    const a = await sdk.submitTransaction(tx)
    const b = await sdk.submitTransaction(tx)
    expect(b.hash).toBe(a.hash)
    expect(h.balance(bob.publicKey(), usdc)).toBe('1012.5000000')
  })
})

describe('errors', () => {
  it('underfunded: transaction_failed with op_underfunded; sequence used, no balance moved', async () => {
    const err = await sdk
      .submitTransaction(await payment(alice, bob.publicKey(), '1000000'))
      .catch((e: unknown) => e)
    expect(resultCodes(err)).toEqual({ transaction: 'tx_failed', operations: ['op_underfunded'] })
    expect(h.balance(bob.publicKey(), usdc)).toBe('1012.5000000')
    expect(h.transactions().at(-1)!.successful).toBe(false)
  })

  it('no trustline, no destination, stale sequence', async () => {
    const noTrust = Keypair.random()
    h.createAccount(noTrust.publicKey())
    expect(
      resultCodes(
        await sdk.submitTransaction(await payment(alice, noTrust.publicKey(), '1')).catch((e: unknown) => e),
      ),
    ).toEqual({
      transaction: 'tx_failed',
      operations: ['op_no_trust'],
    })
    expect(
      resultCodes(
        await sdk
          .submitTransaction(await payment(alice, Keypair.random().publicKey(), '1'))
          .catch((e: unknown) => e),
      ),
    ).toEqual({ transaction: 'tx_failed', operations: ['op_no_destination'] })
    expect(
      resultCodes(
        await sdk
          .submitTransaction(await payment(alice, bob.publicKey(), '1', { sequence: 'skip' }))
          .catch((e: unknown) => e),
      ),
    ).toEqual({ transaction: 'tx_bad_seq' })
  })

  it('unknown accounts are 404 (the SDK’s NotFoundError); bad paging is 400', async () => {
    await expect(sdk.loadAccount(Keypair.random().publicKey())).rejects.toThrow()
    const res = await fetch(`${h.url}/accounts/${bob.publicKey()}/payments?limit=500`)
    expect(res.status).toBe(400)
    expect((await fetch(`${h.url}/transactions`, { method: 'POST', body: 'tx=garbage' })).status).toBe(400)
  })
})

describe('security', () => {
  it('refuses a transaction signed by another key (tx_bad_auth) and one for another network', async () => {
    const forged = await payment(alice, bob.publicKey(), '1', { signer: bob })
    expect(resultCodes(await sdk.submitTransaction(forged).catch((e: unknown) => e))).toEqual({
      transaction: 'tx_bad_auth',
    })
    const otherNet = await payment(alice, bob.publicKey(), '1', { passphrase: Networks.PUBLIC })
    expect(resultCodes(await sdk.submitTransaction(otherNet).catch((e: unknown) => e))).toEqual({
      transaction: 'tx_bad_auth',
    })
    expect(h.balance(bob.publicKey(), usdc)).toBe('1012.5000000')
  })
})
