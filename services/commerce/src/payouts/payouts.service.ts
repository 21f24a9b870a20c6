import { and, desc, eq, lt, sql } from 'drizzle-orm'
import { commercePayoutSent } from '@learnmesh/contracts'
import { AppError, newId, writeEvent, type Tx } from '@learnmesh/kernel'
import { ledgerAccounts, ledgerEntries, outbox, payoutAccounts, payouts } from '../db/schema.ts'
import { post } from '../ledger/ledger.core.ts'
import type { PayoutProvider } from './payout-provider.ts'

/** A payouts row. */
export type PayoutRow = typeof payouts.$inferSelect

/** One payout run. */
export interface PayoutRunInput {
  /** Only this organization (admin "run now"); all organizations when absent (the scheduled job). */
  orgId?: string
  /** End of the period; payouts are unique per (org, payee, currency, periodEnd). */
  periodEnd: Date
  minimumMinor: number
  traceparent?: string | null
}

/**
 * Pays every payable balance ≥ the minimum: per payee and currency a payout row (unique per period),
 * payable → payouts_in_transit, the provider sends it, then payouts_in_transit → provider_clearing
 * and commerce.payout.sent (or, if the provider refuses, payouts_in_transit → payable back and the
 * payout is `failed`). The payable account row is locked first so concurrent runs for different
 * periods cannot pay the same balance twice. Runs inside the caller's transaction.
 */
export async function runPayouts(
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
      ),
    )
    .groupBy(ledgerAccounts.id)
    .having(sql`-sum(${ledgerEntries.amountMinor}) >= ${minimum}`)
    .orderBy(ledgerAccounts.id)
  const made: PayoutRow[] = []
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
    const [destination] = await tx
      .select({ ref: payoutAccounts.providerAccountRef, provider: payoutAccounts.provider })
      .from(payoutAccounts)
      .where(and(eq(payoutAccounts.orgId, c.orgId), eq(payoutAccounts.userId, c.payee)))
      .limit(1)
    if (provider.needsDestination && destination?.provider !== provider.name) continue
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
        status: 'in_transit',
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
    const result = await provider.send({
      payoutId: id,
      orgId: c.orgId,
      payeeUserId: c.payee,
      currency: c.currency,
      amountMinor: amount,
      destination: destination?.ref ?? null,
    })
    if (result.status === 'paid') {
      await post(tx, {
        orgId: c.orgId,
        kind: 'payout_settled',
        ref: id,
        currency: c.currency,
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
        orgId: c.orgId,
        payload: {
          payoutId: id,
          payeeUserId: c.payee,
          currency: c.currency,
          amountMinor: amount,
          provider: provider.name,
          periodStart: paid!.periodStart.toISOString(),
          periodEnd: paid!.periodEnd.toISOString(),
        },
        traceparent: input.traceparent ?? null,
      })
      made.push(paid!)
    } else {
      await post(tx, {
        orgId: c.orgId,
        kind: 'payout_failed',
        ref: id,
        currency: c.currency,
        description: `Payout ${id} refused by ${provider.name}: ${result.reason}`,
        legs: [
          { kind: 'payouts_in_transit', amountMinor: amount, memo: `Payout ${id} returned` },
          {
            kind: 'payable',
            owner: c.payee,
            amountMinor: -amount,
            memo: `Payout ${id} failed: back to your balance`,
            payeeUserId: c.payee,
          },
        ],
      })
      const [failed] = await tx
        .update(payouts)
        .set({ status: 'failed' })
        .where(eq(payouts.id, id))
        .returning()
      made.push(failed!)
    }
  }
  return made
}

/** Refuses a period end in the future (a payout run pays balances as of now). */
export function checkPeriodEnd(periodEnd: Date, now = new Date()): void {
  if (Number.isNaN(periodEnd.getTime())) throw new AppError('validation_failed', 'periodEnd is not a date')
  if (periodEnd.getTime() > now.getTime() + 60_000) {
    throw new AppError('unprocessable', 'periodEnd cannot be in the future')
  }
}
