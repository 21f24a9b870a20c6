import {
  AppError,
  newId,
  notFound,
  writeEvent,
  type DbOrTx,
  type Principal,
  type Tx,
} from '@learnmesh/kernel'
import { commercePaymentRefunded, commerceRefundFailed, type PayloadOf } from '@learnmesh/contracts'
import type { CommerceDeps } from '../deps.ts'
import { outbox } from '../db/schema.ts'
import { allocateLargestRemainder } from '../coupons/discounts.ts'
import { postRefund } from '../ledger/postings.ts'
import { assertTransition, refundableStatuses } from '../orders/order-state.ts'
import { createOrdersRepository, type OrderItemRow, type RefundRow } from '../orders/orders.repository.ts'
import type { PaymentProvider, ProviderRefundResult } from '../payments/provider.ts'
import { onOrderRefunded } from '../subscriptions/subscriptions.lifecycle.ts'

const ordersRepo = createOrdersRepository()
/** Reasons of the refunds the consumers reserve (sent by commerce.refunds.send_pending, never by a request). */
export const AUTOMATIC_REFUND_REASONS = ['enrollment_rejected', 'booking_rejected', 'lesson_cancelled']
/** A request-made refund without an answer is re-sent only after this (its own call may still answer). */
export const REFUND_SEND_GRACE_MS = 5 * 60_000
/** Unanswered refunds older than this are no longer re-sent (the provider forgets its idempotency keys after 24 h). */
export const REFUND_RESEND_WINDOW_MS = 20 * 3_600_000
/** Refunds sent per run. */
export const REFUND_SEND_BATCH = 100
/** The self-refund's reason (refunds/self-refund.ts): named to the customer in commerce.refund.failed. */
export const SELF_REFUND_REASON = 'customer_request'
/**
 * Provider failure codes meaning the card or account paid with can no longer receive money (Stripe
 * refund `failure_reason`s; Stellar: the payer's account is gone or dropped its trustline).
 */
const PAYMENT_METHOD_GONE = new Set([
  'expired_or_canceled_card',
  'lost_or_stolen_card',
  'payer_not_found',
  'op_no_destination',
  'op_no_trust',
])
/** Line types listed in `revokedItems` once fully refunded (plans are the subscriptions area's). */
const REVOCABLE_TYPES = new Set(['course', 'tutoring_lesson', 'tutoring_package'])

/** What to refund: whole order (nothing given), an amount spread over lines, or given lines. */
export interface RefundRequest {
  /** Lines and, optionally, how much of each (default: what is left of the line). */
  items?: { orderItemId: string; amountMinor?: number }[]
  /** An amount spread over the lines by largest remainder, weighted by what is left of each. */
  amountMinor?: number
  /** Why (shown to admins; `enrollment_rejected` for the saga's compensation). */
  reason: string
}

/**
 * Refunds. Two steps so no provider call happens inside a transaction holding locks:
 * `reserve` (order row locked, after its payments like every path: docs/checkout.md#lock-order;
 * the amount must fit in captured − refunded − pending, so concurrent refunds cannot exceed what
 * was captured) inserts a pending refund; the provider is
 * called; `finalize` applies its answer once (succeeded: totals, status, ledger postRefund,
 * commerce.payment.refunded with the course and tutoring lines now fully refunded in revokedItems).
 */
