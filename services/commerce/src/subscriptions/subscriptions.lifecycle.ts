import { AppError, newId, writeEvent, type Logger, type Tx } from '@learnmesh/kernel'
import {
  commerceSubscriptionActivated,
  commerceSubscriptionCancelled,
  commerceSubscriptionPastDue,
  commerceSubscriptionRenewed,
} from '@learnmesh/contracts'
import { outbox } from '../db/schema.ts'
import type { CartLine } from '../carts/carts.repository.ts'
import type { OrderItemRow } from '../orders/orders.repository.ts'
import { addDays, addIntervals, type PlanInterval } from './periods.ts'
import {
  createSubscriptionsRepository,
  LIVE_STATUSES,
  type SubscriptionRow,
} from './subscriptions.repository.ts'

const repo = createSubscriptionsRepository()

/** What checkout learned about the plan lines of a cart (see `prepareCheckout`). */
export interface PlanCheckout {
  /** The cart lines to price: a plan line in its trial costs 0. */
  lines: CartLine[]
  /** Plan lines by price id, with the trial days granted (0 = the first period is charged now). */
  plans: Map<string, { line: CartLine; trialDays: number }>
  paymentMethod: string | null
}

/**
 * Checks a cart's subscription plan lines before it is priced (inside checkout's transaction, under
 * its per-user lock): a plan needs a payment method on file (renewals charge it), the user must not
 * already hold (or be paying for) a subscription to the plan, and a plan price with trial days starts
 * with a free trial unless this user already had one of that plan: its line is then priced 0.
 */
export async function prepareCheckout(
  tx: Tx,
  orgId: string,
  userId: string,
  lines: CartLine[],
  paymentMethod: string | null,
): Promise<PlanCheckout> {
  const planLines = lines.filter((l) => l.product.type === 'subscription_plan')
  const plans: PlanCheckout['plans'] = new Map()
  if (planLines.length === 0) return { lines, plans, paymentMethod }
  if (!paymentMethod) {
    throw new AppError(
      'unprocessable',
      'A subscription needs a payment method (paymentMethod) for its renewals',
      {
        reason: 'payment_method_required',
      },
    )
  }
  const productIds = planLines.map((l) => l.product.id)
  const blocking = await repo.blockingProducts(tx, orgId, userId, productIds)
  if (blocking.length > 0) {
    throw new AppError('conflict', 'You already subscribe to this plan', {
      reason: 'already_subscribed',
      productIds: blocking,
    })
  }
  const used = await repo.trialsUsed(tx, orgId, userId, productIds)
  const priced = lines.map((l) => {
    if (l.product.type !== 'subscription_plan') return l
    const trialDays = l.price.trialDays > 0 && !used.has(l.product.id) ? l.price.trialDays : 0
    plans.set(l.price.id, { line: l, trialDays })
    return trialDays > 0 ? { ...l, price: { ...l.price, unitAmountMinor: 0 } } : l
  })
  return { lines: priced, plans, paymentMethod }
}

/** Inserts one `incomplete` subscription per plan line of a new checkout order (same transaction). */
export async function recordCheckout(
  tx: Tx,
  prepared: PlanCheckout,
  order: { id: string; orgId: string; userId: string; currency: string },
): Promise<void> {
  for (const { line, trialDays } of prepared.plans.values()) {
    await repo.insert(tx, {
      id: newId('sub'),
      orgId: order.orgId,
      userId: order.userId,
      productId: line.product.id,
      planRef: line.product.ref,
      priceId: line.price.id,
      title: line.product.title,
      currency: line.price.currency,
      unitAmountMinor: line.price.unitAmountMinor,
      interval: line.price.interval ?? 'month',
      status: 'incomplete',
      orderId: order.id,
      trialDays,
      paymentMethodRef: prepared.paymentMethod!,
    })
  }
}

/** Common fields of the subscription events. */
async function eventFields(tx: Tx, s: SubscriptionRow) {
  return {
    subscriptionId: s.id,
    userId: s.userId,
    productId: s.productId,
    planRef: s.planRef,
    entitlement: await repo.entitlementOf(tx, s.productId),
  }
}

/** Writes commerce.subscription.activated. */
export async function writeActivated(tx: Tx, s: SubscriptionRow, traceparent: string | null): Promise<void> {
  await writeEvent(tx, outbox, commerceSubscriptionActivated, {
    aggregateId: s.id,
    orgId: s.orgId,
    traceparent,
    payload: {
      ...(await eventFields(tx, s)),
      status: s.status === 'trialing' ? 'trialing' : 'active',
      currentPeriodStart: s.currentPeriodStart!.toISOString(),
      currentPeriodEnd: s.currentPeriodEnd!.toISOString(),
      trialEnd: s.trialEnd?.toISOString() ?? null,
    },
  })
}

/** Writes commerce.subscription.renewed. */
export async function writeRenewed(
  tx: Tx,
  s: SubscriptionRow,
  orderId: string,
  traceparent: string | null,
): Promise<void> {
  await writeEvent(tx, outbox, commerceSubscriptionRenewed, {
    aggregateId: s.id,
    orgId: s.orgId,
    traceparent,
    payload: {
      ...(await eventFields(tx, s)),
      orderId,
      currentPeriodStart: s.currentPeriodStart!.toISOString(),
      currentPeriodEnd: s.currentPeriodEnd!.toISOString(),
    },
  })
}

