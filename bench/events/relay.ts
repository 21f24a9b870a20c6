// `relay`: how fast the kernel relay moves a full outbox to RabbitMQ, against raw amqplib
// publishing the same messages to the same kind of topology on the same broker.
import { rmSync } from 'node:fs'
import amqp from 'amqplib'
import { sql } from 'drizzle-orm'
import { writeEvent } from '@learnmesh/kernel'
import { createPostgresTestDatabase, testRabbitUrl } from '@learnmesh/kernel/testing'
import { median } from '../lib/measure.ts'
import { benchEnvelope, benchEvent, benchPayload, fixtureMigrations, outbox, quorumQueue } from './fixture.ts'
import {
  benchPrefix,
  cleanUpTopology,
  fixed,
  int,
  loadNote,
  printScenario,
  skipWithoutInfra,
  workerLog,
  type EventScenario,
  type EventTargetResult,
} from './report.ts'
import { startWorker, type Worker } from './workers.ts'
import type { ThroughputRun } from './worker.ts'

/** Events per run (BENCH_EVENTS). */
function eventsPerRun(): number {
  const raw = process.env.BENCH_EVENTS
  const n = raw ? Number(raw) : 20_000
  if (!Number.isInteger(n) || n < 100) throw new Error(`BENCH_EVENTS must be an integer ≥ 100, got '${raw}'`)
  return n
}

/** Unconfirmed messages the baseline keeps in flight at most. */
const window = 100
/** Rows per writer transaction when filling the outbox, and writers at once. */
const fillBatch = 100
const fillWriters = 4

const labels = {
  ratio: 'relay events/s ≥ 0.5× raw amqplib (≤ 100 unconfirmed in flight)',
  absolute: 'relay ≥ 5,000 events/s',
}

interface Run extends ThroughputRun {
  perSec: number
  cpuUsPerEvent: number
}