export function createRefundsService(deps: CommerceDeps, provider: PaymentProvider) {
  const db = deps.database.db

  /** Locks the order and inserts a pending refund for the request; 409 when it does not fit. */
  async function reserve(
    tx: Tx,
    orgId: string,
    orderId: string,
    request: RefundRequest,
    createdBy: string | null,
  ): Promise<RefundRow> {
    const order = await ordersRepo.lockOrderWithPayments(tx, orgId, orderId)
    if (!order) throw notFound('Order')
    if (!refundableStatuses.includes(order.status as never)) {
      throw new AppError('conflict', `A ${order.status} order cannot be refunded`)
    }
    const payment = (await ordersRepo.paymentsOf(tx, order.id)).find((p) => p.status === 'succeeded')
    if (!payment)
      throw new AppError(
        'conflict',
        'This order has no captured payment (free orders have nothing to refund)',
      )
    const items = await ordersRepo.items(tx, order.id)
    const live = await ordersRepo.refundsOf(tx, order.id, true)
    const left = new Map(items.map((i) => [i.id, i.amountMinor]))
    for (const r of live)
      for (const it of r.items) left.set(it.orderItemId, (left.get(it.orderItemId) ?? 0) - it.amountMinor)
    const lines = planRefund(items, left, request)
    const amountMinor = lines.reduce((s, l) => s + l.amountMinor, 0)
    if (amountMinor === 0)
      throw new AppError('conflict', 'Nothing is left to refund', { reason: 'nothing_to_refund' })
    const pendingTotal = live.reduce((s, r) => s + r.amountMinor, 0)
    if (pendingTotal + amountMinor > payment.capturedMinor) {
      throw new AppError('conflict', 'The refund exceeds what was captured', {
        reason: 'refund_exceeds_captured',
      })
    }
    return ordersRepo.insertRefund(tx, {
      id: newId('rfd'),
      paymentId: payment.id,
      orderId: order.id,
      orgId,
      amountMinor,
      reason: request.reason,
      status: 'pending',
      items: lines,
      createdBy,
    })
  }

  /**
   * Applies the provider's answer to a pending refund, once: succeeded (above) or refused (`failed`,
   * its reservation freed, `failure_code` kept, commerce.refund.failed). Returns whether an event was written.
   */
  async function finalize(
    tx: Tx,
    refundId: string,
    result: ProviderRefundResult,
    traceparent: string | null,
  ): Promise<boolean> {
    const refund = (await ordersRepo.findRefund(tx, refundId, true))!
    if (refund.status !== 'pending') return false
    if (result.status === 'pending') {
      await ordersRepo.updateRefund(tx, refund.id, { providerRef: result.providerRef })
      return false
    }
    if (result.status === 'failed') {
      const failureCode = (result.failureCode ?? 'refund_failed').slice(0, 100)
      await ordersRepo.updateRefund(tx, refund.id, {
        status: 'failed',
        providerRef: result.providerRef,
        failureCode,
      })
      const order = (await ordersRepo.findOrder(tx, refund.orgId, refund.orderId))!
      await writeEvent(tx, outbox, commerceRefundFailed, {
        aggregateId: order.id,
        orgId: order.orgId,
        traceparent,
        payload: refundFailedPayload(refund, order, failureCode),
      })
      return true
    }
    // The refund, then the payments, then the order (docs/checkout.md#lock-order).
    const order = (await ordersRepo.lockOrderWithPayments(tx, refund.orgId, refund.orderId))!
    await ordersRepo.updateRefund(tx, refund.id, { status: 'succeeded', providerRef: result.providerRef })
    for (const it of refund.items) await ordersRepo.addItemRefunded(tx, it.orderItemId, it.amountMinor)
    await ordersRepo.addPaymentRefunded(tx, refund.paymentId, refund.amountMinor)
    const refundedMinor = order.refundedMinor + refund.amountMinor
    const full = refundedMinor >= order.totalMinor
    const to = assertTransition(order.status, full ? 'refunded' : 'partially_refunded')
    await ordersRepo.setStatus(tx, order.id, order.status, to, { refundedMinor })
    const items = await ordersRepo.items(tx, order.id)
    const touched = new Set(refund.items.map((i) => i.orderItemId))
    const payment = (await ordersRepo.findPayment(tx, refund.paymentId))!
    await postRefund(tx, deps.config, {
      refundId: refund.id,
      paymentId: payment.id,
      orderId: order.id,
      orgId: order.orgId,
      userId: order.userId,
      currency: order.currency,
      lines: items
        .filter((i) => touched.has(i.id))
        .map((i) => ({
          orderItemId: i.id,
          productType: i.productType,
          payeeUserId: i.payeeUserId,
          lessonCount: i.lessonCount * i.quantity,
          amountMinor: i.amountMinor,
          refundMinor: refund.items.find((r) => r.orderItemId === i.id)!.amountMinor,
        })),
    })
    // A plan line fully refunded on the order that paid the current period ends its subscription.
    await onOrderRefunded(tx, order, items, touched, traceparent)
    // Courses and tutoring lines lose their access once fully refunded (a partial lesson refund revokes nothing).
    const revokedItems = items
      .filter(
        (i) =>
          REVOCABLE_TYPES.has(i.productType) &&
          i.refundedMinor >= i.amountMinor &&
          (touched.has(i.id) || (full && i.amountMinor === 0)),
      )
      .map((i) => ({ orderItemId: i.id, productType: i.productType, productRef: i.productRef }))
    await writeEvent(tx, outbox, commercePaymentRefunded, {
      aggregateId: order.id,
      orgId: order.orgId,
      traceparent,
      payload: {
        orderId: order.id,
        refundId: refund.id,
        userId: order.userId,
        currency: order.currency,
        amountMinor: refund.amountMinor,
        full,
        revokedItems,
      },
    })
    return true
  }

  async function callProvider(handle: DbOrTx, refund: RefundRow): Promise<ProviderRefundResult> {
    const payment = (await ordersRepo.findPayment(handle, refund.paymentId))!
    return provider.refund({
      refundId: refund.id,
      providerRef: payment.providerRef ?? '',
      amountMinor: refund.amountMinor,
      currency: payment.currency,
    })
  }

  /**
   * The end of an automatic refund reserved in a consumer's (inbox) transaction: a local provider
   * (the sandbox, no network) answers at once and the refund is finalized in that transaction
   * (true); a networked one is never called there: the refund stays `pending` without a provider
   * ref and commerce.refunds.send_pending sends it once the consumer has committed (false).
   */
  async function settleInConsumer(tx: Tx, refund: RefundRow, traceparent: string | null): Promise<boolean> {
    if (!provider.local) return false
    await finalize(tx, refund.id, await callProvider(tx, refund), traceparent)
    return true
  }

  return {
    reserve,
    finalize,
    /**
     * commerce.refunds.send_pending (outside any transaction): sends to the provider the refunds
     * that are `pending` and were never answered (no provider ref) — those automatic refunds left
     * for it (AUTOMATIC_REFUND_REASONS, at once) and any other whose request-time call got no answer
     * (after REFUND_SEND_GRACE_MS, so a request still waiting for its answer is not doubled) — and
     * records each answer in its own short transaction (finalize: once). Only refunds younger than
     * REFUND_RESEND_WINDOW_MS: the provider dedupes by refund id only that long (Stripe keeps
     * idempotency keys 24 h); older ones stay pending for a person. A call without an answer leaves
     * the refund pending for the next run and stops this one (the provider is likely down).
     */
    async sendPending(now = new Date()): Promise<Record<string, number>> {
      const outcomes: Record<string, number> = {}
      const count = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1)
      let wrote = false
      const due = await ordersRepo.unsentRefunds(db, {
        provider: provider.name,
        automaticReasons: AUTOMATIC_REFUND_REASONS,
        newerThan: new Date(now.getTime() - REFUND_RESEND_WINDOW_MS),
        graceBefore: new Date(now.getTime() - REFUND_SEND_GRACE_MS),
        limit: REFUND_SEND_BATCH,
      })
      for (const refund of due) {
        let result: ProviderRefundResult
        try {
          result = await callProvider(db, refund)
        } catch (err) {
          deps.logger.warn(
            { refundId: refund.id, err: (err as Error).name },
            'refund provider call failed; left pending for the next run',
          )
          count('unreachable')
          break
        }
        if (await db.transaction((tx) => finalize(tx, refund.id, result, null))) wrote = true
        count(result.status)
        if (result.status === 'failed') {
          deps.logger.error(
            {
              refundId: refund.id,
              orderId: refund.orderId,
              reason: refund.reason,
              failureCode: result.failureCode,
            },
            'the provider refused a refund; nothing was refunded (a person must settle it)',
          )
        }
      }
      if (wrote) deps.wakeRelay()
      return outcomes
    },
    /** POST /orders/:id/refunds (org admins). */
    async refund(
      principal: Principal,
      orderId: string,
      request: RefundRequest,
      traceparent: string | null,
    ): Promise<RefundRow> {
      const refund = await db.transaction((tx) =>
        reserve(tx, principal.orgId, orderId, request, principal.userId),
      )
      let result: ProviderRefundResult
      try {
        result = await callProvider(db, refund)
      } catch (err) {
        // Left pending: the provider may or may not have refunded; reconciliation decides (docs).
        deps.logger.warn({ err, refundId: refund.id }, 'refund provider call failed')
        return refund
      }
      const wrote = await db.transaction((tx) => finalize(tx, refund.id, result, traceparent))
      if (wrote) deps.wakeRelay()
      return (await ordersRepo.findRefund(db, refund.id))!
    },
    /**
     * Saga compensation (learning.enrollment.rejected): refunds what is left of the order's line
     * for that course, in the consumer's transaction (`pending` with a networked provider: sent
     * after the commit by commerce.refunds.send_pending). Idempotent: nothing left → nothing happens.
     */
    async refundRejectedEnrollment(
      tx: Tx,
      input: { orgId: string; orderId: string; courseId: string; userId: string },
      traceparent: string | null,
    ): Promise<'refunded' | 'pending' | 'nothing'> {
      const order = await ordersRepo.lockOrderWithPayments(tx, input.orgId, input.orderId)
      if (!order || order.userId !== input.userId || !refundableStatuses.includes(order.status as never))
        return 'nothing'
      const item = (await ordersRepo.items(tx, order.id)).find(
        (i) => i.productType === 'course' && i.productRef === input.courseId,
      )
      if (!item) return 'nothing'
      const live = await ordersRepo.refundsOf(tx, order.id, true)
      const pending = live.flatMap((r) => r.items).filter((i) => i.orderItemId === item.id)
      const left = item.amountMinor - pending.reduce((s, i) => s + i.amountMinor, 0)
      if (left <= 0) return 'nothing'
      const refund = await reserve(
        tx,
        input.orgId,
        order.id,
        { items: [{ orderItemId: item.id }], reason: 'enrollment_rejected' },
        null,
      )
      return (await settleInConsumer(tx, refund, traceparent)) ? 'refunded' : 'pending'
    },
    /**
     * Tutoring's automatic refunds (a booking that could not be made, a refundable lesson
     * cancellation): refunds `amountMinor` (default and cap: what is left) of one line of the
     * user's order, in the caller's transaction, through reserve → provider → finalize like any
     * refund (a networked provider is not called in that transaction: the refund is answered
     * `pending` and commerce.refunds.send_pending sends it after the commit). Returns null, refunding nothing, when the order is not the user's or not refundable,
     * the line is not a tutoring line of it, `bookingId` is given and is not the line's reference,
     * or nothing is left of it.
     */
    async refundTutoringLineInTx(
      tx: Tx,
      input: {
        orgId: string
        orderId: string
        orderItemId: string
        userId: string
        amountMinor?: number
        reason: string
        /** Only refund a line bought for this booking (its `reference`). */
        bookingId?: string
      },
      traceparent: string | null,
    ): Promise<RefundRow | null> {
      const order = await ordersRepo.lockOrderWithPayments(tx, input.orgId, input.orderId)
      if (!order || order.userId !== input.userId || !refundableStatuses.includes(order.status as never))
        return null
      const item = (await ordersRepo.items(tx, order.id)).find((i) => i.id === input.orderItemId)
      if (!item || (item.productType !== 'tutoring_lesson' && item.productType !== 'tutoring_package'))
        return null
      if (input.bookingId !== undefined && item.reference !== input.bookingId) return null
      const live = await ordersRepo.refundsOf(tx, order.id, true)
      const taken = live.flatMap((r) => r.items).filter((i) => i.orderItemId === item.id)
      const left = item.amountMinor - taken.reduce((s, i) => s + i.amountMinor, 0)
      const amountMinor = Math.min(left, input.amountMinor ?? left)
      if (amountMinor <= 0) return null
      const refund = await reserve(
        tx,
        input.orgId,
        order.id,
        { items: [{ orderItemId: item.id, amountMinor }], reason: input.reason },
        null,
      )
      await settleInConsumer(tx, refund, traceparent)
      return (await ordersRepo.findRefund(tx, refund.id))!
    },
  }
}

