import { api } from './client.ts'
import type { Money } from './endpoints.ts'

/** Levels a subject is taught at. */
export const LEVELS = ['beginner', 'intermediate', 'advanced', 'exam'] as const
export type Level = (typeof LEVELS)[number]
/** Lesson lengths tutoring accepts. */
export const LESSON_LENGTHS = [30, 45, 60, 90] as const

export interface SubjectLevels {
  subject: string
  levels: string[]
}
export interface Rating {
  average: number | null
  count: number
  bayesian: number
}
export interface ResponseRate {
  rate: number | null
  samples: number
}

/** A tutor in search results (`GET /tutoring/tutors`). */
export interface TutorCard {
  id: string
  userId: string
  orgId: string
  displayName: string
  headline: string
  timeZone: string
  hourlyRate: Money
  lessonMinutes: number[]
  trial: { minutes: number } | null
  subjects: SubjectLevels[]
  languages: string[]
  offersOnline: boolean
  offersInPerson: boolean
  verified: boolean
  rating: Rating
  responseRate: ResponseRate
  distanceKm: number | null
}

export interface PackageOffer {
  lessons: number
  discountPercent: number
}

/** A tutor profile (`GET /tutoring/tutors/:id`, `GET /tutoring/tutors/me`). */
export interface TutorProfile {
  id: string
  userId: string
  orgId: string
  displayName: string
  headline: string
  bio: string
  timeZone: string
  hourlyRate: Money
  lessonMinutes: number[]
  lessonPrices: { minutes: number; amountMinor: number }[]
  bufferMinutes: number
  packages: PackageOffer[]
  trial: { minutes: number } | null
  offersOnline: boolean
  offersInPerson: boolean
  subjects: SubjectLevels[]
  languages: string[]
  verified: boolean
  rating: Rating
  responseRate: ResponseRate
  lessonsTaught: number
  /** Owner and admins only. */
  status?: string
  verification?: {
    status: string
    note: string | null
    requestedAt: string | null
    verifiedAt: string | null
  }
  revision?: number
}

/** What `PUT /tutoring/tutors/me` accepts. */
export interface ProfileInput {
  displayName: string
  headline: string
  bio: string
  timeZone: string
  currency: string
  hourlyRateMinor: number
  lessonMinutes: number[]
  bufferMinutes: number
  packages: PackageOffer[]
  trialMinutes: number | null
  offersOnline: boolean
  offersInPerson: boolean
  subjects: { subject: string; levels: Level[] }[]
  languages: string[]
}

export interface TutorSearchQuery {
  subject?: string
  level?: string
  language?: string
  currency?: string
  maxRate?: number
  mode?: 'online' | 'in_person'
  verified?: boolean
  sort?: string
  orgId?: string
}

export interface Slot {
  startsAt: string
  endsAt: string
  /** The same instants with the viewer's offset, e.g. `2026-11-30T18:00:00+01:00`. */
  localStart: string
  localEnd: string
}

export interface WeeklyWindow {
  /** ISO weekday, 1 = Monday. */
  weekday: number
  start: string
  end: string
}
export interface AvailabilityException {
  id: string
  kind: 'available' | 'unavailable'
  startsAt: string
  endsAt: string
  note: string
}
export interface Availability {
  tutorId: string
  timeZone: string
  weekly: WeeklyWindow[]
  exceptions: AvailabilityException[]
}

export type BookingStatus =
  'held' | 'booked' | 'confirmed' | 'completed' | 'cancelled' | 'expired' | 'rejected' | 'disputed'

export interface Booking {
  id: string
  tutorId: string
  tutorUserId: string
  /** The tutor's profile name (null when the profile is gone). */
  tutorName: string | null
  learnerId: string
  /** The learner's name (null until tutoring has heard of the learner). */
  learnerName: string | null
  startsAt: string
  endsAt: string
  minutes: number
  status: BookingStatus
  trial: boolean
  mode: string
  paidWith: string
  priceMinor: number
  currency: string
  productRef: string
  holdExpiresAt: string | null
  orderId: string | null
  meetingUrl: string | null
  note: string
  confirmedAt: string | null
  completedAt: string | null
  /** When the tutor reported that the learner did not come (the lesson then completed). */
  learnerNoShowAt: string | null
  cancelledAt: string | null
  cancelledBy: string | null
  cancelReason: string | null
  refundPercent: number | null
  rescheduleCount: number
  createdAt: string
}

export interface HoldAnswer {
  booking: Booking
  checkout: { productType: string; productRef: string; reference: string } | null
}

export interface CancellationQuote {
  bookingId: string
  allowed: boolean
  reason: string
  refundPercent: number | null
  refundMinor: number | null
  currency: string
  paidWith: string
  creditReturned: boolean
  freeCancelUntil: string
  lateCancelRefundPercent: number
}

/** `GET /tutoring/booking-policy`: the deployment's booking rules. */
export interface BookingPolicy {
  holdMinutes: number
  minNoticeHours: number
  horizonDays: number
  freeCancelHours: number
  lateCancelRefundPercent: number
  noShowGraceMinutes: number
  noShowReportHours: number
  autoCompleteHours: number
}

export interface Credit {
  id: string
  tutorUserId: string
  minutes: number
  lessonsTotal: number
  lessonsUsed: number
  lessonsLeft: number
}

interface Page<T> {
  items: T[]
  nextCursor: string | null
}

const enc = encodeURIComponent

