import { and, desc, eq, lt, sql } from 'drizzle-orm'
import { commercePayoutSent } from '@learnmesh/contracts'
import { AppError, newId, writeEvent, type Tx } from '@learnmesh/kernel'
import { ledgerAccounts, ledgerEntries, outbox, payoutAccounts, payouts } from '../db/schema.ts'
import { post } from '../ledger/ledger.core.ts'
import type { CommerceDeps } from '../deps.ts'
import type { PayoutProvider, PayoutResult } from './payout-provider.ts'

/** A payouts row. */
export type PayoutRow = typeof payouts.$inferSelect

/** One payout run. */
export interface PayoutRunInput {
  /** Only this organization (admin "run now"); all organizations when absent (the scheduled job). */
  orgId?: string
  /** Only this payee (a payee's own "pay out now"); every payee when absent. */
  payeeUserId?: string
  /** End of the period; payouts are unique per (org, payee, currency, periodEnd). */
  periodEnd: Date
  minimumMinor: number
  traceparent?: string | null
}

/**
 * Phase 1 of a payout run (in the caller's transaction): per payee and currency with a payable
 * balance ≥ the minimum, a `pending` payout row (unique per period) and the `payout` posting
 * (payable → payouts_in_transit). The payable account row is locked first so concurrent runs for
 * different periods cannot reserve the same balance twice. Payees without a payout account at a
 * rail that needs one are skipped (their balance waits).
 */
export async function reservePayouts(
  tx: Tx,
  provider: PayoutProvider,
  input: PayoutRunInput,
): Promise<PayoutRow[]> {
  const minimum = Math.max(1, input.minimumMinor)
  const candidates = await tx
    .select({
      accountId: ledgerAccounts.id,
      orgId: ledgerAccounts.orgId,
      payee: ledgerAccounts.ownerId,
      currency: ledgerAccounts.currency,
      createdAt: ledgerAccounts.createdAt,
    })
    .from(ledgerAccounts)
    .innerJoin(ledgerEntries, eq(ledgerEntries.accountId, ledgerAccounts.id))
    .where(
      and(
        eq(ledgerAccounts.kind, 'payable'),
        input.orgId ? eq(ledgerAccounts.orgId, input.orgId) : undefined,
        input.payeeUserId ? eq(ledgerAccounts.ownerId, input.payeeUserId) : undefined,
      ),
    )
    .groupBy(ledgerAccounts.id)
    .having(sql`-sum(${ledgerEntries.amountMinor}) >= ${minimum}`)
    .orderBy(ledgerAccounts.id)
  const reserved: PayoutRow[] = []
  for (const c of candidates) {
    await tx
      .select({ id: ledgerAccounts.id })
      .from(ledgerAccounts)
      .where(eq(ledgerAccounts.id, c.accountId))
      .for('update')
    const [bal] = await tx
      .select({ sum: sql<string>`coalesce(sum(${ledgerEntries.amountMinor}), 0)` })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.accountId, c.accountId))
    const amount = -Number(bal?.sum ?? 0)
    if (amount < minimum) continue
    if (provider.needsDestination && !(await destinationOf(tx, provider, c.orgId, c.payee))) continue
    const [previous] = await tx
      .select({ periodEnd: payouts.periodEnd })
      .from(payouts)
      .where(
        and(
          eq(payouts.orgId, c.orgId),
          eq(payouts.payeeUserId, c.payee),
          eq(payouts.currency, c.currency),
          lt(payouts.periodEnd, input.periodEnd),
        ),
      )
      .orderBy(desc(payouts.periodEnd))
      .limit(1)
    const id = newId('pyo')
    const [row] = await tx
      .insert(payouts)
      .values({
        id,
        orgId: c.orgId,
        payeeUserId: c.payee,
        currency: c.currency,
        amountMinor: amount,
        provider: provider.name,
        status: 'pending',
        periodStart: previous?.periodEnd ?? c.createdAt,
        periodEnd: input.periodEnd,
      })
      .onConflictDoNothing()
      .returning()
    if (!row) continue // this period was already paid to this payee
    await post(tx, {
      orgId: c.orgId,
      kind: 'payout',
      ref: id,
      currency: c.currency,
      description: `Payout ${id} to ${c.payee} for the period ending ${input.periodEnd.toISOString()}`,
      legs: [
        { kind: 'payable', owner: c.payee, amountMinor: amount, memo: `Payout ${id}`, payeeUserId: c.payee },
        { kind: 'payouts_in_transit', amountMinor: -amount, memo: `Payout ${id} to ${c.payee} in transit` },
      ],
    })
    reserved.push(row)
  }
  return reserved
}

/** The payee's account at this rail (payout_accounts), or null. */
export async function destinationOf(
  tx: Pick<Tx, 'select'>,
  provider: PayoutProvider,
  orgId: string,
  userId: string,
): Promise<string | null> {
  const [destination] = await tx
    .select({ ref: payoutAccounts.providerAccountRef, provider: payoutAccounts.provider })
    .from(payoutAccounts)
    .where(and(eq(payoutAccounts.orgId, orgId), eq(payoutAccounts.userId, userId)))
    .limit(1)
  return destination && destination.provider === provider.name ? destination.ref : null
}

/** Phase 2: asks the rail to pay a reserved payout (idempotent by payout id at the provider). */
export async function sendPayout(
  tx: Pick<Tx, 'select'>,
  provider: PayoutProvider,
  payout: PayoutRow,
): Promise<PayoutResult> {
  return provider.send({
    payoutId: payout.id,
    orgId: payout.orgId,
    payeeUserId: payout.payeeUserId,
    currency: payout.currency,
    amountMinor: payout.amountMinor,
    destination: await destinationOf(tx, provider, payout.orgId, payout.payeeUserId),
  })
}