export const relayScenario: EventScenario = {
  name: 'relay',
  title: 'outbox relay throughput: kernel relay draining PostgreSQL → RabbitMQ vs raw amqplib confirms',
  targetLabels: Object.values(labels),
  async run({ rounds, logDir, keepLogs }) {
    const skipped = await skipWithoutInfra(this)
    if (skipped) return skipped
    const n = eventsPerRun()
    const notes = [loadNote('at start')]
    const prefix = benchPrefix('relay')
    const rawExchange = `${prefix}raw.events`
    const rawQueue = `${prefix}raw.sink`
    const relayExchange = `${prefix}learnmesh.events` // the transport's exchange for this prefix
    const relayQueue = `${prefix}relay.sink`
    const topology = {
      exchanges: [rawExchange, relayExchange, `${prefix}learnmesh.dlx`],
      queues: [rawQueue, relayQueue],
    }
    const logs = [workerLog(logDir, 'relay', 'raw-publisher'), workerLog(logDir, 'relay', 'relay')]
    const database = await createPostgresTestDatabase(fixtureMigrations)
    const model = await amqp.connect(testRabbitUrl)
    const workers: Worker[] = []
    try {
      const ch = await model.createChannel()
      // Both sides: a durable topic exchange routing to one durable quorum queue (nobody consumes
      // during the run; the queue is checked and purged after it). Unroutable messages would be
      // confirmed without being stored, so the relay's exchange gets a bound queue too.
      for (const [exchange, queue] of [
        [rawExchange, rawQueue],
        [relayExchange, relayQueue],
      ] as const) {
        await ch.assertExchange(exchange, 'topic', { durable: true })
        await ch.assertQueue(queue, quorumQueue)
        await ch.bindQueue(queue, exchange, benchEvent.type)
      }

      const [raw, relay] = await Promise.all([
        startWorker(
          'raw-publisher',
          {
            role: 'raw-publisher',
            brokerUrl: testRabbitUrl,
            exchange: rawExchange,
            routingKey: benchEvent.type,
          },
          logs[0],
        ),
        startWorker(
          'relay',
          { role: 'relay', brokerUrl: testRabbitUrl, databaseUrl: database.url, prefix },
          logs[1],
        ),
      ])
      workers.push(raw, relay)

      /** Waits until the queue holds `expected` messages (every confirmed message was stored), then empties it. */
      async function settle(queue: string, expected: number, who: string): Promise<void> {
        const until = Date.now() + 5000
        let count = -1
        while (Date.now() < until) {
          count = (await ch.checkQueue(queue)).messageCount
          if (count >= expected) break
          await new Promise((r) => setTimeout(r, 50))
        }
        await ch.purgeQueue(queue)
        if (count !== expected) throw new Error(`${who}: queue holds ${count} messages, expected ${expected}`)
      }

      async function fillOutbox(count: number): Promise<void> {
        await database.query(sql`truncate ${outbox}`)
        let next = 0
        await Promise.all(
          Array.from({ length: fillWriters }, async () => {
            while (next < count) {
              const from = next
              const to = Math.min(count, from + fillBatch)
              next = to
              await database.db.transaction(async (tx) => {
                for (let i = from; i < to; i++) {
                  // 1,000 aggregates: a batch holds a few events of the same aggregate, as real traffic does.
                  await writeEvent(tx, outbox, benchEvent, {
                    aggregateId: `note-${i % 1000}`,
                    orgId: null,
                    payload: benchPayload(`note-${i}`),
                  })
                }
              })
            }
          }),
        )
        await database.query(sql`analyze ${outbox}`)
      }

      const measureRaw = async (count: number): Promise<Run> => {
        const r = await raw.call<ThroughputRun>('publish', { n: count, window })
        await settle(rawQueue, count, 'raw amqplib')
        return { ...r, perSec: (r.events * 1000) / r.ms, cpuUsPerEvent: r.cpuUs / r.events }
      }
      const measureRelay = async (count: number): Promise<Run> => {
        await fillOutbox(count)
        const r = await relay.call<ThroughputRun>('drain')
        if (r.events !== count) throw new Error(`relay: outbox held ${r.events} events, expected ${count}`)
        await settle(relayQueue, count, 'relay')
        return { ...r, perSec: (r.events * 1000) / r.ms, cpuUsPerEvent: r.cpuUs / r.events }
      }

      // Warm-up: JIT, connections, the publisher channel, PostgreSQL's caches; not measured.
      const warm = Math.min(n, 2000)
      await measureRaw(warm)
      await measureRelay(warm)

      const runs = { raw: [] as Run[], relay: [] as Run[] }
      for (let round = 1; round <= rounds; round++) {
        for (const key of ['raw', 'relay'] as const) {
          const r = key === 'raw' ? await measureRaw(n) : await measureRelay(n)
          runs[key].push(r)
          console.error(
            `   [relay ${round}/${rounds}] ${key}: ${int(r.perSec)} events/s (${int(r.ms)} ms), ` +
              `${fixed(r.cpuUsPerEvent)} CPU µs/event`,
          )
        }
      }

      const ratios = runs.relay.map((r, i) => r.perSec / runs.raw[i]!.perSec)
      const summary = (key: 'raw' | 'relay', label: string) => ({
        key,
        label,
        eventsPerSec: median(runs[key].map((r) => r.perSec)),
        rounds: runs[key].map((r) => r.perSec),
        ms: median(runs[key].map((r) => r.ms)),
        cpuUsPerEvent: median(runs[key].map((r) => r.cpuUsPerEvent)),
        ratio: key === 'raw' ? 1 : median(ratios),
        runs: runs[key],
      })
      const summaries = [
        summary('raw', 'raw amqplib (confirm channel, ≤ 100 in flight)'),
        summary('relay', 'kernel relay (outbox → createRabbitTransport)'),
      ]
      const relaySummary = summaries[1]!
      const rawSummary = summaries[0]!
      const cpuRatio = relaySummary.cpuUsPerEvent / rawSummary.cpuUsPerEvent
      const targets: EventTargetResult[] = [
        {
          label: labels.ratio,
          value: relaySummary.ratio,
          status: relaySummary.ratio >= 0.5 ? 'PASS' : 'FAIL',
          detail:
            `${relaySummary.ratio.toFixed(2)}× (per round ${ratios.map((r) => r.toFixed(2)).join(' / ')}); ` +
            `publisher CPU per event ${cpuRatio.toFixed(2)}× raw's`,
        },
        {
          label: labels.absolute,
          value: relaySummary.eventsPerSec,
          status: relaySummary.eventsPerSec >= 5000 ? 'PASS' : 'FAIL',
          detail: `${int(relaySummary.eventsPerSec)} events/s`,
        },
      ]
      notes.push(
        `relay: default batchSize (500), LISTEN off (the outbox is full before it starts), clock from createRelay to outbox empty; ` +
          `outbox filled with writeEvent, ${fillBatch} rows per transaction, before the clock starts`,
        loadNote('at end'),
      )
      const rows = [
        ['variant', 'events/s', 'per round', 'ms per run', 'CPU µs/event', `× raw`],
        ...summaries.map((s) => [
          s.label,
          int(s.eventsPerSec),
          s.rounds.map(int).join(' / '),
          int(s.ms),
          fixed(s.cpuUsPerEvent),
          s.ratio.toFixed(2),
        ]),
      ]
      printScenario(
        this,
        `${int(n)} persistent messages (${Buffer.byteLength(JSON.stringify(benchEnvelope('note-0')))} B) per run to a durable topic exchange → durable quorum queue, ` +
          `${rounds} rounds alternating after a ${int(warm)}-event warm-up, medians; CPU = the publishing process`,
        rows,
        [],
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
