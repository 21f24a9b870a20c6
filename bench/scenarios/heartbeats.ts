// `heartbeats`: video position heartbeats from thousands of signed-in learners, through the gateway
// to the learning service (both their own processes, cluster mode) on a private PostgreSQL database.
// Checks throughput and tail latency at the gateway, then that every position landed in
// lesson_progress once the service closed (its close flushes the buffer).
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import autocannon, { type Options, type Result } from 'autocannon'
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'
import pg from 'pg'
import { migrate, openDatabase, sql } from '@learnmesh/kernel'
import { postgresAvailable, testPostgresUrl } from '@learnmesh/kernel/testing'
import { learningService } from '@learnmesh/learning'
import { startServer, type ServerChild } from '../lib/children.ts'
import { createBenchDatabase, skippedScenario } from '../lib/platform.ts'
import {
  fixed,
  int,
  loadNote,
  printScenario,
  type EventScenario,
  type EventTargetResult,
} from '../events/report.ts'

function positiveFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got '${raw}'`)
  return value
}

const MIN_RATE = 3000
const MAX_P99_MS = 50
const labels = {
  rate: `heartbeats/s ≥ ${int(MIN_RATE)} sustained through the gateway`,
  p99: `gateway p99 < ${MAX_P99_MS} ms`,
  landed: 'every learner’s furthest position landed in lesson_progress',
}

const ISSUER = 'http://bench.learnmesh.test/identity'
const AUDIENCE = 'learnmesh'
const ORG = 'org_bench0000000000000000000000000000'
const VIDEO_SECONDS = 7200
const STEP_SECONDS = 10

/** Busy (non-idle) CPU time of the whole machine so far, in µs; NaN without /proc/stat (as lib/measure.ts). */
function machineBusyUs(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    const busy = fields.slice(0, 8).reduce((sum, v, i) => (i >= 3 && i <= 6 ? sum : sum + v), 0)
    return (busy * 1e6) / 100
  } catch {
    return Number.NaN
  }
}

/** CPU time (µs) used so far by the PostgreSQL backends serving `database` (from /proc; NaN if unreadable). */
async function postgresCpuUs(database: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: testPostgresUrl })
  await client.connect()
  try {
    const { rows } = await client.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = $1',
      [database],
    )
    const out = new Map<number, number>()
    for (const { pid } of rows) {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
        out.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100) // utime + stime, in ticks
      } catch {
        // Not on this machine, or the backend exited.
      }
    }
    return out
  } finally {
    await client.end()
  }
}

/** Ids shaped like newId()'s: `<prefix>_` + 32 hex digits. */
const benchId = (prefix: string, n: number): string => `${prefix}_${n.toString(16).padStart(32, '0')}`

async function seed(url: string, learners: number) {
  const database = await openDatabase({ url, poolSize: 2 })
  try {
    await migrate(database, learningService.migrations)
    const courseId = benchId('crs', 1)
    const sectionId = benchId('sec', 1)
    const lessonIds = [1, 2, 3].map((n) => benchId('les', n))
    const snapshot = {
      courseId,
      version: 1,
      title: 'Heartbeat course',
      subtitle: '',
      description: '',
      level: 'beginner',
      language: 'en',
      categoryId: null,
      tags: [],
      instructorIds: ['usr_owner'],
      sections: [
        {
          id: sectionId,
          title: 'Videos',
          lessons: lessonIds.map((id, i) => ({
            id,
            title: `Video ${i + 1}`,
            type: 'video',
            durationSeconds: VIDEO_SECONDS,
            content: {
              type: 'video',
              url: `https://media.example.test/${i}.mp4`,
              durationSeconds: VIDEO_SECONDS,
              completionThreshold: 0.9,
            },
            prerequisiteIds: [],
            isPreview: false,
          })),
        },
      ],
    }
    await database.query(sql`
      insert into learning.courses (id, org_id, slug, title, owner_id, status, published_version, has_unpublished_changes)
      values (${courseId}, ${ORG}, 'heartbeat-course', 'Heartbeat course', 'usr_owner', 'published', 1, false)`)
    await database.query(sql`
      insert into learning.course_versions (course_id, version, org_id, snapshot, published_by)
      values (${courseId}, 1, ${ORG}, ${JSON.stringify(snapshot)}::jsonb, 'usr_owner')`)
    await database.query(sql`
      insert into learning.catalog_entries (course_id, org_id, visibility, slug, title, subtitle, description, tags,
        level, language, price_minor, currency, version, published_at)
      values (${courseId}, ${ORG}, 'public', 'heartbeat-course', 'Heartbeat course', '', '', '{}', 'beginner', 'en',
        0, 'USD', 1, now())`)
    await database.query(sql`
      insert into learning.enrollments (id, org_id, course_id, user_id, version, source)
      select 'enr_' || lpad(to_hex(i), 32, '0'), ${ORG}, ${courseId}, 'usr_' || lpad(to_hex(i), 32, '0'), 1, 'grant'
        from generate_series(1, ${learners}::int) as i`)
    await database.query(sql`analyze`)
    return { courseId, lessonIds }
  } finally {
    await database.close()
  }
}