/**
 * Phase 3 (in the caller's transaction): records the rail's answer once. Paid: `payout_settled`
 * (payouts_in_transit → provider_clearing), payout `paid`, commerce.payout.sent. Refused:
 * `payout_failed` (payouts_in_transit → payable back), payout `failed`. A payout that is no
 * longer `pending` (settled by a concurrent sender) is left alone: null.
 */
export async function settlePayout(
  tx: Tx,
  provider: PayoutProvider,
  payoutId: string,
  result: PayoutResult,
  traceparent: string | null = null,
): Promise<PayoutRow | null> {
  const [payout] = await tx.select().from(payouts).where(eq(payouts.id, payoutId)).for('update')
  if (!payout || payout.status !== 'pending') return null
  const { id, orgId, currency, amountMinor: amount, payeeUserId: payee } = payout
  if (result.status === 'paid') {
    await post(tx, {
      orgId,
      kind: 'payout_settled',
      ref: id,
      currency,
      description: `Payout ${id} sent by ${provider.name} (${result.providerRef})`,
      legs: [
        { kind: 'payouts_in_transit', amountMinor: amount, memo: `Payout ${id} left the platform` },
        {
          kind: 'provider_clearing',
          amountMinor: -amount,
          memo: `Payout ${id} paid from the provider balance`,
        },
      ],
    })
    const [paid] = await tx
      .update(payouts)
      .set({ status: 'paid', providerRef: result.providerRef, paidAt: new Date() })
      .where(eq(payouts.id, id))
      .returning()
    await writeEvent(tx, outbox, commercePayoutSent, {
      aggregateId: id,
      orgId,
      payload: {
        payoutId: id,
        payeeUserId: payee,
        currency,
        amountMinor: amount,
        provider: provider.name,
        periodStart: paid!.periodStart.toISOString(),
        periodEnd: paid!.periodEnd.toISOString(),
      },
      traceparent,
    })
    return paid!
  }
  await post(tx, {
    orgId,
    kind: 'payout_failed',
    ref: id,
    currency,
    description: `Payout ${id} refused by ${provider.name}: ${result.reason}`,
    legs: [
      { kind: 'payouts_in_transit', amountMinor: amount, memo: `Payout ${id} returned` },
      {
        kind: 'payable',
        owner: payee,
        amountMinor: -amount,
        memo: `Payout ${id} failed: back to your balance`,
        payeeUserId: payee,
      },
    ],
  })
  const [failed] = await tx.update(payouts).set({ status: 'failed' }).where(eq(payouts.id, id)).returning()
  return failed!
}

/**
 * A whole run with a LOCAL rail (the sandbox): reserve, send and settle inside the caller's
 * transaction. Networked rails use `reservePayouts` + `sendPendingPayouts` instead (no network
 * call inside a transaction).
 */
export async function runPayouts(
  tx: Tx,
  provider: PayoutProvider,
  input: PayoutRunInput,
): Promise<PayoutRow[]> {
  if (!provider.local) {
    throw new AppError(
      'internal',
      `payout rail ${provider.name} is networked: reserve, then sendPendingPayouts`,
    )
  }
  const made: PayoutRow[] = []
  for (const row of await reservePayouts(tx, provider, input)) {
    const result = await sendPayout(tx, provider, row)
    made.push((await settlePayout(tx, provider, row.id, result, input.traceparent ?? null))!)
  }
  return made
}

/**
 * Phases 2 and 3 for a networked rail: every `pending` payout of this rail (this run's, and any
 * left by a crash between reserving and settling) is sent OUTSIDE any transaction with its payout
 * id as idempotency key, then settled in its own transaction. A rail that does not answer
 * (network error, 5xx) leaves the payout `pending` for the next run; re-sending pays once.
 */
export async function sendPendingPayouts(
  deps: Pick<CommerceDeps, 'database' | 'logger' | 'wakeRelay'>,
  provider: PayoutProvider,
  options: { orgId?: string; payeeUserId?: string; traceparent?: string | null } = {},
): Promise<PayoutRow[]> {
  const db = deps.database.db
  const pending = await db
    .select()
    .from(payouts)
    .where(
      and(
        eq(payouts.status, 'pending'),
        eq(payouts.provider, provider.name),
        options.orgId ? eq(payouts.orgId, options.orgId) : undefined,
        options.payeeUserId ? eq(payouts.payeeUserId, options.payeeUserId) : undefined,
      ),
    )
    .orderBy(payouts.createdAt)
    .limit(500)
  const settled: PayoutRow[] = []
  for (const payout of pending) {
    let result: PayoutResult
    try {
      result = await sendPayout(db, provider, payout)
    } catch (err) {
      deps.logger.warn(
        { payoutId: payout.id, err: (err as Error).message },
        'payout rail did not answer; left pending',
      )
      continue
    }
    const row = await db.transaction((tx) =>
      settlePayout(tx, provider, payout.id, result, options.traceparent ?? null),
    )
    if (row) settled.push(row)
  }
  if (settled.length > 0) deps.wakeRelay()
  return settled
}

/** Refuses a period end in the future (a payout run pays balances as of now). */
export function checkPeriodEnd(periodEnd: Date, now = new Date()): void {
  if (Number.isNaN(periodEnd.getTime())) throw new AppError('validation_failed', 'periodEnd is not a date')
  if (periodEnd.getTime() > now.getTime() + 60_000) {
    throw new AppError('unprocessable', 'periodEnd cannot be in the future')
  }
}
