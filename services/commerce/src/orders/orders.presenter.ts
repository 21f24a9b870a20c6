import type { OrderDetail } from './checkout.service.ts'
import type { OrderRow, PaymentRow, RefundRow } from './orders.repository.ts'

/** An order without lines. */
export function presentOrderSummary(o: OrderRow) {
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
  }
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

/** An order with lines, payments and refunds. */
export function presentOrder(d: OrderDetail) {
  return {
    ...presentOrderSummary(d.order),
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
