import amqp from 'amqplib'
import type { ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib'
import { Value } from 'typebox/value'
import { EnvelopeSchema, type Envelope } from '@learnmesh/contracts'
import { isPermanentEventError, type Transport } from './bus.ts'
import { compiledCheck } from './checks.ts'
import type { Logger } from '../logger.ts'

const checkEnvelope = compiledCheck(EnvelopeSchema)

/*
 * Topology (docs: DESIGN.md §4, ADR in the report of issue "event backbone"):
 *
 *   producer ──publish(routing key = event type)──▶ <prefix>learnmesh.events (topic, durable)
 *       └─▶ queue <prefix><consumer>   quorum, durable, bound to each subscribed event type,
 *                                      x-delivery-limit = maxDeliveries (safety net, see below),
 *                                      dead-letters to <prefix>learnmesh.dlx with key <queue>
 *   handler throws ──▶ republish to <queue>.retry.<ms> (quorum, x-message-ttl = ms, dead-letters to
 *                      the default exchange with key <queue>) and ack: the message comes back to
 *                      this service's queue only, after a real delay (no hot requeue loop)
 *   attempt = maxDeliveries, or the message is malformed, or the consumer says it is permanent
 *                  ──▶ republish to <prefix>learnmesh.dlx (direct) with key <queue>, and ack
 *       └─▶ queue <queue>.dlq  (quorum, durable): inspected and re-driven by events/dlq.ts
 *
 * The attempt number travels in the `x-lm-attempt` header. The quorum queue's own delivery limit
 * covers what the header cannot: a handler that crashes the process (the message is redelivered
 * without our code getting to count it) ends in the dead-letter queue after maxDeliveries tries.
 * Retry and dead-letter republishes are confirmed before the original is acked, so a crash in
 * between duplicates (the inbox drops it) rather than loses.
 */

/** Header carrying the delivery attempt (1 on first delivery). */
export const attemptHeader = 'x-lm-attempt'
/** Header carrying the last handler error (truncated) on retried and dead-lettered messages. */
export const errorHeader = 'x-lm-error'
/** Header saying why a message was dead-lettered: failed | invalid | rejected. */
export const reasonHeader = 'x-lm-reason'
/** Header with the ISO time the message was dead-lettered. */
export const deadLetteredAtHeader = 'x-lm-dead-lettered-at'

/** The names of exchanges and queues, shared by the transport and the dead-letter tools. */
export interface RabbitNames {
  /** The topic exchange every event is published to. */
  exchange: string
  /** The direct exchange dead letters go through (routing key = the consumer's queue). */
  deadLetterExchange: string
  /** A consuming service's queue. */
  queue(consumer: string): string
  /** A consuming service's dead-letter queue. */
  deadLetterQueue(consumer: string): string
  /** A consuming service's delay queue for one retry delay. */
  retryQueue(consumer: string, delayMs: number): string
}

/** Builds the names; `prefix` isolates test runs (and could isolate environments on one vhost). */
export function rabbitNames(
  options: { prefix?: string; exchange?: string; deadLetterExchange?: string } = {},
): RabbitNames {
  const prefix = options.prefix ?? ''
  return {
    exchange: options.exchange ?? `${prefix}learnmesh.events`,
    deadLetterExchange: options.deadLetterExchange ?? `${prefix}learnmesh.dlx`,
    queue: (consumer) => `${prefix}${consumer}`,
    deadLetterQueue: (consumer) => `${prefix}${consumer}.dlq`,
    retryQueue: (consumer, delayMs) => `${prefix}${consumer}.retry.${delayMs}`,
  }
}

/** Options of the RabbitMQ transport. */
export interface RabbitTransportOptions {
  /** `amqp://user:pass@host:5672/vhost`. */
  url: string
  logger: Logger
  /** Prefix for every exchange and queue name (tests use a unique one per run). */
  prefix?: string
  /** Topic exchange name; default `<prefix>learnmesh.events`. */
  exchange?: string
  /** Dead-letter exchange name; default `<prefix>learnmesh.dlx`. */
  deadLetterExchange?: string
  /**
   * Unacknowledged deliveries per consumer channel, i.e. handlers of one service running at once in
   * this process; default 10. Above 1, events may be handled out of publish order (so may retries
   * and several replicas): handlers must not rely on order, the inbox makes them idempotent.
   */
  prefetch?: number
  /** Deliveries of one message before it is dead-lettered; default 5. */
  maxDeliveries?: number
  /** Delay before retry n is `retryDelaysMs[min(n - 1, length - 1)]`; default 1 s, 5 s, 30 s, 2 min. */
  retryDelaysMs?: number[]
  /** How long `publish` waits for the broker (connection and confirms) before failing; default 10 s. */
  publishTimeoutMs?: number
  /** Largest message a consumer accepts; bigger ones are dead-lettered unread. Default 1 MiB. */
  maxMessageBytes?: number
  /** Shown in the broker's connection list; default `learnmesh`. */
  connectionName?: string
  /** Reconnect back-off bounds; default 200 ms doubling to 15 s. */
  reconnectMinMs?: number
  reconnectMaxMs?: number
}

/** The RabbitMQ transport, with what operations and tests need beyond `Transport`. */
export interface RabbitTransport extends Transport {
  /** Resolves once connected and every subscription so far consumes (queues and bindings exist). */
  ready(timeoutMs?: number): Promise<void>
  /** Exchanges and queues this transport declared (tests delete them). */
  topology(): { exchanges: string[]; queues: string[] }
  /** Names used by this transport. */
  readonly names: RabbitNames
}

interface Subscription {
  consumer: string
  types: string[]
  handle: (envelope: Envelope) => Promise<void>
  state: 'idle' | 'starting' | 'active'
  channel?: ConfirmChannel
  tag?: string
  waiters: (() => void)[]
}

/** A timer that does not keep the process alive on its own. */
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref())

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

