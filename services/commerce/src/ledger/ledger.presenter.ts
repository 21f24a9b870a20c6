import type { PayoutRow } from '../payouts/payouts.service.ts'
import type { EntryRow } from './ledger.repository.ts'

/** A payout for the API. */
export function presentPayout(p: PayoutRow) {
  return {
    id: p.id,
    payeeUserId: p.payeeUserId,
    currency: p.currency,
    amountMinor: p.amountMinor,
    provider: p.provider,
    providerRef: p.providerRef,
    status: p.status,
    periodStart: p.periodStart.toISOString(),
    periodEnd: p.periodEnd.toISOString(),
    createdAt: p.createdAt.toISOString(),
    paidAt: p.paidAt ? p.paidAt.toISOString() : null,
  }
}

/** An entry of the payee's own accounts, signed from the payee's point of view (credit = +). */
export function presentEarningsEntry(e: EntryRow) {
  return {
    id: String(e.id),
    transactionId: e.transactionId,
    transactionKind: e.transactionKind,
    account: e.accountKind,
    amountMinor: -e.amountMinor,
    currency: e.currency,
    description: e.memo,
    transactionDescription: e.description,
    createdAt: e.createdAt.toISOString(),
  }
}
