import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import amqp from 'amqplib'
import { onTestFailed } from 'vitest'
import { sql } from 'drizzle-orm'
import { createPostgresTestDatabase, rabbitTestPrefix } from '@learnmesh/kernel/testing'
import type { Database } from '@learnmesh/kernel'
import { consumerMigrations, producerMigrations } from './fixtures/migrations.ts'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const entries = {
  producer: 'tests/system/backbone/fixtures/producer/main.ts',
  relay: 'tests/system/backbone/fixtures/producer/relay.ts',
  consumer: 'tests/system/backbone/fixtures/consumer/main.ts',
  worker: 'tests/system/backbone/fixtures/consumer/worker.ts',
} as const

/** Which fixture to start. */
export type FixtureKind = keyof typeof entries

/** A fixture process started by the harness (and only ever signalled by its own pid). */
export interface FixtureProcess {
  readonly kind: FixtureKind
  readonly name: string
  readonly pid: number
  /** What the process printed on its READY line. */
  readonly ready: Record<string, unknown>
  /** What it printed on its STATS line at a graceful stop (relays), if it did. */
  stats(): Record<string, unknown> | undefined
  /** stdout + stderr so far (the last 256 KiB). */
  output(): string
  /** Sends a signal to this process (SIGKILL for the chaos test). */
  kill(signal: NodeJS.Signals): void
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it exited. */
  stop(graceMs?: number): Promise<void>
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>
}

/** Polls `check` until true, or throws `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

/** Per-run state: a fresh database on the real PostgreSQL, a unique broker prefix, the processes. */
export interface BackboneRun {
  readonly database: Database & { url: string }
  readonly prefix: string
  readonly brokerUrl: string
  readonly processes: FixtureProcess[]
  /** Starts a fixture process and waits for its READY line. */
  start(kind: FixtureKind, env?: Record<string, string>): Promise<FixtureProcess>
  /** One integer from SQL like `select count(*)::int as n from …`. */
  count(query: ReturnType<typeof sql>): Promise<number>
  /** Stops every process (by pid), deletes the run's exchanges and queues, drops the database. */
  close(): Promise<void>
}

/**
 * Creates a run: database `lm_test_…` on TEST_DATABASE_URL's server with both fixture schemas
 * migrated, and a unique exchange/queue prefix on `brokerUrl`.
 */
