import {
  AppError,
  newId,
  notFound,
  scheduleJob,
  writeEvent,
  type Principal,
  type Tx,
} from '@learnmesh/kernel'
import { commerceOrderPaid } from '@learnmesh/contracts'
import type { CommerceDeps } from '../deps.ts'
import { outbox, jobs } from '../db/schema.ts'
import { postPaymentCaptured } from '../ledger/postings.ts'
import { createCartsRepository } from '../carts/carts.repository.ts'
import { createCouponsRepository } from '../coupons/coupons.repository.ts'
import { assertTransition, canTransition, payableStatuses } from '../orders/order-state.ts'
import {
  createOrdersRepository,
  type OrderItemRow,
  type OrderRow,
  type PaymentRow,
} from '../orders/orders.repository.ts'
import type { PaymentProvider, ProviderPaymentResult, ProviderWebhookEvent } from './provider.ts'
import { buildSandboxWebhook, SANDBOX_SIGNATURE_HEADER } from './sandbox.ts'
import { createRefundsService } from '../refunds/refunds.service.ts'
import { onOrderPaid as onSubscriptionOrderPaid } from '../subscriptions/subscriptions.lifecycle.ts'

const ordersRepo = createOrdersRepository()
const cartsRepo = createCartsRepository()
const couponsRepo = createCouponsRepository()

/** Job that delivers a sandbox "late webhook" (pm_sandbox_late) a few seconds after the payment. */
export const SANDBOX_LATE_WEBHOOK_JOB = 'commerce.sandbox.late_webhook'
/** Delay of the sandbox's late webhook. */
export const SANDBOX_LATE_WEBHOOK_DELAY_MS = 3000

/** Payment statuses that never change again. */
const FINAL = new Set(['succeeded', 'failed', 'cancelled'])

/**
 * The payment core: applies provider outcomes (synchronous results, webhooks, sandbox actions) to
 * payments and orders. A payment succeeds exactly once, whichever report comes first: every path
 * locks the payment row and does nothing when it is already final. Capture = order paid + ledger
 * posting + commerce.order.paid, in the caller's transaction.
 */
