// One process of the event benchmarks, in the role given as JSON in argv[2]:
//   raw-publisher    amqplib ConfirmChannel, N messages, at most `window` unconfirmed (relay baseline)
//   relay            the kernel relay (createRelay + createRabbitTransport) draining a pre-filled outbox
//   raw-producer     amqplib confirm publishing at a fixed rate (latency baseline)
//   raw-consumer     amqplib consumer of the baseline's quorum queue, acks on receipt
//   kernel-producer  a writer committing one event per transaction at a fixed rate + the relay (NOTIFY)
//   kernel-consumer  kernel consume() on the RabbitMQ transport, timing each consumer commit
// It answers calls from the runner over IPC (see workers.ts) and measures its own CPU time.
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib'
import { eq, sql } from 'drizzle-orm'
import {
  consume,
  createLogger,
  createRabbitTransport,
  createRelay,
  defineHandler,
  openDatabase,
  writeEvent,
  type RabbitTransport,
  type Relay,
  type Transport,
} from '@learnmesh/kernel'
import type { Envelope } from '@learnmesh/contracts'
import {
  benchConsumer,
  benchEnvelope,
  benchEvent,
  benchPayload,
  fixtureSchema,
  inbox,
  notes,
  now,
  outbox,
  publishOptions,
} from './fixture.ts'
import type { RpcReply, RpcRequest } from '../lib/rpc-child.ts'

/** How the runner configures a worker. */
export type WorkerOptions = RawPublisherOptions | RawConsumerOptions | KernelOptions

/** A raw amqplib publisher's options. */
interface RawPublisherOptions {
  role: 'raw-publisher' | 'raw-producer'
  brokerUrl: string
  exchange: string
  routingKey: string
}
/** A raw amqplib consumer's options. */
interface RawConsumerOptions {
  role: 'raw-consumer'
  brokerUrl: string
  queue: string
  prefetch: number
}
/** A kernel worker's options: the database, the broker and the exchange/queue prefix. */
interface KernelOptions {
  role: 'relay' | 'kernel-producer' | 'kernel-consumer'
  brokerUrl: string
  databaseUrl: string
  prefix: string
}

/** A call from the runner. */
export type WorkerRequest = RpcRequest

/** The answer to a call. */
export type WorkerReply = RpcReply

/** What a producer reports after a paced run: [event id, time it was published or committed]. */
export interface ProducedRun {
  sent: [string, number][]
  /** Events sent before the measured part (warm-up), not in `sent`. */
  warm: number
  elapsedMs: number
  cpuUs: number
}

/** What a consumer reports: [event id, time it was received or its transaction committed]. */
export interface ConsumedRun {
  received: [string, number][]
  /** Kernel consumer only: when each delivery reached the transport's handler (before its transaction). */
  delivered?: [string, number][]
  cpuUs: number
}

/** What a throughput run reports. */
export interface ThroughputRun {
  events: number
  ms: number
  cpuUs: number
}

type Methods = Record<string, (args: Record<string, unknown>) => Promise<unknown>>

const options = JSON.parse(process.argv[2] ?? '{}') as WorkerOptions
const logger = createLogger(`bench-${options.role}`, 'info')
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
const cpuNow = () => {
  const c = process.cpuUsage()
  return c.user + c.system
}

/**
 * Calls `fire(i)` for i = 0..total-1 at `rate` per second on an absolute schedule (a late tick
 * fires at once and does not shift the following ones), then waits for what `fire` returned.
 */
async function paced(rate: number, total: number, fire: (i: number) => Promise<void>): Promise<void> {
  const interval = 1000 / rate
  const start = performance.now()
  const pending: Promise<void>[] = []
  for (let i = 0; i < total; i++) {
    const wait = start + i * interval - performance.now()
    if (wait > 0) await sleep(wait)
    pending.push(fire(i))
  }
  await Promise.all(pending)
}

async function brokerChannel(
  url: string,
  name: string,
): Promise<{ model: ChannelModel; ch: ConfirmChannel }> {
  // noDelay as the kernel's transport connects: a raw client with Nagle on waits ~20–40 ms per publish.
  const model = await amqp.connect(url, { clientProperties: { connection_name: name }, noDelay: true })
  const ch = await model.createConfirmChannel()
  return { model, ch }
}

/** Publishes prepared messages keeping at most `window` unconfirmed; resolves when all are confirmed. */
function publishWindowed(
  ch: ConfirmChannel,
  exchange: string,
  routingKey: string,
  messages: { content: Buffer; options: amqp.Options.Publish }[],
  window: number,
): Promise<void> {
  return new Promise((resolveAll, reject) => {
    let sent = 0
    let confirmed = 0
    let waitingForDrain = false
    const pump = (): void => {
      while (sent - confirmed < window && sent < messages.length && !waitingForDrain) {
        const m = messages[sent++]!
        const flowing = ch.publish(exchange, routingKey, m.content, m.options, (err) => {
          if (err) return reject(err instanceof Error ? err : new Error(String(err)))
          confirmed++
          if (confirmed === messages.length) resolveAll()
          else pump()
        })
        if (!flowing) {
          waitingForDrain = true
          ch.once('drain', () => {
            waitingForDrain = false
            pump()
          })
        }
      }
    }
    pump()
  })
}

