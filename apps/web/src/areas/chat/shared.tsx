import { Anchor, Text } from '@mantine/core'
import { useSyncExternalStore } from 'react'
import { Link } from 'react-router'
import type { Conversation } from '../../api/chat.ts'
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