export function createPaymentsCore(deps: CommerceDeps, provider: PaymentProvider) {
  const { config, logger } = deps
  const refunds = createRefundsService(deps, provider)

  /** Marks a payment captured: order paid, postPaymentCaptured, commerce.order.paid. False when already done. */
  async function capture(
    tx: Tx,
    payment: PaymentRow,
    feeMinor: number,
    traceparent: string | null,
  ): Promise<boolean> {
    if (payment.status === 'succeeded') return false
    const order = (await ordersRepo.findOrder(tx, payment.orgId, payment.orderId, true))!
    if (!canTransition(order.status, 'paid')) {
      // Money arrived for an order that is closed: record it for reconciliation (docs/checkout.md).
      logger.error(
        { paymentId: payment.id, orderId: order.id, status: order.status },
        'payment succeeded on a closed order',
      )
      await ordersRepo.updatePayment(tx, payment.id, {
        status: 'succeeded',
        capturedMinor: payment.amountMinor,
        feeMinor,
        failureCode: 'order_closed_needs_refund',
      })
      return false
    }
    const paidAt = new Date()
    await ordersRepo.setStatus(tx, order.id, order.status, 'paid', { paidAt })
    await ordersRepo.updatePayment(tx, payment.id, {
      status: 'succeeded',
      capturedMinor: payment.amountMinor,
      feeMinor,
      nextAction: null,
      failureCode: null,
    })
    const items = await ordersRepo.items(tx, order.id)
    await postPaymentCaptured(tx, config, capturedPayment(order, payment, items, feeMinor))
    await writeOrderPaid(tx, { ...order, paidAt }, items, traceparent)
    return true
  }

  /** Marks a payment failed: order failed, coupons given back, the cart restored. */
  async function fail(tx: Tx, payment: PaymentRow, failureCode: string): Promise<void> {
    if (FINAL.has(payment.status)) return
    await ordersRepo.updatePayment(tx, payment.id, { status: 'failed', failureCode, nextAction: null })
    const order = (await ordersRepo.findOrder(tx, payment.orgId, payment.orderId, true))!
    if (!canTransition(order.status, 'failed')) return
    await ordersRepo.setStatus(tx, order.id, order.status, assertTransition(order.status, 'failed'))
    await couponsRepo.releaseForOrder(tx, order.id)
    await restoreCart(tx, order)
  }

  /** Puts a failed order's items back into a cart so the customer can retry (when they have none open). */
  async function restoreCart(tx: Tx, order: OrderRow): Promise<void> {
    if (await cartsRepo.findOpenUserCart(tx, order.orgId, order.userId)) return
    const cart = await cartsRepo.insert(tx, {
      id: newId('crt'),
      orgId: order.orgId,
      userId: order.userId,
      currency: order.currency,
      couponCodes: order.couponCodes,
    })
    if (!cart) return
    for (const item of await ordersRepo.items(tx, order.id)) {
      await cartsRepo.setItem(tx, cart.id, item.priceId, item.quantity, item.reference ?? '')
    }
  }

  /** Applies a provider's answer to a payment (create or confirm). */
  async function applyResult(
    tx: Tx,
    paymentId: string,
    result: ProviderPaymentResult,
    traceparent: string | null,
  ): Promise<void> {
    const payment = (await ordersRepo.findPayment(tx, paymentId, true))!
    if (FINAL.has(payment.status)) return
    if (!payment.providerRef) {
      await ordersRepo.updatePayment(tx, payment.id, { providerRef: result.providerRef })
      payment.providerRef = result.providerRef
    }
    switch (result.status) {
      case 'succeeded':
        await capture(tx, payment, result.feeMinor, traceparent)
        return
      case 'failed':
        await fail(tx, payment, result.failureCode ?? 'payment_failed')
        return
      case 'requires_action': {
        await ordersRepo.updatePayment(tx, payment.id, {
          status: 'requires_action',
          nextAction: result.nextAction ?? null,
        })
        const order = (await ordersRepo.findOrder(tx, payment.orgId, payment.orderId, true))!
        if (order.status === 'pending_payment') {
          await ordersRepo.setStatus(
            tx,
            order.id,
            order.status,
            assertTransition(order.status, 'requires_action'),
          )
        }
        return
      }
      case 'processing':
        await ordersRepo.updatePayment(tx, payment.id, { status: 'processing' })
        if (provider.name === 'sandbox') {
          await scheduleJob(tx, jobs, {
            name: SANDBOX_LATE_WEBHOOK_JOB,
            key: payment.id,
            runAt: new Date(Date.now() + SANDBOX_LATE_WEBHOOK_DELAY_MS),
            payload: { providerRef: payment.providerRef },
          })
        }
        return
    }
  }

  /**
   * Applies a verified webhook event once: the (provider, event id) insert dedupes replays and
   * duplicates. Unknown payments are acknowledged and ignored (nothing of ours to change).
   */
  async function applyWebhookEvent(
    tx: Tx,
    event: ProviderWebhookEvent,
    traceparent: string | null = null,
  ): Promise<'applied' | 'duplicate' | 'ignored'> {
    if (!(await ordersRepo.recordProviderEvent(tx, provider.name, event.id, event.type))) return 'duplicate'
    if (event.type === 'refund.succeeded' || event.type === 'refund.failed') {
      // A refund the provider answered `pending`: its final outcome, applied once by finalize.
      const refund = await ordersRepo.findRefundForProvider(
        tx,
        provider.name,
        event.providerRef,
        event.ourRef,
      )
      if (!refund || refund.status !== 'pending') return 'ignored'
      await refunds.finalize(
        tx,
        refund.id,
        {
          providerRef: event.providerRef,
          status: event.type === 'refund.succeeded' ? 'succeeded' : 'failed',
          ...(event.failureCode ? { failureCode: event.failureCode } : {}),
        },
        traceparent,
      )
      return 'applied'
    }
    if (event.type !== 'payment.succeeded' && event.type !== 'payment.failed') return 'ignored'
    let payment = await ordersRepo.findPaymentByRef(tx, provider.name, event.providerRef, true)
    if (!payment && event.ourRef) {
      // The provider's answer to createPayment was lost, so its ref was never recorded: the
      // (verified) event names our payment id in its metadata.
      const byId = await ordersRepo.findPayment(tx, event.ourRef, true)
      if (byId && byId.provider === provider.name && !byId.providerRef) {
        await ordersRepo.updatePayment(tx, byId.id, { providerRef: event.providerRef })
        payment = { ...byId, providerRef: event.providerRef }
      }
    }
    if (!payment) return 'ignored'
    if (event.type === 'payment.succeeded') {
      return (await capture(tx, payment, event.feeMinor ?? 0, traceparent)) ? 'applied' : 'ignored'
    }
    if (FINAL.has(payment.status)) return 'ignored'
    await fail(tx, payment, event.failureCode ?? 'payment_failed')
    return 'applied'
  }

  /**
   * The rest of a capture for an order and payment that THIS transaction inserted already paid and
   * succeeded (a local provider's immediate success, see checkout.service.ts): the ledger posting and
   * commerce.order.paid, as `capture` writes them, without reading back rows the caller holds.
   */
  async function recordNewCapture(
    tx: Tx,
    created: { order: OrderRow; items: OrderItemRow[]; payment: PaymentRow; hasSubscriptions: boolean },
    traceparent: string | null,
  ): Promise<void> {
    const { order, items, payment } = created
    await postPaymentCaptured(tx, config, capturedPayment(order, payment, items, payment.feeMinor))
    // A new checkout order is never a renewal: only its own plan lines can wait for this payment.
    if (created.hasSubscriptions) await writeOrderPaid(tx, order, items, traceparent)
    else await writeOrderPaidEvent(tx, order, items, traceparent)
  }

  return {
    capture,
    fail,
    applyResult,
    applyWebhookEvent,
    recordNewCapture,

    /** Calls the provider for a payment (outside any transaction), then applies its answer. */
    async drive(
      payment: PaymentRow,
      paymentMethod: string | null,
      returnUrl: string,
      traceparent: string | null,
    ) {
      let result: ProviderPaymentResult
      try {
        result = await provider.createPayment({
          paymentId: payment.id,
          orderId: payment.orderId,
          orgId: payment.orgId,
          amountMinor: payment.amountMinor,
          currency: payment.currency,
          paymentMethod,
          returnUrl,
        })
      } catch (err) {
        // The provider did not answer: the payment stays requires_payment; POST /orders/:id/confirm retries.
        logger.warn({ err, paymentId: payment.id }, 'payment provider call failed')
        return
      }
      await deps.database.db.transaction((tx) => applyResult(tx, payment.id, result, traceparent))
      deps.wakeRelay()
    },

    /** POST /webhooks/:provider: verify over the raw body, apply once. */
    async handleWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>) {
      const event = provider.parseWebhook(rawBody, headers)
      const outcome = await deps.database.db.transaction((tx) => applyWebhookEvent(tx, event))
      if (outcome === 'applied') deps.wakeRelay()
      return { received: true, duplicate: outcome === 'duplicate' }
    },

    /**
     * The sandbox's "3-D Secure page": the paying customer completes (or fails) the action, and the
     * sandbox sends its signed webhook through the normal webhook path.
     */
    async completeSandboxAction(principal: Principal, providerRef: string, outcome: 'succeeded' | 'failed') {
      if (provider.name !== 'sandbox') throw notFound('Sandbox payment')
      const payment = await ordersRepo.findPaymentByRef(deps.database.db, 'sandbox', providerRef)
      const order =
        payment && (await ordersRepo.findOrder(deps.database.db, principal.orgId, payment.orderId))
      if (!payment || !order || order.userId !== principal.userId) throw notFound('Sandbox payment')
      if (payment.status !== 'requires_action') {
        throw new AppError('conflict', `This payment is ${payment.status}; there is no action to complete`)
      }
      const hook = buildSandboxWebhook(config, {
        type: outcome === 'succeeded' ? 'payment.succeeded' : 'payment.failed',
        providerRef,
        ...(outcome === 'failed' ? { failureCode: 'authentication_failed' } : {}),
      })
      await this.handleWebhook(Buffer.from(hook.rawBody), { [SANDBOX_SIGNATURE_HEADER]: hook.signature })
      return order.id
    },

    /** Cancels the open payments of an order being cancelled. */
    async cancelOpenPayments(tx: Tx, orderId: string): Promise<void> {
      for (const p of await ordersRepo.paymentsOf(tx, orderId)) {
        if (p.status === 'processing') {
          throw new AppError(
            'conflict',
            'A payment of this order is being processed; it cannot be cancelled now',
          )
        }
        if (!FINAL.has(p.status))
          await ordersRepo.updatePayment(tx, p.id, { status: 'cancelled', nextAction: null })
      }
    },
    /** Whether an order can still be paid. */
    isPayable(order: OrderRow): boolean {
      return payableStatuses.includes(order.status as never)
    },
    /** The sandbox's delayed webhook (job): signed and applied like any other. */
    async deliverLateSandboxWebhook(tx: Tx, providerRef: string): Promise<void> {
      const hook = buildSandboxWebhook(config, { type: 'payment.succeeded', providerRef })
      const event = provider.parseWebhook(Buffer.from(hook.rawBody), {
        [SANDBOX_SIGNATURE_HEADER]: hook.signature,
      })
      await applyWebhookEvent(tx, event)
    },
  }
}

