import { sql } from 'drizzle-orm'
import type { Db, Tx } from './database.ts'

// Waking outbox relays after a commit, without NOTIFY inside the transaction.
//
// A transaction that issues NOTIFY takes PostgreSQL's notification-queue lock (a lock on database 0,
// held from pre-commit until the commit is flushed): every notifying commit in the whole cluster
// waits for the previous one's WAL flush, so they cannot share a group commit. With an event in most
// writes, that lock was the ceiling of every write path under concurrency (200 quiz submissions/s
// queued for ~0.3 s each). So an event write only marks its transaction; when `db.transaction`
// returns (committed), this process's relays of that outbox are woken directly. Only when no relay
// of that outbox runs in this process (a CLI, a producer-only process) is a NOTIFY sent, from the
// pool after the commit, coalesced (one in flight, one more if commits arrived meanwhile): relays
// elsewhere wake at once, and their polling covers a lost one.

/** Channels of outboxes written by each open transaction, by its Drizzle session. */
const written = new WeakMap<object, Set<string>>()

function sessionOf(tx: Tx): object | undefined {
  return (tx as unknown as { session?: object }).session
}

/**
 * Records inside `tx` that it wrote to the outbox of `channel`, so the relays are woken when it
 * commits. Returns false when `tx` did not come from a kernel-opened database's `transaction`
 * (the caller then notifies inside the transaction, the old way).
 */
export function markOutboxWrite(tx: Tx, channel: string): boolean {
  const session = sessionOf(tx)
  const set = session && written.get(session)
  if (!set) return false
  set.add(channel)
  return true
}

/**
 * After-commit wake-ups for one database: patches `db.transaction` to collect the channels its
 * transactions wrote and to wake their listeners once it committed; `notify` reaches relays in other
 * processes when this one has none for a channel.
 */
export function commitWakeups(db: Db, notify: (channel: string) => Promise<unknown>) {
  const listeners = new Map<string, Set<() => void>>()
  const inFlight = new Set<string>()
  const again = new Set<string>()

  function notifyCoalesced(channel: string): void {
    if (inFlight.has(channel)) {
      again.add(channel)
      return
    }
    inFlight.add(channel)
    void notify(channel)
      .catch(() => {
        // Best effort: relays poll as well.
      })
      .finally(() => {
        inFlight.delete(channel)
        if (again.delete(channel)) notifyCoalesced(channel)
      })
  }

  function committed(channels: Set<string>): void {
    for (const channel of channels) {
      const here = listeners.get(channel)
      if (here && here.size > 0) for (const wake of here) wake()
      else notifyCoalesced(channel)
    }
  }

  const original = db.transaction.bind(db) as (
    fn: (tx: Tx) => Promise<unknown>,
    config?: unknown,
  ) => Promise<unknown>
  ;(db as unknown as { transaction: typeof original }).transaction = async (fn, config) => {
    let channels: Set<string> | undefined
    const result = await original(async (tx) => {
      const session = sessionOf(tx)
      channels = new Set()
      if (session) written.set(session, channels)
      return fn(tx)
    }, config)
    if (channels && channels.size > 0) committed(channels)
    return result
  }

  return {
    /** Calls `wake` after every commit (in this process) that wrote to `channel`'s outbox. */
    onOutboxCommit(channel: string, wake: () => void): () => void {
      let set = listeners.get(channel)
      if (!set) listeners.set(channel, (set = new Set()))
      set.add(wake)
      return () => void set.delete(wake)
    },
  }
}

/** The NOTIFY a relay-less process sends after a commit (outside any transaction). */
export const notifySql = (channel: string) => sql`select pg_notify(${channel}, '')`