async function rawPublisher(o: RawPublisherOptions): Promise<{ methods: Methods; close(): Promise<void> }> {
  const { model, ch } = await brokerChannel(o.brokerUrl, 'bench-raw-publisher')
  return {
    methods: {
      async publish(args) {
        const n = Number(args.n)
        const window = Number(args.window)
        // Messages are serialised before the clock starts: the baseline is the broker and the client only.
        const messages = Array.from({ length: n }, (_, i) => {
          const envelope = benchEnvelope(`raw-${i}`)
          return { content: Buffer.from(JSON.stringify(envelope)), options: publishOptions(envelope) }
        })
        const cpu = cpuNow()
        const t = performance.now()
        await publishWindowed(ch, o.exchange, o.routingKey, messages, window)
        return { events: n, ms: performance.now() - t, cpuUs: cpuNow() - cpu } satisfies ThroughputRun
      },
    },
    async close() {
      await ch.close().catch(() => {})
      await model.close().catch(() => {})
    },
  }
}

async function kernelSide(o: { brokerUrl: string; databaseUrl: string; prefix: string }, name: string) {
  const database = await openDatabase({ url: o.databaseUrl, applicationName: name })
  const transport = createRabbitTransport({
    url: o.brokerUrl,
    logger,
    prefix: o.prefix,
    connectionName: name,
  })
  return { database, transport }
}

async function relayWorker(o: KernelOptions) {
  const { database, transport } = await kernelSide(o, 'bench-relay')
  await transport.ready()
  return {
    methods: {
      async drain() {
        const before = await database.query<{ n: number }>(
          sql`select count(*)::int as n from ${outbox} where published_at is null`,
        )
        const cpu = cpuNow()
        const t = performance.now()
        // Started here, as a service starts it; LISTEN is off: the outbox is already full and a
        // LISTEN connection being set up is not part of publishing.
        const relay = createRelay({ database, schema: fixtureSchema, transport, logger, listen: false })
        await relay.drain(60_000)
        const ms = performance.now() - t
        const cpuUs = cpuNow() - cpu
        await relay.stop()
        return { events: before[0]?.n ?? 0, ms, cpuUs } satisfies ThroughputRun
      },
    } satisfies Methods,
    async close() {
      await transport.close()
      await database.close()
    },
  }
}

async function rawProducer(o: RawPublisherOptions) {
  const { model, ch } = await brokerChannel(o.brokerUrl, 'bench-raw-producer')
  return {
    methods: {
      async run(args) {
        const rate = Number(args.rate)
        const warm = Math.round(Number(args.warmupSeconds) * rate)
        const total = warm + Math.round(Number(args.seconds) * rate)
        const sent: [string, number][] = []
        let cpu = cpuNow()
        let t = performance.now()
        await paced(rate, total, (i) => {
          if (i === warm) {
            cpu = cpuNow()
            t = performance.now()
          }
          const envelope = benchEnvelope(`raw-${i}`)
          const content = Buffer.from(JSON.stringify(envelope))
          const publishedAt = now()
          return new Promise<void>((resolveOne, reject) => {
            ch.publish(o.exchange, o.routingKey, content, publishOptions(envelope), (err) =>
              err ? reject(new Error(String(err))) : resolveOne(),
            )
            if (i >= warm) sent.push([envelope.id, publishedAt])
          })
        })
        return { sent, warm, elapsedMs: performance.now() - t, cpuUs: cpuNow() - cpu } satisfies ProducedRun
      },
    } satisfies Methods,
    async close() {
      await ch.close().catch(() => {})
      await model.close().catch(() => {})
    },
  }
}

async function kernelProducer(o: KernelOptions) {
  const { database, transport } = await kernelSide(o, 'bench-kernel-producer')
  await transport.ready()
  // As a service runs it: woken by NOTIFY at each commit, polling every second as a fallback.
  const relay: Relay = createRelay({ database, schema: fixtureSchema, transport, logger })
  let run = 0
  return {
    methods: {
      async run(args) {
        const rate = Number(args.rate)
        const warm = Math.round(Number(args.warmupSeconds) * rate)
        const total = warm + Math.round(Number(args.seconds) * rate)
        const tag = `k${++run}-${Date.now().toString(36)}`
        const sent: [string, number][] = []
        let cpu = cpuNow()
        let t = performance.now()
        await paced(rate, total, async (i) => {
          if (i === warm) {
            cpu = cpuNow()
            t = performance.now()
          }
          const id = `${tag}-${i}`
          // A state change and its event in one transaction, as a service writes them.
          const envelope = await database.db.transaction(async (tx) => {
            await tx.insert(notes).values({ id, body: 'bench' })
            return writeEvent(tx, outbox, benchEvent, {
              aggregateId: id,
              orgId: null,
              payload: benchPayload(id),
            })
          })
          if (i >= warm) sent.push([envelope.id, now()]) // the commit has been acknowledged
        })
        return { sent, warm, elapsedMs: performance.now() - t, cpuUs: cpuNow() - cpu } satisfies ProducedRun
      },
    } satisfies Methods,
    async close() {
      await relay.stop()
      await transport.close()
      await database.close()
    },
  }
}

