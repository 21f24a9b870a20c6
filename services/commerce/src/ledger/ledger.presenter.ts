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

/** One of our prefixed ids (`ord_…`, `pyt_…`) or a provider's (`tr_…`). */
const ID = String.raw`[a-z]{2,4}_[A-Za-z0-9]+`
/** What names an id in a ledger memo or description, and what a person reads instead. */
const ID_PHRASES: [RegExp, (title: string | null) => string][] = [
  // "Course sale (order ord_…)", "Lesson delivered (booking bkg_…)": the line's title instead.
  [new RegExp(String.raw`\s*\((?:order|booking) ${ID}\)`, 'g'), (title) => (title ? ` (${title})` : '')],
  // "Payment pay_… for order ord_…", "Refund rfd_… of payment pay_…", "Payout pyt_… to usr_…".
  [new RegExp(String.raw` (?:for order|of payment|to) ${ID}`, 'g'), () => ''],
  // A provider reference in parentheses: "(tr_…)", a Stellar transaction hash.
  [new RegExp(String.raw`\s*\((?:${ID}|[0-9a-f]{64})\)`, 'g'), () => ''],
  // "Payout pyt_…", "Payment pay_…", "Refund rfd_…", "customer usr_…", "on pay_…": the word stays.
  [new RegExp(String.raw`(?<=\b(?:Payout|Payment|Refund|customer|on)) ${ID}`, 'g'), () => ''],
]

/**
 * A ledger memo or transaction description as a person reads it: the ids it was written with
 * (kept as they are in the ledger, and in their own fields of the answer) become the order line's
 * title or go away. "Course sale (order ord_…): your 80% share" → "Course sale (Intro to Rust):
 * your 80% share"; "Payout pyt_… failed: back to your balance" → "Payout failed: back to your balance".
 */
export function readableMemo(text: string, title: string | null): string {
  let out = text
  for (const [pattern, replacement] of ID_PHRASES) {
    const r = replacement(title)
    out = out.replace(pattern, () => r) // a function: a `$` in a title is not a pattern
  }
  return out.replace(/\s{2,}/g, ' ').trim()
}

/**
 * An entry of the payee's own accounts, signed from the payee's point of view (credit = +). Its
 * descriptions are readable labels (readableMemo); the ids they were written with have their own
 * fields (transactionRef, orderId, orderItemId).
 */
export function presentEarningsEntry(e: EntryRow) {
  return {
    id: String(e.id),
    transactionId: e.transactionId,
    transactionKind: e.transactionKind,
    transactionRef: e.transactionRef,
    account: e.accountKind,
    amountMinor: -e.amountMinor,
    currency: e.currency,
    description: readableMemo(e.memo, e.itemTitle),
    transactionDescription: readableMemo(e.description, e.itemTitle),
    orderId: e.orderId,
    orderItemId: e.orderItemId,
    itemTitle: e.itemTitle,
    createdAt: e.createdAt.toISOString(),
  }
}
