import { and, eq, or, sql } from 'drizzle-orm'
import { AppError, newId, type Tx } from '@learnmesh/kernel'
import { ledgerAccounts, ledgerEntries, ledgerTransactions } from '../db/schema.ts'

/**
 * The chart of accounts (see docs/ledger.md). Amounts are signed: a debit is positive, a credit
 * negative. Asset/expense accounts (provider_clearing, provider_fees, payouts_in_transit, refunds)
 * normally carry a positive balance; liability/revenue accounts (escrow, payable,
 * platform_revenue, customer) a negative one.
 */
export const accountKinds = [
  'customer',
  'provider_clearing',
  'escrow',
  'payable',
  'platform_revenue',
  'provider_fees',
  'refunds',
  'payouts_in_transit',
  'tax_payable',
] as const
/** A kind of ledger account. */
export type AccountKind = (typeof accountKinds)[number]

/** Transaction kinds; (kind, ref) is unique, so each posts at most once. */
export type TransactionKind =
  'payment_captured' | 'refund' | 'escrow_release' | 'payout' | 'payout_settled' | 'payout_failed'

/** One leg of a posting before it is written. */
export interface Leg {
  kind: AccountKind
  /** The user a payable/escrow/customer account belongs to; '' for platform accounts. */
  owner?: string
  /** Signed minor units: debit > 0, credit < 0. */
  amountMinor: number
  memo: string
  payeeUserId?: string | null
  orderItemId?: string | null
}

/** A balanced transaction to post. */
export interface Posting {
  orgId: string
  kind: TransactionKind
  ref: string
  currency: string
  description: string
  legs: Leg[]
}

/**
 * Throws unless the legs are safe integers that sum to exactly 0. An unbalanced posting is a
 * programming error (never a client's), so it is an `internal` error that rolls the caller back.
 */
export function assertBalanced(legs: readonly Leg[]): void {
  let sum = 0
  for (const l of legs) {
    if (!Number.isSafeInteger(l.amountMinor)) {
      throw new AppError('internal', `ledger leg is not an integer amount: ${l.amountMinor}`)
    }
    sum += l.amountMinor
  }
  if (sum !== 0) throw new AppError('internal', `unbalanced ledger posting (sum ${sum})`)
}

/**
 * The id of the account (org, kind, owner, currency), created on first use: select, else
 * insert-or-ignore then select, so concurrent first uses agree on one row.
 */
export async function ensureAccount(
  tx: Tx,
  orgId: string,
  kind: AccountKind,
  owner: string,
  currency: string,
): Promise<string> {
  const find = async () => {
    const [row] = await tx
      .select({ id: ledgerAccounts.id })
      .from(ledgerAccounts)
      .where(
        and(
          eq(ledgerAccounts.orgId, orgId),
          eq(ledgerAccounts.kind, kind),
          eq(ledgerAccounts.ownerId, owner),
          eq(ledgerAccounts.currency, currency),
        ),
      )
      .limit(1)
    return row?.id
  }
  // Accounts exist after their first use: look first (one query on the hot path), create if missing.
  const existing = await find()
  if (existing) return existing
  await tx
    .insert(ledgerAccounts)
    .values({ id: newId('lac'), orgId, kind, ownerId: owner, currency })
    .onConflictDoNothing()
  return (await find())!
}

/**
 * Claims (kind, ref) by inserting the transaction header: the first caller gets `created: true`;
 * any later (or concurrent, once the first commits) caller gets the existing id and `created: false`
 * and must write nothing. Call before any other effect of the posting.
 */
export async function claimTransaction(
  tx: Tx,
  p: Pick<Posting, 'orgId' | 'kind' | 'ref' | 'description'>,
): Promise<{ transactionId: string; created: boolean }> {
  const id = newId('ltx')
  const inserted = await tx
    .insert(ledgerTransactions)
    .values({ id, orgId: p.orgId, kind: p.kind, ref: p.ref, description: p.description })
    .onConflictDoNothing()
    .returning({ id: ledgerTransactions.id })
    .prepare('commerce_ledger_claim') // every posting: parsed once per connection
    .execute()
  if (inserted.length > 0) return { transactionId: id, created: true }
  const [existing] = await tx
    .select({ id: ledgerTransactions.id, orgId: ledgerTransactions.orgId })
    .from(ledgerTransactions)
    .where(and(eq(ledgerTransactions.kind, p.kind), eq(ledgerTransactions.ref, p.ref)))
    .limit(1)
  if (!existing) throw new AppError('internal', `ledger transaction ${p.kind}/${p.ref} vanished`)
  if (existing.orgId !== p.orgId) {
    throw new AppError('internal', `ledger transaction ${p.kind}/${p.ref} belongs to another organization`)
  }
  return { transactionId: existing.id, created: false }
}

