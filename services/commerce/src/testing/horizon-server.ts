import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  Asset,
  FeeBumpTransaction,
  Horizon,
  Keypair,
  Memo,
  Operation,
  StrKey,
  TransactionBuilder,
  xdr,
  type Transaction,
} from '@stellar/stellar-sdk'
import { amountToStroops, stroopsToAmount } from '../payments/stellar.amounts.ts'

/**
 * Test-only: an in-memory Stellar network behind the subset of Horizon's HTTP API that
 * `@stellar/stellar-sdk` uses for payments (accounts, transaction submission, transaction and
 * payment history with Horizon's paging). Transactions are real signed XDR envelopes: the server
 * decodes them with the configured network passphrase, checks sequence numbers, time bounds, fees
 * and the source signatures, and applies payment operations to in-memory balances (trustlines,
 * issuers minting/burning, underfunded payments), answering with Horizon's result codes.
 */

/** Base fee per operation, in stroops (the network minimum). */
const MIN_FEE = 100n

interface AccountState {
  id: string
  sequence: bigint
  /** `native` or `CODE:ISSUER` → stroops. A key present with 0 = a trustline. */
  balances: Map<string, bigint>
}

interface TxRecord {
  id: string
  paging_token: string
  successful: boolean
  hash: string
  ledger: number
  created_at: string
  source_account: string
  source_account_sequence: string
  fee_account: string
  fee_charged: string
  max_fee: string
  operation_count: number
  envelope_xdr: string
  result_xdr: string
  memo_type: string
  memo?: string
  signatures: string[]
  valid_after?: string
  valid_before?: string
  /** Accounts touched (for /accounts/:id/transactions). */
  participants: string[]
  /** For a failed transaction: Horizon's result codes. */
  result_codes?: { transaction: string; operations?: string[] }
}

interface PaymentRecord {
  id: string
  paging_token: string
  transaction_successful: boolean
  source_account: string
  type: 'payment'
  type_i: 1
  created_at: string
  transaction_hash: string
  asset_type: string
  asset_code?: string
  asset_issuer?: string
  from: string
  to: string
  amount: string
}

/** What a test controls. */
export interface HorizonTestServer {
  /** Base URL (`http://127.0.0.1:<port>`). */
  url: string
  networkPassphrase: string
  /** Creates (funds) an account: XLM balance and optional trustlines with balances. */
  createAccount(
    accountId: string,
    options?: { xlm?: string; trust?: { asset: Asset; balance?: string }[] },
  ): void
  /** An account's balance of an asset (`12.3400000`), null without account or trustline. */
  balance(accountId: string, asset: Asset): string | null
  /** Every transaction applied (successful or failed), oldest first. */
  transactions(): readonly TxRecord[]
  /**
   * The next submission is applied but answered with a 504 (Horizon's timeout), like a response lost
   * on the way back: the caller cannot know whether it landed.
   */
  loseNextSubmitResponse(): void
  /** HTTP requests received (`GET /accounts/G…`), oldest first. */
  requests(): readonly string[]
  close(): Promise<void>
}

function assetKey(asset: Asset): string {
  return asset.isNative() ? 'native' : `${asset.getCode()}:${asset.getIssuer()}`
}

function assetFields(asset: Asset): { asset_type: string; asset_code?: string; asset_issuer?: string } {
  if (asset.isNative()) return { asset_type: 'native' }
  return { asset_type: asset.getAssetType(), asset_code: asset.getCode(), asset_issuer: asset.getIssuer() }
}

function problem(
  res: ServerResponse,
  status: number,
  type: string,
  title: string,
  detail: string,
  extras?: unknown,
): void {
  send(res, status, {
    type: `https://stellar.org/horizon-errors/${type}`,
    title,
    status,
    detail,
    ...(extras ? { extras } : {}),
  })
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/hal+json',
  })
  res.end(json)
}

