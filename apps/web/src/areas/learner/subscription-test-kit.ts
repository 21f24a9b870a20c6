import { cleanup } from '@testing-library/react'
import { afterEach, beforeEach, vi } from 'vitest'
import { api } from '../../api/client.ts'
import type { Plan, Subscription } from '../../api/subscriptions.ts'

/** One request the page made: method, path without `/api`, query and JSON body. */
export interface Call {
  method: string
  path: string
  query: string
  body: unknown
}

/** An answer: a JSON body (200), `[status, body]`, or undefined for a 404 problem. */
export type Answer = unknown

/**
 * For every test of the file: signed-in tokens and a `fetch` stub that records each call (except
 * `/identity/me`) in `kit.calls` and answers with `kit.answer(call)`, which tests replace. Answers of 400
 * and above are problem documents.
 */
export function fakeApi(defaults: (call: Call) => Answer) {
  const kit = { calls: [] as Call[], answer: defaults, me: {} as object }
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
    })
  beforeEach(() => {
    kit.calls = []
    kit.answer = defaults
    api.tokens.set({ accessToken: 'a', refreshToken: 'refresh-token-1234567890', expiresIn: 900 } as never)
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
      const [path = '', query = ''] = String(input)
        .replace(/^.*\/api/, '')
        .split('?')
      if (path === '/identity/me') return json(kit.me)
      const call: Call = {
        method: init?.method ?? 'GET',
        path,
        query,
        body: init?.body ? JSON.parse(String(init.body)) : undefined,
      }
      kit.calls.push(call)
      const a = kit.answer(call)
      if (a === undefined) return json({ status: 404, title: 'Not Found', detail: 'Not found' }, 404)
      if (Array.isArray(a) && a.length === 2 && typeof a[0] === 'number') {
        const [status, body] = a as [number, Record<string, unknown>]
        return json(status >= 400 ? { status, title: 'Error', ...body } : body, status)
      }
      return json(a)
    })
  })
  afterEach(() => {
    cleanup()
    api.tokens.clear()
    vi.unstubAllGlobals()
  })
  return kit
}

/** An empty cart (`GET /commerce/cart`). */
export const EMPTY_CART = {
  id: null,
  currency: null,
  items: [],
  coupons: [],
  subtotalMinor: 0,
  discountMinor: 0,
  totalMinor: 0,
}

const hex = (n: number) => String(n).padStart(32, '0')
export const PLAN_ID = `prd_${hex(1)}`
export const COURSE_A = `crs_${hex(11)}`
export const COURSE_B = `crs_${hex(12)}`

/** "Pro" (a two-line description), EUR 15.00 a month with a 14-day trial or EUR 150.00 a year, with two courses. */
export function plan(over: Partial<Plan> = {}): Plan {
  return {
    product: {
      id: PLAN_ID,
      type: 'subscription_plan',
      ref: 'plan-pro',
      title: 'Pro',
      description: 'Every course of the Pro track.\nNew courses join the plan as they are published.',
      payeeUserId: null,
      active: true,
      createdAt: '2026-11-01T00:00:00Z',
    },
    prices: [
      {
        id: 'pri_month',
        productId: PLAN_ID,
        currency: 'EUR',
        unitAmountMinor: 1500,
        lessonCount: 1,
        interval: 'month',
        trialDays: 14,
        active: true,
      },
      {
        id: 'pri_year',
        productId: PLAN_ID,
        currency: 'EUR',
        unitAmountMinor: 15000,
        lessonCount: 1,
        interval: 'year',
        trialDays: 0,
        active: true,
      },
    ],
    entitlement: { scope: 'courses', courseIds: [COURSE_A, COURSE_B] },
    ...over,
  }
}

/** Lea's active monthly "Pro" subscription, renewing on 28 Dec 2026, with `over` changed. */
export function subscription(over: Partial<Subscription> = {}): Subscription {
  return {
    id: `sub_${hex(21)}`,
    userId: 'usr_learner',
    productId: PLAN_ID,
    planRef: 'plan-pro',
    title: 'Pro',
    priceId: 'pri_month',
    currency: 'EUR',
    unitAmountMinor: 1500,
    interval: 'month',
    status: 'active',
    orderId: `ord_${hex(31)}`,
    trialEnd: null,
    currentPeriodStart: '2026-11-28T12:00:00Z',
    currentPeriodEnd: '2026-12-28T12:00:00Z',
    cancelAtPeriodEnd: false,
    failedAttempts: 0,
    nextAttemptAt: null,
    paymentMethod: 'pm_sandbox_ok',
    cancelReason: null,
    endedAt: null,
    createdAt: '2026-11-28T12:00:00Z',
    ...over,
  }
}

/** A catalog course detail (`GET /learning/catalog/courses/:id`). */
export function catalogCourse(id: string, title: string) {
  return {
    id,
    slug: title.toLowerCase().replaceAll(' ', '-'),
    title,
    subtitle: '',
    category: null,
    tags: [],
    level: 'beginner',
    language: 'en',
    price: { amountMinor: 2000, currency: 'EUR' },
    rating: 0,
    ratingCount: 0,
    enrollmentCount: 0,
    instructorNames: ['Ines'],
    lessonCount: 3,
    durationSeconds: 600,
    publishedAt: '2026-01-01T00:00:00Z',
    description: '',
    version: 1,
    outline: [],
  }
}
