import { Alert, Anchor, Text } from '@mantine/core'
import { useSyncExternalStore } from 'react'
import { Link } from 'react-router'
import type { Conversation } from '../../api/chat.ts'
import { ApiError } from '../../api/problem.ts'
import { FormError } from '../../components/FormError.tsx'
import { realtime, type RealtimeStatus } from './realtime.ts'

/** Shown instead of a page that needs a session. */
export function SignInNeeded({ what }: { what: string }) {
  return (
    <Text>
      <Anchor component={Link} to="/signin">
        Sign in
      </Anchor>{' '}
      to see your {what}.
    </Text>
  )
}

export function useRealtimeStatus(): RealtimeStatus {
  return useSyncExternalStore(
    (l) => realtime.onStatus(l),
    () => realtime.status,
    () => realtime.status,
  )
}

/** The name a conversation is shown under: its title, else the other people's names. */
export function conversationName(c: Conversation, myId: string | undefined): string {
  if (c.title) return c.title
  const others = (c.participants ?? c.participantIds.map((userId) => ({ userId, displayName: null })))
    .filter((p) => p.userId !== myId)
    .map((p) => p.displayName ?? 'Someone')
  if (others.length === 0) return 'Only you'
  return others.join(', ')
}

export function nameOf(c: Conversation | undefined, userId: string, myId: string | undefined): string {
  if (userId === myId) return 'You'
  return c?.participants?.find((p) => p.userId === userId)?.displayName ?? 'Someone'
}

export const KIND_LABEL: Record<Conversation['kind'], string> = {
  direct: 'Direct',
  group: 'Group',
  course: 'Course channel',
}

/** A client message id: random, URL-safe (crypto.randomUUID needs a secure context). */
export function clientId(): string {
  const bytes = new Uint8Array(12)
  crypto.getRandomValues(bytes)
  return `web-${Date.now().toString(36)}-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

/** The query of my conversation list. */
export const CONVERSATIONS = ['chat', 'conversations'] as const
/** The query of one conversation (GET /conversations/:id: participants, roles). */
export const conversationKey = (id: string) => ['chat', 'conversation', id] as const

/**
 * The server refuses the conversation: not mine (any more), no such id, or a malformed one in the
 * URL (404, 403, 400). Anything else (offline, 5xx) is worth a retry.
 */
export function isUnavailable(error: unknown): boolean {
  return error instanceof ApiError && [400, 403, 404].includes(error.status)
}

/** Shown instead of a conversation the server refuses (left, removed from it, a wrong link). */
export function ConversationUnavailable() {
  return (
    <Alert color="gray" title="This conversation is not available" role="status">
      <Text size="sm">
        You may have left it or been removed from it, or the link is wrong.{' '}
        <Anchor component={Link} to="/chat">
          Back to your conversations
        </Anchor>
      </Text>
    </Alert>
  )
}

const ROLE_LABEL: Partial<Record<string, string>> = {
  owner: 'Owner',
  admin: 'Admin',
  instructor: 'Instructor',
}

/** A participant's role in words (nothing for plain members). */
export const roleLabel = (role: string | undefined) => (role ? (ROLE_LABEL[role] ?? null) : null)

/** Who my contacts are, in words (the server's rule, services/communication/docs/chat.md). */
export const CONTACT_KINDS =
  'your tutors and learners, the instructors of your courses (instructors: their learners), tutors who offer lessons, and anyone you already have a conversation with'

/** Where I see the people I may message (and start a conversation or a group with them). */
export const CONTACTS_HREF = '/chat/new'

/**
 * The server refused someone who is not (or no longer) one of my contacts: opening a conversation
 * with them, or putting them in a group (`not_found`, `reason: not_a_contact`).
 */
export function isNotAContact(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.problem.reason === 'not_a_contact'
}

/** Why the server refused someone who is not my contact, with the way to the people I can message. */
export function NotAContact({ group = false }: { group?: boolean }) {
  return (
    <Alert
      color="red"
      title={group ? 'Only your contacts can be added to a group' : 'You can only message your contacts'}
      role="alert"
    >
      <Text size="sm">
        Your contacts are {CONTACT_KINDS}.{' '}
        <Anchor component={Link} to={CONTACTS_HREF}>
          See the people you can message
        </Anchor>
      </Text>
    </Alert>
  )
}

/** A chat form's error: a refused non-contact explained (NotAContact), anything else as FormError. */
export function ChatFormError({ error, group = false }: { error: unknown; group?: boolean }) {
  if (isNotAContact(error)) return <NotAContact group={group} />
  return <FormError error={error} />
}