/** Received events ([id, time]) since the last `reset`, with a way to wait for a count. */
function receipts() {
  let received = new Map<string, number>()
  let delivered = new Map<string, number>()
  let cpu = cpuNow()
  return {
    record(id: string) {
      if (!received.has(id)) received.set(id, now())
    },
    delivery(id: string) {
      if (!delivered.has(id)) delivered.set(id, now())
    },
    methods: {
      async reset() {
        received = new Map()
        delivered = new Map()
        cpu = cpuNow()
        return null
      },
      async collect(args) {
        const n = Number(args.n)
        const until = Date.now() + Number(args.timeoutMs ?? 15_000)
        while (received.size < n && Date.now() < until) await sleep(20)
        return {
          received: [...received],
          ...(delivered.size ? { delivered: [...delivered] } : {}),
          cpuUs: cpuNow() - cpu,
        } satisfies ConsumedRun
      },
    } satisfies Methods,
  }
}

async function rawConsumer(o: RawConsumerOptions) {
  const model = await amqp.connect(o.brokerUrl, {
    clientProperties: { connection_name: 'bench-raw-consumer' },
    noDelay: true,
  })
  const ch: Channel = await model.createChannel()
  await ch.prefetch(o.prefetch)
  const r = receipts()
  await ch.consume(o.queue, (msg) => {
    if (!msg) return
    r.record(String(msg.properties.messageId))
    ch.ack(msg)
  })
  return {
    methods: r.methods,
    async close() {
      await ch.close().catch(() => {})
      await model.close().catch(() => {})
    },
  }
}

async function kernelConsumer(o: KernelOptions) {
  const { database, transport } = await kernelSide(o, 'bench-kernel-consumer')
  const r = receipts()
  // The kernel transport calls `handle` and acks when it resolves; consume()'s handle resolves
  // after the handler's transaction (inbox insert + the handler's write) has committed, so the
  // time taken here is the consumer's commit.
  const timed: Transport = {
    publish: (envelopes: Envelope[]) => transport.publish(envelopes),
    close: () => transport.close(),
    subscribe(consumer, types, handle) {
      transport.subscribe(consumer, types, async (envelope) => {
        r.delivery(envelope.id)
        await handle(envelope)
        r.record(envelope.id)
      })
    },
  }
  consume({
    consumer: benchConsumer,
    database,
    inbox,
    transport: timed,
    logger,
    handlers: [
      defineHandler({
        event: benchEvent,
        async handle(tx, payload) {
          await tx
            .update(notes)
            .set({ n: sql`${notes.n} + 1` })
            .where(eq(notes.id, payload.id))
        },
      }),
    ],
  })
  await transport.ready()
  return {
    methods: {
      ...r.methods,
      async topology() {
        return (transport as RabbitTransport).topology()
      },
    } satisfies Methods,
    async close() {
      await transport.close()
      await database.close()
    },
  }
}

async function start(): Promise<{ methods: Methods; close(): Promise<void> }> {
  switch (options.role) {
    case 'raw-publisher':
      return rawPublisher(options)
    case 'raw-producer':
      return rawProducer(options)
    case 'raw-consumer':
      return rawConsumer(options)
    case 'relay':
      return relayWorker(options)
    case 'kernel-producer':
      return kernelProducer(options)
    case 'kernel-consumer':
      return kernelConsumer(options)
  }
}

function reply(message: WorkerReply): void {
  if (process.send) process.send(message)
}

const booting = start()
let stopping = false
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  const force = setTimeout(() => process.exit(0), 8000)
  force.unref()
  try {
    await (await booting).close()
  } finally {
    process.exit(0)
  }
}
process.on('disconnect', () => void stop())
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop())
process.on('message', (request: WorkerRequest) => {
  if (request.method === 'stop') return void stop()
  void (async () => {
    try {
      const worker = await booting
      if (request.method === 'ready') return reply({ id: request.id, ok: true, result: null })
      const method = worker.methods[request.method]
      if (!method) throw new Error(`unknown method ${request.method}`)
      reply({ id: request.id, ok: true, result: await method(request.args) })
    } catch (error) {
      reply({
        id: request.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      })
    }
  })()
})