/** Writes commerce.subscription.past_due. */
export async function writePastDue(
  tx: Tx,
  s: SubscriptionRow,
  input: { failureCode: string; attempt: number; nextAttemptAt: Date; graceUntil: Date },
): Promise<void> {
  await writeEvent(tx, outbox, commerceSubscriptionPastDue, {
    aggregateId: s.id,
    orgId: s.orgId,
    traceparent: null,
    payload: {
      ...(await eventFields(tx, s)),
      failureCode: input.failureCode,
      attempt: input.attempt,
      nextAttemptAt: input.nextAttemptAt.toISOString(),
      graceUntil: input.graceUntil.toISOString(),
    },
  })
}

/** Ends a subscription (status cancelled, access until `effectiveAt`) and writes commerce.subscription.cancelled. */
export async function cancelSubscription(
  tx: Tx,
  s: SubscriptionRow,
  reason: 'period_end' | 'admin' | 'payment_failed' | 'refunded',
  effectiveAt: Date,
  traceparent: string | null,
): Promise<SubscriptionRow> {
  const row = await repo.update(tx, s.id, {
    status: 'cancelled',
    cancelReason: reason,
    cancelledAt: new Date(),
    endedAt: effectiveAt,
    nextAttemptAt: null,
  })
  await writeEvent(tx, outbox, commerceSubscriptionCancelled, {
    aggregateId: s.id,
    orgId: s.orgId,
    traceparent,
    payload: { ...(await eventFields(tx, row)), reason, effectiveAt: effectiveAt.toISOString() },
  })
  return row
}

/**
 * Called in the transaction that marks an order paid (checkout capture, webhook, free order): a
 * renewal order completes its renewal attempt (period extended, `renewed`); a checkout order
 * activates the subscriptions it started (`trialing` for a trial, else `active` with the first
 * period paid; `activated`).
 */
export async function onOrderPaid(
  tx: Tx,
  order: { id: string; orgId: string; paidAt: Date | null },
  traceparent: string | null,
  logger?: Pick<Logger, 'error'>,
): Promise<void> {
  const charge = await repo.chargeForOrder(tx, order.id)
  if (charge) {
    if (charge.status !== 'pending') return
    const s = (await repo.lockById(tx, charge.subscriptionId))!
    await repo.setChargeStatus(tx, charge.id, 'succeeded')
    if (s.status === 'cancelled' || s.currentPeriodEnd?.getTime() !== charge.periodStart.getTime()) {
      // Money arrived (a late webhook) for a period the subscription no longer waits for: reconcile by refund.
      logger?.error(
        { subscriptionId: s.id, orderId: order.id, status: s.status },
        'renewal paid for a subscription that no longer renews this period',
      )
      return
    }
    const renewed = await repo.update(tx, s.id, {
      status: 'active',
      periodsPaid: s.periodsPaid + 1,
      currentPeriodStart: charge.periodStart,
      currentPeriodEnd: charge.periodEnd,
      failedAttempts: 0,
      nextAttemptAt: null,
    })
    await writeRenewed(tx, renewed, order.id, traceparent)
    return
  }
  const start = order.paidAt ?? new Date()
  for (const s of await repo.incompleteForOrder(tx, order.id)) {
    const interval = s.interval as PlanInterval
    const trialEnd = s.trialDays > 0 ? addDays(start, s.trialDays) : null
    const row = await repo.update(tx, s.id, {
      status: trialEnd ? 'trialing' : 'active',
      trialEnd,
      billingAnchor: trialEnd ?? start,
      periodsPaid: trialEnd ? 0 : 1,
      currentPeriodStart: start,
      currentPeriodEnd: trialEnd ?? addIntervals(start, interval, 1),
    })
    await writeActivated(tx, row, traceparent)
  }
}

/**
 * Called in the transaction that records a succeeded refund (after the refund, the order's
 * payments and the order were locked: docs/checkout.md "Lock order"), with the order's lines as
 * they are now and the ids of those the refund touched. A plan line now **fully** refunded on the
 * order that paid the subscription's **current** period (its renewal order, or the checkout order
 * of the first paid period) ends the subscription at once, like a cancellation
 * (`cancelled`, reason `refunded`, effective now: learning revokes access on the event). A partial
 * refund, or the refund of an older period's order, leaves it as it is.
 */
export async function onOrderRefunded(
  tx: Tx,
  order: { id: string },
  items: OrderItemRow[],
  touched: Set<string>,
  traceparent: string | null,
): Promise<void> {
  const plans = items.filter(
    (i) =>
      touched.has(i.id) &&
      i.productType === 'subscription_plan' &&
      i.amountMinor > 0 &&
      i.refundedMinor >= i.amountMinor,
  )
  if (plans.length === 0) return
  const charge = await repo.chargeForOrder(tx, order.id)
  const candidates = charge
    ? charge.status === 'succeeded'
      ? [{ id: charge.subscriptionId, periodStart: charge.periodStart as Date | null }]
      : []
    : (await repo.idsForCheckoutOrder(tx, order.id)).map((id) => ({ id, periodStart: null }))
  for (const c of candidates) {
    const s = await repo.lockById(tx, c.id)
    if (!s || !(LIVE_STATUSES as readonly string[]).includes(s.status)) continue
    if (!plans.some((i) => i.productId === s.productId)) continue
    const paysCurrent = c.periodStart
      ? s.currentPeriodStart?.getTime() === c.periodStart.getTime()
      : s.trialDays === 0 && s.periodsPaid === 1
    if (paysCurrent) await cancelSubscription(tx, s, 'refunded', new Date(), traceparent)
  }
}
