import type { CourseSummary } from './api/endpoints.ts'
import type { CartLine, OrderSummary } from './api/learner.ts'
import type { Booking } from './api/tutoring.ts'

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

/** A free beginner course in the catalog ("Course 1" by Ines, one lesson), with `over` changed. */
export function courseSummary(over: Partial<CourseSummary> = {}): CourseSummary {
  return {
    id: 'crs_1',
    slug: 'course-1',
    title: 'Course 1',
    subtitle: '',
    category: { slug: 'programming', name: 'Programming' },
    tags: [],
    level: 'beginner',
    language: 'en',
    price: { amountMinor: 0, currency: 'USD' },
    rating: 0,
    ratingCount: 0,
    enrollmentCount: 0,
    instructorNames: ['Ines'],
    lessonCount: 1,
    durationSeconds: 60,
    publishedAt: '2026-01-01T00:00:00Z',
    ...over,
  }
}

/** A paid, booked 60-minute online lesson of Grace Hopper with Ada Lovelace starting at `start` (ms). */
export function booking(start: number, over: Partial<Booking> = {}): Booking {
  return {
    id: 'bkg_1',
    tutorId: 'tut_1',
    tutorUserId: 'usr_tutor',
    tutorName: 'Ada Lovelace',
    learnerId: 'usr_learner',
    learnerName: 'Grace Hopper',
    startsAt: new Date(start).toISOString(),
    endsAt: new Date(start + 3_600_000).toISOString(),
    minutes: 60,
    status: 'booked',
    trial: false,
    mode: 'online',
    paidWith: 'checkout',
    priceMinor: 4000,
    currency: 'EUR',
    productRef: 'tut:usr_tutor:60',
    holdExpiresAt: null,
    orderId: 'ord_1',
    meetingUrl: null,
    note: '',
    confirmedAt: null,
    completedAt: null,
    learnerNoShowAt: null,
    cancelledAt: null,
    cancelledBy: null,
    cancelReason: null,
    refundPercent: null,
    rescheduleCount: 0,
    createdAt: new Date(start - 86_400_000).toISOString(),
    ...over,
  }
}
