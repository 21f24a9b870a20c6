import { useSyncExternalStore } from 'react'
import type { AppNotification } from '../../api/chat.ts'

/** The bell's state: the unread count (null until loaded) and the latest notifications. */
export interface BellState {
  count: number | null
  latest: AppNotification[]
}

export const LATEST = 6

/** Loaded from the server: the truth, replacing what was counted live. */
export function loaded(
  _state: BellState,
  page: { unreadCount: number; items: AppNotification[] },
): BellState {
  return { count: page.unreadCount, latest: page.items.slice(0, LATEST) }
}

/** A live `notification:new`: counted once however often it arrives (reconnects, two tabs' refetches). */
export function received(state: BellState, n: AppNotification): BellState {
  if (state.latest.some((l) => l.id === n.id)) return state
  const count = state.count === null ? null : state.count + (n.read ? 0 : 1)
  return { count, latest: [n, ...state.latest].slice(0, LATEST) }
}

/** One notification marked read (here or on the notifications page); `wasUnread` when it was unread. */
export function markedRead(state: BellState, id: string, wasUnread: boolean): BellState {
  const inLatest = state.latest.find((l) => l.id === id)
  const lowers = inLatest ? !inLatest.read : wasUnread
  return {
    count: state.count === null ? null : Math.max(0, state.count - (lowers ? 1 : 0)),
    latest: state.latest.map((l) => (l.id === id ? { ...l, read: true } : l)),
  }
}

export function markedAllRead(state: BellState): BellState {
  return { count: state.count === null ? null : 0, latest: state.latest.map((l) => ({ ...l, read: true })) }
}

/** A tiny store shared by the bell and the notifications page. */
function createBellStore() {
  let state: BellState = { count: null, latest: [] }
  const listeners = new Set<() => void>()
  return {
    get: () => state,
    update(fn: (s: BellState) => BellState) {
      const next = fn(state)
      if (next === state) return
      state = next
      for (const l of [...listeners]) l()
    },
    reset() {
      state = { count: null, latest: [] }
      for (const l of [...listeners]) l()
    },
    subscribe(l: () => void) {
      listeners.add(l)
      return () => listeners.delete(l)
    },
  }
}

export const bell = createBellStore()

export function useBell(): BellState {
  return useSyncExternalStore(bell.subscribe, bell.get, bell.get)
}