/** Publishes on a confirm channel and resolves when the broker confirmed (rejects on nack/close). */
export function publishConfirmed(
  ch: ConfirmChannel,
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: Options.Publish,
): { confirmed: Promise<void>; flowing: boolean } {
  let flowing = true
  const confirmed = new Promise<void>((resolve, reject) => {
    try {
      flowing = ch.publish(exchange, routingKey, content, options, (err) =>
        err ? reject(err instanceof Error ? err : new Error(String(err ?? 'message nacked'))) : resolve(),
      )
    } catch (err) {
      reject(err as Error)
    }
  })
  return { confirmed, flowing }
}

function waitForDrain(ch: ConfirmChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      ch.off('drain', done)
      ch.off('close', done)
      resolve()
    }
    ch.once('drain', done)
    ch.once('close', done)
  })
}

function truncate(text: string, max = 1000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

function errorText(err: unknown): string {
  return truncate(err instanceof Error ? `${err.name}: ${err.message}` : String(err))
}

/** Reads `x-lm-attempt` (1 when absent or garbage). */
export function attemptOf(msg: { properties: { headers?: Record<string, unknown> } }): number {
  const raw = Number(msg.properties.headers?.[attemptHeader])
  return Number.isInteger(raw) && raw >= 1 ? raw : 1
}

/**
 * Creates the RabbitMQ transport: confirmed, persistent, pipelined publishing; one quorum queue per
 * consuming service with delayed retries and a dead-letter queue; reconnection with back-off
 * (publishers wait up to `publishTimeoutMs`, consumers re-subscribe); `close()` cancels consumers,
 * lets running handlers finish and ack, then closes the connection.
 */
export function createRabbitTransport(options: RabbitTransportOptions): RabbitTransport {
  const { url, logger } = options
  const names = rabbitNames(options)
  const prefetch = options.prefetch ?? 10
  const maxDeliveries = options.maxDeliveries ?? 5
  const retryDelays = options.retryDelaysMs?.length ? options.retryDelaysMs : [1000, 5000, 30_000, 120_000]
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000
  const maxMessageBytes = options.maxMessageBytes ?? 1024 * 1024
  const reconnectMin = options.reconnectMinMs ?? 200
  const reconnectMax = options.reconnectMaxMs ?? 15_000
  if (!Number.isInteger(maxDeliveries) || maxDeliveries < 1) throw new Error('maxDeliveries must be >= 1')
  if (retryDelays.some((d) => !Number.isInteger(d) || d < 1))
    throw new Error('retryDelaysMs must be positive integers')

  const subs: Subscription[] = []
  const inflight = new Set<Promise<void>>()
  const declaredQueues = new Set<string>()
  let model: ChannelModel | undefined
  let connecting: Promise<ChannelModel> | undefined
  let publisher: Promise<ConfirmChannel> | undefined
  let closing = false
  let connectWaiters: (() => void)[] = []
  let connectedBefore = false
  let signalClosed: () => void = () => {}
  const closedSignal = new Promise<void>((r) => {
    signalClosed = r
  })

  const connectionName = options.connectionName ?? 'learnmesh'
  const safeUrl = url.replace(/\/\/[^@/]*@/, '//')

  async function openOnce(): Promise<ChannelModel> {
    const m = await amqp.connect(url, {
      clientProperties: { connection_name: connectionName },
      timeout: 10_000,
      // TCP_NODELAY. amqplib leaves Nagle's algorithm on, and a publish is several small writes
      // (method, header, body frames; acks): each waited for the broker's delayed ACK, so every
      // event spent ~20–40 ms on the wire (quorum queue publish → delivery p50 23.5 ms → 1.7 ms).
      noDelay: true,
    })
    m.on('error', (err: Error) => logger.warn({ err, broker: safeUrl }, 'broker connection error'))
    m.on('blocked', (reason: string) => logger.warn({ reason }, 'broker blocked publishing (resource alarm)'))
    m.on('close', () => {
      if (model !== m) return
      model = undefined
      publisher = undefined
      for (const sub of subs) {
        sub.state = 'idle'
        sub.channel = undefined
        sub.tag = undefined
      }
      if (!closing) {
        logger.warn({ broker: safeUrl }, 'broker connection lost; reconnecting')
        void connect().catch(() => {})
      }
    })
    // Exchanges first, on a scratch channel, so publishers never publish to a missing exchange.
    try {
      const ch = await m.createChannel()
      ch.on('error', () => {})
      await ch.assertExchange(names.exchange, 'topic', { durable: true })
      await ch.assertExchange(names.deadLetterExchange, 'direct', { durable: true })
      await ch.close()
    } catch (err) {
      await m.close().catch(() => {})
      throw err
    }
    return m
  }

  function connect(): Promise<ChannelModel> {
    if (model) return Promise.resolve(model)
    if (connecting) return connecting
    connecting = (async () => {
      for (let attempt = 0; ; attempt++) {
        if (closing) throw new Error('transport closed')
        try {
          const m = await openOnce()
          if (closing) {
            await m.close().catch(() => {})
            throw new Error('transport closed')
          }
          model = m
          if (connectedBefore) logger.info({ broker: safeUrl, attempt }, 'broker connection restored')
          connectedBefore = true
          for (const sub of subs) void startSubscription(sub, m)
          const waiters = connectWaiters
          connectWaiters = []
          for (const w of waiters) w()
          return m
        } catch (err) {
          if (closing) throw err
          const delay = Math.min(reconnectMin * 2 ** attempt, reconnectMax)
          logger.warn({ err: errorText(err), broker: safeUrl, delay }, 'broker connect failed; retrying')
          await Promise.race([sleep(delay * (0.8 + Math.random() * 0.4)), closedSignal])
        }
      }
    })().finally(() => {
      connecting = undefined
    })
    return connecting
  }

  function publisherChannel(m: ChannelModel): Promise<ConfirmChannel> {
    if (publisher) return publisher
    const p = m.createConfirmChannel().then((ch) => {
      ch.on('error', (err: Error) => logger.warn({ err }, 'publisher channel error'))
      ch.on('close', () => {
        if (publisher === p) publisher = undefined
      })
      return ch
    })
    publisher = p
    p.catch(() => {
      if (publisher === p) publisher = undefined
    })
    return p
  }

  async function declareConsumerTopology(ch: ConfirmChannel, sub: Subscription): Promise<string> {
    const queue = names.queue(sub.consumer)
    const dlq = names.deadLetterQueue(sub.consumer)
    await ch.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': maxDeliveries,
        'x-dead-letter-exchange': names.deadLetterExchange,
        'x-dead-letter-routing-key': queue,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    })
    await ch.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } })
    await ch.bindQueue(dlq, names.deadLetterExchange, queue)
    for (const delay of new Set(retryDelays)) {
      const rq = names.retryQueue(sub.consumer, delay)
      await ch.assertQueue(rq, {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-message-ttl': delay,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': queue,
          'x-dead-letter-strategy': 'at-least-once',
          'x-overflow': 'reject-publish',
        },
      })
      declaredQueues.add(rq)
    }
    for (const type of sub.types) await ch.bindQueue(queue, names.exchange, type)
    declaredQueues.add(queue)
    declaredQueues.add(dlq)
    return queue
  }

  function resubscribeLater(sub: Subscription, delay: number): void {
    if (closing) return
    setTimeout(() => {
      if (model) void startSubscription(sub, model)
      // no connection: connect() re-subscribes every idle subscription once it is back
    }, delay).unref()
  }

  async function startSubscription(sub: Subscription, m: ChannelModel): Promise<void> {
    if (sub.state !== 'idle' || closing || model !== m) return
    sub.state = 'starting'
    let ch: ConfirmChannel | undefined
    try {
      ch = await m.createConfirmChannel()
      const channel = ch
      channel.on('error', (err: Error) =>
        logger.warn({ err, consumer: sub.consumer }, 'consumer channel error'),
      )
      channel.on('close', () => {
        if (sub.channel !== channel) return
        sub.state = 'idle'
        sub.channel = undefined
        sub.tag = undefined
        // The connection may still be up (channel-level error): re-subscribe after a pause.
        resubscribeLater(sub, reconnectMin)
      })
      const queue = await declareConsumerTopology(channel, sub)
      await channel.prefetch(prefetch)
      if (closing) throw new Error('transport closed')
      sub.channel = channel
      const { consumerTag } = await channel.consume(queue, (msg) => onMessage(sub, channel, msg), {
        noAck: false,
      })
      sub.tag = consumerTag
      sub.state = 'active'
      const waiters = sub.waiters
      sub.waiters = []
      for (const w of waiters) w()
    } catch (err) {
      if (!closing)
        logger.error({ err: errorText(err), consumer: sub.consumer }, 'subscribing failed; retrying')
      sub.state = 'idle'
      sub.channel = undefined
      await ch?.close().catch(() => {})
      resubscribeLater(sub, Math.max(reconnectMin, reconnectMax / 4))
    }
  }

  function onMessage(sub: Subscription, ch: ConfirmChannel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // The broker cancelled us (queue deleted or failed over): subscribe again.
      if (sub.channel === ch && !closing) {
        sub.state = 'idle'
        sub.channel = undefined
        void ch.close().catch(() => {})
        resubscribeLater(sub, reconnectMin)
      }
      return
    }
    const p = deliver(sub, ch, msg).finally(() => inflight.delete(p))
    inflight.add(p)
  }

  function decode(msg: ConsumeMessage): Envelope {
    if (msg.content.length > maxMessageBytes) throw new Error(`message larger than ${maxMessageBytes} bytes`)
    let parsed: unknown
    try {
      parsed = JSON.parse(msg.content.toString('utf8'))
    } catch {
      throw new Error('message is not JSON')
    }
    if (!checkEnvelope(parsed)) {
      const first = Value.Errors(EnvelopeSchema, parsed)[0]
      throw new Error(
        `invalid envelope: ${first ? `${first.instancePath} ${first.message}` : 'schema mismatch'}`,
      )
    }
    const envelope = parsed as Envelope
    const messageId = msg.properties.messageId as unknown
    if (messageId !== undefined && messageId !== null && messageId !== envelope.id) {
      throw new Error('message id does not match the envelope id')
    }
    return envelope
  }

  function ack(ch: ConfirmChannel, msg: ConsumeMessage): void {
    try {
      ch.ack(msg)
    } catch (err) {
      logger.debug({ err: errorText(err) }, 'ack failed: channel gone')
      // Channel gone: the broker redelivers; the inbox drops the duplicate.
    }
  }

  async function deadLetter(
    sub: Subscription,
    ch: ConfirmChannel,
    msg: ConsumeMessage,
    reason: 'failed' | 'invalid' | 'rejected',
    err: unknown,
  ): Promise<void> {
    const headers = {
      ...(msg.properties.headers ?? {}),
      [reasonHeader]: reason,
      [errorHeader]: errorText(err),
      [deadLetteredAtHeader]: new Date().toISOString(),
      [attemptHeader]: attemptOf(msg),
    }
    const { confirmed } = publishConfirmed(
      ch,
      names.deadLetterExchange,
      names.queue(sub.consumer),
      msg.content,
      {
        ...copyProperties(msg),
        headers,
      },
    )
    await confirmed
    ack(ch, msg)
  }

  async function retry(
    sub: Subscription,
    ch: ConfirmChannel,
    msg: ConsumeMessage,
    attempt: number,
    err: unknown,
  ) {
    const delay = retryDelays[Math.min(attempt - 1, retryDelays.length - 1)]!
    const headers = {
      ...(msg.properties.headers ?? {}),
      [attemptHeader]: attempt + 1,
      [errorHeader]: errorText(err),
    }
    // Default exchange, routing key = queue name: straight into this service's delay queue.
    const { confirmed } = publishConfirmed(ch, '', names.retryQueue(sub.consumer, delay), msg.content, {
      ...copyProperties(msg),
      headers,
    })
    await confirmed
    ack(ch, msg)
    return delay
  }

  async function deliver(sub: Subscription, ch: ConfirmChannel, msg: ConsumeMessage): Promise<void> {
    const attempt = attemptOf(msg)
    const base = { consumer: sub.consumer, messageId: msg.properties.messageId as unknown, attempt }
    try {
      let envelope: Envelope
      try {
        envelope = decode(msg)
      } catch (err) {
        logger.error({ ...base, err: errorText(err) }, 'malformed message dead-lettered')
        await deadLetter(sub, ch, msg, 'invalid', err)
        return
      }
      try {
        await sub.handle(envelope)
        ack(ch, msg)
        return
      } catch (err) {
        const ctx = { ...base, eventId: envelope.id, type: envelope.type, err: errorText(err) }
        if (isPermanentEventError(err)) {
          logger.error(ctx, 'event rejected by its consumer; dead-lettered')
          await deadLetter(sub, ch, msg, 'rejected', err)
        } else if (attempt >= maxDeliveries) {
          logger.error(ctx, 'event handler failed for the last time; dead-lettered')
          await deadLetter(sub, ch, msg, 'failed', err)
        } else {
          const delay = await retry(sub, ch, msg, attempt, err)
          logger.warn({ ...ctx, delay }, 'event handler failed; retry scheduled')
        }
      }
    } catch (err) {
      // Could not republish (channel or broker trouble): hand it back to the broker, whose
      // delivery limit still bounds how often this can happen.
      logger.warn({ ...base, err: errorText(err) }, 'could not settle a delivery; returning it to the queue')
      try {
        ch.nack(msg, false, true)
      } catch {
        // channel closed: the broker requeues unacked messages itself
      }
    }
  }

  return {
    names,
    async publish(envelopes) {
      if (envelopes.length === 0) return
      if (closing) throw new Error('transport closed')
      const started = Date.now()
      const m = await withTimeout(connect(), publishTimeoutMs, `broker ${safeUrl} unavailable`)
      const ch = await withTimeout(publisherChannel(m), publishTimeoutMs, 'publisher channel unavailable')
      // Pipelined: every message goes out before we wait; confirms come back asynchronously.
      const confirms: Promise<void>[] = []
      for (const envelope of envelopes) {
        const headers: Record<string, string> = {}
        if (envelope.traceparent) headers.traceparent = envelope.traceparent
        const { confirmed, flowing } = publishConfirmed(
          ch,
          names.exchange,
          envelope.type,
          Buffer.from(JSON.stringify(envelope)),
          {
            persistent: true,
            messageId: envelope.id,
            type: envelope.type,
            appId: envelope.producer,
            contentType: 'application/json',
            timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000) || undefined,
            headers,
          },
        )
        confirmed.catch(() => {}) // observed below through Promise.all
        confirms.push(confirmed)
        if (!flowing) await waitForDrain(ch)
      }
      const left = Math.max(1, publishTimeoutMs - (Date.now() - started))
      await withTimeout(Promise.all(confirms), left, 'publisher confirms timed out')
    },
    subscribe(consumer, types, handle) {
      if (closing) throw new Error('transport closed')
      const sub: Subscription = { consumer, types: [...new Set(types)], handle, state: 'idle', waiters: [] }
      subs.push(sub)
      if (model) void startSubscription(sub, model)
      else void connect().catch(() => {})
    },
    async ready(timeoutMs = 10_000) {
      const all = (async () => {
        if (!model) {
          void connect().catch(() => {})
          await new Promise<void>((r) => connectWaiters.push(r))
        }
        await Promise.all(
          subs.filter((s) => s.state !== 'active').map((s) => new Promise<void>((r) => s.waiters.push(r))),
        )
      })()
      await withTimeout(all, timeoutMs, 'broker not ready')
    },
    topology() {
      return { exchanges: [names.exchange, names.deadLetterExchange], queues: [...declaredQueues] }
    },
    async check() {
      if (!model) throw new Error(`broker ${safeUrl} not connected`)
    },
    async close() {
      if (closing) return
      closing = true
      signalClosed()
      // 1. stop new deliveries; 2. let running handlers finish and ack; 3. close.
      await Promise.allSettled(
        subs.map(async (s) => {
          if (s.channel && s.tag) await s.channel.cancel(s.tag)
        }),
      )
      while (inflight.size) await Promise.allSettled([...inflight])
      // Close channels before the connection: a quorum queue may drop acks still in flight when
      // the connection goes first (the message would be redelivered).
      await Promise.allSettled(subs.map(async (s) => s.channel?.close()))
      await publisher?.then((ch) => ch.close()).catch(() => {})
      const m = model
      model = undefined
      if (m) await m.close().catch(() => {})
      await connecting?.catch(() => {})
    },
  }
}

function copyProperties(msg: ConsumeMessage): Options.Publish {
  const p = msg.properties
  return {
    persistent: true,
    messageId: p.messageId as string | undefined,
    type: p.type as string | undefined,
    appId: p.appId as string | undefined,
    contentType: p.contentType as string | undefined,
    timestamp: p.timestamp as number | undefined,
  }
}
