import type { PriceRow, ProductRow } from './products.repository.ts'

/** A product as the API shows it. */
export function presentProduct(row: ProductRow) {
  return {
    id: row.id,
    type: row.type,
    ref: row.ref,
    title: row.title,
    description: row.description,
    payeeUserId: row.payeeUserId,
    active: row.active,
    createdAt: row.createdAt.toISOString(),
  }
}

/** A price as the API shows it. */
export function presentPrice(row: PriceRow) {
  return {
    id: row.id,
    productId: row.productId,
    currency: row.currency,
    unitAmountMinor: row.unitAmountMinor,
    lessonCount: row.lessonCount,
    interval: row.interval,
    trialDays: row.trialDays,
    active: row.active,
  }
}