async function readBody(req: IncomingMessage, limit = 256 * 1024): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw new Error('body too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** A TransactionResult XDR (what Horizon returns as `result_xdr`). */
function resultXdr(fee: bigint, opCodes: string[] | null, txCode: 'txSuccess' | 'txFailed'): string {
  const results = (opCodes ?? []).map((code) => {
    const payment =
      code === 'op_success'
        ? xdr.PaymentResult.paymentSuccess()
        : code === 'op_underfunded'
          ? xdr.PaymentResult.paymentUnderfunded()
          : code === 'op_no_destination'
            ? xdr.PaymentResult.paymentNoDestination()
            : code === 'op_no_trust'
              ? xdr.PaymentResult.paymentNoTrust()
              : code === 'op_src_no_trust'
                ? xdr.PaymentResult.paymentSrcNoTrust()
                : xdr.PaymentResult.paymentMalformed()
    return xdr.OperationResult.opInner(xdr.OperationResultTr.payment(payment))
  })
  const result =
    txCode === 'txSuccess'
      ? xdr.TransactionResultResult.txSuccess(results)
      : xdr.TransactionResultResult.txFailed(results)
  return new xdr.TransactionResult({
    feeCharged: xdr.Int64.fromString(fee.toString()),
    result,
    ext: new xdr.TransactionResultExt(0),
  }).toXDR('base64')
}

/** Starts the server on 127.0.0.1 (a free port). */
export async function startHorizonServer(
  options: { networkPassphrase?: string } = {},
): Promise<HorizonTestServer> {
  const networkPassphrase = options.networkPassphrase ?? 'Test SDF Network ; September 2015'
  const accounts = new Map<string, AccountState>()
  const txs: TxRecord[] = []
  const byHash = new Map<string, TxRecord>()
  const payments: PaymentRecord[] = []
  const log: string[] = []
  let ledger = 1000
  let loseNext = false
  let url = ''

  const links = (path: string) => ({ self: { href: `${url}${path}` } })

  function presentAccount(a: AccountState) {
    return {
      _links: {
        ...links(`/accounts/${a.id}`),
        transactions: { href: `${url}/accounts/${a.id}/transactions{?cursor,limit,order}`, templated: true },
        payments: { href: `${url}/accounts/${a.id}/payments{?cursor,limit,order}`, templated: true },
        data: { href: `${url}/accounts/${a.id}/data/{key}`, templated: true },
      },
      id: a.id,
      account_id: a.id,
      sequence: a.sequence.toString(),
      subentry_count: a.balances.size - 1,
      last_modified_ledger: ledger,
      thresholds: { low_threshold: 0, med_threshold: 0, high_threshold: 0 },
      flags: {
        auth_required: false,
        auth_revocable: false,
        auth_immutable: false,
        auth_clawback_enabled: false,
      },
      balances: [...a.balances.entries()]
        .sort(([k1], [k2]) => (k1 === 'native' ? 1 : k2 === 'native' ? -1 : k1.localeCompare(k2)))
        .map(([key, stroops]) => {
          if (key === 'native') return { balance: stroopsToAmount(stroops), asset_type: 'native' }
          const [code, issuer] = key.split(':') as [string, string]
          return {
            balance: stroopsToAmount(stroops),
            limit: '922337203685.4775807',
            asset_type: code.length <= 4 ? 'credit_alphanum4' : 'credit_alphanum12',
            asset_code: code,
            asset_issuer: issuer,
          }
        }),
      signers: [{ weight: 1, key: a.id, type: 'ed25519_public_key' }],
      data: {},
      paging_token: a.id,
    }
  }

  function presentTx(t: TxRecord) {
    const { participants: _p, result_codes: _r, ...rest } = t
    return {
      _links: {
        ...links(`/transactions/${t.hash}`),
        account: { href: `${url}/accounts/${t.source_account}` },
        operations: {
          href: `${url}/transactions/${t.hash}/operations{?cursor,limit,order}`,
          templated: true,
        },
      },
      ...rest,
    }
  }

  function presentPayment(p: PaymentRecord, join: boolean) {
    const tx = byHash.get(p.transaction_hash)!
    return {
      _links: {
        ...links(`/operations/${p.id}`),
        transaction: { href: `${url}/transactions/${p.transaction_hash}` },
      },
      ...p,
      ...(join ? { transaction: presentTx(tx) } : {}),
    }
  }

  /** Horizon's collection page: `_embedded.records` and self/next/prev links carrying the cursor. */
  function page<T extends { paging_token: string }>(
    path: string,
    all: T[],
    query: URLSearchParams,
    present: (r: T) => unknown,
    res: ServerResponse,
  ): void {
    const order = query.get('order') ?? 'asc'
    const limitText = query.get('limit') ?? '10'
    const cursorText = query.get('cursor') ?? ''
    const limit = Number(limitText)
    if ((order !== 'asc' && order !== 'desc') || !/^\d{1,3}$/.test(limitText) || limit < 1 || limit > 200) {
      problem(res, 400, 'bad_request', 'Bad Request', 'order must be asc|desc and limit 1–200', {
        invalid_field: order !== 'asc' && order !== 'desc' ? 'order' : 'limit',
      })
      return
    }
    if (cursorText !== '' && cursorText !== 'now' && !/^\d{1,20}$/.test(cursorText)) {
      problem(res, 400, 'bad_request', 'Bad Request', 'cursor must be a paging token', {
        invalid_field: 'cursor',
      })
      return
    }
    const tokens = (r: T) => BigInt(r.paging_token)
    let rows: T[]
    if (order === 'asc') {
      const after =
        cursorText === ''
          ? -1n
          : cursorText === 'now'
            ? BigInt(Number.MAX_SAFE_INTEGER) ** 2n
            : BigInt(cursorText)
      rows = all.filter((r) => tokens(r) > after)
    } else {
      const before =
        cursorText === '' || cursorText === 'now' ? BigInt(Number.MAX_SAFE_INTEGER) ** 2n : BigInt(cursorText)
      rows = all.filter((r) => tokens(r) < before).reverse()
    }
    rows = rows.slice(0, limit)
    const extra = [...query.entries()]
      .filter(([k]) => k !== 'cursor' && k !== 'order' && k !== 'limit')
      .map(([k, v]) => `&${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('')
    const href = (cursor: string, o: string) =>
      `${url}${path}?cursor=${cursor}&limit=${limit}&order=${o}${extra}`
    const first = rows[0]?.paging_token ?? cursorText
    const last = rows[rows.length - 1]?.paging_token ?? cursorText
    send(res, 200, {
      _links: {
        self: { href: href(cursorText, order) },
        next: { href: href(last, order) },
        prev: { href: href(first, order === 'asc' ? 'desc' : 'asc') },
      },
      _embedded: { records: rows.map(present) },
    })
  }

  function failed(
    res: ServerResponse,
    envelope: string,
    txCode: string,
    opCodes?: string[],
    recorded?: TxRecord,
  ): void {
    problem(
      res,
      400,
      'transaction_failed',
      'Transaction Failed',
      'The transaction failed when submitted to the stellar network.',
      {
        envelope_xdr: envelope,
        result_xdr: recorded?.result_xdr ?? resultXdr(0n, null, 'txFailed'),
        result_codes: { transaction: txCode, ...(opCodes ? { operations: opCodes } : {}) },
        ...(recorded ? { hash: recorded.hash } : {}),
      },
    )
  }

  function signedBy(tx: Transaction, accountId: string): boolean {
    const kp = Keypair.fromPublicKey(accountId)
    const hint = kp.signatureHint()
    return tx.signatures.some((s) => s.hint().equals(hint) && kp.verify(tx.hash(), s.signature()))
  }

  function submit(envelope: string, res: ServerResponse): void {
    let parsed: Transaction | FeeBumpTransaction
    try {
      parsed = TransactionBuilder.fromXDR(envelope, networkPassphrase)
    } catch {
      problem(
        res,
        400,
        'transaction_malformed',
        'Transaction Malformed',
        'The transaction envelope could not be decoded.',
      )
      return
    }
    if (parsed instanceof FeeBumpTransaction) {
      problem(
        res,
        400,
        'transaction_malformed',
        'Transaction Malformed',
        'Fee-bump transactions are not supported here.',
      )
      return
    }
    const tx = parsed
    const hash = tx.hash().toString('hex')
    const known = byHash.get(hash)
    if (known) {
      // Horizon answers a re-submitted, already applied transaction with its recorded result.
      if (known.successful) send(res, 200, presentTx(known))
      else failed(res, envelope, 'tx_bad_seq')
      return
    }
    const source = accounts.get(tx.source)
    if (!source) return failed(res, envelope, 'tx_no_source_account')
    const now = Math.floor(Date.now() / 1000)
    const bounds = tx.timeBounds
    if (bounds && Number(bounds.maxTime) !== 0 && now > Number(bounds.maxTime))
      return failed(res, envelope, 'tx_too_late')
    if (bounds && now < Number(bounds.minTime)) return failed(res, envelope, 'tx_too_early')
    if (tx.operations.length === 0) return failed(res, envelope, 'tx_missing_operation')
    const fee = BigInt(tx.fee)
    if (fee < MIN_FEE * BigInt(tx.operations.length)) return failed(res, envelope, 'tx_insufficient_fee')
    if (BigInt(tx.sequence) !== source.sequence + 1n) return failed(res, envelope, 'tx_bad_seq')
    const signers = new Set([tx.source, ...tx.operations.map((op) => op.source ?? tx.source)])
    for (const signer of signers) {
      if (!StrKey.isValidEd25519PublicKey(signer) || !signedBy(tx, signer))
        return failed(res, envelope, 'tx_bad_auth')
    }
    const charged = fee // one operation set, no surge pricing: the whole bid is charged (simplification)
    const nativeBalance = source.balances.get('native') ?? 0n
    if (nativeBalance < charged) return failed(res, envelope, 'tx_insufficient_balance')

    // Apply: sequence and fee are consumed even when an operation fails (as on the network).
    source.sequence = BigInt(tx.sequence)
    source.balances.set('native', nativeBalance - charged)
    const working = new Map([...accounts].map(([id, a]) => [id, new Map(a.balances)]))
    const opCodes: string[] = []
    const applied: PaymentRecord[] = []
    ledger += 1
    const createdAt = new Date().toISOString()
    const txToid = (BigInt(ledger) << 32n) | (1n << 12n)
    tx.operations.forEach((op, index) => {
      if (op.type !== 'payment') {
        opCodes.push('op_not_supported')
        return
      }
      const from = op.source ?? tx.source
      const to = op.destination
      const amount = amountToStroops(op.amount)
      const key = assetKey(op.asset)
      const issuer = op.asset.isNative() ? null : op.asset.getIssuer()
      const fromBalances = working.get(from)
      const toBalances = working.get(to)
      if (amount === null || amount <= 0n) return void opCodes.push('op_malformed')
      if (!fromBalances) return void opCodes.push('op_src_no_trust')
      if (!toBalances) return void opCodes.push('op_no_destination')
      if (from !== issuer && !fromBalances.has(key)) return void opCodes.push('op_src_no_trust')
      if (to !== issuer && !toBalances.has(key)) return void opCodes.push('op_no_trust')
      if (from !== issuer) {
        const have = fromBalances.get(key)!
        if (have < amount) return void opCodes.push('op_underfunded')
        fromBalances.set(key, have - amount)
      }
      if (to !== issuer) toBalances.set(key, toBalances.get(key)! + amount)
      opCodes.push('op_success')
      const toid = txToid + BigInt(index + 1)
      applied.push({
        id: toid.toString(),
        paging_token: toid.toString(),
        transaction_successful: true,
        source_account: from,
        type: 'payment',
        type_i: 1,
        created_at: createdAt,
        transaction_hash: hash,
        ...assetFields(op.asset),
        from,
        to,
        amount: stroopsToAmount(amount),
      })
    })
    const successful = opCodes.every((c) => c === 'op_success')
    if (successful) {
      for (const [id, balances] of working) accounts.get(id)!.balances = balances
    }
    const memo = tx.memo
    const record: TxRecord = {
      id: hash,
      paging_token: txToid.toString(),
      successful,
      hash,
      ledger,
      created_at: createdAt,
      source_account: tx.source,
      source_account_sequence: tx.sequence,
      fee_account: tx.source,
      fee_charged: charged.toString(),
      max_fee: tx.fee,
      operation_count: tx.operations.length,
      envelope_xdr: envelope,
      result_xdr: resultXdr(charged, opCodes, successful ? 'txSuccess' : 'txFailed'),
      memo_type: memo.type,
      ...(memo.type === 'text'
        ? { memo: Buffer.from(memo.value as Buffer | string).toString('utf8') }
        : memo.type === 'hash' || memo.type === 'return'
          ? { memo: Buffer.from(memo.value as Buffer).toString('base64') }
          : memo.type === 'id'
            ? { memo: String(memo.value) }
            : {}),
      signatures: tx.signatures.map((s) => s.signature().toString('base64')),
      ...(bounds
        ? {
            valid_after: new Date(Number(bounds.minTime) * 1000).toISOString(),
            valid_before: new Date(Number(bounds.maxTime) * 1000).toISOString(),
          }
        : {}),
      participants: [
        ...new Set([
          tx.source,
          ...tx.operations.flatMap((op) => [
            op.source ?? tx.source,
            'destination' in op ? (op.destination as string) : tx.source,
          ]),
        ]),
      ],
      ...(successful ? {} : { result_codes: { transaction: 'tx_failed', operations: opCodes } }),
    }
    txs.push(record)
    byHash.set(hash, record)
    for (const p of applied) payments.push({ ...p, transaction_successful: successful })
    if (loseNext) {
      loseNext = false
      problem(res, 504, 'timeout', 'Timeout', 'Your request timed out before completing.')
      return
    }
    if (!successful) return failed(res, envelope, 'tx_failed', opCodes, record)
    send(res, 200, presentTx(record))
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://horizon.local')
    const path = u.pathname.replace(/\/+$/, '') || '/'
    log.push(`${req.method} ${path}`)
    const q = u.searchParams
    const includeFailed = q.get('include_failed') === 'true'
    let m: RegExpExecArray | null
    if (req.method === 'POST' && path === '/transactions') {
      let body: string
      try {
        body = await readBody(req)
      } catch {
        return problem(res, 413, 'request_too_large', 'Request Too Large', 'The request body is too large.')
      }
      const envelope = new URLSearchParams(body).get('tx')
      if (!envelope) {
        return problem(
          res,
          400,
          'transaction_malformed',
          'Transaction Malformed',
          'The `tx` form field is missing.',
        )
      }
      return submit(envelope, res)
    }
    if (req.method !== 'GET')
      return problem(res, 405, 'method_not_allowed', 'Method Not Allowed', req.method ?? '')
    if (path === '/fee_stats') {
      const stats = {
        max: '100',
        min: '100',
        mode: '100',
        p10: '100',
        p20: '100',
        p30: '100',
        p40: '100',
        p50: '100',
        p60: '100',
        p70: '100',
        p80: '100',
        p90: '100',
        p95: '100',
        p99: '100',
      }
      return send(res, 200, {
        last_ledger: String(ledger),
        last_ledger_base_fee: '100',
        ledger_capacity_usage: '0.01',
        fee_charged: stats,
        max_fee: stats,
      })
    }
    if ((m = /^\/accounts\/([A-Z0-9]{56})$/.exec(path))) {
      const a = accounts.get(m[1]!)
      if (!a)
        return problem(
          res,
          404,
          'not_found',
          'Resource Missing',
          'The resource at the url requested was not found.',
        )
      return send(res, 200, presentAccount(a))
    }
    if ((m = /^\/accounts\/([A-Z0-9]{56})\/(payments|transactions)$/.exec(path))) {
      const id = m[1]!
      if (!accounts.has(id))
        return problem(
          res,
          404,
          'not_found',
          'Resource Missing',
          'The resource at the url requested was not found.',
        )
      if (m[2] === 'payments') {
        const join = q.get('join') === 'transactions'
        const rows = payments.filter(
          (p) => (p.from === id || p.to === id) && (includeFailed || p.transaction_successful),
        )
        return page(path, rows, q, (p) => presentPayment(p, join), res)
      }
      const rows = txs.filter((t) => t.participants.includes(id) && (includeFailed || t.successful))
      return page(path, rows, q, presentTx, res)
    }
    if ((m = /^\/transactions\/([0-9a-f]{64})$/.exec(path))) {
      const t = byHash.get(m[1]!)
      if (!t)
        return problem(
          res,
          404,
          'not_found',
          'Resource Missing',
          'The resource at the url requested was not found.',
        )
      return send(res, 200, presentTx(t))
    }
    return problem(
      res,
      404,
      'not_found',
      'Resource Missing',
      'The resource at the url requested was not found.',
    )
  }

  const server = createServer((req, res) => {
    route(req, res).catch(() => {
      if (!res.headersSent) problem(res, 500, 'server_error', 'Internal Server Error', 'unexpected')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    networkPassphrase,
    createAccount(accountId, opts = {}) {
      if (!StrKey.isValidEd25519PublicKey(accountId)) throw new Error(`not an account id: ${accountId}`)
      const balances = new Map<string, bigint>([['native', amountToStroops(opts.xlm ?? '10000')!]])
      for (const t of opts.trust ?? []) balances.set(assetKey(t.asset), amountToStroops(t.balance ?? '0')!)
      // Horizon's starting sequence is ledger << 32; any value works for the SDK.
      accounts.set(accountId, { id: accountId, sequence: BigInt(ledger) << 32n, balances })
    },
    balance(accountId, asset) {
      const v = accounts.get(accountId)?.balances.get(assetKey(asset))
      return v === undefined ? null : stroopsToAmount(v)
    },
    transactions: () => txs,
    loseNextSubmitResponse() {
      loseNext = true
    },
    requests: () => log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * Test-only: acts as a learner's wallet. Builds a payment transaction with the SDK from the given
 * fields (or a SEP-0007 `web+stellar:pay` URI), signs it with the learner's key and submits it to
 * the Horizon at `horizonUrl`. Returns the transaction hash.
 */
export async function payFromWallet(
  horizon: { url: string; networkPassphrase: string },
  payer: Keypair,
  request: { destination: string; amount: string; asset: Asset; memo?: string } | { uri: string },
  overrides: { amount?: string; asset?: Asset; memo?: string | null } = {},
): Promise<string> {
  const fields = 'uri' in request ? parsePayUri(request.uri) : request
  const server = new Horizon.Server(horizon.url, { allowHttp: true })
  const account = await server.loadAccount(payer.publicKey())
  const memo = overrides.memo === null ? undefined : (overrides.memo ?? fields.memo)
  const builder = new TransactionBuilder(account, {
    fee: '100',
    networkPassphrase: horizon.networkPassphrase,
  })
    .addOperation(
      Operation.payment({
        destination: fields.destination,
        asset: overrides.asset ?? fields.asset,
        amount: overrides.amount ?? fields.amount,
      }),
    )
    .setTimeout(30)
  if (memo) builder.addMemo(Memo.text(memo))
  const tx = builder.build()
  tx.sign(payer)
  const result = await server.submitTransaction(tx)
  return result.hash
}

/** Reads a SEP-0007 `web+stellar:pay?…` URI (destination, amount, asset_code/issuer, memo). */
export function parsePayUri(uri: string): {
  destination: string
  amount: string
  asset: Asset
  memo?: string
} {
  if (!uri.startsWith('web+stellar:pay?')) throw new Error(`not a SEP-0007 pay URI: ${uri}`)
  const q = new URLSearchParams(uri.slice('web+stellar:pay?'.length))
  const code = q.get('asset_code')
  const issuer = q.get('asset_issuer')
  const memo = q.get('memo')
  return {
    destination: q.get('destination') ?? '',
    amount: q.get('amount') ?? '',
    asset: code && issuer ? new Asset(code, issuer) : Asset.native(),
    ...(memo ? { memo } : {}),
  }
}
