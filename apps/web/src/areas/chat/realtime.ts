import type { Socket } from 'socket.io-client'
import { api } from '../../api/client.ts'
import type { ChatMessage } from '../../api/chat.ts'
import type { Problem } from '../../api/problem.ts'

/** An acknowledgement of a client → server event: `{ ok: true, … }` or `{ ok: false, error }`. */
export type Ack<T> = ({ ok: true } & T) | { ok: false; error: Problem }

export type RealtimeStatus = 'idle' | 'connecting' | 'connected' | 'offline'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (payload: any) => void

/** A message id is `msg_` + a UUIDv7 in hex: string order is creation order. */
export const newer = (a: string | null | undefined, b: string | null | undefined): boolean =>
  !!a && (!b || a > b)

/**
 * The one Socket.IO connection of a signed-in tab (communication's realtime, through the gateway at
 * `/api/communication/socket.io/`). socket.io-client is imported dynamically on `start()`, so it is
 * never part of the shell's JavaScript. The access token is read on every (re)connect; an expired or
 * refused token is refreshed through the API client and the connection retried. After every
 * (re)connect it sends `resume` with the last message id seen per conversation and replays what was
 * missed as `message:new` events, so nothing is lost across a reconnect.
 */
export class Realtime {
  status: RealtimeStatus = 'idle'
  /** The newest message id seen per conversation (what `resume` asks after). */
  readonly lastSeen = new Map<string, string>()
  private socket: Socket | undefined
  private starting: Promise<void> | undefined
  private handlers = new Map<string, Set<Handler>>()
  private statusListeners = new Set<() => void>()
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private stopped = true
  private readonly load: () => Promise<typeof import('socket.io-client')>

  constructor(load: () => Promise<typeof import('socket.io-client')> = () => import('socket.io-client')) {
    this.load = load
  }

  /** Connects (once); later calls are no-ops while connected or connecting. */
  start(): Promise<void> {
    this.stopped = false
    this.starting ??= this.open().catch(() => {
      this.starting = undefined
      this.setStatus('offline')
    })
    return this.starting
  }

  /** Disconnects and forgets everything (sign-out). */
  stop(): void {
    this.stopped = true
    clearTimeout(this.retryTimer)
    this.socket?.removeAllListeners()
    this.socket?.disconnect()
    this.socket = undefined
    this.starting = undefined
    this.lastSeen.clear()
    this.setStatus('idle')
  }

  /** Listens to a server event (and the local `resumed` event); returns the unsubscribe function. */
  on(event: string, handler: Handler): () => void {
    const set = this.handlers.get(event) ?? new Set()
    set.add(handler)
    this.handlers.set(event, set)
    return () => set.delete(handler)
  }

  onStatus(listener: () => void): () => void {
    this.statusListeners.add(listener)
    return () => this.statusListeners.delete(listener)
  }

  get connected(): boolean {
    return this.socket?.connected ?? false
  }

  /** Emits with an acknowledgement; rejects when not connected or after `timeoutMs`. */
  async emit<T>(event: string, payload: unknown, timeoutMs = 10_000): Promise<Ack<T>> {
    if (!this.socket?.connected) throw new Error('not connected')
    return (await this.socket.timeout(timeoutMs).emitWithAck(event, payload)) as Ack<T>
  }

  /** Remembers that `messageId` was seen in `conversationId` (only moves forward). */
  noteSeen(conversationId: string, messageId: string): void {
    if (newer(messageId, this.lastSeen.get(conversationId))) this.lastSeen.set(conversationId, messageId)
  }

  /** Delivers an event to local listeners (server events, replays, tests). */
  dispatch(event: string, payload: unknown): void {
    if (event === 'message:new') {
      const m = payload as ChatMessage
      if (m?.conversationId && m.id) this.noteSeen(m.conversationId, m.id)
    }
    for (const h of [...(this.handlers.get(event) ?? [])]) {
      try {
        h(payload)
      } catch {
        // a listener's bug must not break the others
      }
    }
  }

  private setStatus(status: RealtimeStatus) {
    if (this.status === status) return
    this.status = status
    for (const l of [...this.statusListeners]) l()
  }

  private async open(): Promise<void> {
    this.setStatus('connecting')
    const { io } = await this.load()
    if (this.stopped) return
    if (!api.tokens.access() && api.tokens.signedIn()) await api.refresh()
    const socket = io({
      path: '/api/communication/socket.io/',
      // WebSocket only: communication's socket server offers no long-polling (a cluster has no
      // sticky sessions, which polling needs); services/communication/docs/chat.md, "Socket server"
      transports: ['websocket'],
      auth: (cb) => cb({ token: api.tokens.access() ?? '' }),
    })
    this.socket = socket
    socket.onAny((event: string, payload: unknown) => this.dispatch(event, payload))
    socket.on('ready', () => {
      this.setStatus('connected')
      void this.resume()
    })
    socket.on('disconnect', (reason) => {
      if (this.stopped) return
      this.setStatus('offline')
      // The server cut us (token expired): socket.io will not retry on its own.
      if (reason === 'io server disconnect') this.retry(500)
    })
    socket.on('connect_error', () => {
      if (this.stopped) return
      this.setStatus('offline')
      // A refused handshake (unauthenticated/invalid_token) is not retried by socket.io itself.
      if (!socket.active) this.retry(1000)
    })
  }

  private retry(delayMs: number) {
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => {
      void (async () => {
        if (this.stopped || !this.socket) return
        const ok = api.tokens.signedIn() ? await api.refresh() : false
        if (this.stopped || !this.socket) return
        if (!ok && !api.tokens.access()) {
          this.retry(Math.min(delayMs * 2, 30_000))
          return
        }
        this.socket.connect()
      })()
    }, delayMs)
  }

  /** Asks for everything after the last seen message of each conversation and replays it. */
  private async resume() {
    const conversations = [...this.lastSeen].map(([conversationId, lastMessageId]) => ({
      conversationId,
      lastMessageId,
    }))
    if (conversations.length) {
      try {
        const ack = await this.emit<{
          conversations: { conversationId: string; messages: ChatMessage[]; more: boolean }[]
        }>('resume', { conversations })
        if (ack.ok) {
          for (const c of ack.conversations) {
            for (const m of c.messages) this.dispatch('message:new', m)
            if (c.more) this.dispatch('resume:gap', { conversationId: c.conversationId })
          }
        }
      } catch {
        // disconnected again: the next ready resumes
      }
    }
    this.dispatch('resumed', {})
  }
}

/** The app's connection. */
export const realtime = new Realtime()
