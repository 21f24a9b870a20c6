import amqp from 'amqplib'
import type { ChannelModel, ConfirmChannel, GetMessage } from 'amqplib'
import type { Envelope } from '@learnmesh/contracts'
import { AppError } from '../errors.ts'
import {
  attemptHeader,
  deadLetteredAtHeader,
  errorHeader,
  publishConfirmed,
  rabbitNames,
  reasonHeader,
  type RabbitNames,
} from './rabbit.ts'

/** One message in a service's dead-letter queue, as the `learnmesh dlq` command shows it. */
export interface DeadLetter {
  /** The envelope id (= AMQP message id); null when the message carried none. */
  eventId: string | null
  /** Event type (routing key it was published with). */
  type: string | null
  /** failed (handler kept failing) | invalid (malformed) | rejected (permanent) | delivery_limit (broker). */
  reason: string
  /** The last handler error, when the transport recorded one. */
  error: string | null
  /** Deliveries made before it was dead-lettered. */
  attempts: number | null
  /** When it was dead-lettered (ISO 8601), when known. */
  deadLetteredAt: string | null
  /** The envelope, when the body is a JSON object. */
  envelope: Envelope | null
  /** The body as text (first 4 KiB) when it is not JSON. */
  raw: string | null
}

/** Dead-letter operations over AMQP, for the CLI and operators. */
export interface DeadLetterAdmin {
  /** Number of messages in the consumer's dead-letter queue. */
  countDeadLetters(consumer: string): Promise<number>
  /** Up to `limit` dead letters, oldest first; the queue is left as it was. */
  listDeadLetters(consumer: string, limit?: number): Promise<DeadLetter[]>
  /** One dead letter by event id; `not_found` when it is not in the queue. */
  showDeadLetter(consumer: string, eventId: string): Promise<DeadLetter>
  /**
   * Re-publishes dead letters (all, or those with the given event ids) to the consumer's own queue
   * only (not to every subscriber), with the attempt count reset, then removes them from the
   * dead-letter queue. The consumer's inbox makes a replay of an already-applied event a no-op.
   */
  replayDeadLetters(consumer: string, options?: { ids?: string[] }): Promise<{ replayed: string[] }>
  close(): Promise<void>
}

const consumerName = /^[a-z][a-z0-9_.-]{0,100}$/

function describe(msg: GetMessage): DeadLetter {
  const headers = (msg.properties.headers ?? {}) as Record<string, unknown>
  const text = msg.content.toString('utf8')
  let envelope: Envelope | null = null
  try {
    const parsed = JSON.parse(text) as unknown
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) envelope = parsed as Envelope
  } catch {
    // shown raw below
  }
  // Dead-lettered by the broker itself (delivery limit): RabbitMQ's x-death says why.
  const death = Array.isArray(headers['x-death'])
    ? (headers['x-death'][0] as Record<string, unknown>)
    : undefined
  const attempts = Number(headers[attemptHeader] ?? headers['x-delivery-count'])
  return {
    eventId:
      (msg.properties.messageId as string | undefined) ??
      (typeof envelope?.id === 'string' ? envelope.id : null),
    type:
      (msg.properties.type as string | undefined) ??
      (typeof envelope?.type === 'string' ? envelope.type : null),
    reason: String(headers[reasonHeader] ?? death?.reason ?? 'unknown'),
    error: typeof headers[errorHeader] === 'string' ? (headers[errorHeader] as string) : null,
    attempts: Number.isFinite(attempts) && attempts > 0 ? attempts : null,
    deadLetteredAt:
      typeof headers[deadLetteredAtHeader] === 'string'
        ? (headers[deadLetteredAtHeader] as string)
        : death?.time instanceof Date
          ? death.time.toISOString()
          : null,
    envelope,
    raw: envelope ? null : text.slice(0, 4096),
  }
}

/**
 * Opens the dead-letter tools on a broker. Reading a queue over AMQP means taking messages
 * without acknowledging them and then returning them (`nack` with requeue) — a scan holds at most
 * `scanLimit` messages at once; nothing is lost if the process dies mid-scan (unacked messages go
 * back to the queue).
 */
