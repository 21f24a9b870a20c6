import { randomUUID } from 'node:crypto'
import { AppError, newId, notFound, type Principal, type Tx } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import type { PlanEntitlement } from '../db/schema.ts'
import { includedTax } from '../invoices/tax.ts'
import { createOrdersRepository } from '../orders/orders.repository.ts'
import { writeOrderPaid, type PaymentsCore } from '../payments/payments.service.ts'
import type { PaymentProvider } from '../payments/provider.ts'
import type { PriceRow, ProductRow } from '../products/products.repository.ts'
import type { RefundsService } from '../refunds/refunds.service.ts'
import { addIntervals, dunning, proratedMinor, retryDays, type PlanInterval } from './periods.ts'
import { createRenewalCharges, type ChargeOutcome } from './subscriptions.charges.ts'
import { cancelSubscription, writePastDue } from './subscriptions.lifecycle.ts'
import {
  createSubscriptionsRepository,
  LIVE_STATUSES,
  type SubscriptionChargeRow,
  type SubscriptionRow,
} from './subscriptions.repository.ts'

const repo = createSubscriptionsRepository()
const ordersRepo = createOrdersRepository()

/** What one renewal pass did to a subscription (jobs log it; tests assert it). */
export type RenewalOutcome = 'renewed' | 'failed' | 'cancelled' | 'expired' | 'pending' | 'not_due'

const isAdmin = (p: Principal) => p.platformAdmin || p.roles.includes('org_admin')
const isLive = (s: SubscriptionRow) => (LIVE_STATUSES as readonly string[]).includes(s.status)

/**
 * Subscriptions: reading and managing them (customer and org admin), what plans grant, and the
 * renewal engine. A renewal is an order of its own (one plan line, a payment charged off-session
 * with the saved payment method), so capture, the ledger posting, `commerce.order.paid`, the invoice
 * and refunds work exactly as for checkout orders.
 */
