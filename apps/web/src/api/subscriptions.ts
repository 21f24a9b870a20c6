import { api } from './client.ts'
import { learning, type CourseDetail } from './endpoints.ts'
import { ApiError } from './problem.ts'
import type { Page } from './learner.ts'
import type { StudioCourse } from './studio.ts'

/**
 * Commerce's subscriptions (services/commerce/docs/subscriptions.md): the plans an organization sells
 * (`GET /plans`), my subscriptions and their changes, and for org admins the plan products, prices and
 * what each plan grants. Subscribing is the normal cart checkout with a plan price.
 */

/** What a plan grants in learning: every course of the org, or a list of courses. */
export type Entitlement = { scope: 'all_courses' } | { scope: 'courses'; courseIds: string[] }

export interface PlanProduct {
  id: string
  type: string
  ref: string
  title: string
  /** What the plan is for, in the seller's words: plain text with `\n` line breaks ('' when none). */
  description: string
  payeeUserId: string | null
  active: boolean
  createdAt: string
}

/** Longest plan description commerce accepts, in characters (code points, as its schema counts them). */
export const PLAN_DESCRIPTION_MAX = 1000

/** A description's length as commerce counts it: Unicode code points, so an emoji is one character. */
export const descriptionLength = (text: string): number => [...text].length

export interface PlanPrice {
  id: string
  productId: string
  currency: string
  unitAmountMinor: number
  lessonCount: number
  /** month | year for a plan price. */
  interval: string | null
  trialDays: number
  active: boolean
}
/** One plan on sale (`GET /commerce/plans`). */
export interface Plan {
  product: PlanProduct
  prices: PlanPrice[]
  entitlement: Entitlement
}

export type SubscriptionStatus = 'incomplete' | 'trialing' | 'active' | 'past_due' | 'cancelled'
export interface Subscription {
  id: string
  userId: string
  productId: string
  planRef: string
  title: string
  priceId: string
  currency: string
  unitAmountMinor: number
  interval: string
  status: SubscriptionStatus | string
  orderId: string
  trialEnd: string | null
  currentPeriodStart: string | null
  currentPeriodEnd: string | null
  cancelAtPeriodEnd: boolean
  failedAttempts: number
  nextAttemptAt: string | null
  /** Masked: `pm_sandbox_ok`, `pm_…1234`. */
  paymentMethod: string
  cancelReason: string | null
  endedAt: string | null
  createdAt: string
}

/** Statuses that grant access and renew. */
export const LIVE = ['trialing', 'active', 'past_due']
export const isLive = (s: Subscription): boolean => LIVE.includes(s.status)

/** Does a plan's entitlement include this course? (The server decides; this only picks the button.) */
export function covers(entitlement: Entitlement, courseId: string): boolean {
  return entitlement.scope === 'all_courses' || entitlement.courseIds.includes(courseId)
}

const sub = (id: string) => `/commerce/subscriptions/${encodeURIComponent(id)}`

export const subscriptions = {
  /** The org's plans on sale (the caller's org). */
  plans: () => api.request<{ items: Plan[] }>('/commerce/plans'),
  mine: (after?: string) =>
    api.request<Page<Subscription>>('/commerce/subscriptions/mine', { query: { limit: 50, after } }),
  cancel: (id: string) => api.request<Subscription>(`${sub(id)}/cancel`, { body: {} }),
  resume: (id: string) => api.request<Subscription>(`${sub(id)}/resume`, { body: {} }),
  paymentMethod: (id: string, paymentMethod: string) =>
    api.request<Subscription>(`${sub(id)}/payment-method`, { method: 'PUT', body: { paymentMethod } }),
}

/** What `POST /subscriptions/:id/cancel-now` answers: the ended subscription and the refund made, if any. */
export interface CancelNowResult {
  subscription: Subscription
  /** The refund made (null without one). */
  refundId: string | null
  /** Amount refunded: 0 without a refund, and while the provider has not confirmed it yet. */
  refundedMinor: number
}

