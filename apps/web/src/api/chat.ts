import { api } from './client.ts'

// Typed calls of communication's chat, notifications and web push (see services/communication/README.md).

export interface Attachment {
  kind: string
  ref: string
  name: string
  size: number
}

export interface ChatMessage {
  id: string
  conversationId: string
  senderId: string
  clientMessageId: string
  /** Empty once deleted. */
  body: string
  attachments: Attachment[]
  createdAt: string
  editedAt: string | null
  deletedAt: string | null
  /** `system`: written by chat about a group change ("Ann added Bob"; the body says it). Older servers: absent. */
  kind?: 'user' | 'system'
  /** System messages: what happened. */
  event?: {
    type: string
    actor: { userId: string; displayName: string | null }
    users: { userId: string; displayName: string | null }[]
    title?: string
    role?: string
  } | null
}

/** owner and admins manage a group; instructors are a course channel's teachers. */
export type ParticipantRole = 'owner' | 'admin' | 'member' | 'instructor'

export interface Participant {
  userId: string
  displayName: string | null
  lastReadMessageId: string | null
  /** Older servers leave it out. */
  role?: ParticipantRole
  joinedAt?: string
}

export interface Conversation {
  id: string
  kind: 'direct' | 'group' | 'course'
  title: string | null
  courseId: string | null
  participantIds: string[]
  /** Names and read marks (older servers may leave it out). */
  participants?: Participant[]
  unreadCount: number
  lastMessageId: string | null
  lastReadMessageId: string | null
  createdAt: string
}

/** Why someone is among the people I can message. */
export interface ContactReason {
  /** your_tutor, your_learner, instructor, course_learner, conversation, listed_tutor, organization. */
  kind: string
  course: string | null
  /** In words: "Your tutor", "Instructor of Algebra I". */
  label: string
}

/** Someone I may start a conversation with. */
export interface Contact {
  userId: string
  displayName: string
  reasons: ContactReason[]
}

export interface ContactPage {
  items: Contact[]
  nextCursor: string | null
}

export interface HistoryPage {
  items: ChatMessage[]
  nextCursor: string | null
}

export interface AppNotification {
  id: string
  type: string
  title: string
  body: string
  link: string | null
  priority: 'high' | 'normal' | 'low'
  read: boolean
  createdAt: string
}

export interface NotificationPage {
  items: AppNotification[]
  nextCursor: string | null
  unreadCount: number
}

export interface NotificationPreference {
  type: string
  label: string
  category: string
  priority: string
  required: boolean
  inApp: boolean
  email: boolean
  push: boolean
}

export interface NotificationSettings {
  timeZone: string
  quietHoursStart: string | null
  quietHoursEnd: string | null
  digestHour: number
  emailOptOut: boolean
}

export interface PreferencesResponse {
  preferences: NotificationPreference[]
  settings: NotificationSettings
}

export interface PreferencesUpdate {
  preferences?: { type: string; inApp?: boolean; email?: boolean; push?: boolean }[]
  settings?: Partial<NotificationSettings>
}

export interface PushSubscriptionJson {
  endpoint: string
  expirationTime: number | null
  keys: { p256dh: string; auth: string }
}

const c = (id: string) => `/communication/conversations/${encodeURIComponent(id)}`

