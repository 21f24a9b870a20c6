import type { CartView } from './carts.service.ts'

/** A cart view as the API shows it (never the token hash). */
export function presentCart(v: CartView) {
  return {
    id: v.cart?.id ?? null,
    currency: v.cart?.currency ?? null,
    items: v.priced.lines.map((l) => ({
      priceId: l.price.id,
      productId: l.product.id,
      productType: l.product.type,
      productRef: l.product.ref,
      title: l.product.title,
      reference: l.reference === '' ? null : l.reference,
      quantity: l.quantity,
      lessonCount: l.price.lessonCount,
      unitAmountMinor: l.price.unitAmountMinor,
      subtotalMinor: l.subtotalMinor,
      discountMinor: l.discountMinor,
      totalMinor: l.totalMinor,
      available: l.available,
    })),
    coupons: v.priced.coupons.map((c) => ({
      code: c.code,
      discountMinor: c.discountMinor,
      reason: c.reason,
    })),
    subtotalMinor: v.priced.subtotalMinor,
    discountMinor: v.priced.discountMinor,
    totalMinor: v.priced.totalMinor,
    tax: v.tax,
    ...(v.cartToken ? { cartToken: v.cartToken } : {}),
  }
}
