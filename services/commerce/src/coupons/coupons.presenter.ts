import type { CouponRow } from './coupons.repository.ts'

/** A coupon as the API shows it (org admins only). */
export function presentCoupon(row: CouponRow) {
  return {
    id: row.id,
    code: row.code,
    kind: row.kind,
    percentOff: row.percentOff,
    amountOffMinor: row.amountOffMinor,
    currency: row.currency,
    productIds: row.productIds,
    maxRedemptions: row.maxRedemptions,
    maxPerUser: row.maxPerUser,
    redeemedCount: row.redeemedCount,
    startsAt: row.startsAt?.toISOString() ?? null,
    endsAt: row.endsAt?.toISOString() ?? null,
    stackable: row.stackable,
    active: row.active,
    createdAt: row.createdAt.toISOString(),
  }
}