export function createSubscriptionsService(
  deps: CommerceDeps,
  provider: PaymentProvider,
  payments: PaymentsCore,
  refunds: RefundsService,
) {
  const { config, logger } = deps
  const db = deps.database.db
  const days = retryDays(config)

  /** The subscription if the caller owns it (or, unless `ownerOnly`, administers its org); 404 otherwise. */
  async function visible(p: Principal, id: string, ownerOnly = false, tx?: Tx): Promise<SubscriptionRow> {
    const s = await repo.find(tx ?? db, p.orgId, id, !!tx)
    if (!s || (s.userId !== p.userId && (ownerOnly || !isAdmin(p)))) throw notFound('Subscription')
    return s
  }

  /** Marks an attempt failed: past_due with the next retry, or cancelled when no retry is left. */
  async function applyFailure(
    tx: Tx,
    s: SubscriptionRow,
    charge: SubscriptionChargeRow,
    failureCode: string,
    now: Date,
  ): Promise<'failed' | 'cancelled'> {
    await repo.setChargeStatus(tx, charge.id, 'failed', failureCode)
    const failed = s.failedAttempts + 1
    const { nextAttemptAt, graceUntil } = dunning(days, charge.periodStart, failed)
    if (!nextAttemptAt) {
      await cancelSubscription(tx, s, 'payment_failed', now, null)
      return 'cancelled'
    }
    const row = await repo.update(tx, s.id, { status: 'past_due', failedAttempts: failed, nextAttemptAt })
    if (s.status !== 'past_due') {
      await writePastDue(tx, row, { failureCode, attempt: failed, nextAttemptAt, graceUntil })
    }
    logger.info({ subscriptionId: s.id, attempt: failed, failureCode }, 'subscription renewal failed')
    return 'failed'
  }

  /**
   * The renewal attempt a pass over `s` would look at (the period that ended and the attempt
   * number), or null when none is due: incomplete or ended, period not over, cancelled at period
   * end, or a past-due retry not yet due.
   */
  function attemptDue(s: SubscriptionRow, now: Date): { end: Date; attemptNo: number } | null {
    if (!isLive(s) || !s.currentPeriodEnd || s.currentPeriodEnd.getTime() > now.getTime()) return null
    if (s.cancelAtPeriodEnd) return null
    if (s.status === 'past_due' && (!s.nextAttemptAt || s.nextAttemptAt.getTime() > now.getTime()))
      return null
    return { end: s.currentPeriodEnd, attemptNo: s.failedAttempts + 1 }
  }

  /**
   * The pending attempt a pass is about to re-check, locked in the global lock order
   * (docs/checkout.md#lock-order) **before** the subscription: its payment (`SKIP LOCKED`: the
   * webhook holding it locks payment → order → attempt → subscription, so the pass never waits
   * for it and answers `pending`), then the attempt. Found from an unlocked look at the
   * subscription; the caller re-checks it against the subscription once that is locked.
   */
  async function takePendingAttempt(
    tx: Tx,
    id: string,
    now: Date,
  ): Promise<'busy' | { charge: SubscriptionChargeRow; failureCode: string | null } | null> {
    const peek = await repo.peekById(tx, id)
    const due = peek && attemptDue(peek, now)
    if (!peek || !due) return null
    const seen = await repo.findCharge(tx, peek.id, due.end, due.attemptNo)
    if (!seen || seen.status !== 'pending') return null
    let failureCode: string | null = null
    if (seen.paymentId) {
      const locked = await ordersRepo.lockPaymentsOf(tx, peek.orgId, seen.orderId, { skipLocked: true })
      const payment = locked.find((p) => p.id === seen.paymentId)
      if (!payment) return 'busy'
      failureCode = payment.failureCode
    }
    const charge = await repo.lockCharge(tx, seen.id)
    return charge ? { charge, failureCode } : null
  }

  /**
   * One renewal pass over a subscription, under its row lock (a second runner waits, then finds
   * nothing due): expire an incomplete one whose checkout closed unpaid; end one cancelled at period
   * end; otherwise, when the period ended (or a retry is due), create the next period's attempt
   * once ((subscription, period, attempt) is unique): its order and payment, `pending`. The
   * provider is never called here: the charge job sends the payment after its own commit
   * (subscriptions.charges.ts).
   *
   * Locks follow the global order (docs/checkout.md#lock-order): a pending attempt to re-check is
   * taken first (its payment, `SKIP LOCKED`, then the attempt), the subscription last; once the
   * subscription is held, no payment or attempt lock is waited for.
   */
  async function renewOne(tx: Tx, id: string, now: Date): Promise<RenewalOutcome> {
    const taken = await takePendingAttempt(tx, id, now)
    // Its webhook (or a charge run's answer) holds the payment: that attempt is being settled.
    if (taken === 'busy') return 'pending'
    const s = await repo.lockById(tx, id)
    if (!s) return 'not_due'
    if (s.status === 'incomplete') {
      const order = await ordersRepo.findOrder(tx, s.orgId, s.orderId)
      if (!order || (order.status !== 'failed' && order.status !== 'cancelled')) return 'not_due'
      await repo.update(tx, s.id, { status: 'cancelled', cancelReason: 'incomplete_expired', endedAt: now })
      return 'expired'
    }
    if (!isLive(s) || !s.currentPeriodEnd || s.currentPeriodEnd.getTime() > now.getTime()) return 'not_due'
    const end = s.currentPeriodEnd
    if (s.cancelAtPeriodEnd) {
      // Past due: access was kept during the retries, so it ends now rather than at the old period end.
      await cancelSubscription(tx, s, 'period_end', s.status === 'past_due' ? now : end, null)
      return 'cancelled'
    }
    const due = attemptDue(s, now)
    if (!due) return 'not_due'
    const attemptNo = due.attemptNo
    const held =
      taken && taken.charge.periodStart.getTime() === end.getTime() && taken.charge.attempt === attemptNo
        ? taken
        : null
    if (held) {
      if (held.charge.status !== 'pending') return 'not_due'
      const order = await ordersRepo.findOrder(tx, s.orgId, held.charge.orderId)
      if (order && (order.status === 'failed' || order.status === 'cancelled'))
        return applyFailure(tx, s, held.charge, held.failureCode ?? 'payment_failed', now)
      // Not sent yet or not answered: the charge job (re)sends it with the same payment id.
      return 'pending'
    }
    // Not taken before the subscription (made or changed meanwhile): looked at, never waited for.
    const existing = await repo.findCharge(tx, s.id, end, attemptNo)
    if (existing) return existing.status === 'pending' ? 'pending' : 'not_due'
    const periodEnd = addIntervals(s.billingAnchor ?? end, s.interval as PlanInterval, s.periodsPaid + 1)
    const orderId = newId('ord')
    const amount = s.unitAmountMinor
    const free = amount === 0
    // Prices include tax, as at checkout: the included part goes to tax_payable and on the invoice.
    const taxMinor = includedTax(amount, config.INVOICE_TAX_RATE_BASIS_POINTS)
    await ordersRepo.insertOrder(
      tx,
      {
        id: orderId,
        orgId: s.orgId,
        userId: s.userId,
        status: free ? 'paid' : 'pending_payment',
        currency: s.currency,
        subtotalMinor: amount,
        taxMinor,
        totalMinor: amount,
        paidAt: free ? now : null,
      },
      [
        {
          id: newId('oit'),
          orderId,
          orgId: s.orgId,
          productId: s.productId,
          priceId: s.priceId,
          productType: 'subscription_plan',
          productRef: s.planRef,
          payeeUserId: null,
          title: s.title,
          quantity: 1,
          lessonCount: 1,
          unitAmountMinor: amount,
          taxMinor,
          amountMinor: amount,
        },
      ],
    )
    const payment = free
      ? null
      : await ordersRepo.insertPayment(tx, {
          id: newId('pay'),
          orderId,
          orgId: s.orgId,
          provider: provider.name,
          status: 'requires_payment',
          amountMinor: amount,
          currency: s.currency,
        })
    const attempt = await repo.insertCharge(tx, {
      id: newId('sch'),
      subscriptionId: s.id,
      orgId: s.orgId,
      periodStart: end,
      periodEnd,
      attempt: attemptNo,
      orderId,
      paymentId: payment?.id ?? null,
      amountMinor: amount,
      status: 'pending',
    })
    // The row lock makes a duplicate impossible; the unique index is the backstop (nothing is charged).
    if (!attempt) throw new AppError('conflict', 'This renewal attempt already exists')
    if (!payment) {
      const order = (await ordersRepo.findOrder(tx, s.orgId, orderId))!
      await writeOrderPaid(tx, order, await ordersRepo.items(tx, orderId), null)
      return 'renewed'
    }
    return 'pending'
  }

  const charges = createRenewalCharges(deps, provider, payments, applyFailure)

  return {
    renewOne,

    /** Subscriptions the sweep must look at by `now` (ids). */
    due(tx: Tx, now: Date, limit = 100): Promise<string[]> {
      return repo.due(tx, now, limit)
    },

    /** The charge job's two steps (claim in its transaction, settle after the commit). */
    charges,

    /**
     * Runs a renewal pass over everything due, one transaction each, then one charge run (claim,
     * commit, provider calls) — what the jobs do, for tests and manual runs. A sent attempt's
     * outcome replaces the pass's `pending`.
     */
    async runDue(now: Date): Promise<Record<string, RenewalOutcome | ChargeOutcome>> {
      const out: Record<string, RenewalOutcome | ChargeOutcome> = {}
      for (const id of await repo.due(db, now, 1000)) {
        out[id] = await db.transaction((tx) => renewOne(tx, id, now))
      }
      const token = `run:${randomUUID()}`
      await db.transaction((tx) => charges.claim(tx, token))
      Object.assign(out, await charges.settle(token, now))
      deps.wakeRelay()
      return out
    },

    /** The caller's subscriptions, newest first. */
    listMine(p: Principal, opts: { after?: string; limit: number }) {
      return repo.listForUser(db, p.orgId, p.userId, opts)
    },

    /** An org's subscriptions (org admins). */
    listOrg(p: Principal, opts: { status?: string; userId?: string; after?: string; limit: number }) {
      return repo.listForOrg(db, p.orgId, opts)
    },

    /** One subscription with its renewal attempts (owner or org admin). */
    async get(p: Principal, id: string) {
      const s = await visible(p, id)
      return { subscription: s, charges: await repo.charges(db, s.id) }
    },

    /** Cancel at period end (owner or org admin): access runs to the end of the paid period (or trial). */
    async cancelAtPeriodEnd(p: Principal, id: string): Promise<SubscriptionRow> {
      return db.transaction(async (tx) => {
        const s = await visible(p, id, false, tx)
        if (!isLive(s)) throw new AppError('conflict', `This subscription is ${s.status}`)
        return s.cancelAtPeriodEnd ? s : repo.update(tx, s.id, { cancelAtPeriodEnd: true })
      })
    },

    /** Undo a cancel at period end, while the period still runs (owner or org admin). */
    async resume(p: Principal, id: string): Promise<SubscriptionRow> {
      return db.transaction(async (tx) => {
        const s = await visible(p, id, false, tx)
        if (!isLive(s)) throw new AppError('conflict', `This subscription is ${s.status}`)
        if (!s.cancelAtPeriodEnd) return s
        if (s.currentPeriodEnd && s.currentPeriodEnd.getTime() <= Date.now())
          throw new AppError('conflict', 'The period already ended; subscribe again')
        return repo.update(tx, s.id, { cancelAtPeriodEnd: false })
      })
    },

    /**
     * Cancel now (org admin): access ends at once (`cancelled`, reason `admin`). With
     * `refund: 'prorated'` the unused part of the current paid period is refunded on the order that
     * paid it (floored to the minor unit); a trial has nothing to refund.
     */
    async cancelNow(
      p: Principal,
      id: string,
      input: { refund?: 'none' | 'prorated' },
      traceparent: string | null,
    ): Promise<{ subscription: SubscriptionRow; refundId: string | null; refundedMinor: number }> {
      if (!isAdmin(p))
        throw new AppError('forbidden', 'Cancelling a subscription now needs the org_admin role')
      const now = new Date()
      const { s, refund } = await db.transaction(async (tx) => {
        const current = await visible(p, id, false, tx)
        // Incomplete ones are left to their checkout order (paid → activated, closed → expired).
        if (!isLive(current)) throw new AppError('conflict', `This subscription is ${current.status}`)
        const refund = input.refund === 'prorated' ? await proratedRefund(tx, current, now) : null
        const s = await cancelSubscription(tx, current, 'admin', now, traceparent)
        return { s, refund }
      })
      deps.wakeRelay()
      if (!refund) return { subscription: s, refundId: null, refundedMinor: 0 }
      const r = await refunds.refund(
        p,
        refund.orderId,
        {
          items: [{ orderItemId: refund.orderItemId, amountMinor: refund.amountMinor }],
          reason: 'subscription_cancelled',
        },
        traceparent,
      )
      return { subscription: s, refundId: r.id, refundedMinor: r.status === 'succeeded' ? r.amountMinor : 0 }
    },

    /** Changes the payment method renewals charge (owner); a past-due subscription is retried at the next sweep. */
    async changePaymentMethod(p: Principal, id: string, paymentMethod: string): Promise<SubscriptionRow> {
      return db.transaction(async (tx) => {
        const s = await visible(p, id, true, tx)
        if (!isLive(s)) throw new AppError('conflict', `This subscription is ${s.status}`)
        return repo.update(tx, s.id, {
          paymentMethodRef: paymentMethod,
          ...(s.status === 'past_due' ? { nextAttemptAt: new Date() } : {}),
        })
      })
    },

    /**
     * The plans an organization sells (public, like prices): each active plan product with its active
     * prices and what it grants, for a plans page. Plans without an active price are left out.
     */
    async plansOnSale(orgId: string) {
      const plans = new Map<
        string,
        { product: ProductRow; prices: PriceRow[]; entitlement: PlanEntitlement }
      >()
      for (const r of await repo.plansOnSale(db, orgId)) {
        const plan = plans.get(r.product.id) ?? {
          product: r.product,
          prices: [],
          entitlement: r.entitlement ?? { scope: 'all_courses' },
        }
        plan.prices.push(r.price)
        plans.set(r.product.id, plan)
      }
      return [...plans.values()]
    },

    /** What a plan grants (org admin); 404 for a product that is not a plan of the caller's org. */
    async entitlement(p: Principal, productId: string): Promise<PlanEntitlement> {
      if (!(await repo.findPlanProduct(db, p.orgId, productId))) throw notFound('Plan')
      return repo.entitlementOf(db, productId)
    },

    /** Sets what a plan grants (org admin); carried by the next subscription events of the plan. */
    async setEntitlement(
      p: Principal,
      productId: string,
      entitlement: PlanEntitlement,
    ): Promise<PlanEntitlement> {
      if (!(await repo.findPlanProduct(db, p.orgId, productId))) throw notFound('Plan')
      const value: PlanEntitlement =
        entitlement.scope === 'courses'
          ? { scope: 'courses', courseIds: [...new Set(entitlement.courseIds)] }
          : { scope: 'all_courses' }
      await db.transaction((tx) =>
        repo.setEntitlement(tx, { productId, orgId: p.orgId, entitlement: value, updatedBy: p.userId }),
      )
      return value
    },
  }

  /** The refund that gives back the unused part of the current paid period (null when none). */
  async function proratedRefund(tx: Tx, s: SubscriptionRow, now: Date) {
    if (s.status === 'trialing' || s.periodsPaid === 0) return null
    if (!s.currentPeriodStart || !s.currentPeriodEnd) return null
    const paid = (await repo.charges(tx, s.id)).find(
      (c) => c.status === 'succeeded' && c.periodStart.getTime() === s.currentPeriodStart!.getTime(),
    )
    const orderId = paid?.orderId ?? s.orderId
    const item = (await ordersRepo.items(tx, orderId)).find(
      (i) => i.productType === 'subscription_plan' && i.productId === s.productId,
    )
    if (!item) return null
    const amountMinor = Math.min(
      proratedMinor(item.amountMinor, s.currentPeriodStart, s.currentPeriodEnd, now),
      item.amountMinor - item.refundedMinor,
    )
    return amountMinor > 0 ? { orderId, orderItemId: item.id, amountMinor } : null
  }
}

/** What createSubscriptionsService returns. */
export type SubscriptionsService = ReturnType<typeof createSubscriptionsService>
