import { createHash } from 'node:crypto'
import {
  FeeBumpTransaction,
  Horizon,
  Memo,
  Operation,
  TransactionBuilder,
  type Asset,
} from '@stellar/stellar-sdk'
import type { StellarSettings } from './stellar.config.ts'

/** A transaction we sign is valid this long: after it, it can never land (the retry rule below). */
export const SEND_TIMEOUT_SECONDS = 30
/** How far back the "was it already sent?" check reads the platform account's transactions. */
export const SENT_LOOKBACK_PAGES = 10
/** A Horizon read (account, history page) that takes longer than this fails. */
export const HORIZON_READ_TIMEOUT_MS = 20_000
/** Records per Horizon page (Horizon's maximum). */
export const HORIZON_PAGE_LIMIT = 200

/** What a memo is derived from: a payment, a refund or a payout. */
export type MemoKind = 'payment' | 'refund' | 'payout'
const MEMO_PREFIX: Record<MemoKind, string> = { payment: 'p', refund: 'r', payout: 'o' }

/**
 * The text memo of one of our ids: a kind letter and 27 hex chars of SHA-256(id): 28 bytes, the
 * text-memo limit. Deterministic (a retry uses the same memo) and unique for practical purposes
 * (108 bits); an id never fits as such (`pay_` + 32 hex chars is 36 bytes).
 */
export function memoFor(kind: MemoKind, id: string): string {
  return MEMO_PREFIX[kind] + createHash('sha256').update(`learnmesh:${kind}:${id}`).digest('hex').slice(0, 27)
}

/** Horizon's `extras.result_codes` of a failed submission (both error shapes the SDK throws). */
export function horizonResultCodes(
  err: unknown,
): { transaction?: string; operations?: string[] } | undefined {
  const e = err as {
    response?: { extras?: { result_codes?: unknown }; data?: { extras?: { result_codes?: unknown } } }
  }
  const codes = e?.response?.extras?.result_codes ?? e?.response?.data?.extras?.result_codes
  return codes && typeof codes === 'object'
    ? (codes as { transaction?: string; operations?: string[] })
    : undefined
}

/** Operation codes after which the payment definitely did not happen and will not on a retry. */
const REFUSED = new Set([
  'op_underfunded',
  'op_no_destination',
  'op_no_trust',
  'op_not_authorized',
  'op_line_full',
  'op_src_no_trust',
  'op_src_not_authorized',
  'op_no_issuer',
  'op_malformed',
])

/** The outcome of an outgoing payment. */
export type SendResult = { status: 'sent'; hash: string } | { status: 'refused'; code: string }

/**
 * Thrown when a send's outcome is unknown (network error, Horizon timeout): the caller must keep
 * its record pending and try again later; the retry finds the transaction or sends anew safely.
 */
export class StellarUnknownOutcome extends Error {}

/**
 * The Horizon side of the stellar adapters: one `Horizon.Server`, outgoing payments signed by the
 * platform key, exactly once per memo.
 *
 * Exactly once without our own storage: every transaction we sign is valid for
 * SEND_TIMEOUT_SECONDS only (time bounds), and before signing a new one we look for a successful
 * transaction of the platform account with the same memo. A transaction whose fate was unknown
 * either landed (found: its hash is returned) or can never land once its time bounds passed. Within
 * that window this process refuses to sign again for the memo (StellarUnknownOutcome); a different
 * process can only retry after it (a crash plus restart takes longer), which the docs state.
 */
