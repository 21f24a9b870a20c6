import type { CartLine, OrderSummary } from './api/learner.ts'

/** A learner's identity/me answer (Lea, learner of org_1). */
export const LEARNER_ME = {
  user: { id: 'usr_learner', email: 'lea@example.com', displayName: 'Lea', platformAdmin: false },
  orgId: 'org_1',
  roles: ['learner'],
}

/** A paid EUR 20.00 order of Lea's placed on 28 November 2026, with the given lines' titles. */
export function orderSummary(id: string, itemTitles: string[], itemCount = itemTitles.length): OrderSummary {
  return {
    id,
    userId: 'usr_learner',
    status: 'paid',
    currency: 'EUR',
    subtotalMinor: 2000,
    discountMinor: 0,
    taxMinor: 0,
    totalMinor: 2000,
    refundedMinor: 0,
    couponCodes: [],
    createdAt: '2026-11-28T00:11:00Z',
    paidAt: '2026-11-28T00:11:01Z',
    itemCount,
    itemTitles,
  }
}

/** A cart line: one available course ("Git in 15 Minutes", 12.00 unless `over` says otherwise). */
export function cartLine(over: Partial<CartLine> = {}): CartLine {
  return {
    priceId: 'pri_1',
    productId: 'prd_1',
    productType: 'course',
    productRef: 'crs_1',
    title: 'Git in 15 Minutes',
    reference: null,
    quantity: 1,
    lessonCount: 1,
    unitAmountMinor: 1200,
    subtotalMinor: 1200,
    discountMinor: 0,
    totalMinor: 1200,
    available: true,
    ...over,
  }
}