export function createDeadLetterAdmin(options: {
  /** `amqp://...` */
  url: string
  /** The same prefix/exchange names the transport uses. */
  prefix?: string
  exchange?: string
  deadLetterExchange?: string
  /** Most messages one list/show/replay looks at; default 10 000. */
  scanLimit?: number
}): DeadLetterAdmin {
  const names: RabbitNames = rabbitNames(options)
  const scanLimit = options.scanLimit ?? 10_000
  let conn: Promise<ChannelModel> | undefined

  async function channel(): Promise<ConfirmChannel> {
    // TCP_NODELAY, as the transport: replaying with confirms must not wait on delayed ACKs.
    conn ??= amqp.connect(options.url, { noDelay: true }).then((c) => {
      c.on('error', () => {})
      c.on('close', () => {
        conn = undefined
      })
      return c
    })
    conn.catch(() => {
      conn = undefined
    })
    const ch = await (await conn).createConfirmChannel()
    ch.on('error', () => {})
    return ch
  }

  /** Opens a channel, checks the dead-letter queue exists, runs `fn`, and returns what it did not ack. */
  /** Messages a `withQueue` call took from the dead-letter queue, and how many of them it acked. */
  interface Taken {
    got: number
    acked: number
  }

  async function withQueue<T>(
    consumer: string,
    fn: (ch: ConfirmChannel, dlq: string, taken: Taken) => Promise<T>,
  ): Promise<T> {
    if (!consumerName.test(consumer))
      throw new AppError('validation_failed', `invalid consumer name: ${consumer}`)
    const ch = await channel()
    const dlq = names.deadLetterQueue(consumer)
    const taken: Taken = { got: 0, acked: 0 }
    try {
      let before: number
      try {
        before = (await ch.checkQueue(dlq)).messageCount
      } catch {
        throw new AppError('not_found', `no dead-letter queue for consumer ${consumer}`)
      }
      const result = await fn(ch, dlq, taken)
      try {
        ch.nackAll(true)
      } catch {
        // channel already closed: the broker returned the messages itself
      }
      if (taken.got > taken.acked) await requeued(ch, dlq, before - taken.acked)
      return result
    } finally {
      await ch.close().catch(() => {})
    }
  }

  /**
   * Waits (≤ 2 s) until the messages looked at and not acked are back in the queue's count: a quorum
   * queue applies the requeue asynchronously, and a `list` or `count` right after a replay must see
   * what the replay left there.
   */
  async function requeued(ch: ConfirmChannel, dlq: string, atLeast: number): Promise<void> {
    const deadline = Date.now() + 2000
    while (Date.now() < deadline) {
      const { messageCount } = await ch.checkQueue(dlq)
      if (messageCount >= atLeast) return
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  async function scan(
    ch: ConfirmChannel,
    dlq: string,
    taken: Taken,
    max: number,
    visit: (m: GetMessage) => boolean | void,
  ) {
    for (let i = 0; i < Math.min(max, scanLimit); i++) {
      const msg = await ch.get(dlq, { noAck: false })
      if (msg === false) return
      taken.got++
      if (visit(msg) === true) return
    }
  }

  return {
    async countDeadLetters(consumer) {
      return withQueue(consumer, async (ch, dlq) => (await ch.checkQueue(dlq)).messageCount)
    },
    async listDeadLetters(consumer, limit = 50) {
      const max = Math.max(1, Math.min(Math.floor(limit), scanLimit))
      return withQueue(consumer, async (ch, dlq, taken) => {
        const out: DeadLetter[] = []
        await scan(ch, dlq, taken, max, (m) => void out.push(describe(m)))
        return out
      })
    },
    async showDeadLetter(consumer, eventId) {
      const found = await withQueue(consumer, async (ch, dlq, taken) => {
        let hit: DeadLetter | undefined
        await scan(ch, dlq, taken, scanLimit, (m) => {
          const d = describe(m)
          if (d.eventId === eventId) {
            hit = d
            return true
          }
        })
        return hit
      })
      if (!found)
        throw new AppError('not_found', `event ${eventId} is not in ${consumer}'s dead-letter queue`)
      return found
    },
    async replayDeadLetters(consumer, replayOptions = {}) {
      const wanted = replayOptions.ids ? new Set(replayOptions.ids) : undefined
      return withQueue(consumer, async (ch, dlq, taken) => {
        try {
          await ch.checkQueue(names.queue(consumer))
        } catch {
          throw new AppError('not_found', `no queue for consumer ${consumer}`)
        }
        const picked: GetMessage[] = []
        await scan(ch, dlq, taken, scanLimit, (m) => {
          const id = describe(m).eventId
          if (!wanted || (id !== null && wanted.has(id))) picked.push(m)
          if (wanted && picked.length === wanted.size) return true
        })
        // Publish them all, wait for every confirm, then ack: a failure leaves them in the DLQ.
        const confirms = picked.map((m) => {
          const headers = { ...((m.properties.headers ?? {}) as Record<string, unknown>) }
          for (const h of [
            attemptHeader,
            errorHeader,
            reasonHeader,
            deadLetteredAtHeader,
            'x-death',
            'x-delivery-count',
          ]) {
            delete headers[h]
          }
          headers['x-lm-replayed-at'] = new Date().toISOString()
          return publishConfirmed(ch, '', names.queue(consumer), m.content, {
            persistent: true,
            messageId: m.properties.messageId as string | undefined,
            type: m.properties.type as string | undefined,
            appId: m.properties.appId as string | undefined,
            contentType: m.properties.contentType as string | undefined,
            timestamp: m.properties.timestamp as number | undefined,
            headers,
          }).confirmed
        })
        await Promise.all(confirms)
        for (const m of picked) ch.ack(m)
        taken.acked += picked.length
        return { replayed: picked.map((m) => describe(m).eventId ?? '') }
      })
    },
    async close() {
      const c = conn
      conn = undefined
      if (c) await (await c.catch(() => undefined))?.close().catch(() => {})
    },
  }
}
