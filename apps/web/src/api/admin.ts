import { api } from './client.ts'
import type { Money, User } from './endpoints.ts'

/** Typed calls of the account, organization-admin and platform-admin pages (areas/admin). */

export type Role = 'learner' | 'instructor' | 'tutor' | 'org_admin'
export const ROLES: { value: Role; label: string }[] = [
  { value: 'learner', label: 'Learner' },
  { value: 'instructor', label: 'Instructor' },
  { value: 'tutor', label: 'Tutor' },
  { value: 'org_admin', label: 'Organization admin' },
]

export interface AdminUser extends User {
  createdAt: string
}
export interface SessionInfo {
  id: string
  orgId: string
  method: string
  userAgent: string | null
  ip: string | null
  createdAt: string
  lastUsedAt: string
  expiresAt: string
  current: boolean
}
export interface TotpEnrolment {
  secret: string
  otpauthUri: string
  qrCodeDataUrl: string
}
export interface Member {
  userId: string
  email: string
  displayName: string
  roles: string[]
  joinedAt: string
}
export interface Invitation {
  id: string
  orgId: string
  email: string
  roles: string[]
  invitedBy: string
  expiresAt: string
  createdAt: string
}
export interface MyOrg {
  id: string
  slug: string
  name: string
  roles: string[]
  current: boolean
}
export interface AdminUserDetail {
  user: AdminUser
  status: string
  liveSessions: number
  memberships: { orgId: string; orgName: string; roles: string[] }[]
}
export interface Order {
  id: string
  userId: string
  status: string
  currency: string
  subtotalMinor: number
  discountMinor: number
  taxMinor: number
  totalMinor: number
  refundedMinor: number
  couponCodes: string[]
  createdAt: string
  paidAt: string | null
  /** Number of lines. */
  itemCount: number
  /** Titles of the first lines (at most 5), in checkout order. */
  itemTitles: string[]
}
export interface Refund {
  id: string
  orderId: string
  amountMinor: number
  reason: string
  status: string
  createdAt: string
}
export interface OrderDetail extends Order {
  items: { id: string; title: string; amountMinor: number; refundedMinor: number; quantity: number }[]
  refunds: Refund[]
}
export interface Dispute {
  id: string
  bookingId: string
  openedBy: string
  reason: string
  status: string
  resolution: string | null
  refundPercent: number | null
  resolvedBy: string | null
  resolutionNote: string | null
  createdAt: string
  resolvedAt: string | null
}
export interface TutorProfile {
  id: string
  userId: string
  displayName: string
  headline: string
  bio: string
  hourlyRate: Money
  subjects: { subject: string; levels: string[] }[]
  languages: string[]
  verified: boolean
  createdAt: string
}
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}
export interface IdentityKpis {
  from: string
  to: string
  totalUsers: number
  daily: { date: string; signups: number }[]
}
export interface CommerceKpis {
  from: string
  to: string
  daily: { date: string; orders: number; paidOrders: number }[]
  revenue: {
    currency: string
    totalMinor: number
    refundedMinor: number
    daily: { date: string; amountMinor: number }[]
  }[]
}
export interface LearningKpis {
  from: string
  to: string
  daily: { date: string; enrollments: number; completions: number }[]
}
export interface TutoringKpis {
  from: string
  to: string
  daily: { date: string; lessons: number; completed: number }[]
  openDisputes: number
  pendingVerifications: number
}

const enc = encodeURIComponent

export const account = {
  updateProfile: (displayName: string) =>
    api.request<User>('/identity/me', { method: 'PATCH', body: { displayName } }),
  changePassword: (currentPassword: string, newPassword: string) =>
    api.request<void>('/identity/me/password', { body: { currentPassword, newPassword } }),
  sessions: () => api.request<{ items: SessionInfo[] }>('/identity/sessions'),
  revokeSession: (id: string) => api.request<void>(`/identity/sessions/${enc(id)}`, { method: 'DELETE' }),
  startTotp: () => api.request<TotpEnrolment>('/identity/me/2fa/totp', { body: {} }),
  confirmTotp: (code: string) =>
    api.request<{ recoveryCodes: string[] }>('/identity/me/2fa/totp/confirm', { body: { code } }),
  disableTotp: (body: { password: string; code?: string; recoveryCode?: string }) =>
    api.request<void>('/identity/me/2fa/totp', { method: 'DELETE', body }),
  newRecoveryCodes: (code: string) =>
    api.request<{ recoveryCodes: string[] }>('/identity/me/2fa/recovery-codes', { body: { code } }),
}

