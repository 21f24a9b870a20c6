import type { ChatMessage } from '../../api/chat.ts'

/** A message on screen: a stored one, or one of mine still on its way (`pending`) or refused (`failed`). */
export interface ViewMessage extends ChatMessage {
  pending?: boolean
  /** Why the send was refused (the problem's detail); the message can be retried. */
  failed?: string
}

/** The id a message of mine has on screen until the server stores it. */
export const pendingId = (clientMessageId: string) => `pending:${clientMessageId}`

const isPending = (m: ViewMessage) => m.id.startsWith('pending:')
const ts = (s: string | null) => (s ? Date.parse(s) : 0)

/** Of two copies of one message, the most recent state: a delete is final, then the latest edit wins. */
function latest(a: ViewMessage, b: ViewMessage): ViewMessage {
  if (a.deletedAt && !b.deletedAt) return a
  if (b.deletedAt && !a.deletedAt) return b
  return ts(b.editedAt) >= ts(a.editedAt) ? b : a
}

/**
 * Merges messages into the list shown, whatever order and however often they arrive (history pages,
 * live `message:new`, replays after a reconnect, acks): one entry per id, a stored message replaces
 * my pending copy with the same client message id, the newest state of an edited or deleted message
 * wins, stored messages in id order (= creation order) followed by my pending ones.
 */
export function mergeMessages(
  current: readonly ViewMessage[],
  incoming: readonly ViewMessage[],
): ViewMessage[] {
  const byId = new Map<string, ViewMessage>()
  const pending = new Map<string, ViewMessage>()
  const add = (m: ViewMessage) => {
    if (isPending(m)) {
      pending.set(`${m.senderId}\u0000${m.clientMessageId}`, m)
      return
    }
    const had = byId.get(m.id)
    byId.set(m.id, had ? latest(had, m) : m)
  }
  for (const m of current) add(m)
  for (const m of incoming) add(m)
  for (const m of byId.values()) pending.delete(`${m.senderId}\u0000${m.clientMessageId}`)
  const stored = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return [...stored, ...pending.values()]
}

/** Applies `message:deleted { id, deletedAt }`: the message keeps its place, emptied. */
export function applyDeleted(current: readonly ViewMessage[], id: string, deletedAt: string): ViewMessage[] {
  return current.map((m) => (m.id === id ? { ...m, body: '', attachments: [], deletedAt } : m))
}

/** The newest stored message id (what `read` and `resume` use). */
export function newestId(list: readonly ViewMessage[]): string | null {
  for (let i = list.length - 1; i >= 0; i--) if (!isPending(list[i]!)) return list[i]!.id
  return null
}
