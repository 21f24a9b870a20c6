import type { Envelope } from '@learnmesh/contracts'

/** A transport moves envelopes from relays to consumers. */
export interface Transport {
  /** Publishes a batch in order; resolves when the transport has accepted all of them. */
  publish(envelopes: Envelope[]): Promise<void>
  /** Registers a consumer for event types; `handle` must be idempotent (the inbox makes it so). */
  subscribe(consumer: string, types: string[], handle: (envelope: Envelope) => Promise<void>): void
  close(): Promise<void>
  /** Throws when the transport cannot currently reach its broker: used by `/ready`. Optional. */
  check?(): Promise<void>
}

/**
 * Thrown by a consumer when retrying cannot help (the payload does not match its schema, the
 * envelope is malformed): transports dead-letter the message at once instead of retrying it.
 */
export class PermanentEventError extends Error {
  override readonly name = 'PermanentEventError'
}

/** True when `err` says a delivery must not be retried. */
export function isPermanentEventError(err: unknown): boolean {
  return (
    err instanceof PermanentEventError || (err as { name?: unknown } | null)?.name === 'PermanentEventError'
  )
}

/**
 * The embedded transport: delivery inside one process, still at least once and still through
 * each service's outbox and inbox, so semantics match the broker. A failing handler is retried
 * with back-off up to `maxAttempts`, then recorded as dead-lettered in memory (issue 3 adds the
 * broker's dead-letter queues). Each consumer sees events one at a time in publish order.
 */
export function createInProcessTransport(
  options: {
    maxAttempts?: number
    onDeadLetter?: (consumer: string, e: Envelope, err: unknown) => void
  } = {},
): Transport {
  // Each consumer gets its events one at a time, in publish order, like a single-consumer queue.
  const subs: {
    consumer: string
    types: Set<string>
    handle: (e: Envelope) => Promise<void>
    tail: Promise<void>
  }[] = []
  const pending = new Set<Promise<void>>()
  let closed = false
  const maxAttempts = options.maxAttempts ?? 5

  async function deliver(sub: (typeof subs)[number], envelope: Envelope): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await sub.handle(envelope)
        return
      } catch (err) {
        if (attempt >= maxAttempts || closed || isPermanentEventError(err)) {
          options.onDeadLetter?.(sub.consumer, envelope, err)
          return
        }
        await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 2000)))
      }
    }
  }

  return {
    async publish(envelopes) {
      for (const envelope of envelopes) {
        for (const sub of subs) {
          if (!sub.types.has(envelope.type)) continue
          const p = sub.tail.then(() => deliver(sub, envelope)).finally(() => pending.delete(p))
          sub.tail = p
          pending.add(p)
        }
      }
    },
    subscribe(consumer, types, handle) {
      subs.push({ consumer, types: new Set(types), handle, tail: Promise.resolve() })
    },
    async close() {
      closed = true
      await Promise.allSettled([...pending])
    },
  }
}
