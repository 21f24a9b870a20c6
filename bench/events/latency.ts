// `latency`: from a producer's commit to the consumer's commit, through outbox, relay, RabbitMQ and
// inbox, at a steady rate, against the broker alone (publish → consume on a quorum queue).
import { rmSync } from 'node:fs'
import amqp from 'amqplib'
import { createPostgresTestDatabase, testRabbitUrl } from '@learnmesh/kernel/testing'
import { median } from '../lib/measure.ts'
import { rabbitNames } from '@learnmesh/kernel'
import { sql } from 'drizzle-orm'
import { benchConsumer, benchEvent, fixtureMigrations, outbox, quorumQueue } from './fixture.ts'
import {
  benchPrefix,
  cleanUpTopology,
  fixed,
  int,
  loadNote,
  printScenario,
  quantile,
  skipWithoutInfra,
  workerLog,
  type EventScenario,
  type EventTargetResult,
} from './report.ts'
import { startWorker, type Worker } from './workers.ts'
import type { ConsumedRun, ProducedRun } from './worker.ts'

function positiveFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got '${raw}'`)
  return value
}

const labels = {
  p99: 'commit → consumer commit p99 < 50 ms',
  ratio: 'commit → consumer commit p99 ≤ 15× broker-only publish → consume p99',
}

/** Where the kernel path's time goes, per event (ms): three consecutive segments. */
interface Breakdown {
  /** Producer's commit acknowledged → the relay pass that published it began (its published_at). */
  wake: number[]
  /** Relay pass began → the consumer's transport handed the delivery to consume(). */
  relayBroker: number[]
  /** Delivery → the consumer's transaction committed. */
  consumer: number[]
}

interface Run {
  latencies: number[]
  lost: number
  rate: number
  p50: number
  p95: number
  p99: number
  max: number
  producerCpuUs: number
  consumerCpuUs: number
}

function latencyRun(produced: ProducedRun, consumed: ConsumedRun): Run {
  const at = new Map(consumed.received)
  const latencies: number[] = []
  let lost = 0
  for (const [id, t] of produced.sent) {
    const end = at.get(id)
    if (end === undefined) lost++
    else latencies.push(end - t)
  }
  latencies.sort((a, b) => a - b)
  const events = produced.sent.length
  return {
    latencies,
    lost,
    rate: (events * 1000) / produced.elapsedMs,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
    producerCpuUs: produced.cpuUs / events,
    // The consumer's CPU since its reset also covers the warm-up events it received.
    consumerCpuUs: consumed.cpuUs / consumed.received.length,
  }
}

export const latencyScenario: EventScenario = {
  name: 'latency',
  title: 'event latency at a steady rate: commit → relay → RabbitMQ → consumer commit vs broker alone',
  targetLabels: Object.values(labels),
  async run({ logDir, keepLogs }) {
    const skipped = await skipWithoutInfra(this)
    if (skipped) return skipped
    const rate = positiveFromEnv('BENCH_LATENCY_RATE', 200)
    const seconds = positiveFromEnv('BENCH_LATENCY_SECONDS', 10)
    const rounds = Math.max(1, Math.floor(positiveFromEnv('BENCH_LATENCY_ROUNDS', 2)))
    const notes = [loadNote('at start')]
    const prefix = benchPrefix('latency')
    const names = rabbitNames({ prefix })
    const rawExchange = `${prefix}raw.events`
    const rawQueue = `${prefix}raw.latency`
    const topology = {
      exchanges: [rawExchange, `${prefix}learnmesh.events`, `${prefix}learnmesh.dlx`],
      // The kernel consumer's queues (its worker reports the exact list once started; these are
      // the defaults, so a failed start does not leak them).
      queues: [
        rawQueue,
        names.queue(benchConsumer),
        names.deadLetterQueue(benchConsumer),
        ...[1000, 5000, 30_000, 120_000].map((d) => names.retryQueue(benchConsumer, d)),
      ],
    }
    const workerNames = ['raw-consumer', 'raw-producer', 'kernel-consumer', 'kernel-producer'] as const
    const logs = workerNames.map((w) => workerLog(logDir, 'latency', w))
    const database = await createPostgresTestDatabase(fixtureMigrations)
    const model = await amqp.connect(testRabbitUrl)
    const workers: Worker[] = []
    try {
      const ch = await model.createChannel()
      await ch.assertExchange(rawExchange, 'topic', { durable: true })
      await ch.assertQueue(rawQueue, quorumQueue)
      await ch.bindQueue(rawQueue, rawExchange, benchEvent.type)

      const kernel = { brokerUrl: testRabbitUrl, databaseUrl: database.url, prefix }
      const raw = { brokerUrl: testRabbitUrl, exchange: rawExchange, routingKey: benchEvent.type }
      // Consumers first: the kernel consumer declares and binds its queue before anything is published.
      const [rawConsumer, kernelConsumer] = await Promise.all([
        startWorker(
          'raw-consumer',
          { role: 'raw-consumer', brokerUrl: testRabbitUrl, queue: rawQueue, prefetch: 10 },
          logs[0],
        ),
        startWorker('kernel-consumer', { role: 'kernel-consumer', ...kernel }, logs[2]),
      ])
      workers.push(rawConsumer, kernelConsumer)
      const kernelTopology = await kernelConsumer.call<{ exchanges: string[]; queues: string[] }>('topology')
      topology.queues = [...new Set([...topology.queues, ...kernelTopology.queues])]
      const [rawProducer, kernelProducer] = await Promise.all([
        startWorker('raw-producer', { role: 'raw-producer', ...raw }, logs[1]),
        startWorker('kernel-producer', { role: 'kernel-producer', ...kernel }, logs[3]),
      ])
      workers.push(rawProducer, kernelProducer)

      const variants = {
        raw: { producer: rawProducer, consumer: rawConsumer },
        kernel: { producer: kernelProducer, consumer: kernelConsumer },
      }
      const runs = { raw: [] as Run[], kernel: [] as Run[] }
      const breakdown: Breakdown = { wake: [], relayBroker: [], consumer: [] }
      /** Splits the kernel path with the outbox's published_at (the relay pass's transaction start). */
      async function split(produced: ProducedRun, consumed: ConsumedRun): Promise<void> {
        const rows = await database.query<{ id: string; t: string }>(
          sql`select id::text as id, (extract(epoch from published_at) * 1000)::text as t from ${outbox} where published_at is not null`,
        )
        const published = new Map(rows.map((r) => [r.id, Number(r.t)]))
        const delivered = new Map(consumed.delivered ?? [])
        const committed = new Map(consumed.received)
        for (const [id, t] of produced.sent) {
          const p = published.get(id)
          const d = delivered.get(id)
          const c = committed.get(id)
          if (p === undefined || d === undefined || c === undefined) continue
          breakdown.wake.push(p - t)
          breakdown.relayBroker.push(d - p)
          breakdown.consumer.push(c - d)
        }
      }
      for (let round = 1; round <= rounds; round++) {
        for (const key of ['raw', 'kernel'] as const) {
          const { producer, consumer } = variants[key]
          await consumer.call('reset')
          const produced = await producer.call<ProducedRun>(
            'run',
            { rate, seconds, warmupSeconds: round === 1 ? 2 : 1 },
            (seconds + 30) * 1000,
          )
          const consumed = await consumer.call<ConsumedRun>(
            'collect',
            { n: produced.warm + produced.sent.length, timeoutMs: 15_000 },
            30_000,
          )
          const r = latencyRun(produced, consumed)
          runs[key].push(r)
          if (key === 'kernel') await split(produced, consumed)
          console.error(
            `   [latency ${round}/${rounds}] ${key}: p50 ${fixed(r.p50)} ms, p99 ${fixed(r.p99)} ms, ` +
              `${int(r.rate)} events/s${r.lost ? `, ${r.lost} not received` : ''}`,
          )
        }
      }

      const pooled = (key: 'raw' | 'kernel') => runs[key].flatMap((r) => r.latencies).sort((a, b) => a - b)
      const summary = (key: 'raw' | 'kernel', label: string) => {
        const all = pooled(key)
        return {
          key,
          label,
          samples: all.length,
          lost: runs[key].reduce((sum, r) => sum + r.lost, 0),
          rate: median(runs[key].map((r) => r.rate)),
          p50: quantile(all, 0.5),
          p95: quantile(all, 0.95),
          p99: quantile(all, 0.99),
          max: all.at(-1) ?? Number.NaN,
          p99Rounds: runs[key].map((r) => r.p99),
          producerCpuUs: median(runs[key].map((r) => r.producerCpuUs)),
          consumerCpuUs: median(runs[key].map((r) => r.consumerCpuUs)),
        }
      }
      const base = summary('raw', 'broker only: amqplib confirm publish → consume')
      const cand = summary('kernel', 'kernel: commit → relay → broker → consume() commit')
      const summaries = [base, cand]
      const ratio = cand.p99 / base.p99
      const roundRatios = runs.kernel.map((r, i) => r.p99 / runs.raw[i]!.p99)
      const complete = cand.lost === 0 && base.lost === 0
      const targets: EventTargetResult[] = [
        {
          label: labels.p99,
          value: cand.p99,
          status: complete && cand.p99 < 50 ? 'PASS' : 'FAIL',
          detail: `${fixed(cand.p99)} ms (per round ${cand.p99Rounds.map((v) => fixed(v)).join(' / ')})`,
        },
        {
          label: labels.ratio,
          value: ratio,
          status: complete && ratio <= 15 ? 'PASS' : 'FAIL',
          detail:
            `${fixed(ratio, 2)}× (${fixed(cand.p99)} / ${fixed(base.p99)} ms; per round ` +
            `${roundRatios.map((v) => fixed(v, 2)).join(' / ')})`,
        },
      ]
      const warnings = summaries
        .filter((s) => s.lost > 0)
        .map((s) => `${s.label}: ${s.lost} events not received within 15 s`)
      const seg = (values: number[]) => {
        const sorted = [...values].sort((a, b) => a - b)
        return `${fixed(quantile(sorted, 0.5))} / ${fixed(quantile(sorted, 0.99))}`
      }
      notes.push(
        `kernel path split, p50 / p99 ms: commit → relay pass starts ${seg(breakdown.wake)}; ` +
          `pass start → delivered to consume() ${seg(breakdown.relayBroker)}; ` +
          `delivery → consumer commit ${seg(breakdown.consumer)}`,
        'kernel: writer = one transaction per event (note insert + writeEvent), time taken when COMMIT returns; ' +
          "relay in the writer's process, woken by NOTIFY; consumer = consume() in its own process, time taken " +
          'when its transaction (inbox insert + note update) has committed. Broker only: time at the publish call, ' +
          'and at receipt in the consumer. Each in its own process; prefetch 10 for both consumers.',
        loadNote('at end'),
      )
      const rows = [
        [
          'variant',
          'events/s',
          'samples',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'p99 per round',
          'max ms',
          'CPU µs/event (producer + consumer)',
        ],
        ...summaries.map((s) => [
          s.label,
          int(s.rate),
          int(s.samples),
          fixed(s.p50),
          fixed(s.p95),
          fixed(s.p99),
          s.p99Rounds.map((v) => fixed(v)).join(' / '),
          fixed(s.max),
          `${fixed(s.producerCpuUs)} + ${fixed(s.consumerCpuUs)}`,
        ]),
      ]
      printScenario(
        this,
        `${rate} events/s for ${seconds} s per run (after 2 s, then 1 s, of unmeasured warm-up), ${rounds} rounds alternating, ` +
          "percentiles over all rounds' samples",
        rows,
        warnings,
        targets,
        notes,
      )
      return { name: this.name, title: this.title, summaries, targets, notes }
    } finally {
      await Promise.all(workers.map((w) => w.stop()))
      await model.close().catch(() => {})
      await cleanUpTopology(topology)
      await database
        .drop()
        .catch((err: unknown) => console.error(`   could not drop the database: ${(err as Error).message}`))
      if (!keepLogs) for (const file of logs) rmSync(file, { force: true })
    }
  },
}
