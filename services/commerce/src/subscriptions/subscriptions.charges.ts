import { randomUUID } from 'node:crypto'
import type { Tx } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { assertTransition } from '../orders/order-state.ts'
import { createOrdersRepository, type PaymentRow } from '../orders/orders.repository.ts'
import { failureOf, isOutage, RENEWAL_CALLS as POLICY } from '../payments/provider-calls.ts'
import type { PaymentsCore } from '../payments/payments.service.ts'
import type { PaymentProvider, ProviderPaymentResult } from '../payments/provider.ts'
import {
  createSubscriptionsRepository,
  LIVE_STATUSES,
  type SubscriptionChargeRow,
  type SubscriptionRow,
} from './subscriptions.repository.ts'

const repo = createSubscriptionsRepository()
const ordersRepo = createOrdersRepository()

/** What a charge run did to one attempt (by subscription id). */
export type ChargeOutcome =
  'renewed' | 'pending' | 'failed' | 'cancelled' | 'unreachable' | 'deferred' | 'busy' | 'skipped' | 'lost'

/** Applies a failed attempt to its (locked) subscription: dunning or the end (subscriptions.service.ts). */
export type ApplyFailure = (
  tx: Tx,
  s: SubscriptionRow,
  charge: SubscriptionChargeRow,
  failureCode: string,
  now: Date,
) => Promise<'failed' | 'cancelled'>

/**
 * Sends renewal payments to the provider without any transaction open during the call:
 * 1. `claim` (in the charge job's transaction): pending attempts whose payment was never answered
 *    get the run's token and a lease, so another run or replica leaves them alone;
 * 2. `settle` (after that commit): for each, the provider is asked with our payment id as
 *    idempotency key (one payment per attempt, so the same attempt is never charged twice however
 *    often it is asked);
 * 3. the answer is recorded in one short transaction per attempt, locking the payment, then the
 *    order, then the attempt, then the subscription (docs/checkout.md "Lock order"): paid → capture and renewal,
 *    processing → its webhook, declined → dunning. No answer (network, 5xx, 429) changes only the
 *    attempt's call count and back-off, and stops the run's other calls.
 */
export function createRenewalCharges(
  deps: CommerceDeps,
  provider: PaymentProvider,
  payments: PaymentsCore,
  applyFailure: ApplyFailure,
) {
  const db = deps.database.db
  const { logger, config } = deps

  /** Step 3 for one attempt, in one transaction; `result` null = not sent (the subscription ended). */
  async function record(
    tx: Tx,
    payment: PaymentRow,
    result: ProviderPaymentResult | null,
    now: Date,
  ): Promise<ChargeOutcome> {
    const locked = await ordersRepo.lockPaymentsOf(tx, payment.orgId, payment.orderId, { skipLocked: true })
    const current = locked.find((p) => p.id === payment.id)
    // payment → order → attempt → subscription, as the webhook's capture takes them (docs/checkout.md#lock-order).
    if (current) await ordersRepo.findOrder(tx, current.orgId, current.orderId, true)
    const charge = await repo.chargeForOrder(tx, payment.orderId)
    if (!charge) return 'skipped'
    if (!current) {
      // Its webhook holds it: the next run asks again (the same key answers the same payment).
      await repo.releaseCall(tx, charge.id)
      return 'busy'
    }
    await repo.releaseCall(tx, charge.id)
    if (charge.status !== 'pending' || current.status !== 'requires_payment') return 'skipped'
    if (result && (result.status === 'succeeded' || result.status === 'processing')) {
      // Capture (order paid, ledger, commerce.order.paid → invoice, renewal via onOrderPaid) or wait for the webhook.
      await payments.applyResult(tx, current.id, result, null)
      return result.status === 'succeeded' ? 'renewed' : 'pending'
    }
    // Off-session there is nobody to complete an action: requires_action is a failure (Stripe's authentication_required).
    const failureCode = !result
      ? 'subscription_ended'
      : result.status === 'failed'
        ? (result.failureCode ?? 'payment_failed')
        : 'authentication_required'
    await ordersRepo.updatePayment(tx, current.id, {
      ...(result ? { providerRef: result.providerRef } : {}),
      status: 'failed',
      failureCode,
      nextAction: null,
    })
    const order = (await ordersRepo.findOrder(tx, current.orgId, current.orderId, true))!
    await ordersRepo.setStatus(tx, order.id, order.status, assertTransition(order.status, 'failed'))
    const s = (await repo.lockById(tx, charge.subscriptionId))!
    if (!result || !(LIVE_STATUSES as readonly string[]).includes(s.status)) {
      await repo.setChargeStatus(tx, charge.id, 'failed', failureCode)
      return 'skipped'
    }
    return applyFailure(tx, s, charge, failureCode, now)
  }

  return {
    /** Step 1, in the job's transaction: claims up to RENEWAL_CALLS.batch attempts for `token`. */
    async claim(tx: Tx, token: string): Promise<number> {
      const ids = await repo.claimCalls(tx, {
        token,
        leaseMs: POLICY.leaseMs,
        maxAttempts: POLICY.maxAttempts,
        limit: POLICY.batch,
      })
      return ids.length
    },

    /** Steps 2 and 3 for the attempts `token` claimed; call it only after the claim committed. */
    async settle(token: string, now = new Date()): Promise<Record<string, ChargeOutcome>> {
      const out: Record<string, ChargeOutcome> = {}
      let outage = false
      for (const { charge, payment, method } of await repo.claimedCalls(db, token)) {
        const subId = charge.subscriptionId
        if (outage) {
          await repo.releaseCall(db, charge.id, token)
          out[subId] = 'deferred'
          continue
        }
        // Only the caller that takes the claim asks the provider: never two runs about one attempt.
        const mine = `${token}/${randomUUID()}`
        if (!(await repo.takeCall(db, charge.id, token, mine, POLICY.leaseMs))) {
          out[subId] = 'lost'
          continue
        }
        const s = await repo.find(db, payment.orgId, subId)
        const live = !!s && (LIVE_STATUSES as readonly string[]).includes(s.status)
        let result: ProviderPaymentResult | null = null
        if (live) {
          try {
            result = await provider.createPayment({
              paymentId: payment.id,
              orderId: payment.orderId,
              orgId: payment.orgId,
              amountMinor: payment.amountMinor,
              currency: payment.currency,
              paymentMethod: method,
              returnUrl: `${config.PUBLIC_URL}/subscriptions/${subId}`,
            })
          } catch (err) {
            const { error, status } = failureOf(err)
            const calls = await repo.callFailed(db, charge.id, mine, error, POLICY)
            outage = isOutage(status)
            out[subId] = 'unreachable'
            const fields = { subscriptionId: subId, paymentId: payment.id, calls, error }
            if (calls >= POLICY.maxAttempts)
              logger.error(
                fields,
                'renewal charge: provider unreachable; gave up (left for a person to settle)',
              )
            else logger.warn(fields, 'renewal charge: provider unreachable; retried later')
            continue
          }
        }
        out[subId] = await db.transaction((tx) => record(tx, payment, result, now))
      }
      if (Object.values(out).some((o) => o !== 'deferred' && o !== 'lost' && o !== 'unreachable'))
        deps.wakeRelay()
      return out
    },
  }
}

/** What createRenewalCharges returns. */
export type RenewalCharges = ReturnType<typeof createRenewalCharges>