/** What postPaymentCaptured needs of a captured payment, its order and the order's items. */
export function capturedPayment(
  order: OrderRow,
  payment: PaymentRow,
  items: OrderItemRow[],
  feeMinor: number,
) {
  return {
    paymentId: payment.id,
    orderId: order.id,
    orgId: order.orgId,
    userId: order.userId,
    currency: order.currency,
    provider: payment.provider,
    feeMinor,
    lines: items.map((i) => ({
      orderItemId: i.id,
      productType: i.productType,
      payeeUserId: i.payeeUserId,
      lessonCount: i.lessonCount * i.quantity,
      amountMinor: i.amountMinor,
      taxMinor: i.taxMinor,
    })),
  }
}

/** The items commerce.order.paid lists. */
type PaidItem = {
  id: string
  productType: string
  productRef: string
  quantity: number
  amountMinor: number
  lessonCount: number
  reference?: string | null
}

/** Writes commerce.order.paid with every line of the order, then runs the subscriptions hook. */
export async function writeOrderPaid(
  tx: Tx,
  order: OrderRow,
  items: PaidItem[],
  traceparent: string | null,
): Promise<void> {
  await writeOrderPaidEvent(tx, order, items, traceparent)
  // Same transaction: a checkout order activates its subscriptions, a renewal order renews one.
  await onSubscriptionOrderPaid(tx, order, traceparent)
}