/**
 * commerce.refund.failed's payload: only what is safe to show the customer. An admin's free-text
 * reason becomes `other`; the provider's failure code becomes a coarse `failureReason` (the code
 * itself stays on the refund row for admins).
 */
export function refundFailedPayload(
  refund: Pick<RefundRow, 'id' | 'orderId' | 'amountMinor' | 'reason'>,
  order: { userId: string; currency: string },
  failureCode: string,
): PayloadOf<typeof commerceRefundFailed> {
  type Reason = PayloadOf<typeof commerceRefundFailed>['reason']
  const named = ['enrollment_rejected', 'booking_rejected', 'lesson_cancelled', SELF_REFUND_REASON]
  const reason = (named.includes(refund.reason) ? refund.reason : 'other') as Reason
  const automatic = AUTOMATIC_REFUND_REASONS.includes(refund.reason)
  return {
    refundId: refund.id,
    orderId: refund.orderId,
    userId: order.userId,
    amountMinor: refund.amountMinor,
    currency: order.currency,
    reason,
    failureReason: PAYMENT_METHOD_GONE.has(failureCode) ? 'payment_method_unavailable' : 'declined',
    automatic,
  }
}

/**
 * Turns a refund request into per-line amounts, checked against what is left of each line.
 * 422 for unknown or repeated lines or both forms at once; 409 when an amount exceeds what is left.
 */