export const orgAdmin = {
  myOrgs: () => api.request<{ items: MyOrg[] }>('/identity/orgs'),
  members: (orgId: string, after?: string) =>
    api.request<Page<Member>>(`/identity/orgs/${enc(orgId)}/members`, { query: { limit: 100, after } }),
  changeRoles: (orgId: string, userId: string, roles: string[]) =>
    api.request<{ orgId: string; userId: string; roles: string[] }>(
      `/identity/orgs/${enc(orgId)}/members/${enc(userId)}`,
      { method: 'PATCH', body: { roles } },
    ),
  removeMember: (orgId: string, userId: string) =>
    api.request<void>(`/identity/orgs/${enc(orgId)}/members/${enc(userId)}`, { method: 'DELETE' }),
  invitations: (orgId: string) =>
    api.request<{ items: Invitation[] }>(`/identity/orgs/${enc(orgId)}/invitations`),
  invite: (orgId: string, email: string, roles: string[]) =>
    api.request<Invitation>(`/identity/orgs/${enc(orgId)}/invitations`, { body: { email, roles } }),
  revokeInvitation: (orgId: string, id: string) =>
    api.request<void>(`/identity/orgs/${enc(orgId)}/invitations/${enc(id)}`, { method: 'DELETE' }),
}

export const platformAdmin = {
  users: (email: string, after?: string) =>
    api.request<Page<AdminUser>>('/identity/admin/users', { query: { email, after, limit: 50 } }),
  user: (userId: string) => api.request<AdminUserDetail>(`/identity/admin/users/${enc(userId)}`),
  setUserStatus: (userId: string, action: 'disable' | 'enable') =>
    api.request<AdminUserDetail>(`/identity/admin/users/${enc(userId)}/${action}`, { body: {} }),
  orders: (status: string | undefined, after?: string) =>
    api.request<Page<Order>>('/commerce/orders', { query: { status, after, limit: 50 } }),
  order: (orderId: string) => api.request<OrderDetail>(`/commerce/orders/${enc(orderId)}`),
  refund: (orderId: string, body: { amountMinor?: number; reason: string }, key: string) =>
    api.request<{ refund: Refund; order: Order }>(`/commerce/orders/${enc(orderId)}/refunds`, {
      body,
      headers: { 'idempotency-key': key },
    }),
  disputes: (status: string | undefined, cursor?: string) =>
    api.request<Page<Dispute>>('/tutoring/disputes', { query: { status, cursor, limit: 50 } }),
  resolveDispute: (
    id: string,
    body: { resolution: 'refund' | 'release' | 'split'; refundPercent?: number; note?: string },
  ) => api.request<{ dispute: Dispute }>(`/tutoring/disputes/${enc(id)}/resolve`, { body }),
  reviewQueue: () =>
    api.request<{ items: TutorProfile[] }>('/tutoring/tutors/review-queue', { query: { limit: 50 } }),
  verifyTutor: (tutorId: string, note?: string) =>
    api.request<TutorProfile>(`/tutoring/tutors/${enc(tutorId)}/verify`, { body: note ? { note } : {} }),
  rejectTutor: (tutorId: string, note?: string) =>
    api.request<TutorProfile>(`/tutoring/tutors/${enc(tutorId)}/reject`, { body: note ? { note } : {} }),
  kpis: {
    identity: (days: number) => api.request<IdentityKpis>('/identity/admin/kpis', { query: { days } }),
    commerce: (days: number) => api.request<CommerceKpis>('/commerce/admin/kpis', { query: { days } }),
    learning: (days: number) => api.request<LearningKpis>('/learning/admin/kpis', { query: { days } }),
    tutoring: (days: number) => api.request<TutoringKpis>('/tutoring/admin/kpis', { query: { days } }),
  },
}

/** A role's label (`org_admin` → its name in ROLES); an unknown role as it is. */
export function roleLabel(role: string): string {
  return ROLES.find((r) => r.value === role)?.label ?? role
}
