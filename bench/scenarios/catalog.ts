// `npm run bench -- catalog`: catalog search through the gateway (gateway process → learning service
// process → PostgreSQL), with a Zipf mix of a few thousand distinct searches, side by side with the
// gateway pass-through baseline (gateway → trivial service), at 10,000 → 100,000 → 1,000,000 courses.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import autocannon, { type Options, type Result } from 'autocannon'
import pg from 'pg'
import { migrate, openDatabase, sql, type Database } from '@learnmesh/kernel'
import { postgresAvailable, testPostgresUrl } from '@learnmesh/kernel/testing'
import { learningService } from '@learnmesh/learning'
import { startServer, type ServerChild } from '../lib/children.ts'
import { median } from '../lib/measure.ts'
import { fixed, int, printScenario, type EventScenario, type EventTargetResult } from '../events/report.ts'
import { queryMix, seedCatalog } from './catalog-data.ts'

const CONNECTIONS = 50
const DB_NAME = 'lm_bench_catalog'

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got '${raw}'`)
  return value
}

/** Busy CPU time of the machine so far (µs), NaN without /proc/stat (as bench/lib/measure.ts). */
function machineBusyUs(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    const busy = fields.slice(0, 8).reduce((sum, v, i) => (i >= 3 && i <= 6 ? sum : sum + v), 0)
    return (busy * 1e6) / 100
  } catch {
    return Number.NaN
  }
}

interface Run {
  variant: string
  courses: number
  reqPerSec: number
  p50: number
  p99: number
  cpuUsPerReq: number
  cpuBreakdown: Record<string, number>
  loadgenUsPerReq: number
  /** CPU of everything else on the machine (PostgreSQL included for the catalog), cores. */
  otherCores: number
  distinctPaths: number
  /** Requests completed in the measured run. */
  requests: number
  /** Requests that reached the learning service (its /metrics): the rest were answered by the gateway's micro-cache. */
  reachedLearning: number | null
  errors: number
  non2xx: number
}

/** GET /catalog requests the learning service has served so far (its http_requests_total), or NaN. */
async function learningCatalogRequests(learningUrl: string): Promise<number> {
  try {
    const text = await (await fetch(`${learningUrl}/metrics`)).text()
    let total = 0
    for (const line of text.split('\n'))
      if (line.startsWith('http_requests_total{') && line.includes('route="/catalog"'))
        total += Number(line.slice(line.lastIndexOf(' ') + 1))
    return total
  } catch {
    return Number.NaN
  }
}

/** autocannon with one request whose path is drawn per request (the typed Options lack `requests`). */
function fire(base: string, path: () => string, duration: number, seen?: Set<string>): Promise<Result> {
  const options = {
    url: base,
    connections: CONNECTIONS,
    duration,
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        method: 'GET',
        setupRequest: (req: Record<string, unknown>) => {
          const p = path()
          seen?.add(p)
          return { ...req, path: p }
        },
      },
    ],
  }
  return autocannon(options as unknown as Options)
}

async function measure(
  variant: string,
  courses: number,
  base: string,
  path: () => string,
  servers: ServerChild[],
  settings: { warmup: number; duration: number; learningUrl?: string },
): Promise<Run> {
  if (settings.warmup > 0) await fire(base, path, settings.warmup)
  const seen = new Set<string>()
  const served0 = settings.learningUrl ? await learningCatalogRequests(settings.learningUrl) : 0
  const before = await Promise.all(servers.map((s) => s.cpu()))
  const gen0 = process.cpuUsage()
  const machine0 = machineBusyUs()
  const t0 = performance.now()
  const result = await fire(base, path, settings.duration, seen)
  const wallUs = (performance.now() - t0) * 1000
  const machine = machineBusyUs() - machine0
  const gen = process.cpuUsage(gen0)
  const after = await Promise.all(servers.map((s) => s.cpu()))
  const n = result.requests.total
  const per = (us: number) => (n > 0 ? us / n : Number.NaN)
  const cpuBreakdown: Record<string, number> = {}
  let cpu = 0
  servers.forEach((s, i) => {
    const used = after[i]! - before[i]!
    cpu += used
    cpuBreakdown[s.name] = per(used)
  })
  return {
    variant,
    courses,
    reqPerSec: n / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUsPerReq: per(cpu),
    cpuBreakdown,
    loadgenUsPerReq: per(gen.user + gen.system),
    otherCores: Math.max(0, (machine - cpu - gen.user - gen.system) / wallUs),
    distinctPaths: seen.size,
    requests: n,
    reachedLearning: settings.learningUrl
      ? (await learningCatalogRequests(settings.learningUrl)) - served0
      : null,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  }
}

async function adminQuery<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]> {
  const admin = new pg.Client({ connectionString: testPostgresUrl })
  await admin.connect()
  try {
    return (await admin.query(text, values)).rows as R[]
  } finally {
    await admin.end()
  }
}

/**
 * Seeded databases are kept as templates (`lm_bench_catalog_t<size>_<fingerprint>`) so a later run
 * copies them (CREATE DATABASE … TEMPLATE, STRATEGY file_copy: seconds) instead of seeding a million
 * rows again (many minutes on a busy machine). The fingerprint covers the seed code and learning's
 * migrations, so any change to either seeds afresh. BENCH_CATALOG_RESEED=1 ignores (and replaces) them.
 */
function seedFingerprint(): string {
  const hash = createHash('sha256').update(seedCatalog.toString())
  const folder = learningService.migrations.folder
  for (const file of readdirSync(folder).sort())
    if (file.endsWith('.sql')) hash.update(file).update(readFileSync(join(folder, file)))
  return hash.digest('hex').slice(0, 12)
}

/** Grows the catalog to `to` courses: chunks on two connections (two cores), then VACUUM ANALYZE. */
async function growTo(database: Database, from: number, to: number): Promise<number> {
  const t0 = performance.now()
  const chunk = Math.max(5000, Math.ceil((to - from) / 8))
  const ranges: [number, number][] = []
  for (let a = from; a < to; a += chunk) ranges.push([a, Math.min(to, a + chunk)])
  const workers = [0, 1].map(async (w) => {
    for (let i = w; i < ranges.length; i += 2) await seedCatalog(database, ranges[i]![0], ranges[i]![1])
  })
  await Promise.all(workers)
  // Flushes the GIN pending lists, sets the visibility map and refreshes the planner's statistics.
  await database.query(sql`vacuum analyze learning.catalog_entries`)
  return (performance.now() - t0) / 1000
}

const LABELS = {
  ratio: 'catalog search req/s ≥ 0.5× gateway pass-through (100,000 courses)',
  p99: 'catalog search p99 ≤ 25 ms at 50 connections (100,000 courses)',
  growth: 'catalog p99 at 1,000,000 courses ≤ 2× p99 at 10,000',
}

/** The `catalog` scenario (drives its own processes and database, like the event scenarios). */
export const catalogScenario: EventScenario = {
  name: 'catalog',
  title:
    'catalog search via the gateway on PostgreSQL (Zipf mix) vs gateway pass-through; 10k → 100k → 1M courses',
  targetLabels: Object.values(LABELS),
  async run(context) {
    const duration = numberFromEnv('BENCH_DURATION', 8)
    const warmup = numberFromEnv('BENCH_WARMUP', 3)
    const rounds = Math.max(1, Math.min(context.rounds, 2))
    const sizes = (process.env.BENCH_CATALOG_SIZES ?? '10000,100000,1000000').split(',').map(Number)
    // Extra learning settings to compare, e.g. BENCH_CATALOG_ENV=CATALOG_SEARCH_BOUND=200 (comma-separated).
    const learningEnv = Object.fromEntries(
      (process.env.BENCH_CATALOG_ENV ?? '')
        .split(',')
        .filter((pair) => pair.includes('='))
        .map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()]),
    )
    // The same for the gateway, e.g. BENCH_CATALOG_GATEWAY_ENV=RESPONSE_CACHE_MAX_BYTES=0 (micro-cache off).
    const gatewayEnv = Object.fromEntries(
      (process.env.BENCH_CATALOG_GATEWAY_ENV ?? '')
        .split(',')
        .filter((pair) => pair.includes('='))
        .map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()]),
    )
    const [small, middle, large] = sizes as [number, number, number]
    const pg0 = await postgresAvailable()
    if (!pg0.ok) {
      const targets = Object.values(LABELS).map((label): EventTargetResult => ({
        label,
        value: null,
        status: 'N/A',
        detail: 'skipped',
      }))
      console.log(`\n== catalog: ${this.title}`)
      for (const t of targets) console.log(`   ${t.status.padEnd(4)}  ${t.label}: ${t.detail}`)
      console.log(`   note: skipped: ${pg0.reason}`)
      return { name: 'catalog', title: this.title, summaries: [], targets, notes: [pg0.reason] }
    }

    const started = performance.now()
    const notes: string[] = []
    const runs: Run[] = []
    const url = new URL(testPostgresUrl)
    url.pathname = `/${DB_NAME}`
    await adminQuery(`drop database if exists ${DB_NAME} with (force)`)
    await adminQuery(`create database ${DB_NAME}`)
    const openSeed = () =>
      openDatabase({ url: url.toString(), poolSize: 2, applicationName: 'bench-catalog-seed' })
    let database = await openSeed()
    const fingerprint = seedFingerprint()
    const reseed = process.env.BENCH_CATALOG_RESEED === '1'
    const templateOf = (size: number) => `${DB_NAME}_t${size}_${fingerprint}`
    /**
     * Brings the database to `to` courses (from `from`): a copy of the cached template when there is
     * one, else seeded and then kept as the template. The learning and gateway processes are stopped
     * first (a template copy needs the database to itself; they are restarted fresh anyway).
     */
    const growOrRestore = async (from: number, to: number): Promise<string> => {
      const template = templateOf(to)
      const t0 = performance.now()
      const exists = async (name: string) =>
        (await adminQuery('select 1 from pg_database where datname = $1', [name])).length > 0
      if (!reseed && (await exists(template))) {
        await stopLive()
        await database.close()
        await adminQuery(`drop database if exists ${DB_NAME} with (force)`)
        await adminQuery(`create database ${DB_NAME} template ${template} strategy file_copy`)
        database = await openSeed()
        return `${int(to)} courses copied from the seeded template ${template} in ${fixed((performance.now() - t0) / 1000)} s`
      }
      const seconds = await growTo(database, from, to)
      await stopLive()
      await database.close()
      // Older templates of this size (another fingerprint) are dropped: one per size is kept.
      for (const { datname } of await adminQuery<{ datname: string }>(
        'select datname from pg_database where datname like $1',
        [`${DB_NAME}_t${to}\\_%`],
      ))
        await adminQuery(`drop database if exists ${datname} with (force)`)
      await adminQuery(`create database ${template} template ${DB_NAME} strategy file_copy`)
      database = await openSeed()
      return `seeded ${int(from)} → ${int(to)} courses in ${fixed(seconds)} s (kept as the template ${template})`
    }
    const logFiles = {
      learning: join(context.logDir, 'catalog-learning.log'),
      gateway: join(context.logDir, 'catalog-gateway.log'),
      service: join(context.logDir, 'catalog-ping-service.log'),
    }
    let ping: ServerChild | undefined
    let live: ServerChild[] = []
    const stopLive = async () => {
      await Promise.all(live.map((s) => s.stop()))
      live = []
    }
    // Fresh learning + gateway processes per catalog size: empty caches, as after a deploy.
    const startLive = async () => {
      await stopLive()
      const learning = await startServer(
        'learning',
        'catalog-learning',
        { databaseUrl: url.toString(), env: learningEnv },
        logFiles.learning,
      )
      live.push(learning)
      const gateway = await startServer(
        'gateway',
        'catalog-gateway',
        { bench: ping!.url, learning: learning.url, env: gatewayEnv },
        logFiles.gateway,
      )
      live.push(gateway)
      return { learning, gateway }
    }
    const mix = queryMix({ distinct: 4000, s: 1.0, prefix: '/api/learning/catalog' })
    const passThrough = () => '/api/bench/ping'
    try {
      await migrate(database, learningService.migrations)
      ping = await startServer('service', 'service', {}, logFiles.service)

      const measureCatalog = async (
        courses: number,
        servers: { learning: ServerChild; gateway: ServerChild },
        warm: number,
      ) => {
        const run = await measure(
          'catalog',
          courses,
          servers.gateway.url,
          mix.pick,
          [servers.gateway, servers.learning],
          {
            warmup: warm,
            duration,
            learningUrl: servers.learning.url,
          },
        )
        runs.push(run)
        console.error(
          `   [catalog ${int(courses)} courses] search: ${int(run.reqPerSec)} req/s, p99 ${run.p99} ms, ${fixed(run.cpuUsPerReq)} CPU µs/req`,
        )
        return run
      }

      // 1. The small catalog.
      notes.push(await growOrRestore(0, small))
      let servers = await startLive()
      const probe = await fetch(`${servers.gateway.url}${mix.paths[0]}`)
      if (!probe.ok)
        throw new Error(`catalog probe answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`)
      const atSmall = await measureCatalog(small, servers, warmup)

      // 2. The middle size, alternating with the pass-through baseline.
      notes.push(await growOrRestore(small, middle))
      servers = await startLive()
      const baseRuns: Run[] = []
      const midRuns: Run[] = []
      for (let round = 1; round <= rounds; round++) {
        const w = round === 1 ? warmup : Math.min(warmup, 1)
        const base = await measure(
          'pass-through',
          middle,
          servers.gateway.url,
          passThrough,
          [servers.gateway, ping],
          {
            warmup: w,
            duration,
          },
        )
        runs.push(base)
        baseRuns.push(base)
        console.error(
          `   [catalog ${round}/${rounds}] pass-through: ${int(base.reqPerSec)} req/s, p99 ${base.p99} ms`,
        )
        midRuns.push(await measureCatalog(middle, servers, w))
      }

      // 3. The large catalog.
      notes.push(await growOrRestore(middle, large))
      servers = await startLive()
      const atLarge = await measureCatalog(large, servers, warmup)
      await stopLive()

      // Report.
      const valid = (r: Run[]) => r.every((x) => x.errors === 0 && x.non2xx === 0)
      const ratios = midRuns.map((r, i) => r.reqPerSec / baseRuns[i]!.reqPerSec)
      const ratio = median(ratios)
      const midP99 = median(midRuns.map((r) => r.p99))
      const growth = atLarge.p99 / atSmall.p99
      const targets: EventTargetResult[] = [
        {
          label: LABELS.ratio,
          value: ratio,
          status: ratio >= 0.5 && valid([...midRuns, ...baseRuns]) ? 'PASS' : 'FAIL',
          detail: `${ratio.toFixed(2)}× (per round ${ratios.map((r) => r.toFixed(2)).join(' / ')})`,
        },
        {
          label: LABELS.p99,
          value: midP99,
          status: midP99 <= 25 && valid(midRuns) ? 'PASS' : 'FAIL',
          detail: `${midP99} ms`,
        },
        {
          label: LABELS.growth,
          value: growth,
          status: growth <= 2 && valid([atSmall, atLarge]) ? 'PASS' : 'FAIL',
          detail: `${atLarge.p99} ms vs ${atSmall.p99} ms (${growth.toFixed(2)}×); p99 at ${int(large)}: ${atLarge.p99} ms`,
        },
      ]
      const rows = [
        [
          'variant',
          'courses',
          'req/s',
          'p50 ms',
          'p99 ms',
          'CPU µs/req',
          'CPU by process',
          'loadgen µs/req',
          'other cores',
          'distinct URLs',
          'reached learning',
        ],
        ...runs.map((r) => [
          r.variant === 'catalog' ? 'catalog search' : 'gateway pass-through',
          int(r.courses),
          int(r.reqPerSec),
          fixed(r.p50, 0),
          fixed(r.p99, 0),
          fixed(r.cpuUsPerReq),
          Object.entries(r.cpuBreakdown)
            .map(([k, v]) => `${k} ${fixed(v)}`)
            .join(' + '),
          fixed(r.loadgenUsPerReq),
          fixed(r.otherCores, 2),
          r.variant === 'catalog' ? int(r.distinctPaths) : '1',
          r.reachedLearning === null || Number.isNaN(r.reachedLearning)
            ? ''
            : `${fixed((100 * r.reachedLearning) / Math.max(1, r.requests), 0)}%`,
        ]),
      ]
      const warnings = runs
        .filter((r) => r.errors || r.non2xx)
        .map(
          (r) =>
            `${r.variant} at ${int(r.courses)}: ${r.errors} errors/timeouts, ${r.non2xx} non-2xx responses`,
        )
      notes.push(
        ...(Object.keys(learningEnv).length ? [`learning env: ${JSON.stringify(learningEnv)}`] : []),
        ...(Object.keys(gatewayEnv).length ? [`gateway env: ${JSON.stringify(gatewayEnv)}`] : []),
        `query mix: ${int(mix.paths.length)} distinct searches (85% with q: topics, topic + qualifier, topic pairs; filters; sorts), Zipf s=1.0; anonymous; limit 20`,
        '"other cores" is mostly PostgreSQL for the catalog rows (its CPU is not in CPU µs/req)',
        `whole scenario ${fixed((performance.now() - started) / 1000, 0)} s`,
      )
      printScenario(
        this,
        `${CONNECTIONS} connections, ${duration} s measured per run after a warm-up (${warmup} s), ${rounds} round(s) at ${int(middle)}`,
        rows,
        warnings,
        targets,
        notes,
      )
      return { name: 'catalog', title: this.title, summaries: runs, targets, notes }
    } finally {
      await stopLive().catch(() => {})
      await ping?.stop().catch(() => {})
      await database.close().catch(() => {})
      await adminQuery(`drop database if exists ${DB_NAME} with (force)`).catch(() => {})
    }
  },
}
