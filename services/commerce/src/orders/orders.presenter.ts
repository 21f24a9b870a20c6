import type { OrderDetail, OrderSummaryPage } from './checkout.service.ts'
import {
  SUMMARY_TITLES,
  type OrderLinesGlance,
  type OrderRow,
  type PaymentRow,
  type RefundRow,
} from './orders.repository.ts'

/** An order without lines, with a glance at them. */
export function presentOrderSummary(o: OrderRow & OrderLinesGlance) {
  return {
    id: o.id,
    userId: o.userId,
    status: o.status,
    currency: o.currency,
    subtotalMinor: o.subtotalMinor,
    discountMinor: o.discountMinor,
    taxMinor: o.taxMinor,
    totalMinor: o.totalMinor,
    refundedMinor: o.refundedMinor,
    couponCodes: o.couponCodes,
    createdAt: o.createdAt.toISOString(),
    paidAt: o.paidAt?.toISOString() ?? null,
    itemCount: o.itemCount,
    itemTitles: o.itemTitles,
  }
}

/** A page of order summaries. */
export function presentOrderPage(page: OrderSummaryPage) {
  return { items: page.items.map(presentOrderSummary), nextCursor: page.nextCursor }
}

/** A payment attempt. */
export function presentPayment(p: PaymentRow) {
  return {
    id: p.id,
    provider: p.provider,
    status: p.status,
    amountMinor: p.amountMinor,
    capturedMinor: p.capturedMinor,
    refundedMinor: p.refundedMinor,
    failureCode: p.failureCode,
    nextAction:
      (p.nextAction as { type: string; url?: string; method?: string; clientSecret?: string } | null) ?? null,
    createdAt: p.createdAt.toISOString(),
  }
}

/** A refund. */
export function presentRefund(r: RefundRow) {
  return {
    id: r.id,
    orderId: r.orderId,
    amountMinor: r.amountMinor,
    reason: r.reason,
    status: r.status,
    items: r.items,
    createdAt: r.createdAt.toISOString(),
  }
}

/**
 * An order answer stored for an Idempotency-Key before orders carried `itemCount` and `itemTitles`
 * (keys live 24 h, so across an upgrade a replay can meet one): completed from its own lines, so the
 * replay still matches the response schema instead of failing to serialize. Anything else is
 * returned as it is.
 */
export function withLinesGlance<T>(body: T): T {
  const o = body as { items?: unknown; itemCount?: unknown; couponCodes?: unknown } | null
  if (!o || typeof o !== 'object' || !Array.isArray(o.items) || o.itemCount !== undefined) return body
  if (!('couponCodes' in o)) return body
  const items = o.items as { title?: unknown }[]
  return {
    ...o,
    itemCount: items.length,
    itemTitles: items.slice(0, SUMMARY_TITLES).map((i) => String(i.title ?? '')),
  } as T
}

/** An order with lines, payments and refunds. */
export function presentOrder(d: OrderDetail) {
  return {
    ...presentOrderSummary({
      ...d.order,
      itemCount: d.items.length,
      itemTitles: d.items.slice(0, SUMMARY_TITLES).map((i) => i.title),
    }),
    items: d.items.map((i) => ({
      id: i.id,
      productId: i.productId,
      priceId: i.priceId,
      productType: i.productType,
      productRef: i.productRef,
      title: i.title,
      quantity: i.quantity,
      lessonCount: i.lessonCount,
      unitAmountMinor: i.unitAmountMinor,
      discountMinor: i.discountMinor,
      amountMinor: i.amountMinor,
      taxMinor: i.taxMinor,
      refundedMinor: i.refundedMinor,
      reference: i.reference,
    })),
    payments: d.payments.map(presentPayment),
    refunds: d.refunds.map(presentRefund),
  }
}