/** The organization's subscriptions (org admins; commerce's `GET /subscriptions`, `…/cancel-now`). */
export const subscriptionAdmin = {
  /** Newest first, 50 a page; `status` narrows the list (commerce filters by status and subscriber only). */
  list: (status: SubscriptionStatus | undefined, after?: string) =>
    api.request<Page<Subscription>>('/commerce/subscriptions', { query: { status, after, limit: 50 } }),
  /**
   * Ends access now (`cancelled`, reason `admin`). `prorated` also refunds the unused part of the current
   * paid period; `none` refunds nothing. One Idempotency-Key per attempt: a retry is not refunded twice.
   */
  cancelNow: (id: string, refund: 'none' | 'prorated', key: string) =>
    api.request<CancelNowResult>(`${sub(id)}/cancel-now`, {
      body: { refund },
      headers: { 'idempotency-key': key },
    }),
}

/** Plan administration (org admins): commerce's products, prices and entitlements. */
export const planAdmin = {
  list: () =>
    api.request<Page<PlanProduct>>('/commerce/products', {
      query: { type: 'subscription_plan', limit: 100 },
    }),
  get: (productId: string) =>
    api.request<{ product: PlanProduct; prices: PlanPrice[] }>(
      `/commerce/products/${encodeURIComponent(productId)}`,
    ),
  create: (body: { ref: string; title: string; description: string }) =>
    api.request<PlanProduct>('/commerce/products', {
      body: { type: 'subscription_plan', payeeUserId: null, ...body },
    }),
  addPrice: (
    productId: string,
    body: { currency: string; unitAmountMinor: number; interval: 'month' | 'year'; trialDays: number },
  ) => api.request<PlanPrice>(`/commerce/products/${encodeURIComponent(productId)}/prices`, { body }),
  setPriceActive: (priceId: string, active: boolean) =>
    api.request<PlanPrice>(`/commerce/prices/${encodeURIComponent(priceId)}`, {
      method: 'PATCH',
      body: { active },
    }),
  /** Changes what the plan says it is for ('' clears it); commerce trims it and refuses control characters. */
  setDescription: (productId: string, description: string) =>
    api.request<PlanProduct>(`/commerce/products/${encodeURIComponent(productId)}`, {
      method: 'PATCH',
      body: { description },
    }),
  setProductActive: (productId: string, active: boolean) =>
    api.request<PlanProduct>(`/commerce/products/${encodeURIComponent(productId)}`, {
      method: 'PATCH',
      body: { active },
    }),
  entitlement: (productId: string) =>
    api.request<Entitlement>(`/commerce/plans/${encodeURIComponent(productId)}/entitlement`),
  setEntitlement: (productId: string, entitlement: Entitlement) =>
    api.request<Entitlement>(`/commerce/plans/${encodeURIComponent(productId)}/entitlement`, {
      method: 'PUT',
      body: entitlement,
    }),
  /** The org's published courses (learning's editor list; org admins see every course), up to 2,500. */
  async publishedCourses(): Promise<StudioCourse[]> {
    const all: StudioCourse[] = []
    let after: string | undefined
    for (let i = 0; i < 25; i++) {
      const page = await api.request<Page<StudioCourse>>('/learning/courses', {
        query: { status: 'published', limit: 100, after },
      })
      all.push(...page.items)
      if (!page.nextCursor) break
      after = page.nextCursor
    }
    return all
  },
}

/**
 * The catalog entries of a plan's courses, in the plan's order. A course the caller cannot see (not
 * published, or another organization's private one) answers 404 and is counted in `hidden` instead.
 */
export async function planCourses(courseIds: string[]): Promise<{ courses: CourseDetail[]; hidden: number }> {
  const found = await Promise.all(
    courseIds.map((id) =>
      learning.course(id).catch((error: unknown) => {
        if (error instanceof ApiError && (error.status === 404 || error.status === 403)) return null
        throw error
      }),
    ),
  )
  const courses = found.filter((c): c is CourseDetail => c !== null)
  return { courses, hidden: courseIds.length - courses.length }
}
