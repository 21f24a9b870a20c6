import type { SubscriptionChargeRow, SubscriptionRow } from './subscriptions.repository.ts'

const iso = (d: Date | null) => d?.toISOString() ?? null

/** Sandbox test tokens are shown whole (they are public); other references only by their last 4 characters. */
export function maskPaymentMethod(ref: string): string {
  return ref.startsWith('pm_sandbox_') ? ref : `pm_…${ref.slice(-4)}`
}

/** The API view of a subscription. */
export function presentSubscription(s: SubscriptionRow) {
  return {
    id: s.id,
    userId: s.userId,
    productId: s.productId,
    planRef: s.planRef,
    title: s.title,
    priceId: s.priceId,
    currency: s.currency,
    unitAmountMinor: s.unitAmountMinor,
    interval: s.interval,
    status: s.status,
    orderId: s.orderId,
    trialEnd: iso(s.trialEnd),
    currentPeriodStart: iso(s.currentPeriodStart),
    currentPeriodEnd: iso(s.currentPeriodEnd),
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    failedAttempts: s.failedAttempts,
    nextAttemptAt: iso(s.nextAttemptAt),
    paymentMethod: maskPaymentMethod(s.paymentMethodRef),
    cancelReason: s.cancelReason,
    endedAt: iso(s.endedAt),
    createdAt: s.createdAt.toISOString(),
  }
}

/** The API view of a renewal attempt. */
export function presentCharge(c: SubscriptionChargeRow) {
  return {
    id: c.id,
    periodStart: c.periodStart.toISOString(),
    periodEnd: c.periodEnd.toISOString(),
    attempt: c.attempt,
    orderId: c.orderId,
    amountMinor: c.amountMinor,
    status: c.status,
    failureCode: c.failureCode,
    createdAt: c.createdAt.toISOString(),
  }
}
