import { eq } from 'drizzle-orm'
import type { Redis } from 'ioredis'
import type { Database, Logger } from '@learnmesh/kernel'
import { notifications } from '../db/schema.ts'
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiter } from './rate-limit.ts'
import type { RoomEmitter } from './socket-server.ts'

/** The room of every connection of one user. */
export const userRoom = (userId: string) => `user:${userId}`
/** The room of one conversation. */
export const conversationRoom = (conversationId: string) => `cnv:${conversationId}`

/**
 * Where services and consumers send live events. Created with the deps, before any Socket.IO server
 * exists (embedded mode attaches it to the gateway's HTTP server later); until `attach`, every emit
 * is a no-op. Emits, joins and leaves go through the socket server, so with Redis they reach every replica.
 */
export interface RealtimeHub {
  /** Binds the hub to a Socket.IO server. */
  attach(io: RoomEmitter): void
  /** Emits to every connection of a user. */
  toUser(userId: string, event: string, data: unknown): void
  /** Emits to every connection in a conversation's room. */
  toConversation(conversationId: string, event: string, data: unknown): void
  /** Puts every connection of these users into a conversation's room (they were just added to it). */
  joinConversation(userIds: string[], conversationId: string): void
  /** Takes every connection of these users out of a conversation's room (they were just removed from it). */
  leaveConversation(userIds: string[], conversationId: string): void
  /**
   * A notification was stored inside a transaction that has not committed yet: once it is
   * committed (read back outside the transaction), it is pushed to its user; never if it rolled back.
   */
  notificationStored(notificationId: string): void
  /**
   * Runs `then` once `committed` (a read outside the transaction) sees the transaction's writes;
   * never when it rolled back. For consumers, whose transaction the kernel commits.
   */
  whenCommitted(committed: () => Promise<boolean>, then: () => void): void
  /** Per-user chat rate limit (sends, edits, deletes): in Redis when configured, else in this process. */
  limiter: RateLimiter
  /** Stops pending notification checks and closes the rate limit's Redis connection. */
  close(): void
}

/** Delays (ms) of the read-back that waits for a notification's transaction to commit (~60 s in all). */
const COMMIT_WAITS = [0, 20, 50, 100, 250, 500, 1000, 2000, 4000, 8000, 16_000, 28_000]

/**
 * Builds the hub; `database` is read (outside any transaction) to confirm a notification committed.
 * With `redis`, rate-limit buckets live there (shared by replicas); the hub does not own it.
 */
export function createRealtimeHub(options: {
  database: Database
  logger: Logger
  rate: { burst: number; perSecond: number }
  redis?: Redis
}): RealtimeHub {
  const limiter = options.redis
    ? createRedisRateLimiter(options.redis, {
        ...options.rate,
        prefix: 'learnmesh:communication:chat-rate:',
        logger: options.logger,
      })
    : createMemoryRateLimiter(options.rate)
  let io: RoomEmitter | null = null
  let closed = false
  const timers = new Set<NodeJS.Timeout>()

  function later(ms: number, fn: () => void) {
    const t = setTimeout(() => {
      timers.delete(t)
      fn()
    }, ms)
    t.unref()
    timers.add(t)
  }

  async function poll(committed: () => Promise<boolean>, then: () => void, attempt: number) {
    if (closed) return
    try {
      if (await committed()) return then()
    } catch (err) {
      options.logger.warn({ err }, 'live event after commit failed')
      return
    }
    const wait = COMMIT_WAITS[attempt + 1]
    if (wait === undefined) return // rolled back (or a transaction open for over a minute): nothing to emit
    later(wait, () => void poll(committed, then, attempt + 1))
  }

  function whenCommitted(committed: () => Promise<boolean>, then: () => void) {
    if (!io || closed) return
    later(COMMIT_WAITS[0]!, () => void poll(committed, then, 0))
  }

  return {
    limiter,
    attach(server) {
      io = server
    },
    toUser(userId, event, data) {
      io?.to([userRoom(userId)], event, data)
    },
    toConversation(conversationId, event, data) {
      io?.to([conversationRoom(conversationId)], event, data)
    },
    joinConversation(userIds, conversationId) {
      if (!io || userIds.length === 0) return
      io.roomsJoin(userIds.map(userRoom), conversationRoom(conversationId))
    },
    leaveConversation(userIds, conversationId) {
      if (!io || userIds.length === 0) return
      io.roomsLeave(userIds.map(userRoom), conversationRoom(conversationId))
    },
    whenCommitted,
    notificationStored(id) {
      let row: typeof notifications.$inferSelect | undefined
      whenCommitted(
        async () => {
          ;[row] = await options.database.db
            .select()
            .from(notifications)
            .where(eq(notifications.id, id))
            .limit(1)
          return row !== undefined
        },
        () => {
          if (!row?.inApp) return
          io?.to([userRoom(row.userId)], 'notification:new', {
            id: row.id,
            type: row.type,
            title: row.title,
            body: row.body,
            link: row.link,
            priority: row.priority,
            read: row.readAt !== null,
            createdAt: row.createdAt.toISOString(),
          })
        },
      )
    },
    close() {
      closed = true
      for (const t of timers) clearTimeout(t)
      timers.clear()
    },
  }
}