/**
 * Writes commerce.order.paid alone: only for an order known to have no subscription to activate or
 * renew (a checkout order without plan lines); any other caller uses writeOrderPaid.
 */
export async function writeOrderPaidEvent(
  tx: Tx,
  order: OrderRow,
  items: PaidItem[],
  traceparent: string | null,
): Promise<void> {
  await writeEvent(tx, outbox, commerceOrderPaid, orderPaidInput(order, items, traceparent))
}

/** commerce.order.paid for an order and its lines, as writeOrderPaidEvent writes it (checkout's hot path prepares it). */
export function orderPaidInput(order: OrderRow, items: PaidItem[], traceparent: string | null) {
  return {
    aggregateId: order.id,
    orgId: order.orgId,
    traceparent,
    payload: {
      orderId: order.id,
      userId: order.userId,
      currency: order.currency,
      totalMinor: order.totalMinor,
      items: items.map((i) => ({
        productType: i.productType as 'course',
        productRef: i.productRef,
        quantity: i.quantity,
        amountMinor: i.amountMinor,
        orderItemId: i.id,
        lessonCount: i.lessonCount * i.quantity,
        ...(i.reference ? { reference: i.reference } : {}),
      })),
      paidAt: (order.paidAt ?? new Date()).toISOString(),
    },
  }
}

/** What createPaymentsCore returns. */
export type PaymentsCore = ReturnType<typeof createPaymentsCore>