/** Tutoring's API (profiles, search, availability, slots, bookings, calendar). */
export const tutoringApi = {
  search: (query: TutorSearchQuery & { cursor?: string; limit?: number }, signal?: AbortSignal) =>
    api.request<Page<TutorCard> & { sort: string }>('/tutoring/tutors', { query: { ...query }, signal }),
  tutor: (id: string, orgId?: string) =>
    api.request<TutorProfile>(`/tutoring/tutors/${enc(id)}`, { query: { orgId } }),
  slots: (
    id: string,
    q: { minutes: number; from: string; to: string; timeZone: string; orgId?: string },
    signal?: AbortSignal,
  ) =>
    api.request<{ tutorId: string; minutes: number; timeZone: string; slots: Slot[] }>(
      `/tutoring/tutors/${enc(id)}/slots`,
      { query: { ...q }, signal },
    ),

  myProfile: () => api.request<TutorProfile>('/tutoring/tutors/me'),
  saveProfile: (body: ProfileInput & { revision?: number }) =>
    api.request<TutorProfile>('/tutoring/tutors/me', { method: 'PUT', body }),
  list: () => api.request<TutorProfile>('/tutoring/tutors/me/list', { body: {} }),
  unlist: () => api.request<TutorProfile>('/tutoring/tutors/me/unlist', { body: {} }),
  requestVerification: () => api.request<TutorProfile>('/tutoring/tutors/me/verification', { body: {} }),

  myAvailability: () => api.request<Availability>('/tutoring/tutors/me/availability'),
  saveWeekly: (weekly: WeeklyWindow[]) =>
    api.request<Availability>('/tutoring/tutors/me/availability', { method: 'PUT', body: { weekly } }),
  addException: (body: {
    kind: 'available' | 'unavailable'
    startsAt: string
    endsAt: string
    note?: string
  }) => api.request<AvailabilityException>('/tutoring/tutors/me/availability/exceptions', { body }),
  deleteException: (id: string) =>
    api.request<void>(`/tutoring/tutors/me/availability/exceptions/${enc(id)}`, { method: 'DELETE' }),

  hold: (body: {
    tutorId: string
    startsAt: string
    minutes: number
    trial?: boolean
    payWith: 'checkout' | 'credit'
  }) => api.request<HoldAnswer>('/tutoring/bookings', { body }),
  bookings: (q: {
    role?: 'learner' | 'tutor'
    when?: 'upcoming' | 'past'
    cursor?: string
    limit?: number
  }) => api.request<Page<Booking>>('/tutoring/bookings', { query: { ...q } }),
  booking: (id: string) => api.request<Booking>(`/tutoring/bookings/${enc(id)}`),
  confirm: (id: string) => api.request<Booking>(`/tutoring/bookings/${enc(id)}/confirm`, { body: {} }),
  complete: (id: string) => api.request<Booking>(`/tutoring/bookings/${enc(id)}/complete`, { body: {} }),
  cancellation: (id: string) => api.request<CancellationQuote>(`/tutoring/bookings/${enc(id)}/cancellation`),
  policy: () => api.request<BookingPolicy>('/tutoring/booking-policy'),
  cancel: (id: string, reason?: string) =>
    api.request<Booking>(`/tutoring/bookings/${enc(id)}/cancel`, { body: reason ? { reason } : {} }),
  reschedule: (id: string, startsAt: string) =>
    api.request<Booking>(`/tutoring/bookings/${enc(id)}/reschedule`, { body: { startsAt } }),
  noShow: (id: string) => api.request<Booking>(`/tutoring/bookings/${enc(id)}/no-show`, { body: {} }),
  dispute: (id: string, reason: string) =>
    api.request<{ booking: Booking }>(`/tutoring/bookings/${enc(id)}/disputes`, { body: { reason } }),
  credits: () => api.request<{ items: Credit[] }>('/tutoring/credits'),

  feed: () => api.request<{ active: boolean; createdAt: string | null }>('/tutoring/calendar/feed'),
  createFeed: () => api.request<{ url: string; createdAt: string }>('/tutoring/calendar/feed', { body: {} }),
  revokeFeed: () => api.request<void>('/tutoring/calendar/feed', { method: 'DELETE' }),
  /** The lesson as an .ics text (the route needs the bearer token, so it is fetched, then saved). */
  bookingIcs: (id: string) => api.request<string>(`/tutoring/calendar/bookings/${enc(id)}.ics`),
}

export interface CartLine {
  priceId: string
  productType: string
  productRef: string
  title: string
  reference: string | null
  totalMinor: number
  available: boolean
}
export interface Cart {
  id: string | null
  currency: string | null
  items: CartLine[]
  totalMinor: number
}
/** Commerce calls the tutoring pages make: lesson prices, the cart line of a hold, checkout (earnings: `earnings.ts`). */
export const tutoringCommerce = {
  lessonPrice: (productRef: string, orgId?: string) =>
    api.request<{
      product: { id: string; title: string; active: boolean }
      prices: { id: string; currency: string; unitAmountMinor: number; active: boolean }[]
    }>('/commerce/prices', { query: { productType: 'tutoring_lesson', ref: productRef, orgId } }),
  cart: () => api.request<Cart>('/commerce/cart'),
  addToCart: (priceId: string, reference: string) =>
    api.request<Cart>('/commerce/cart/items', { body: { priceId, quantity: 1, reference } }),
  removeFromCart: (priceId: string, reference: string) =>
    api.request<Cart>(`/commerce/cart/items/${enc(priceId)}`, { method: 'DELETE', query: { reference } }),
  checkout: (idempotencyKey: string) =>
    api.request<{ id: string; status: string; totalMinor: number; currency: string }>('/commerce/checkout', {
      body: {},
      headers: { 'idempotency-key': idempotencyKey },
    }),
}
