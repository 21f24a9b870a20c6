import { api, COOKIE_TRANSPORT } from './client.ts'
import type { Money } from '../lib/money.ts'
import type { TokenPair } from './tokens.ts'

export interface User {
  id: string
  email: string
  displayName: string
  emailVerified: boolean
  platformAdmin: boolean
  twoFactorEnabled: boolean
  defaultOrgId: string
}
export interface Me {
  user: User
  orgId: string
  roles: string[]
}
export type { Money }
export interface CourseSummary {
  id: string
  slug: string
  title: string
  subtitle: string
  category: { slug: string; name: string } | null
  tags: string[]
  level: string
  language: string
  price: Money
  rating: number
  ratingCount: number
  enrollmentCount: number
  instructorNames: string[]
  lessonCount: number
  durationSeconds: number
  publishedAt: string
  highlight?: string
}
export interface FacetValue {
  value: string
  label: string | null
  count: number
}
export type FacetName = 'category' | 'level' | 'language' | 'price' | 'rating'
export interface CatalogPage {
  items: CourseSummary[]
  total: number
  totalApproximate: boolean
  facets: Record<FacetName, FacetValue[]>
  sort: string
  nextCursor: string | null
}
export interface CatalogQuery {
  q?: string
  category?: string[]
  level?: string[]
  language?: string[]
  price?: string[]
  minRating?: string
  sort?: string
}
export interface Lesson {
  id: string
  title: string
  type: string
  durationSeconds: number
  isPreview: boolean
}
export interface CourseDetail extends CourseSummary {
  description: string
  version: number
  outline: { id: string; title: string; lessons: Lesson[] }[]
}
export interface PriceLookup {
  product: { id: string; title: string; active: boolean }
  prices: {
    id: string
    currency: string
    unitAmountMinor: number
    interval: string | null
    active: boolean
  }[]
}
export interface Tutor {
  id: string
  displayName: string
  headline: string
  hourlyRate: Money
  subjects: { subject: string; levels: string[] }[]
  languages: string[]
  offersOnline: boolean
  offersInPerson: boolean
  verified: boolean
  rating: { average: number | null; count: number }
}
export interface MailSummary {
  id: string
  to: string
  subject: string
  template: string
  status: string
  createdAt: string
}
export interface Mail extends MailSummary {
  text: string
  html: string
}

/**
 * A request whose answer sets or clears the refresh cookie: anonymous, with cookie transport, under
 * the refresh lock (see `ApiClient.exclusive`).
 */
const withCookie = <T>(path: string, body: unknown) =>
  api.exclusive(() => api.request<T>(path, { body, anonymous: true, headers: { ...COOKIE_TRANSPORT } }))

export const identity = {
  register: (body: { email: string; password: string; displayName: string }) =>
    withCookie<{ user: User; tokens: TokenPair }>('/identity/auth/register', body),
  login: (body: { email: string; password: string }) => withCookie<TokenPair>('/identity/auth/login', body),
  loginMfa: (body: { mfaToken: string; code?: string; recoveryCode?: string }) =>
    withCookie<TokenPair>('/identity/auth/login/mfa', body),
  /** Ends the session of the browser's refresh cookie and clears the cookie. */
  logout: () => withCookie<void>('/identity/auth/logout', {}),
  verifyEmail: (token: string) =>
    api.request<void>('/identity/auth/verify-email', { body: { token }, anonymous: true }),
  resendVerification: () =>
    api.request<{ status: string }>('/identity/auth/verify-email/resend', { body: {} }),
  forgotPassword: (email: string) =>
    api.request<{ status: string }>('/identity/auth/password/forgot', { body: { email }, anonymous: true }),
  resetPassword: (token: string, password: string) =>
    api.request<void>('/identity/auth/password/reset', { body: { token, password }, anonymous: true }),
  me: () => api.request<Me>('/identity/me'),
  oidcProviders: () =>
    api.request<{ providers: { id: string; label: string }[] }>('/identity/oidc/providers'),
  oidcExchange: (code: string) =>
    withCookie<TokenPair & { returnTo: string }>('/identity/oidc/exchange', { code }),
}

export const learning = {
  catalog: (query: CatalogQuery & { cursor?: string; limit?: number }, signal?: AbortSignal) =>
    api.request<CatalogPage>('/learning/catalog', { query: { ...query }, signal }),
  autocomplete: (q: string, signal?: AbortSignal) =>
    api.request<{ items: { id: string; slug: string; title: string }[] }>('/learning/catalog/autocomplete', {
      query: { q },
      signal,
    }),
  course: (idOrSlug: string) =>
    api.request<CourseDetail>(`/learning/catalog/courses/${encodeURIComponent(idOrSlug)}`),
}

export const commerce = {
  coursePrice: (courseId: string) =>
    api.request<PriceLookup>('/commerce/prices', { query: { productType: 'course', ref: courseId } }),
}

export const tutoring = {
  search: (limit: number) =>
    api.request<{ items: Tutor[]; nextCursor: string | null }>('/tutoring/tutors', {
      query: { limit, sort: 'rating' },
    }),
}

export const communication = {
  mailbox: () =>
    api.request<{ items: MailSummary[]; nextCursor: string | null }>('/communication/dev/mailbox', {
      query: { limit: 50 },
    }),
  mail: (id: string) => api.request<Mail>(`/communication/dev/mailbox/${encodeURIComponent(id)}`),
}

/** Seconds → `1 h 20 min`. */
export function formatDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60)
  // A 20-second clip is not "0 min".
  if (seconds > 0 && minutes === 0) return '< 1 min'
  if (minutes < 60) return `${minutes} min`
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return m ? `${h} h ${m} min` : `${h} h`
}
