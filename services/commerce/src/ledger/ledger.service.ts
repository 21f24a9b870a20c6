import { AppError, forbidden, notFound, type Principal } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { payoutProviderFrom, type PayoutProvider } from '../payouts/payout-provider.ts'
import { idempotentInTx } from '../shared/idempotency.ts'
import { checkPeriodEnd, reservePayouts, runPayouts, sendPendingPayouts } from '../payouts/payouts.service.ts'
import { presentPayout } from './ledger.presenter.ts'
import { createLedgerRepository } from './ledger.repository.ts'
import { buildStatement, type Statement } from './statements.ts'

const isAdmin = (p: Principal) => p.platformAdmin || p.roles.includes('org_admin')

/**
 * Reads of the ledger (earnings, payouts, balances, trial balance, statements) and the admin
 * payout run. Every query is scoped to the caller's organization; payees see only their own money.
 */
export function createLedgerService(deps: CommerceDeps, options: { provider?: PayoutProvider } = {}) {
  const repo = createLedgerRepository()
  const db = deps.database.db
  const provider = options.provider ?? payoutProviderFrom(deps.config)

  return {
    /** The caller's available (payable) and escrowed money per currency. */
    async earnings(p: Principal) {
      const [balances, escrow] = await Promise.all([
        repo.ownerBalances(db, p.orgId, p.userId, ['payable']),
        repo.pendingEscrow(db, p.orgId, p.userId),
      ])
      const currencies = [
        ...new Set([...balances.map((b) => b.currency), ...escrow.map((e) => e.currency)]),
      ].sort()
      return {
        payeeUserId: p.userId,
        balances: currencies.map((currency) => ({
          currency,
          availableMinor: -(balances.find((b) => b.currency === currency)?.balanceMinor ?? 0),
          pendingEscrowMinor: escrow.find((e) => e.currency === currency)?.heldMinor ?? 0,
        })),
        payoutMinimumMinor: deps.config.PAYOUT_MINIMUM_MINOR,
      }
    },

    /** The caller's payable and escrow entries, newest first (keyset on entry id). */
    entries(p: Principal, q: { limit: number; after?: string; currency?: string }) {
      return repo.ownerEntries(db, p.orgId, p.userId, ['payable', 'escrow'], {
        limit: q.limit + 1,
        ...(q.after ? { before: Number(q.after) } : {}),
        ...(q.currency ? { currency: q.currency } : {}),
      })
    },

    /** Payouts of the org, or one payee's. */
    payouts(p: Principal, q: { limit: number; after?: string; payee?: string }) {
      return repo.payouts(db, p.orgId, {
        limit: q.limit + 1,
        ...(q.after ? { before: q.after } : {}),
        ...(q.payee ? { payee: q.payee } : {}),
      })
    },

    /** Accounts with balances (org admin). */
    accounts(
      p: Principal,
      q: { limit: number; after?: string; kind?: string; currency?: string; ownerId?: string },
    ) {
      return repo.accounts(db, p.orgId, { ...q, limit: q.limit + 1 })
    },

    /** The org's trial balance (org admin). */
    async trialBalance(p: Principal) {
      const tb = await repo.trialBalance(db, p.orgId)
      return { balanced: tb.unbalancedTransactions === 0 && tb.totals.every((t) => t.sumMinor === 0), ...tb }
    },

    /** A transaction with its entries (org admin); another org's is a 404. */
    async transaction(p: Principal, id: string) {
      const t = await repo.transaction(db, p.orgId, id)
      if (!t) throw notFound('Ledger transaction')
      const entries = await repo.transactionEntries(db, p.orgId, id)
      return {
        id: t.id,
        kind: t.kind,
        ref: t.ref,
        description: t.description,
        createdAt: t.createdAt.toISOString(),
        sumMinor: entries.reduce((s, e) => s + e.amountMinor, 0),
        entries: entries.map((e) => ({ ...e, id: String(e.id) })),
      }
    },

    /**
     * Runs a payout period now for the caller's org (org admin), once per Idempotency-Key: the
     * key, the payouts, their postings and events commit together.
     */
    async runPayouts(
      p: Principal,
      request: { key: string | string[] | undefined; path: string; body: { periodEnd?: string } },
      traceparent: string | null,
    ) {
      const periodEnd = request.body.periodEnd ? new Date(request.body.periodEnd) : new Date()
      checkPeriodEnd(periodEnd)
      const result = await db.transaction((tx) =>
        idempotentInTx(
          tx,
          {
            principal: `${p.orgId}/${p.userId}`,
            key: request.key,
            method: 'POST',
            path: request.path,
            body: request.body,
          },
          async () => {
            const run = {
              orgId: p.orgId,
              periodEnd,
              minimumMinor: deps.config.PAYOUT_MINIMUM_MINOR,
              traceparent,
            }
            // A networked rail only reserves here; sending happens below, outside the transaction.
            const made = provider.local
              ? await runPayouts(tx, provider, run)
              : await reservePayouts(tx, provider, run)
            return {
              status: 200,
              body: { periodEnd: periodEnd.toISOString(), payouts: made.map(presentPayout) },
            }
          },
        ),
      )
      if (!result.replayed) deps.wakeRelay()
      if (!provider.local && !result.replayed) {
        const settled = new Map(
          (await sendPendingPayouts(deps, provider, { orgId: p.orgId, traceparent })).map((r) => [r.id, r]),
        )
        result.body.payouts = result.body.payouts.map((x) => {
          const row = settled.get(x.id)
          return row ? presentPayout(row) : x
        })
      }
      return result
    },

    /**
     * A payee's statement for a calendar year (UTC). The caller's own, or any payee's for an org
     * admin; a payee with no account in the org is a 404 (so another org's payees are invisible).
     */
    async statement(p: Principal, year: number, payeeUserId?: string): Promise<Statement> {
      const payee = payeeUserId ?? p.userId
      if (payee !== p.userId && !isAdmin(p))
        throw forbidden('Only org admins can read another payee’s statement')
      if (!(await repo.isPayee(db, p.orgId, payee))) throw notFound('Earnings of this payee')
      const from = new Date(Date.UTC(year, 0, 1))
      const to = new Date(Date.UTC(year + 1, 0, 1))
      if (Number.isNaN(from.getTime())) throw new AppError('validation_failed', 'year is not valid')
      const sums = await repo.statementSums(db, p.orgId, payee, from, to)
      return buildStatement({ orgId: p.orgId, payeeUserId: payee, year, ...sums })
    },
  }
}

/** What createLedgerService returns. */
export type LedgerService = ReturnType<typeof createLedgerService>