export function planRefund(
  items: OrderItemRow[],
  left: Map<string, number>,
  request: RefundRequest,
): { orderItemId: string; amountMinor: number }[] {
  if (request.items && request.amountMinor !== undefined) {
    throw new AppError('unprocessable', 'Give either items or amountMinor, not both')
  }
  if (request.items) {
    const seen = new Set<string>()
    return request.items
      .map((r) => {
        const item = items.find((i) => i.id === r.orderItemId)
        if (!item || seen.has(r.orderItemId)) {
          throw new AppError('unprocessable', `Unknown or repeated order line ${r.orderItemId}`)
        }
        seen.add(r.orderItemId)
        const remaining = Math.max(0, left.get(item.id) ?? 0)
        const amount = r.amountMinor ?? remaining
        if (amount > remaining) {
          throw new AppError('conflict', `Only ${remaining} is left to refund on line ${item.id}`, {
            reason: 'refund_exceeds_captured',
          })
        }
        return { orderItemId: item.id, amountMinor: amount }
      })
      .filter((l) => l.amountMinor > 0)
  }
  const weights = items.map((i) => Math.max(0, left.get(i.id) ?? 0))
  const available = weights.reduce((s, w) => s + w, 0)
  const amount = request.amountMinor ?? available
  if (amount > available) {
    throw new AppError('conflict', `Only ${available} is left to refund`, {
      reason: 'refund_exceeds_captured',
    })
  }
  if (available === 0) return []
  const parts = allocateLargestRemainder(amount, weights)
  return items.map((i, k) => ({ orderItemId: i.id, amountMinor: parts[k]! })).filter((l) => l.amountMinor > 0)
}

/** What createRefundsService returns. */
export type RefundsService = ReturnType<typeof createRefundsService>