export function createStellarClient(settings: StellarSettings, clock: () => number = Date.now) {
  const server = new Horizon.Server(settings.horizonUrl, { allowHttp: settings.allowHttp })
  // Reads must not hang a job's transaction: Horizon reads give up after this (submissions keep the
  // SDK's own 60 s, since Horizon itself waits up to ~30 s for a transaction to land).
  server.httpClient.defaults.timeout = HORIZON_READ_TIMEOUT_MS
  /** memo → time after which the last transaction signed for it can no longer land. */
  const inFlight = new Map<string, number>()

  /** A successful platform transaction carrying `memo`, among the recent ones (newest first). */
  async function findSent(memo: string): Promise<string | null> {
    let page = await server
      .transactions()
      .forAccount(settings.platform)
      .order('desc')
      .limit(HORIZON_PAGE_LIMIT)
      .call()
    for (let n = 0; n < SENT_LOOKBACK_PAGES; n++) {
      for (const t of page.records) {
        if (
          t.source_account === settings.platform &&
          t.successful &&
          t.memo_type === 'text' &&
          t.memo === memo
        ) {
          return t.hash
        }
      }
      if (page.records.length < HORIZON_PAGE_LIMIT) return null
      page = await page.next()
    }
    return null
  }

  async function submitOnce(
    account: Horizon.AccountResponse,
    destination: string,
    amount: string,
    memo: string,
  ): Promise<SendResult | 'retry'> {
    const tx = new TransactionBuilder(account, {
      fee: '100',
      networkPassphrase: settings.networkPassphrase,
    })
      .addOperation(Operation.payment({ destination, asset: settings.asset, amount }))
      .addMemo(Memo.text(memo))
      .setTimeout(SEND_TIMEOUT_SECONDS)
      .build()
    tx.sign(settings.keypair)
    inFlight.set(memo, (Number(tx.timeBounds?.maxTime ?? 0) + 1) * 1000)
    try {
      const res = await server.submitTransaction(tx, { skipMemoRequiredCheck: true })
      inFlight.delete(memo)
      return { status: 'sent', hash: res.hash }
    } catch (err) {
      const codes = horizonResultCodes(err)
      if (!codes)
        throw new StellarUnknownOutcome(`Horizon did not confirm the transaction (${errMessage(err)})`)
      inFlight.delete(memo) // Horizon answered: the transaction did not apply
      const refused = codes.operations?.find((c) => REFUSED.has(c))
      if (refused) return { status: 'refused', code: refused }
      if (codes.transaction === 'tx_bad_seq' || codes.transaction === 'tx_too_late') return 'retry'
      throw new Error(`Horizon refused the transaction: ${codes.transaction ?? 'unknown'}`)
    }
  }

  return {
    server,
    settings,
    /** SEP-0007 pay URI for a payment request to the platform account. */
    payUri(amount: string, memo: string): string {
      const q = new URLSearchParams({ destination: settings.platform, amount })
      if (!settings.asset.isNative()) {
        q.set('asset_code', settings.asset.getCode())
        q.set('asset_issuer', settings.asset.getIssuer())
      }
      q.set('memo', memo)
      q.set('memo_type', 'MEMO_TEXT')
      if (settings.networkPassphrase !== 'Public Global Stellar Network ; September 2015') {
        q.set('network_passphrase', settings.networkPassphrase)
      }
      return `web+stellar:pay?${q.toString().replaceAll('+', '%20')}`
    },
    /**
     * Pays `amount` of the configured asset from the platform account to `destination` with `memo`,
     * at most once per memo (see above). Refused payments (no trustline, underfunded, …) are answered,
     * not thrown; an unknown outcome throws StellarUnknownOutcome.
     */
    async sendOnce(destination: string, amount: string, memo: string): Promise<SendResult> {
      const pending = inFlight.get(memo)
      if (pending !== undefined && clock() < pending) {
        throw new StellarUnknownOutcome(
          `A transaction for this memo may still land until ${new Date(pending).toISOString()}; retry after it`,
        )
      }
      for (let attempt = 0; attempt < 3; attempt++) {
        // The sequence number is read BEFORE looking for an earlier send: a concurrent sender
        // (another replica) with the same memo either landed before the read (so it is found) or
        // uses the same sequence number, so one of the two transactions is refused with tx_bad_seq
        // and, re-checking on the next attempt, finds the other one instead of paying again.
        const account = await server.loadAccount(settings.platform)
        const existing = await findSent(memo)
        if (existing) {
          inFlight.delete(memo)
          return { status: 'sent', hash: existing }
        }
        const result = await submitOnce(account, destination, amount, memo)
        if (result !== 'retry') return result
      }
      throw new Error('Horizon kept refusing the sequence number; retry later')
    },
    /** The payer of an incoming payment transaction: the source of its payment to the platform. */
    async payerOf(hash: string, asset: Asset): Promise<string | null> {
      const t = await server.transactions().transaction(hash).call()
      const envelope = TransactionBuilder.fromXDR(t.envelope_xdr, settings.networkPassphrase)
      const parsed = envelope instanceof FeeBumpTransaction ? envelope.innerTransaction : envelope
      for (const op of parsed.operations) {
        if (op.type === 'payment' && op.destination === settings.platform && op.asset.equals(asset)) {
          return op.source ?? parsed.source
        }
      }
      return null
    },
  }
}

/** What createStellarClient returns. */
export type StellarClient = ReturnType<typeof createStellarClient>

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