export async function createBackboneRun(options: {
  brokerUrl: string
  /** Environment every fixture gets (on top of DATABASE_URL, BROKER_URL, PREFIX). */
  env?: Record<string, string>
}): Promise<BackboneRun> {
  const database = await createPostgresTestDatabase(producerMigrations, consumerMigrations)
  const prefix = rabbitTestPrefix()
  const processes: FixtureProcess[] = []
  const queues = new Set<string>()
  let counter = 0

  async function start(kind: FixtureKind, env: Record<string, string> = {}): Promise<FixtureProcess> {
    const name = `${kind}#${++counter}`
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entries[kind]], {
      cwd: root,
      env: {
        ...process.env,
        LOG_LEVEL: process.env.BACKBONE_LOG_LEVEL ?? 'warn',
        REPLICA: name,
        ...options.env,
        ...env,
        DATABASE_URL: database.url,
        BROKER_URL: options.brokerUrl,
        PREFIX: prefix,
      },
      // stdin stays open: when this test process dies, the fixture sees EOF and exits.
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let out = ''
    const append = (d: Buffer) => {
      out += d.toString()
      if (out.length > 262_144) out = out.slice(-262_144)
    }
    child.stdout!.on('data', append)
    child.stderr!.on('data', append)
    child.stdin!.on('error', () => {})
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`${name} not ready within 60 s:\n${out}`))
      }, 60_000)
      const poll = setInterval(() => {
        const m = /^READY (.*)$/m.exec(out)
        if (m) {
          clearInterval(poll)
          clearTimeout(timer)
          resolve(JSON.parse(m[1]!) as Record<string, unknown>)
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearInterval(poll)
          clearTimeout(timer)
          reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before ready:\n${out}`))
        }
      }, 25)
    })
    const topology = ready.topology as { queues?: string[] } | undefined
    for (const q of topology?.queues ?? []) queues.add(q)
    const proc: FixtureProcess = {
      kind,
      name,
      pid: child.pid!,
      ready,
      output: () => out,
      stats() {
        const m = /^STATS (.*)$/m.exec(out)
        return m ? (JSON.parse(m[1]!) as Record<string, unknown>) : undefined
      },
      kill(signal) {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      },
      async stop(graceMs = 10_000) {
        if (child.exitCode !== null || child.signalCode !== null) return
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
        await exited
        clearTimeout(timer)
      },
      exited,
    }
    processes.push(proc)
    return proc
  }

  return {
    database,
    prefix,
    brokerUrl: options.brokerUrl,
    processes,
    start,
    async count(query) {
      const rows = await database.query<{ n: number }>(query)
      return Number(rows[0]?.n ?? 0)
    },
    async close() {
      await Promise.allSettled(processes.map((p) => p.stop()))
      try {
        const conn = await amqp.connect(options.brokerUrl, { timeout: 5000 })
        conn.on('error', () => {})
        for (const q of queues) {
          const ch = await conn.createChannel()
          ch.on('error', () => {})
          await ch.deleteQueue(q).catch(() => {})
          await ch.close().catch(() => {})
        }
        for (const e of [`${prefix}learnmesh.events`, `${prefix}learnmesh.dlx`]) {
          const ch = await conn.createChannel()
          ch.on('error', () => {})
          await ch.deleteExchange(e).catch(() => {})
          await ch.close().catch(() => {})
        }
        await conn.close().catch(() => {})
      } catch {
        // broker gone (a private node is deleted with its data anyway)
      }
      await database.drop()
    },
  }
}

/**
 * Call inside a test: when it fails, prints the tail of every fixture process's output (their
 * logs are the only record of what a relay or consumer saw).
 */
export function dumpOnFailure(run: BackboneRun): void {
  onTestFailed(() => {
    for (const p of run.processes) {
      const out = p.output().trim()
      if (out) console.error(`--- ${p.name} (pid ${p.pid}) ---\n${out.slice(-4000)}`)
    }
  })
}

/** Counts of the fixture tables that the assertions use. */
export async function tally(run: BackboneRun) {
  const [row] = await run.database.query<Record<string, number>>(sql`
    select
      (select count(*)::int from fx_producer.outbox) as outbox,
      (select count(*)::int from fx_producer.outbox where published_at is null) as unpublished,
      (select count(*)::int from fx_consumer.effects) as effects,
      (select count(distinct event_id)::int from fx_consumer.effects) as distinct_effects,
      (select count(*)::int from fx_consumer.inbox) as inbox,
      (select count(*)::int from fx_consumer.deliveries) as deliveries,
      (select count(*)::int from fx_producer.outbox o
         where not exists (select 1 from fx_consumer.effects e where e.event_id = o.id)) as missing,
      (select count(*)::int from fx_consumer.effects e
         where not exists (select 1 from fx_producer.outbox o where o.id = e.event_id)) as foreign_effects`)
  return row as {
    outbox: number
    unpublished: number
    effects: number
    distinct_effects: number
    inbox: number
    deliveries: number
    missing: number
    foreign_effects: number
  }
}

/**
 * Sends `total` writes to the producer with at most `concurrency` in flight, at no more than
 * `perSecond` (when given): every 4th write changes an order placed earlier, the rest place new
 * ones. Returns the statuses seen (the tests want only 2xx).
 */
export async function writeOrders(
  baseUrl: string,
  total: number,
  options: { concurrency: number; perSecond?: number; shouldStop?: () => boolean },
): Promise<{ sent: number; statuses: Map<number, number>; errors: string[] }> {
  const statuses = new Map<number, number>()
  const errors: string[] = []
  const placed: string[] = []
  let next = 0
  const started = Date.now()
  async function one(i: number): Promise<void> {
    let res: Response
    const change = i % 4 === 3 && placed.length > 0
    try {
      if (change) {
        const id = placed[Math.floor(Math.random() * placed.length)]!
        res = await fetch(`${baseUrl}/orders/${id}/changes`, { method: 'POST' })
      } else {
        res = await fetch(`${baseUrl}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      }
    } catch (err) {
      errors.push((err as Error).message)
      statuses.set(0, (statuses.get(0) ?? 0) + 1)
      return
    }
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
    const body = (await res.json()) as { id?: string }
    if (!change && res.status === 201 && body.id) placed.push(body.id)
  }
  async function worker(): Promise<void> {
    for (;;) {
      if (options.shouldStop?.()) return
      const i = next++
      if (i >= total) return
      if (options.perSecond) {
        const due = started + (i * 1000) / options.perSecond
        const wait = due - Date.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      }
      await one(i)
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()))
  return { sent: Math.min(next, total), statuses, errors }
}

/** `{201: 10, 200: 3}` → "201×10 200×3", for messages. */
export function describeStatuses(statuses: Map<number, number>): string {
  return [...statuses].map(([s, n]) => `${s}×${n}`).join(' ')
}