async function signer() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'EdDSA', use: 'sig' }
  return {
    jwks: { keys: [publicJwk] },
    sign: (userId: string) =>
      new SignJWT({ sid: 'ses_bench', org: ORG, roles: ['learner'] })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'bench-1', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(userId)
        .setIssuedAt()
        .setNotBefore('0s')
        .setExpirationTime('2h')
        .sign(privateKey),
  }
}

/**
 * Heartbeats in round-robin over the learners; each learner's position advances by 10 s per beat.
 * `prepared` is the furthest position built per learner (sent, or built as the run stopped);
 * `acked` the furthest answered 202: what landed must lie between them.
 */
function heartbeatLoad(learners: number, tokens: string[], courseId: string, lessonIds: string[]) {
  let next = 0
  let acks = 0
  const prepared = new Array<number>(learners).fill(-1)
  const acked = new Array<number>(learners).fill(-1)
  return {
    prepared,
    acked,
    built: () => next,
    acks: () => acks,
    request: {
      method: 'POST',
      path: '/api/learning/progress/heartbeats',
      setupRequest(req: Record<string, unknown>, context: Record<string, number>) {
        const n = next++
        const i = n % learners
        const position = Math.min(VIDEO_SECONDS, Math.floor(n / learners) * STEP_SECONDS)
        prepared[i] = Math.max(prepared[i]!, position)
        // pipelining 1: a connection's context holds its one request in flight.
        context.learner = i
        context.position = position
        return {
          ...req,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i]}` },
          body: JSON.stringify({
            courseId,
            lessonId: lessonIds[i % lessonIds.length],
            positionSeconds: position,
          }),
        }
      },
      onResponse(status: number, _body: unknown, context: Record<string, number>) {
        if (status !== 202) return
        acks++
        const i = context.learner!
        acked[i] = Math.max(acked[i]!, context.position!)
      },
    },
  }
}

async function fire(url: string, connections: number, duration: number, request: object, rate?: number) {
  const options = {
    url,
    connections,
    duration,
    pipelining: 1,
    timeout: 10,
    requests: [request],
    ...(rate ? { overallRate: rate } : {}),
  }
  return autocannon(options as unknown as Options)
}

/** The `heartbeats` scenario (needs PostgreSQL only). */
export const heartbeatsScenario: EventScenario = {
  name: 'heartbeats',
  title: 'video heartbeats: gateway → learning (cluster mode) → batched upserts on PostgreSQL',
  targetLabels: Object.values(labels),
  async run(context) {
    const pgUp = await postgresAvailable()
    if (!pgUp.ok) return skippedScenario(heartbeatsScenario, [pgUp.reason])
    const learners = Math.floor(positiveFromEnv('BENCH_HEARTBEAT_LEARNERS', 3000))
    const seconds = positiveFromEnv('BENCH_HEARTBEAT_SECONDS', 60)
    const warmup = positiveFromEnv('BENCH_HEARTBEAT_WARMUP', 5)
    const connections = Math.floor(positiveFromEnv('BENCH_HEARTBEAT_CONNECTIONS', 32))
    const rate = process.env.BENCH_HEARTBEAT_RATE ? positiveFromEnv('BENCH_HEARTBEAT_RATE', 1) : undefined

    const db = await createBenchDatabase('heartbeats')
    const learningLog = join(context.logDir, 'heartbeats-learning.log')
    const gatewayLog = join(context.logDir, 'heartbeats-gateway.log')
    const statsFile = join(context.logDir, `heartbeats-stats-${process.pid}.json`)
    const servers: ServerChild[] = []
    const notes: string[] = []
    try {
      const { courseId, lessonIds } = await seed(db.url, learners)
      const keys = await signer()
      const userIds = Array.from({ length: learners }, (_, i) => benchId('usr', i + 1))
      const tokens = await Promise.all(userIds.map((u) => keys.sign(u)))
      const learning = await startServer(
        'learning',
        'heartbeats-learning',
        { databaseUrl: db.url, jwks: keys.jwks, issuer: ISSUER, audience: AUDIENCE, statsFile },
        learningLog,
      )
      servers.push(learning)
      const gateway = await startServer(
        'gateway',
        'heartbeats-gateway',
        { upstream: learning.url, jwks: keys.jwks, issuer: ISSUER, audience: AUDIENCE },
        gatewayLog,
      )
      servers.push(gateway)

      // Probe: a misrouted or refused heartbeat must fail loudly, not pass as fast 4xx.
      const probe = await fetch(`${gateway.url}/api/learning/progress/heartbeats`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0]}` },
        body: JSON.stringify({ courseId, lessonId: lessonIds[0], positionSeconds: 0 }),
      })
      if (probe.status !== 202)
        throw new Error(`probe heartbeat answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`)

      const load = heartbeatLoad(learners, tokens, courseId, lessonIds)
      const url = `${gateway.url}`
      const warm = await fire(url, connections, warmup, load.request, rate)
      console.error(`   [heartbeats warm-up] ${int(warm.requests.average)} req/s, p99 ${warm.latency.p99} ms`)
      const cpuBefore = await Promise.all(servers.map((s) => s.cpu()))
      const machineBefore = machineBusyUs()
      const pgBefore = await postgresCpuUs(db.name)
      const genBefore = process.cpuUsage()
      const started = performance.now()
      const result: Result = await fire(url, connections, seconds, load.request, rate)
      const wallMs = performance.now() - started
      const gen = process.cpuUsage(genBefore)
      const machineUs = machineBusyUs() - machineBefore
      const pgAfter = await postgresCpuUs(db.name)
      // Backends alive across the run (the service's pool keeps its connections while busy).
      const postgresUs = [...pgAfter].reduce((sum, [pid, us]) => sum + us - (pgBefore.get(pid) ?? us), 0)
      const cpuAfter = await Promise.all(servers.map((s) => s.cpu()))
      const [learningCpu, gwCpu] = cpuAfter.map((after, i) => after - cpuBefore[i]!) as [number, number]
      // Cores used by none of the servers, their PostgreSQL backends or the load generator.
      const otherCores =
        (machineUs - learningCpu - gwCpu - postgresUs - gen.user - gen.system) / (wallMs * 1000)
      const requests = result.requests.total
      const perSecond = (requests * 1000) / wallMs
      console.error(`   [heartbeats] ${int(perSecond)} req/s, p99 ${result.latency.p99} ms`)

      // Stop the gateway, then learning: its close flushes what is still buffered and writes its counters.
      await gateway.stop()
      await learning.stop()
      servers.length = 0
      const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as {
        accepted: number
        statements: number
        rows: number
        completions: number
        failures: number
      }

      const check = await openDatabase({ url: db.url, poolSize: 1 })
      let landed = 0
      let rowsInTable = 0
      let tupleWrites = 0
      try {
        const rows = await check.query<{ user_id: string; max: number }>(
          sql`select user_id, max(max_position_seconds)::int as max from learning.lesson_progress group by user_id`,
        )
        rowsInTable = (
          await check.query<{ n: number }>(sql`select count(*)::int as n from learning.lesson_progress`)
        )[0]!.n
        const byUser = new Map(rows.map((r) => [r.user_id, r.max]))
        load.acked.forEach((acked, i) => {
          const stored = byUser.get(userIds[i]!) ?? -1
          if (stored >= acked && stored <= load.prepared[i]!) landed++
        })
        tupleWrites = (
          await check.query<{ n: number }>(
            sql`select (n_tup_ins + n_tup_upd)::int as n from pg_stat_user_tables where schemaname = 'learning' and relname = 'lesson_progress'`,
          )
        )[0]!.n
      } finally {
        await check.close()
      }

      const valid = result.errors === 0 && result.timeouts === 0 && result.non2xx === 0
      const acked = load.acks() + 1 // + the probe
      const built = load.built() + 1
      const targets: EventTargetResult[] = [
        {
          label: labels.rate,
          value: perSecond,
          status: valid && perSecond >= MIN_RATE ? 'PASS' : 'FAIL',
          detail: `${int(perSecond)}/s over ${seconds} s (slowest second ${int(result.requests.min)}/s)`,
        },
        {
          label: labels.p99,
          value: result.latency.p99,
          status: valid && result.latency.p99 < MAX_P99_MS ? 'PASS' : 'FAIL',
          detail: `${result.latency.p99} ms (p50 ${result.latency.p50} ms, max ${result.latency.max} ms)`,
        },
        {
          label: labels.landed,
          value: landed,
          status:
            valid && landed === learners && stats.accepted >= acked && stats.accepted <= built
              ? 'PASS'
              : 'FAIL',
          detail:
            `${int(landed)}/${int(learners)} learners' furthest positions stored as sent; ` +
            `service accepted ${int(stats.accepted)} heartbeats, the load generator got ${int(acked)} × 202`,
        },
      ]
      const rows = [
        [
          'heartbeats',
          'req/s',
          'p50 ms',
          'p99 ms',
          'max ms',
          'flushes',
          'rows/flush',
          'beats/flush',
          'CPU µs/beat',
          'loadgen µs/beat',
          'other load',
        ],
        [
          `${int(requests)} in ${fixed(wallMs / 1000, 1)} s`,
          int(perSecond),
          String(result.latency.p50),
          String(result.latency.p99),
          String(result.latency.max),
          int(stats.statements),
          fixed(stats.rows / stats.statements, 0),
          fixed(stats.accepted / stats.statements, 0),
          `gateway ${fixed(gwCpu / requests)} + learning ${fixed(learningCpu / requests)} + PostgreSQL ${fixed(postgresUs / requests)}`,
          fixed((gen.user + gen.system) / requests),
          Number.isFinite(otherCores) ? `${otherCores.toFixed(2)} cores` : '—',
        ],
      ]
      const warnings: string[] = []
      if (!valid)
        warnings.push(
          `${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses`,
        )
      if (otherCores > 0.25)
        warnings.push(
          `other processes used ${otherCores.toFixed(2)} of the cores during the run: req/s and latency ` +
            'mostly measure who got the CPU; CPU µs/beat is much less affected',
        )
      if (stats.failures) warnings.push(`${stats.failures} heartbeat flushes failed (see the learning log)`)
      notes.push(
        `${int(learners)} learners, ${connections} connections${rate ? `, capped at ${int(rate)}/s` : ' (closed loop)'}; ` +
          `HEARTBEAT_FLUSH_MS / HEARTBEAT_BATCH_MAX at their defaults`,
        `lesson_progress: ${int(rowsInTable)} rows, ${int(tupleWrites)} row writes for ${int(stats.accepted)} heartbeats ` +
          `in ${int(stats.statements)} statements (one per flush); ${stats.completions} completions`,
        loadNote('after the run'),
      )
      printScenario(
        heartbeatsScenario,
        `POST /api/learning/progress/heartbeats with ${int(learners)} distinct access tokens, ${fixed(seconds, 0)} s measured after ${fixed(warmup, 0)} s warm-up`,
        rows,
        warnings,
        targets,
        notes,
      )
      return {
        name: heartbeatsScenario.name,
        title: heartbeatsScenario.title,
        summaries: [{ perSecond, latency: result.latency, requests, stats, landed, learners }],
        targets,
        notes,
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()))
      rmSync(statsFile, { force: true })
      if (!context.keepLogs) for (const f of [learningLog, gatewayLog]) rmSync(f, { force: true })
      await db.drop()
    }
  },
}