/**
 * The ids of several accounts of one org and currency, creating the missing ones: one select for
 * all, then (only on first use) one insert-or-ignore and a second select. Keys are `kind\u0000owner`.
 */
export async function ensureAccounts(
  tx: Tx,
  orgId: string,
  currency: string,
  keys: { kind: AccountKind; owner: string }[],
): Promise<Map<string, string>> {
  const wanted = new Map(keys.map((k) => [`${k.kind}\u0000${k.owner}`, k]))
  const found = new Map<string, string>()
  const load = async () => {
    const rows = await tx
      .select({ id: ledgerAccounts.id, kind: ledgerAccounts.kind, owner: ledgerAccounts.ownerId })
      .from(ledgerAccounts)
      .where(
        and(
          eq(ledgerAccounts.orgId, orgId),
          eq(ledgerAccounts.currency, currency),
          or(
            ...[...wanted.values()].map((k) =>
              and(eq(ledgerAccounts.kind, k.kind), eq(ledgerAccounts.ownerId, k.owner)),
            ),
          ),
        ),
      )
      // Every posting: parsed once per connection (the text depends only on the number of accounts).
      .prepare(`commerce_ledger_accounts_${wanted.size}`)
      .execute()
    for (const r of rows) found.set(`${r.kind}\u0000${r.owner}`, r.id)
  }
  if (wanted.size === 0) return found
  await load()
  // Sorted, so concurrent first uses of overlapping account sets lock the unique index in one order.
  const missing = [...wanted]
    .filter(([key]) => !found.has(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, k]) => k)
  if (missing.length > 0) {
    await tx
      .insert(ledgerAccounts)
      .values(missing.map((k) => ({ id: newId('lac'), orgId, kind: k.kind, ownerId: k.owner, currency })))
      .onConflictDoNothing()
    await load()
  }
  return found
}

/** Writes the legs of a claimed transaction (zero legs are dropped), after checking the balance. */
export async function writeLegs(
  tx: Tx,
  transactionId: string,
  orgId: string,
  currency: string,
  legs: readonly Leg[],
): Promise<void> {
  assertBalanced(legs)
  const nonZero = legs.filter((l) => l.amountMinor !== 0)
  if (nonZero.length === 0) return
  const ids = await ensureAccounts(
    tx,
    orgId,
    currency,
    nonZero.map((l) => ({ kind: l.kind, owner: l.owner ?? '' })),
  )
  await tx
    .insert(ledgerEntries)
    .values(
      nonZero.map((l) => ({
        transactionId,
        accountId: ids.get(`${l.kind}\u0000${l.owner ?? ''}`)!,
        orgId,
        amountMinor: l.amountMinor,
        currency,
        memo: l.memo,
        payeeUserId: l.payeeUserId ?? null,
        orderItemId: l.orderItemId ?? null,
      })),
    )
    // Every posting: parsed once per connection (every column is given: the text depends only on the count).
    .prepare(`commerce_ledger_entries_${nonZero.length}`)
    .execute()
}

/** Posts a balanced transaction once per (kind, ref). */
export async function post(tx: Tx, p: Posting): Promise<{ transactionId: string; created: boolean }> {
  assertBalanced(p.legs)
  const claim = await claimTransaction(tx, p)
  if (claim.created) await writeLegs(tx, claim.transactionId, p.orgId, p.currency, p.legs)
  return claim
}

/** Balance (debit-positive) of the account (org, kind, owner, currency); 0 when it does not exist. */
export async function accountBalance(
  tx: Tx,
  orgId: string,
  kind: AccountKind,
  owner: string,
  currency: string,
): Promise<number> {
  const [row] = await tx
    .select({ balance: sql<string | number>`coalesce(sum(${ledgerEntries.amountMinor}), 0)` })
    .from(ledgerEntries)
    .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, ledgerEntries.accountId))
    .where(
      and(
        eq(ledgerAccounts.orgId, orgId),
        eq(ledgerAccounts.kind, kind),
        eq(ledgerAccounts.ownerId, owner),
        eq(ledgerAccounts.currency, currency),
      ),
    )
  return Number(row?.balance ?? 0)
}
