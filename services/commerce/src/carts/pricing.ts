import { applyDiscounts } from '../coupons/discounts.ts'
import type { CouponRow } from '../coupons/coupons.repository.ts'
import { couponUnusableReason } from '../coupons/coupons.service.ts'
import type { CartLine } from './carts.repository.ts'

/** A priced cart line. */
export interface PricedLine extends CartLine {
  /** unit × quantity. */
  subtotalMinor: number
  discountMinor: number
  /** subtotal − discount (≥ 0). */
  totalMinor: number
  /** False when the price or product was deactivated since it was added. */
  available: boolean
}

/** A priced coupon of the cart. */
export interface PricedCoupon {
  code: string
  coupon: CouponRow | null
  discountMinor: number
  /** Why it does not apply now (null when it does). */
  reason: string | null
}

/** Server-side cart totals. */
export interface PricedCart {
  lines: PricedLine[]
  coupons: PricedCoupon[]
  subtotalMinor: number
  discountMinor: number
  totalMinor: number
}

/** A cart line's identity: its price and its reference (one price may be in a cart twice). */
export function cartLineKey(l: Pick<CartLine, 'price' | 'reference'>): string {
  return `${l.price.id}|${l.reference}`
}

/**
 * Prices a cart: line subtotals, then the usable coupons through `applyDiscounts` (percent first,
 * then fixed; largest-remainder allocation over lines), over available lines only. Coupons that do
 * not apply right now are listed with their reason and discount nothing.
 */
export function priceCart(
  currency: string,
  lines: CartLine[],
  couponCodes: string[],
  coupons: CouponRow[],
  now: Date,
): PricedCart {
  const byCode = new Map(coupons.map((c) => [c.code, c]))
  const priced: PricedCoupon[] = couponCodes.map((code) => {
    const coupon = byCode.get(code) ?? null
    return {
      code,
      coupon,
      discountMinor: 0,
      reason: coupon ? couponUnusableReason(coupon, currency, now) : 'does not exist',
    }
  })
  const available = (l: CartLine) => l.price.active && l.product.active
  const usable = priced.filter((p) => p.reason === null && p.coupon)
  const result = applyDiscounts(
    lines.filter(available).map((l) => ({
      key: cartLineKey(l),
      productId: l.product.id,
      grossMinor: l.price.unitAmountMinor * l.quantity,
    })),
    usable.map((p) => ({
      code: p.code,
      kind: p.coupon!.kind === 'fixed' ? 'fixed' : 'percent',
      percentOff: p.coupon!.percentOff,
      amountOffMinor: p.coupon!.amountOffMinor,
      productIds: p.coupon!.productIds,
    })),
  )
  for (const c of result.couponDiscounts) {
    const p = priced.find((x) => x.code === c.code)
    if (p) p.discountMinor = c.discountMinor
  }
  const pricedLines: PricedLine[] = lines.map((l) => {
    const subtotalMinor = l.price.unitAmountMinor * l.quantity
    const discountMinor = result.lineDiscounts.get(cartLineKey(l)) ?? 0
    return {
      ...l,
      subtotalMinor,
      discountMinor,
      totalMinor: subtotalMinor - discountMinor,
      available: available(l),
    }
  })
  const counted = pricedLines.filter((l) => l.available)
  const subtotalMinor = counted.reduce((s, l) => s + l.subtotalMinor, 0)
  return {
    lines: pricedLines,
    coupons: priced,
    subtotalMinor,
    discountMinor: result.totalDiscountMinor,
    totalMinor: subtotalMinor - result.totalDiscountMinor,
  }
}
