import { and, eq } from 'drizzle-orm'
import type { Logger, Tx } from '@learnmesh/kernel'
import { stellarCursors, stellarReceipts } from '../db/schema.ts'
import { createOrdersRepository } from '../orders/orders.repository.ts'
import type { PaymentsCore } from './payments.service.ts'
import { amountToStroops, minorToStroops, stroopsToAmount } from './stellar.amounts.ts'
import { HORIZON_PAGE_LIMIT, type StellarClient } from './stellar.client.ts'

const ordersRepo = createOrdersRepository()

/** Pages read per watcher run at most (the next run goes on from the stored cursor). */
export const WATCH_MAX_PAGES = 10

/** Operation types that credit the destination (`to`) with `amount` of the asset fields. */
const CREDITING = new Set(['payment', 'path_payment_strict_receive', 'path_payment_strict_send'])

/** The fields of a Horizon payment record the watcher reads. */
interface PaymentRecordLike {
  paging_token: string
  type: string
  transaction_hash: string
  transaction_successful?: boolean
  from?: string
  to?: string
  amount?: string
  asset_type?: string
  asset_code?: string
  asset_issuer?: string
  transaction_attr?: { memo_type?: string; memo?: string }
  transaction?: unknown
}

/** What one watcher run did. */
export interface WatchOutcome {
  /** Transactions seen for the first time, by outcome. */
  outcomes: Record<string, number>
  /** The cursor stored at the end. */
  cursor: string
}

function assetOf(r: PaymentRecordLike): string {
  return r.asset_type === 'native' ? 'native' : `${r.asset_code}:${r.asset_issuer}`
}

/**
 * Reads the platform account's payments from Horizon (`/accounts/{platform}/payments`,
 * `join=transactions`, ascending from the stored cursor) and applies each incoming transaction
 * once: the transaction hash is the key of stellar_receipts and the provider event id.
 *
 * A transaction whose text memo is a pending payment's memo, in the configured asset, for at least
 * the amount due → capture through the payments core (order paid, ledger, commerce.order.paid), and
 * the payment's providerRef becomes the transaction hash (refunds read the payer from it). Anything
 * else (no or unknown memo, another asset, less than due, a second payment of a paid memo) is only
 * recorded with its outcome: the payment stays as it was and the funds are sent back by hand.
 */
export function createStellarWatcher(
  deps: { logger: Logger },
  payments: PaymentsCore,
  client: StellarClient,
) {
  const { settings } = client
  const wanted = settings.asset.isNative()
    ? 'native'
    : `${settings.asset.getCode()}:${settings.asset.getIssuer()}`

  async function applyTransaction(tx: Tx, hash: string, ops: PaymentRecordLike[]): Promise<string | null> {
    const first = ops[0]!
    const joined = first.transaction_attr ?? (first.transaction as PaymentRecordLike['transaction_attr'])
    const memo = joined?.memo_type === 'text' && typeof joined.memo === 'string' ? joined.memo : null
    const received = new Map<string, bigint>()
    for (const op of ops) {
      const stroops = amountToStroops(op.amount ?? '')
      if (stroops !== null) received.set(assetOf(op), (received.get(assetOf(op)) ?? 0n) + stroops)
    }
    const inserted = await tx
      .insert(stellarReceipts)
      .values({
        txHash: hash,
        memo,
        fromAccount: first.from ?? '',
        received: [...received].map(([asset, s]) => ({ asset, amount: stroopsToAmount(s) })),
        outcome: 'processing',
      })
      .onConflictDoNothing()
      .returning({ txHash: stellarReceipts.txHash })
    if (inserted.length === 0) return null // seen before (a re-read page, a reset cursor)

    let outcome: string
    let paymentId: string | null = null
    const payment = memo ? await ordersRepo.findPaymentByRef(tx, 'stellar', memo, true) : undefined
    const paidInAsset = received.get(wanted) ?? 0n
    if (!payment) {
      const [paid] = memo
        ? await tx
            .select({ hash: stellarReceipts.txHash })
            .from(stellarReceipts)
            .where(and(eq(stellarReceipts.memo, memo), eq(stellarReceipts.outcome, 'captured')))
            .limit(1)
        : []
      outcome = paid ? 'already_paid' : 'unknown_memo'
    } else {
      paymentId = payment.id
      const due = minorToStroops(payment.amountMinor, settings.decimals)
      if (paidInAsset === 0n) outcome = 'wrong_asset'
      else if (paidInAsset < due) outcome = 'underpaid'
      else {
        const applied = await payments.applyWebhookEvent(tx, {
          id: hash,
          type: 'payment.succeeded',
          providerRef: memo!,
          feeMinor: 0,
        })
        const after = (await ordersRepo.findPayment(tx, payment.id, true))!
        if (after.status === 'succeeded' && after.providerRef === memo) {
          // From now on the payment is known by its transaction (refunds read the payer from it).
          await ordersRepo.updatePayment(tx, payment.id, { providerRef: hash })
        }
        outcome =
          applied === 'applied'
            ? 'captured'
            : after.failureCode === 'order_closed_needs_refund'
              ? 'order_closed'
              : 'already_paid'
      }
    }
    await tx.update(stellarReceipts).set({ outcome, paymentId }).where(eq(stellarReceipts.txHash, hash))
    if (outcome !== 'captured') {
      deps.logger.warn(
        { txHash: hash, outcome, paymentId, from: first.from },
        'stellar payment not captured: funds to return by hand',
      )
    }
    return outcome
  }

  return {
    /** One run, inside the job's transaction (the cursor row is locked: one watcher at a time). */
    async poll(tx: Tx): Promise<WatchOutcome> {
      const [row] = await tx
        .select()
        .from(stellarCursors)
        .where(eq(stellarCursors.accountId, settings.platform))
        .for('update')
      let cursor = row?.cursor ?? ''
      const outcomes: Record<string, number> = {}
      let builder = client.server
        .payments()
        .forAccount(settings.platform)
        .order('asc')
        .limit(HORIZON_PAGE_LIMIT)
        .join('transactions')
      if (cursor) builder = builder.cursor(cursor)
      let page = await builder.call()
      for (let n = 0; n < WATCH_MAX_PAGES; n++) {
        const records = page.records as unknown as PaymentRecordLike[]
        const groups = new Map<string, PaymentRecordLike[]>()
        for (const r of records) {
          if (!CREDITING.has(r.type) || r.to !== settings.platform || r.transaction_successful === false)
            continue
          groups.set(r.transaction_hash, [...(groups.get(r.transaction_hash) ?? []), r])
        }
        for (const [hash, ops] of groups) {
          const outcome = await applyTransaction(tx, hash, ops)
          if (outcome) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
        }
        if (records.length > 0) cursor = records[records.length - 1]!.paging_token
        if (records.length < HORIZON_PAGE_LIMIT) break
        page = await page.next()
      }
      if (cursor) {
        await tx
          .insert(stellarCursors)
          .values({ accountId: settings.platform, cursor })
          .onConflictDoUpdate({ target: stellarCursors.accountId, set: { cursor, updatedAt: new Date() } })
      }
      return { outcomes, cursor }
    },
  }
}

/** What createStellarWatcher returns. */
export type StellarWatcher = ReturnType<typeof createStellarWatcher>
