import {
  AppError,
  newId,
  notFound,
  outboxWritten,
  prepareEvent,
  type DbOrTx,
  type Principal,
  type Tx,
} from '@learnmesh/kernel'
import { commerceOrderPaid } from '@learnmesh/contracts'
import type { CommerceDeps } from '../deps.ts'
import { priceCart } from '../carts/pricing.ts'
import { createCouponsRepository } from '../coupons/coupons.repository.ts'
import { assertStackable } from '../coupons/coupons.service.ts'
import { includedTax } from '../invoices/tax.ts'
import { outbox } from '../db/schema.ts'
import { assertBalanced, ensureAccounts } from '../ledger/ledger.core.ts'
import { capturePosting } from '../ledger/postings.ts'
import type { PaymentsCore } from '../payments/payments.service.ts'
import { capturedPayment, orderPaidInput, writeOrderPaid } from '../payments/payments.service.ts'
import type { PaymentProvider, ProviderPaymentResult } from '../payments/provider.ts'
import {
  createIdempotency,
  type Idempotency,
  type AnswerSlot,
  type IdempotentRequest,
  type IdempotentResponse,
} from '../shared/idempotency.ts'
import {
  prepareCheckout as prepareSubscriptions,
  recordCheckout as recordSubscriptions,
} from '../subscriptions/subscriptions.lifecycle.ts'
import { assertTransition } from './order-state.ts'
import { checkOutOpenUserCart, checkoutLines, writePaidCheckout } from './checkout.sql.ts'
import {
  createOrdersRepository,
  type NewPaymentRow,
  type OrderItemRow,
  type OrderLinesGlance,
  type OrderRow,
  type PaymentRow,
} from './orders.repository.ts'

const ordersRepo = createOrdersRepository()
const couponsRepo = createCouponsRepository()

/** An order with everything the API shows about it. */
export interface OrderDetail {
  order: OrderRow
  items: Awaited<ReturnType<typeof ordersRepo.items>>
  payments: PaymentRow[]
  refunds: Awaited<ReturnType<typeof ordersRepo.refundsOf>>
}

/** A page of orders with a glance at their lines, newest first. */
export interface OrderSummaryPage {
  items: (OrderRow & OrderLinesGlance)[]
  /** The last order's id when there are more. */
  nextCursor: string | null
}

/** What createOrder wrote: the order, its items and (unless free) its payment, as inserted. */
interface CreatedOrder {
  order: OrderRow
  items: OrderItemRow[]
  payment: PaymentRow | null
  /** Whether the order has subscription plan lines (subscriptions wait for its payment). */
  hasSubscriptions: boolean
  /** The local provider's answer when `payNow` was given (the rows already reflect a success). */
  answer: ProviderPaymentResult | null
  /**
   * False when nothing is written yet (`deferWrites` and a plain paid order: no plans, no coupon
   * redeemed): the caller writes order, items, payment, ledger and event in one statement.
   */
  written: boolean
  /** Ledger account ids already known by `kind\u0000owner` (read with the cart lines). */
  accounts: Map<string, string>
}

/** How the caller runs createOrder. */
interface CreateOptions {
  /** The per-user advisory lock is already held (taken with the Idempotency-Key). */
  userLocked?: boolean
  /** Leave a plain paid order's rows unwritten (see CreatedOrder.written). */
  deferWrites?: boolean
}

/** A payment row about to be inserted (what the provider is asked to create). */
type NewPayment = NewPaymentRow & {
  id: string
  orderId: string
  orgId: string
  amountMinor: number
  currency: string
}

/**
 * Checkout: the caller's open cart becomes an order in one transaction (order, items, coupon
 * redemptions under their limits, payment row; a free order is paid at once with its event), then
 * the provider is called outside any transaction and its answer applied in a second one.
 */