export const chat = {
  conversations: (signal?: AbortSignal) =>
    api.request<{ items: Conversation[] }>('/communication/conversations', { signal }),
  /** The people I may message, by name (`q`: part of the name). */
  contacts: (q: { q?: string; cursor?: string; limit?: number } = {}, signal?: AbortSignal) =>
    api.request<ContactPage>('/communication/contacts', {
      query: { q: q.q || undefined, cursor: q.cursor, limit: q.limit ?? 20 },
      signal,
    }),
  openDirect: (userId: string) =>
    api.request<Conversation>('/communication/conversations/direct', { method: 'POST', body: { userId } }),
  createGroup: (title: string, memberIds: string[]) =>
    api.request<Conversation>('/communication/conversations/group', {
      method: 'POST',
      body: { title, memberIds },
    }),
  /** One conversation I am in, with its participants' names and roles (404 otherwise). */
  conversation: (id: string, signal?: AbortSignal) => api.request<Conversation>(c(id), { signal }),
  /** Group owner and admins. */
  rename: (id: string, title: string) =>
    api.request<Conversation>(c(id), { method: 'PATCH', body: { title } }),
  /** Group owner and admins; each one of my contacts; those already in it are skipped. */
  addParticipants: (id: string, userIds: string[]) =>
    api.request<Conversation>(`${c(id)}/participants`, { method: 'POST', body: { userIds } }),
  /** Group owner (anyone) and admins (members). */
  removeParticipant: (id: string, userId: string) =>
    api.request<undefined>(`${c(id)}/participants/${encodeURIComponent(userId)}`, { method: 'DELETE' }),
  /** Group owner: `admin`, `member`, or `owner` (hands the group over). */
  setRole: (id: string, userId: string, role: 'owner' | 'admin' | 'member') =>
    api.request<Conversation>(`${c(id)}/participants/${encodeURIComponent(userId)}`, {
      method: 'PATCH',
      body: { role },
    }),
  leave: (id: string) => api.request<undefined>(`${c(id)}/leave`, { method: 'POST' }),
  history: (id: string, before?: string, limit = 30, signal?: AbortSignal) =>
    api.request<HistoryPage>(`${c(id)}/messages`, { query: { before, limit }, signal }),
  send: (id: string, body: string, clientMessageId: string) =>
    api.request<ChatMessage>(`${c(id)}/messages`, { method: 'POST', body: { body, clientMessageId } }),
  edit: (id: string, messageId: string, body: string) =>
    api.request<ChatMessage>(`${c(id)}/messages/${encodeURIComponent(messageId)}`, {
      method: 'PATCH',
      body: { body },
    }),
  remove: (id: string, messageId: string) =>
    api.request<ChatMessage>(`${c(id)}/messages/${encodeURIComponent(messageId)}`, { method: 'DELETE' }),
  read: (id: string, messageId: string) =>
    api.request<{ lastReadMessageId: string | null; unreadCount: number }>(`${c(id)}/read`, {
      method: 'POST',
      body: { messageId },
    }),
}

export const notifications = {
  list: (q: { unread?: boolean; before?: string; limit?: number } = {}, signal?: AbortSignal) =>
    api.request<NotificationPage>('/communication/notifications', {
      query: { unread: q.unread || undefined, before: q.before, limit: q.limit ?? 20 },
      signal,
    }),
  unreadCount: (signal?: AbortSignal) =>
    api.request<{ unreadCount: number }>('/communication/notifications/unread-count', { signal }),
  markRead: (id: string) =>
    api.request<unknown>(`/communication/notifications/${encodeURIComponent(id)}/read`, {
      method: 'POST',
    }),
  markAllRead: () => api.request<unknown>('/communication/notifications/read-all', { method: 'POST' }),
  preferences: (signal?: AbortSignal) =>
    api.request<PreferencesResponse>('/communication/notifications/preferences', { signal }),
  updatePreferences: (body: PreferencesUpdate) =>
    api.request<PreferencesResponse>('/communication/notifications/preferences', { method: 'PUT', body }),
}

export const push = {
  vapidPublicKey: () =>
    api.request<{ publicKey: string }>('/communication/push/vapid-public-key', { anonymous: true }),
  subscriptions: () =>
    api.request<{ items: { id: string; endpoint?: string; createdAt?: string }[] }>(
      '/communication/push/subscriptions',
    ),
  subscribe: (subscription: PushSubscriptionJson) =>
    api.request<{ id: string }>('/communication/push/subscriptions', { method: 'POST', body: subscription }),
  unsubscribe: (id: string) =>
    api.request<unknown>(`/communication/push/subscriptions/${encodeURIComponent(id)}`, { method: 'DELETE' }),
}
