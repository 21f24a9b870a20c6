import { api } from './client.ts'

/**
 * Commerce's earnings of the signed-in payee (`/commerce/earnings/me…`): instructors see them in the
 * studio, tutors in the tutor console. Amounts are minor units; format them with `formatAmount`.
 */

/** The payee's money in one currency. */
export interface EarningsBalance {
  currency: string
  /** Earned and not yet paid out; negative after clawbacks. */
  availableMinor: number
  /** Paid by learners and held in escrow until the lessons are delivered. */
  pendingEscrowMinor: number
}
/** One movement on the payee's payable or escrow account. */
export interface EarningsEntry {
  id: string
  transactionId: string
  /** payment_captured | refund | escrow_release | payout | payout_settled | payout_failed. */
  transactionKind: string
  /** `payable` or `escrow`. */
  account: string
  /** Positive adds to the account, negative takes from it. */
  amountMinor: number
  currency: string
  description?: string
  transactionDescription: string
  createdAt: string
}
export interface Payout {
  id: string
  currency: string
  amountMinor: number
  provider: string
  /** pending | paid | failed. */
  status: string
  periodStart: string
  periodEnd: string
  createdAt: string
  paidAt: string | null
}
export interface PayoutAccount {
  provider: string
  accountRef: string
  createdAt: string
}
/** GET /earnings/me/payout-account: always 200; `account` is null while the payee has registered none. */
export interface MyPayoutAccount {
  account: PayoutAccount | null
}

interface Page<T> {
  items: T[]
  /** Cursor of the next (older) page, null at the end. */
  nextCursor: string | null
}

const base = '/commerce/earnings/me'

/** GET /earnings/me. */
export interface Earnings {
  payeeUserId: string
  balances: EarningsBalance[]
  /** Available balances below this (per currency, minor units) are not paid out. */
  payoutMinimumMinor: number
}

export const earnings = {
  balances: () => api.request<Earnings>(base),
  /** Newest first; `after` is the previous page's `nextCursor`. */
  entries: ({ limit, after }: { limit: number; after?: string }) =>
    api.request<Page<EarningsEntry>>(`${base}/entries`, { query: { limit, after } }),
  /** Newest first. */
  payouts: ({ limit }: { limit: number }) =>
    api.request<Page<Payout>>(`${base}/payouts`, { query: { limit } }),
  /**
   * Pays the available balance of each currency ≥ the minimum now. One `idempotencyKey` per click:
   * a retry of the same click never pays twice. Refusals are problems with a `reason`
   * (`below_minimum`, `payout_pending`, `no_payout_account`, `payout_request_limit`).
   */
  requestPayout: (idempotencyKey: string) =>
    api.request<{ periodEnd: string; payouts: Payout[] }>(`${base}/payouts`, {
      body: {},
      headers: { 'idempotency-key': idempotencyKey },
    }),
  /** `account: null` while the payee has registered none (payouts then use the platform's default rail). */
  payoutAccount: () => api.request<MyPayoutAccount>(`${base}/payout-account`),
}

/** React Query keys of the earnings, shared by the studio and the tutor console. */
export const earningsKeys = {
  all: ['earnings'] as const,
  balances: ['earnings', 'balances'] as const,
  entries: (limit: number) => ['earnings', 'entries', limit] as const,
  payouts: (limit: number) => ['earnings', 'payouts', limit] as const,
  payoutAccount: ['earnings', 'payout-account'] as const,
}

/** `(order ord_…)`, `(booking bkg_…)`: references for the ledger, not for the payee. */
const REFERENCE = /\s*\((?:order|booking|payment) [a-z]{2,5}_[0-9a-z]+\)/g
const PAYOUT_ID = /\b(Payout) [a-z]{2,5}_[0-9a-z]+/g
const RAW_ID = /\b[a-z]{2,5}_[0-9a-z]{10,}\b/
const KIND_LABEL: Record<string, string> = {
  payment_captured: 'Payment received',
  refund: 'Refund',
  escrow_release: 'Released from escrow',
  payout: 'Payout',
  payout_settled: 'Payout sent',
  payout_failed: 'Payout failed: back to your balance',
}

/**
 * What a movement was, for the payee: commerce's memo of their own entry ("Course sale: your 70%
 * share") without the order, booking and payout ids it carries; the transaction kind's label when the
 * memo is empty or still names an id.
 */
export function movementLabel(e: Pick<EarningsEntry, 'description' | 'transactionKind'>): string {
  const memo = (e.description ?? '').replace(REFERENCE, '').replace(PAYOUT_ID, '$1').trim()
  if (memo && !RAW_ID.test(memo)) return memo
  return KIND_LABEL[e.transactionKind] ?? e.transactionKind.replaceAll('_', ' ')
}
