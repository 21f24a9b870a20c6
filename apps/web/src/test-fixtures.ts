import type { OrderSummary } from './api/learner.ts'

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