export function createCheckoutService(
  deps: CommerceDeps,
  provider: PaymentProvider,
  payments: PaymentsCore,
  idempotency: Idempotency = createIdempotency(deps.database),
) {
  const db = deps.database.db

  async function detail(orgId: string, orderId: string, handle: DbOrTx = db): Promise<OrderDetail> {
    const order = await ordersRepo.findOrder(handle, orgId, orderId)
    if (!order) throw notFound('Order')
    const [items, pays, refunds] = [
      await ordersRepo.items(handle, order.id),
      await ordersRepo.paymentsOf(handle, order.id),
      await ordersRepo.refundsOf(handle, order.id),
    ]
    return { order, items, payments: pays, refunds }
  }

  /** Cuts `rows` (read with limit + 1) to a page and adds each order's lines glance (one query for the page). */
  async function summaryPage(rows: OrderRow[], limit: number): Promise<OrderSummaryPage> {
    const page = rows.slice(0, limit)
    const glances = await ordersRepo.linesGlance(
      db,
      page.map((o) => o.id),
    )
    return {
      items: page.map((o) => ({ ...o, ...(glances.get(o.id) ?? { itemCount: 0, itemTitles: [] }) })),
      nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
    }
  }

  /** The order if the caller owns it or is an org admin of its org; 404 otherwise. */
  async function visibleOrder(principal: Principal, orderId: string, ownerOnly = false): Promise<OrderRow> {
    const order = await ordersRepo.findOrder(db, principal.orgId, orderId)
    const admin = principal.platformAdmin || principal.roles.includes('org_admin')
    if (!order || (order.userId !== principal.userId && (ownerOnly || !admin))) throw notFound('Order')
    return order
  }

  async function createOrder(
    tx: Tx,
    principal: Principal,
    traceparent: string | null,
    paymentMethod: string | null,
    payNow?: (payment: NewPayment) => Promise<ProviderPaymentResult>,
    options: CreateOptions = {},
  ): Promise<CreatedOrder> {
    const { orgId, userId } = principal
    if (!options.userLocked) await ordersRepo.lockUser(tx, orgId, userId)
    // Closed first (locking it): any refusal below rolls the whole checkout back, the cart included.
    const cart = await checkOutOpenUserCart(tx, orgId, userId)
    // Lines, already-held courses and ledger accounts in one statement (after the lock and the close).
    const read = cart ? await checkoutLines(tx, cart, userId) : null
    const lines = read?.lines ?? []
    if (!cart || lines.length === 0)
      throw new AppError('unprocessable', 'The cart is empty', { reason: 'cart_empty' })
    if (provider.currencies && !provider.currencies.includes(cart.currency)) {
      throw new AppError('unprocessable', `The ${provider.name} provider does not take ${cart.currency}`, {
        reason: 'currency_not_supported',
      })
    }
    const now = new Date()
    const coupons = await couponsRepo.findByCodes(tx, orgId, cart.couponCodes)
    // Subscription plan lines: payment method on file, no second subscription, trial priced 0.
    const plans = await prepareSubscriptions(tx, orgId, userId, lines, paymentMethod)
    const priced = priceCart(cart.currency, plans.lines, cart.couponCodes, coupons, now)
    const gone = priced.lines.find((l) => !l.available)
    if (gone) {
      throw new AppError('conflict', `${gone.product.title} is no longer for sale; remove it from the cart`, {
        reason: 'item_unavailable',
      })
    }
    const bad = priced.coupons.find((c) => c.reason !== null)
    if (bad) {
      throw new AppError('conflict', `Coupon ${bad.code} ${bad.reason}; remove it from the cart`, {
        reason: 'coupon_unavailable',
      })
    }
    assertStackable(coupons)
    // Course refs this user already holds (paid or being paid, not fully refunded), as heldCourseRefs.
    const held = [...new Set(lines.filter((l) => l.held).map((l) => l.product.ref))].sort()
    if (held.length > 0) {
      throw new AppError('conflict', 'You already bought (or are paying for) this course', {
        reason: 'already_purchased',
        productRefs: held,
      })
    }
    const orderId = newId('ord')
    // Redeem under the limits: the conditional update holds the coupon's row lock until commit.
    const redeemed: { couponId: string; discountMinor: number }[] = []
    for (const c of priced.coupons) {
      if (c.discountMinor === 0 || !c.coupon) continue
      const row = await couponsRepo.redeemOne(tx, orgId, c.coupon.id, now)
      if (!row) {
        throw new AppError('conflict', `Coupon ${c.code} is used up or no longer valid`, {
          reason: 'coupon_unavailable',
        })
      }
      if (
        row.maxPerUser !== null &&
        (await couponsRepo.countUserRedemptions(tx, row.id, userId)) >= row.maxPerUser
      ) {
        throw new AppError('conflict', `You have already used coupon ${c.code}`, {
          reason: 'coupon_unavailable',
        })
      }
      redeemed.push({ couponId: row.id, discountMinor: c.discountMinor })
    }
    const free = priced.totalMinor === 0
    // Prices include tax: each line's included tax (the invoice's formula) goes to the ledger's tax_payable.
    const taxes = priced.lines.map((l) =>
      includedTax(l.totalMinor, deps.config.INVOICE_TAX_RATE_BASIS_POINTS),
    )
    const order: OrderRow = {
      id: orderId,
      orgId,
      userId,
      status: free ? 'paid' : 'pending_payment',
      currency: cart.currency,
      subtotalMinor: priced.subtotalMinor,
      discountMinor: priced.discountMinor,
      taxMinor: taxes.reduce((s, x) => s + x, 0),
      totalMinor: priced.totalMinor,
      refundedMinor: 0,
      couponCodes: priced.coupons.filter((c) => c.discountMinor > 0).map((c) => c.code),
      createdAt: now,
      updatedAt: now,
      paidAt: free ? now : null,
    }
    // Ids made in one millisecond are not ordered among themselves: sort a batch so lines keep cart order.
    const itemIds = priced.lines.map(() => newId('oit')).sort()
    const items: OrderItemRow[] = priced.lines.map((l, k) => ({
      id: itemIds[k]!,
      orderId,
      orgId,
      productId: l.product.id,
      priceId: l.price.id,
      productType: l.product.type,
      productRef: l.product.ref,
      payeeUserId: l.product.payeeUserId,
      title: l.product.title,
      quantity: l.quantity,
      lessonCount: l.price.lessonCount,
      unitAmountMinor: l.price.unitAmountMinor,
      discountMinor: l.discountMinor,
      taxMinor: taxes[k]!,
      amountMinor: l.totalMinor,
      refundedMinor: 0,
      reference: l.reference === '' ? null : l.reference,
    }))
    const payment: NewPayment | null = free
      ? null
      : {
          id: newId('pay'),
          orderId,
          orgId,
          provider: provider.name,
          status: 'requires_payment',
          amountMinor: order.totalMinor,
          currency: order.currency,
        }
    // A local provider answers at once without I/O: asked before the rows are written, a success is
    // inserted in its final state (order paid, payment succeeded) instead of inserted and then updated.
    const answer = payment && payNow ? await payNow(payment) : null
    if (payment && answer?.status === 'succeeded') {
      order.status = assertTransition(order.status, 'paid')
      order.paidAt = now
      Object.assign(payment, {
        status: 'succeeded',
        providerRef: answer.providerRef,
        capturedMinor: payment.amountMinor,
        feeMinor: answer.feeMinor,
      })
    }
    const hasSubscriptions = plans.plans.size > 0
    const accounts = read!.accounts
    if (
      options.deferWrites &&
      payment &&
      answer?.status === 'succeeded' &&
      !hasSubscriptions &&
      redeemed.length === 0
    ) {
      // Written by the caller in one statement, as insertOrder and insertPayment would write them.
      const row: PaymentRow = {
        providerRef: null,
        capturedMinor: 0,
        refundedMinor: 0,
        feeMinor: 0,
        failureCode: null,
        nextAction: null,
        createdAt: now,
        updatedAt: now,
        ...payment,
      }
      return { order, items, payment: row, hasSubscriptions, answer, written: false, accounts }
    }
    await ordersRepo.insertOrder(tx, order, items)
    await recordSubscriptions(tx, plans, order)
    for (const r of redeemed) {
      await couponsRepo.insertRedemption(tx, { ...r, orderId, userId, orgId })
    }
    if (free) {
      // Nothing moved, so nothing is posted to the ledger; access is granted by the event.
      await writeOrderPaid(tx, order, items, traceparent)
      return { order, items, payment: null, hasSubscriptions, answer: null, written: true, accounts }
    }
    return {
      order,
      items,
      payment: await ordersRepo.insertPayment(tx, payment!),
      hasSubscriptions,
      answer,
      written: true,
      accounts,
    }
  }

  /**
   * The local provider's checkout inside `tx`: order, items, redemptions, payment, capture, ledger and
   * event in the caller's transaction. The answer is built from the rows this transaction wrote (a new
   * order has no refunds); only a payment that did not succeed at once is read back. With `answerTo`
   * (checkoutOnce) a plain paid order, its ledger posting, its event and the answer stored with the
   * Idempotency-Key are written in ONE statement (`writePaidCheckout`).
   */
  async function checkoutInTx<T>(
    tx: Tx,
    principal: Principal,
    paymentMethod: string | null,
    traceparent: string | null,
    answerTo?: {
      slot: AnswerSlot
      respond: (detail: OrderDetail) => IdempotentResponse<T>
    },
  ): Promise<OrderDetail> {
    const created = await createOrder(
      tx,
      principal,
      traceparent,
      paymentMethod,
      (p) =>
        provider.createPayment({
          paymentId: p.id,
          orderId: p.orderId,
          orgId: p.orgId,
          amountMinor: p.amountMinor,
          currency: p.currency,
          paymentMethod,
          returnUrl: `${deps.config.PUBLIC_URL}/orders/${p.orderId}`,
        }),
      { userLocked: answerTo !== undefined, deferWrites: answerTo !== undefined },
    )
    const { order, items, payment, answer, hasSubscriptions } = created
    if (!payment) return { order, items, payments: [], refunds: [] }
    if (!created.written) {
      const detail: OrderDetail = { order, items, payments: [payment], refunds: [] }
      const channel = await writePaidOrder(
        tx,
        detail,
        created.accounts,
        traceparent,
        answerTo!.slot,
        answerTo!.respond(detail),
      )
      await outboxWritten(tx, channel) // the relays wake after the commit, without a NOTIFY in it
      return detail
    }
    if (payment.status === 'succeeded') {
      await payments.recordNewCapture(tx, { order, items, payment, hasSubscriptions }, traceparent)
      return { order, items, payments: [payment], refunds: [] }
    }
    // Declined, action required or processing: applied as any provider answer, then read back.
    await payments.applyResult(tx, payment.id, answer!, traceparent)
    return detail(principal.orgId, order.id, tx)
  }

  /**
   * What insertOrder + insertPayment + recordNewCapture (postPaymentCaptured, commerce.order.paid) and
   * the Idempotency-Key's answer write for a plain paid order, in one statement. Accounts missing
   * from `accounts` (their first use) are created first, as writeLegs does.
   */
  async function writePaidOrder(
    tx: Tx,
    detail: OrderDetail,
    accounts: Map<string, string>,
    traceparent: string | null,
    slot: AnswerSlot,
    response: IdempotentResponse<unknown>,
  ): Promise<string> {
    const { order, items } = detail
    const payment = detail.payments[0]!
    const posting = capturePosting(deps.config, capturedPayment(order, payment, items, payment.feeMinor))
    assertBalanced(posting.legs)
    const legs = posting.legs.filter((l) => l.amountMinor !== 0)
    const keyOf = (l: { kind: string; owner?: string }) => `${l.kind}\u0000${l.owner ?? ''}`
    const missing = legs.filter((l) => !accounts.has(keyOf(l)))
    if (missing.length > 0) {
      const made = await ensureAccounts(
        tx,
        order.orgId,
        order.currency,
        missing.map((l) => ({ kind: l.kind, owner: l.owner ?? '' })),
      )
      for (const [k, id] of made) accounts.set(k, id)
    }
    // Validated and enveloped exactly as writeEvent does; inserted and notified by the statement.
    const event = prepareEvent(outbox, commerceOrderPaid, orderPaidInput(order, items, traceparent))
    const stored = response.status < 500
    await writePaidCheckout(tx, {
      order,
      items,
      payment,
      ledger: {
        transactionId: newId('ltx'),
        description: posting.description,
        holds: posting.holds,
        entries: legs.map((l) => ({
          accountId: accounts.get(keyOf(l))!,
          orgId: order.orgId,
          amountMinor: l.amountMinor,
          currency: order.currency,
          memo: l.memo,
          payeeUserId: l.payeeUserId ?? null,
          orderItemId: l.orderItemId ?? null,
        })),
      },
      event,
      // A 5xx answer is never stored: the key is released by runInTx instead (not reached: 201).
      answer: {
        principal: slot.principal,
        key: stored ? slot.key : '',
        status: response.status,
        body: response.body,
      },
    })
    slot.stored = stored
    return event.channel
  }

  /**
   * Cancels unpaid orders locked by the caller (their open payments first) and gives their coupons
   * back; answers how many it cancelled. The callers (jobs) took the orders with SKIP LOCKED, that
   * is against the lock order (payments, then order: docs/checkout.md#lock-order), so the payments
   * are taken without waiting too: an order one of whose payments another transaction holds (a
   * webhook, a provider answer) is left for the next run instead of waiting, which could deadlock.
   */
  async function cancelUnpaid(tx: Tx, rows: OrderRow[]): Promise<number> {
    let cancelled = 0
    for (const order of rows) {
      const all = await ordersRepo.paymentsOf(tx, order.id)
      const locked = await ordersRepo.lockPaymentsOf(tx, order.orgId, order.id, { skipLocked: true })
      if (locked.length !== all.length) continue
      await payments.cancelOpenPayments(tx, order.id)
      await ordersRepo.setStatus(tx, order.id, order.status, assertTransition(order.status, 'cancelled'))
      await couponsRepo.releaseForOrder(tx, order.id)
      cancelled++
    }
    return cancelled
  }
  return {
    detail,
    visibleOrder,
    /** POST /checkout. */
    async checkout(principal: Principal, input: { paymentMethod?: string }, traceparent: string | null) {
      const returnUrl = (id: string) => `${deps.config.PUBLIC_URL}/orders/${id}`
      if (provider.local) {
        // Local provider: order, items, redemptions, payment, capture, ledger and event in ONE transaction.
        const result = await db.transaction((tx) =>
          checkoutInTx(tx, principal, input.paymentMethod ?? null, traceparent),
        )
        deps.wakeRelay()
        return result
      }
      const { order, payment } = await db.transaction((tx) =>
        createOrder(tx, principal, traceparent, input.paymentMethod ?? null),
      )
      deps.wakeRelay()
      if (payment)
        await payments.drive(payment, input.paymentMethod ?? null, returnUrl(order.id), traceparent)
      return detail(principal.orgId, order.id)
    },
    /**
     * POST /checkout under the caller's Idempotency-Key (`respond` turns the order into the stored
     * answer). With a local provider the key, the whole checkout and the answer share ONE transaction
     * (`runInTx`); otherwise the key brackets the checkout's own transactions and provider call (`run`).
     */
    async checkoutOnce<T>(
      principal: Principal,
      input: { paymentMethod?: string },
      traceparent: string | null,
      request: IdempotentRequest,
      respond: (detail: OrderDetail) => IdempotentResponse<T>,
      onReplay?: () => void,
    ): Promise<IdempotentResponse<T>> {
      if (!provider.local) {
        return idempotency.run(
          request,
          async () => respond(await this.checkout(principal, input, traceparent)),
          onReplay,
        )
      }
      let answer: IdempotentResponse<T> | undefined
      const result = await idempotency.runInTx(
        request,
        async (tx, slot) => {
          const answerTo = {
            slot,
            respond: (d: OrderDetail) => (answer = respond(d)),
          }
          const order = await checkoutInTx(tx, principal, input.paymentMethod ?? null, traceparent, answerTo)
          // A plain paid order's answer was built (and stored) inside writePaidCheckout's statement.
          return answer ?? respond(order)
        },
        onReplay,
        // The per-user checkout lock rides on the key's statement (taken only when this request executes).
        { lockKey: `checkout:${principal.orgId}:${principal.userId}` },
      )
      deps.wakeRelay()
      return result
    },
    /**
     * POST /orders/:id/confirm: re-drives a pending payment (a provider call that never answered),
     * or asks the provider to confirm one that required action (when the adapter supports it).
     */
    async confirm(
      principal: Principal,
      orderId: string,
      input: { paymentMethod?: string },
      traceparent: string | null,
    ) {
      const order = await visibleOrder(principal, orderId, true)
      if (!payments.isPayable(order)) {
        if (order.status === 'paid' || order.status === 'partially_refunded' || order.status === 'refunded') {
          return detail(principal.orgId, order.id)
        }
        throw new AppError('conflict', `This order is ${order.status}`)
      }
      const open = (await ordersRepo.paymentsOf(db, order.id)).filter(
        (p) => p.status === 'requires_payment' || p.status === 'requires_action',
      )
      const payment = open[open.length - 1]
      if (payment?.status === 'requires_payment') {
        await payments.drive(
          payment,
          input.paymentMethod ?? null,
          `${deps.config.PUBLIC_URL}/orders/${order.id}`,
          traceparent,
        )
      } else if (payment?.status === 'requires_action' && provider.confirm && payment.providerRef) {
        const result = await provider.confirm({
          providerRef: payment.providerRef,
          paymentMethod: input.paymentMethod ?? null,
        })
        await db.transaction((tx) => payments.applyResult(tx, payment.id, result, traceparent))
        deps.wakeRelay()
      }
      return detail(principal.orgId, order.id)
    },
    /** POST /orders/:id/cancel: an unpaid order is cancelled and its coupons given back. */
    async cancel(principal: Principal, orderId: string) {
      const visible = await visibleOrder(principal, orderId)
      await db.transaction(async (tx) => {
        // Payments, then the order: the webhook path's order (docs/checkout.md#lock-order).
        const order = (await ordersRepo.lockOrderWithPayments(tx, principal.orgId, visible.id))!
        const to = assertTransition(order.status, 'cancelled')
        await payments.cancelOpenPayments(tx, order.id)
        await ordersRepo.setStatus(tx, order.id, order.status, to)
        await couponsRepo.releaseForOrder(tx, order.id)
      })
      return detail(principal.orgId, visible.id)
    },
    /** A page of the caller's orders, newest first. */
    async listMine(principal: Principal, opts: { after?: string; limit: number }): Promise<OrderSummaryPage> {
      const rows = await ordersRepo.listForUser(db, principal.orgId, principal.userId, {
        ...opts,
        limit: opts.limit + 1,
      })
      return summaryPage(rows, opts.limit)
    },
    /** A page of an org's orders with filters (org admins), newest first. */
    async listOrg(
      orgId: string,
      opts: { status?: string; userId?: string; from?: Date; to?: Date; after?: string; limit: number },
    ): Promise<OrderSummaryPage> {
      return summaryPage(
        await ordersRepo.listForOrg(db, orgId, { ...opts, limit: opts.limit + 1 }),
        opts.limit,
      )
    },
    /**
     * Expires abandoned orders that never reached the provider (commerce.orders.expire_abandoned;
     * see neverReachedProvider: orders with a card payment at the provider are card.expiry.ts's).
     */
    async expireAbandoned(tx: Tx, before: Date): Promise<number> {
      return cancelUnpaid(tx, await ordersRepo.abandoned(tx, before, 100))
    },
    cancelUnpaid,
    /**
     * Expires orders whose Stellar payment request was never paid (created before `before`): the
     * payment request and the order are cancelled and their coupons come back. A payment that lands
     * later finds a closed order and is recorded for reconciliation, like any late payment.
     */
    async expireUnpaidStellar(tx: Tx, before: Date): Promise<number> {
      return cancelUnpaid(tx, await ordersRepo.awaitingStellar(tx, before, 100))
    },
  }
}

/** What createCheckoutService returns. */
export type CheckoutService = ReturnType<typeof createCheckoutService>
