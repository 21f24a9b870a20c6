import { and, asc, desc, eq, gt, gte, inArray, lt, sql } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import {
  escrowHolds,
  ledgerAccounts,
  ledgerEntries,
  ledgerTransactions,
  orderItems,
  payouts,
} from '../db/schema.ts'
import type { AccountKind } from './ledger.core.ts'

/** An account with its derived balance (debit-positive). */
export interface AccountBalanceRow {
  id: string
  kind: string
  ownerId: string
  currency: string
  balanceMinor: number
}

/** An entry with its transaction and account, for people. */
export interface EntryRow {
  id: number
  transactionId: string
  transactionKind: string
  description: string
  accountKind: string
  amountMinor: number
  currency: string
  memo: string
  createdAt: Date
  /** What the transaction is about: payment, refund, booking or payout id. */
  transactionRef: string
  /** The order line the entry posts, with its order and title (null when it posts none). */
  orderItemId: string | null
  orderId: string | null
  itemTitle: string | null
}

/** A ledger transaction row. */
export type TransactionRow = typeof ledgerTransactions.$inferSelect
/** A payouts row. */
export type PayoutRow = typeof payouts.$inferSelect

const balance = sql<string>`coalesce(sum(${ledgerEntries.amountMinor}), 0)`

/** Read-only queries of the ledger, escrow and payouts; every one is scoped by org. */
export function createLedgerRepository() {
  return {
    /** Balances of one owner's accounts of the given kinds, per kind and currency. */
    async ownerBalances(db: DbOrTx, orgId: string, owner: string, kinds: AccountKind[]) {
      const rows = await db
        .select({ kind: ledgerAccounts.kind, currency: ledgerAccounts.currency, balance })
        .from(ledgerAccounts)
        .leftJoin(ledgerEntries, eq(ledgerEntries.accountId, ledgerAccounts.id))
        .where(
          and(
            eq(ledgerAccounts.orgId, orgId),
            eq(ledgerAccounts.ownerId, owner),
            inArray(ledgerAccounts.kind, kinds),
          ),
        )
        .groupBy(ledgerAccounts.kind, ledgerAccounts.currency)
        .orderBy(ledgerAccounts.currency)
      return rows.map((r) => ({ kind: r.kind, currency: r.currency, balanceMinor: Number(r.balance) }))
    },

    /** Entries of one owner's accounts of the given kinds, newest first, after the cursor (entry id). */
    async ownerEntries(
      db: DbOrTx,
      orgId: string,
      owner: string,
      kinds: AccountKind[],
      page: { limit: number; before?: number; currency?: string },
    ): Promise<EntryRow[]> {
      // The line's order and title (same org only) let the presenter write a label a person can read.
      return db
        .select({
          id: ledgerEntries.id,
          transactionId: ledgerEntries.transactionId,
          transactionKind: ledgerTransactions.kind,
          description: ledgerTransactions.description,
          accountKind: ledgerAccounts.kind,
          amountMinor: ledgerEntries.amountMinor,
          currency: ledgerEntries.currency,
          memo: ledgerEntries.memo,
          createdAt: ledgerEntries.createdAt,
          transactionRef: ledgerTransactions.ref,
          orderItemId: ledgerEntries.orderItemId,
          orderId: orderItems.orderId,
          itemTitle: orderItems.title,
        })
        .from(ledgerEntries)
        .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, ledgerEntries.accountId))
        .innerJoin(ledgerTransactions, eq(ledgerTransactions.id, ledgerEntries.transactionId))
        .leftJoin(
          orderItems,
          and(eq(orderItems.id, ledgerEntries.orderItemId), eq(orderItems.orgId, ledgerEntries.orgId)),
        )
        .where(
          and(
            eq(ledgerAccounts.orgId, orgId),
            eq(ledgerAccounts.ownerId, owner),
            inArray(ledgerAccounts.kind, kinds),
            page.currency ? eq(ledgerAccounts.currency, page.currency) : undefined,
            page.before !== undefined ? lt(ledgerEntries.id, page.before) : undefined,
          ),
        )
        .orderBy(desc(ledgerEntries.id))
        .limit(page.limit)
    },

    /** Accounts of an org with balances, by id, after the cursor. */
    async accounts(
      db: DbOrTx,
      orgId: string,
      filter: { kind?: string; currency?: string; ownerId?: string; after?: string; limit: number },
    ): Promise<AccountBalanceRow[]> {
      const rows = await db
        .select({
          id: ledgerAccounts.id,
          kind: ledgerAccounts.kind,
          ownerId: ledgerAccounts.ownerId,
          currency: ledgerAccounts.currency,
          balance,
        })
        .from(ledgerAccounts)
        .leftJoin(ledgerEntries, eq(ledgerEntries.accountId, ledgerAccounts.id))
        .where(
          and(
            eq(ledgerAccounts.orgId, orgId),
            filter.kind ? eq(ledgerAccounts.kind, filter.kind) : undefined,
            filter.currency ? eq(ledgerAccounts.currency, filter.currency) : undefined,
            filter.ownerId !== undefined ? eq(ledgerAccounts.ownerId, filter.ownerId) : undefined,
            filter.after ? gt(ledgerAccounts.id, filter.after) : undefined,
          ),
        )
        .groupBy(ledgerAccounts.id)
        .orderBy(asc(ledgerAccounts.id))
        .limit(filter.limit)
      return rows.map(({ balance: b, ...r }) => ({ ...r, balanceMinor: Number(b) }))
    },

    /** Debits, credits and their sum per currency, and balances per account kind. */
    async trialBalance(db: DbOrTx, orgId: string) {
      const totals = await db
        .select({
          currency: ledgerEntries.currency,
          debits: sql<string>`coalesce(sum(case when ${ledgerEntries.amountMinor} > 0 then ${ledgerEntries.amountMinor} else 0 end), 0)`,
          credits: sql<string>`coalesce(sum(case when ${ledgerEntries.amountMinor} < 0 then -${ledgerEntries.amountMinor} else 0 end), 0)`,
          sum: balance,
        })
        .from(ledgerEntries)
        .where(eq(ledgerEntries.orgId, orgId))
        .groupBy(ledgerEntries.currency)
        .orderBy(ledgerEntries.currency)
      const byKind = await db
        .select({ kind: ledgerAccounts.kind, currency: ledgerAccounts.currency, balance })
        .from(ledgerEntries)
        .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, ledgerEntries.accountId))
        .where(eq(ledgerEntries.orgId, orgId))
        .groupBy(ledgerAccounts.kind, ledgerAccounts.currency)
        .orderBy(ledgerAccounts.currency, ledgerAccounts.kind)
      const [unbalanced] = await db.select({ n: sql<string>`count(*)` }).from(
        db
          .select({ id: ledgerEntries.transactionId })
          .from(ledgerEntries)
          .where(eq(ledgerEntries.orgId, orgId))
          .groupBy(ledgerEntries.transactionId, ledgerEntries.currency)
          .having(sql`sum(${ledgerEntries.amountMinor}) <> 0`)
          .as('u'),
      )
      return {
        totals: totals.map((t) => ({
          currency: t.currency,
          debitsMinor: Number(t.debits),
          creditsMinor: Number(t.credits),
          sumMinor: Number(t.sum),
        })),
        byKind: byKind.map((k) => ({ kind: k.kind, currency: k.currency, balanceMinor: Number(k.balance) })),
        unbalancedTransactions: Number(unbalanced?.n ?? 0),
      }
    },

    /** A transaction of the org. */
    async transaction(db: DbOrTx, orgId: string, id: string): Promise<TransactionRow | undefined> {
      const [row] = await db
        .select()
        .from(ledgerTransactions)
        .where(and(eq(ledgerTransactions.orgId, orgId), eq(ledgerTransactions.id, id)))
        .limit(1)
      return row
    },

    /** The entries of a transaction with their accounts. */
    async transactionEntries(db: DbOrTx, orgId: string, transactionId: string) {
      return db
        .select({
          id: ledgerEntries.id,
          accountId: ledgerEntries.accountId,
          accountKind: ledgerAccounts.kind,
          ownerId: ledgerAccounts.ownerId,
          amountMinor: ledgerEntries.amountMinor,
          currency: ledgerEntries.currency,
          memo: ledgerEntries.memo,
          payeeUserId: ledgerEntries.payeeUserId,
          orderItemId: ledgerEntries.orderItemId,
        })
        .from(ledgerEntries)
        .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, ledgerEntries.accountId))
        .where(and(eq(ledgerEntries.orgId, orgId), eq(ledgerEntries.transactionId, transactionId)))
        .orderBy(asc(ledgerEntries.id))
    },

    /** Payouts of the org (optionally one payee's), newest first, before the cursor (payout id). */
    async payouts(db: DbOrTx, orgId: string, page: { payee?: string; before?: string; limit: number }) {
      return db
        .select()
        .from(payouts)
        .where(
          and(
            eq(payouts.orgId, orgId),
            page.payee ? eq(payouts.payeeUserId, page.payee) : undefined,
            page.before ? lt(payouts.id, page.before) : undefined,
          ),
        )
        .orderBy(desc(payouts.id))
        .limit(page.limit)
    },

    /** Money still held in escrow for a payee, per currency. */
    async pendingEscrow(db: DbOrTx, orgId: string, payee: string) {
      const rows = await db
        .select({
          currency: escrowHolds.currency,
          held: sql<string>`coalesce(sum(${escrowHolds.amountMinor} - ${escrowHolds.releasedMinor} - ${escrowHolds.refundedMinor}), 0)`,
        })
        .from(escrowHolds)
        .where(and(eq(escrowHolds.orgId, orgId), eq(escrowHolds.payeeUserId, payee)))
        .groupBy(escrowHolds.currency)
      return rows.map((r) => ({ currency: r.currency, heldMinor: Number(r.held) }))
    },

    /**
     * A payee's entries of a period summed by month, currency, transaction kind and account kind
     * (statements), plus the payable balance before the period.
     */
    async statementSums(db: DbOrTx, orgId: string, payee: string, from: Date, to: Date) {
      const month = sql<string>`to_char(${ledgerEntries.createdAt} at time zone 'UTC', 'YYYY-MM')`
      const rows = await db
        .select({
          month,
          currency: ledgerEntries.currency,
          txKind: ledgerTransactions.kind,
          accountKind: ledgerAccounts.kind,
          sum: balance,
        })
        .from(ledgerEntries)
        .innerJoin(ledgerTransactions, eq(ledgerTransactions.id, ledgerEntries.transactionId))
        .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, ledgerEntries.accountId))
        .where(
          and(
            eq(ledgerEntries.orgId, orgId),
            eq(ledgerEntries.payeeUserId, payee),
            gte(ledgerEntries.createdAt, from),
            lt(ledgerEntries.createdAt, to),
          ),
        )
        .groupBy(month, ledgerEntries.currency, ledgerTransactions.kind, ledgerAccounts.kind)
      const opening = await db
        .select({ currency: ledgerAccounts.currency, balance })
        .from(ledgerEntries)
        .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, ledgerEntries.accountId))
        .where(
          and(
            eq(ledgerAccounts.orgId, orgId),
            eq(ledgerAccounts.kind, 'payable'),
            eq(ledgerAccounts.ownerId, payee),
            lt(ledgerEntries.createdAt, from),
          ),
        )
        .groupBy(ledgerAccounts.currency)
      return {
        rows: rows.map((r) => ({ ...r, sum: Number(r.sum) })),
        opening: opening.map((o) => ({ currency: o.currency, balanceMinor: Number(o.balance) })),
      }
    },

    /** Whether the payee has any account (payable or escrow) in the org. */
    async isPayee(db: DbOrTx, orgId: string, payee: string): Promise<boolean> {
      const [row] = await db
        .select({ id: ledgerAccounts.id })
        .from(ledgerAccounts)
        .where(
          and(
            eq(ledgerAccounts.orgId, orgId),
            eq(ledgerAccounts.ownerId, payee),
            inArray(ledgerAccounts.kind, ['payable', 'escrow']),
          ),
        )
        .limit(1)
      return row !== undefined
    },
  }
}

/** What createLedgerRepository returns. */
export type LedgerRepository = ReturnType<typeof createLedgerRepository>
