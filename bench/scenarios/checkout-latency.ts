// `checkout-latency`: how long a buyer waits between "payment confirmed" and being able to open the
// course. Real PostgreSQL (a private database, dropped afterwards) and RabbitMQ (a private prefix,
// deleted afterwards); commerce, learning and the gateway as their own cluster-mode processes; access
// tokens signed here with a key served as a JWKS over HTTP.
//
// Open loop: BENCH_CHECKOUT_RATE checkouts per second (default 200) leave on schedule for
// BENCH_DURATION seconds (default 60), whatever earlier ones took. Each is a different buyer whose open
// cart holds one paid course (seeded before the clock): POST /api/commerce/checkout through the gateway
// with an Idempotency-Key and the sandbox card that pays at once. The 201 carrying `status: paid` is the
// payment confirmation. From then on the path is commerce's outbox → relay → RabbitMQ → learning's
// consumer (inbox + enrollment in one transaction).
//
// How the enrollment is observed: one PostgreSQL connection of the runner polls learning.enrollments for
// the buyers still waiting, by the (course_id, user_id) unique index, every 2 ms while anyone waits (or
// as slowly as a poll itself takes, so the observer never becomes load). The time recorded is when the
// poll that first returned the row was sent (the row committed before that snapshot and after the
// previous poll), so the resolution is one poll interval. It costs one indexed
// lookup per poll, not an HTTP request per buyer.
import { randomBytes, randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { Pool } from 'undici'
import { postgresAvailable, rabbitAvailable } from '@learnmesh/kernel/testing'
import { commerceService } from '@learnmesh/commerce'
import { learningService } from '@learnmesh/learning'
import { startServer, type ServerChild } from '../lib/children.ts'
import { numberFromEnv } from '../lib/env.ts'
import {
  cleanUpServiceTopology,
  createBenchDatabase,
  gatewayEnv,
  serviceEnv,
  skippedScenario,
  startBenchIssuer,
  type BenchIssuer,
} from '../lib/platform.ts'
import {
  benchPrefix,
  fixed,
  int,
  loadNote,
  printScenario,
  quantile,
  type EventScenario,
  type EventTargetResult,
} from '../events/report.ts'

const P99_MAX_MS = 50
const COURSES = 20
const POLL_MS = 2
/** An enrollment not visible within this counts as lost (and fails the target). */
const GIVE_UP_MS = 15_000
const labels = {
  p99: `payment confirmation → enrollment visible p99 < ${P99_MAX_MS} ms`,
  all: 'every checkout paid (201) and every enrollment visible',
}
const ORG = `org_${'c'.repeat(32)}`
const idSql = (prefix: string) => `'${prefix}_' || lpad(to_hex(g), 32, '0')`
const buyerId = (n: number) => `usr_${n.toString(16).padStart(32, '0')}`
/** Buyer n's course: courses are used round-robin, one cart line each. */
const courseOf = (n: number) => `crs_${(n % COURSES).toString(16).padStart(32, '0')}`

async function seed(url: string, buyers: number): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query('begin')
    const owner = `usr_${'e'.repeat(32)}`
    for (let c = 0; c < COURSES; c++) {
      const courseId = courseOf(c)
      const snapshot = {
        courseId,
        version: 1,
        title: `Paid course ${c}`,
        subtitle: '',
        description: '',
        level: 'beginner',
        language: 'en',
        categoryId: null,
        tags: [],
        instructorIds: [owner],
        sections: [
          {
            id: `sec_${c.toString(16).padStart(32, '0')}`,
            title: 'Week 1',
            lessons: [
              {
                id: `les_${c.toString(16).padStart(32, '0')}`,
                title: 'Welcome',
                type: 'text',
                durationSeconds: 60,
                content: { type: 'text', markdown: '# Welcome' },
                prerequisiteIds: [],
                isPreview: false,
              },
            ],
          },
        ],
      }
      await client.query(
        `insert into learning.courses (id, org_id, slug, title, owner_id, status, published_version, has_unpublished_changes)
         values ($1, $2, $3, $4, $5, 'published', 1, false)`,
        [courseId, ORG, `paid-${c}`, `Paid course ${c}`, owner],
      )
      await client.query(
        `insert into learning.course_versions (course_id, version, org_id, snapshot, published_by) values ($1, 1, $2, $3, $4)`,
        [courseId, ORG, JSON.stringify(snapshot), owner],
      )
      await client.query(
        `insert into learning.catalog_entries (course_id, org_id, visibility, slug, title, subtitle, description, tags,
           level, language, price_minor, currency, version, published_at)
         values ($1, $2, 'public', $3, $4, '', '', '{}', 'beginner', 'en', 2999, 'EUR', 1, now())`,
        [courseId, ORG, `paid-${c}`, `Paid course ${c}`],
      )
      const suffix = c.toString(16).padStart(32, '0')
      await client.query(
        `insert into commerce.products (id, org_id, type, ref, title, payee_user_id) values ($1, $2, 'course', $3, $4, $5)`,
        [`prd_${suffix}`, ORG, courseId, `Paid course ${c}`, owner],
      )
      await client.query(
        `insert into commerce.prices (id, org_id, product_id, currency, unit_amount_minor) values ($1, $2, $3, 'EUR', $4)`,
        [`pri_${suffix}`, ORG, `prd_${suffix}`, 2999 + c],
      )
    }
    // One open cart per buyer, holding buyer n's course.
    await client.query(
      `insert into commerce.carts (id, org_id, user_id, currency)
       select ${idSql('crt')}, $1, ${idSql('usr')}, 'EUR' from generate_series(1, $2) g`,
      [ORG, buyers],
    )
    await client.query(
      `insert into commerce.cart_items (cart_id, price_id, quantity)
       select ${idSql('crt')}, 'pri_' || lpad(to_hex(g % ${COURSES}), 32, '0'), 1 from generate_series(1, $1) g`,
      [buyers],
    )
    await client.query('commit')
    await client.query('analyze')
  } finally {
    await client.end()
  }
}

export const checkoutLatencyScenario: EventScenario = {
  name: 'checkout-latency',
  title:
    'paid checkouts at a steady rate: payment confirmation → enrollment visible (cluster mode, RabbitMQ)',
  targetLabels: Object.values(labels),
  async run({ logDir, keepLogs }) {
    const rate = numberFromEnv('BENCH_CHECKOUT_RATE', 200, 1)
    // BENCH_DURATION shortens a quick look; the target is defined over 60 s.
    const seconds = process.env.BENCH_DURATION ? numberFromEnv('BENCH_DURATION', 60, 1) : 60
    const [pgOk, rabbitOk] = await Promise.all([postgresAvailable(), rabbitAvailable()])
    const missing = [pgOk, rabbitOk].flatMap((r) => (r.ok ? [] : [r.reason]))
    if (missing.length) return skippedScenario(this, missing)

    const notes = [loadNote('at start')]
    const WARMUP = numberFromEnv('BENCH_CHECKOUT_WARMUP', 400, 1)
    const measured = Math.round(rate * seconds)
    const total = WARMUP + measured
    const prefix = benchPrefix('cklat')
    const logFiles = ['commerce', 'learning', 'gateway'].map((s) => join(logDir, `checkout-latency-${s}.log`))
    const servers: ServerChild[] = []
    let issuer: BenchIssuer | undefined
    let pool: Pool | undefined
    let poller: pg.Client | undefined
    const db = await createBenchDatabase('cklat')
    try {
      await db.migrate(learningService.migrations, commerceService.migrations)
      await seed(db.url, total)

      issuer = await startBenchIssuer()
      const { jwksUrl } = issuer
      const tokens: string[] = []
      for (let n = 1; n <= total; n++) tokens[n] = await issuer.token(buyerId(n), ORG)

      const common = serviceEnv({ databaseUrl: db.url, brokerPrefix: prefix, jwksUrl })
      const learning = await startServer(
        'learning',
        'learning',
        { env: { ...common, LEARNING_SECRET: randomBytes(32).toString('hex') } },
        logFiles[1],
      )
      servers.push(learning)
      const commerce = await startServer(
        'commerce',
        'commerce',
        {
          env: {
            ...common,
            COMMERCE_SECRET: randomBytes(32).toString('hex'),
            PUBLIC_URL: 'http://bench.learnmesh.test',
          },
        },
        logFiles[0],
      )
      servers.push(commerce)
      const gateway = await startServer(
        'gateway',
        'gateway-jwks',
        {
          env: gatewayEnv({ learning: learning.url, commerce: commerce.url }, jwksUrl),
        },
        logFiles[2],
      )
      servers.push(gateway)

      // --- The observer: waiting buyers, polled by the enrollments' unique index.
      poller = new pg.Client({
        connectionString: db.url,
        application_name: 'bench-enrollment-poller',
      })
      await poller.connect()
      const waiting = new Map<number, { sentAt: number }>()
      const visible = new Map<number, number>()
      let polling = true
      let polls = 0
      const pollLoop = (async () => {
        while (polling) {
          if (waiting.size === 0) {
            await new Promise((r) => setTimeout(r, 1))
            continue
          }
          const ns = [...waiting.keys()]
          const began = performance.now()
          const sentAt = performance.timeOrigin + began
          const { rows } = await poller!.query<{ user_id: string }>(
            `select e.user_id from learning.enrollments e
             join unnest($1::text[], $2::text[]) as w(course_id, user_id)
               on e.course_id = w.course_id and e.user_id = w.user_id`,
            [ns.map(courseOf), ns.map(buyerId)],
          )
          polls++
          for (const r of rows) {
            const n = Number.parseInt(r.user_id.slice(4), 16)
            if (waiting.delete(n)) visible.set(n, sentAt)
          }
          const now = performance.timeOrigin + performance.now()
          for (const [n, w] of waiting) if (now - w.sentAt > GIVE_UP_MS) waiting.delete(n)
          // Never more than half of one PostgreSQL backend: when the system falls behind, thousands
          // of buyers wait and each poll joins all of them, so a fixed 2 ms pace would turn the
          // observer into load of its own (resolution then degrades to the poll's own duration).
          const took = performance.now() - began
          await new Promise((r) => setTimeout(r, Math.max(POLL_MS, took)))
        }
      })()

      pool = new Pool(gateway.url, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 })
      const client = pool
      const confirmed = new Map<number, number>()
      const responseMs: number[] = []
      const failures = new Map<string, number>()
      async function checkout(n: number, measure: boolean): Promise<void> {
        const t0 = performance.now()
        // Watched from the moment it is sent: an enrollment visible before the answer arrives counts as such.
        waiting.set(n, { sentAt: performance.timeOrigin + t0 })
        try {
          const res = await client.request({
            method: 'POST',
            path: '/api/commerce/checkout',
            headers: {
              authorization: `Bearer ${tokens[n]!}`,
              'content-type': 'application/json',
              'idempotency-key': randomUUID(),
            },
            body: JSON.stringify({ paymentMethod: 'pm_sandbox_ok' }),
            signal: AbortSignal.timeout(10_000),
          })
          const text = await res.body.text()
          const at = performance.timeOrigin + performance.now()
          if (res.statusCode !== 201 || !text.includes('"status":"paid"')) {
            waiting.delete(n)
            const key = `${res.statusCode} ${text.slice(0, 160)}`
            failures.set(key, (failures.get(key) ?? 0) + 1)
            return
          }
          if (measure) {
            responseMs.push(performance.now() - t0)
            confirmed.set(n, at)
          }
        } catch (error) {
          waiting.delete(n)
          const key = (error as Error).message
          failures.set(key, (failures.get(key) ?? 0) + 1)
        }
      }

      /** Fires buyers [from, from + count) at `perSecond`, on schedule (open loop). */
      async function openLoop(
        from: number,
        count: number,
        perSecond: number,
        measure: boolean,
      ): Promise<number> {
        const began = performance.now()
        const pending: Promise<void>[] = []
        let worstLag = 0
        await new Promise<void>((resolve) => {
          let next = 0
          const tick = () => {
            const now = performance.now() - began
            while (next < count && (next * 1000) / perSecond <= now) {
              worstLag = Math.max(worstLag, now - (next * 1000) / perSecond)
              pending.push(checkout(from + next++, measure))
            }
            if (next < count) setTimeout(tick, 1)
            else resolve()
          }
          tick()
        })
        await Promise.all(pending)
        return worstLag
      }
      const drain = async () => {
        const until = Date.now() + GIVE_UP_MS + 1000
        while (waiting.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
      }

      const warmRate = Math.min(50, rate)
      console.error(`   [checkout-latency] warm-up: ${WARMUP} checkouts at ${warmRate}/s (not measured)`)
      await openLoop(1, WARMUP, warmRate, false)
      await drain()
      // A system that cannot take the warm-up will not take the measured load either: say so, and measure anyway.
      for (const [what, k] of failures) notes.push(`warm-up failure ×${k}: ${what}`)
      failures.clear()

      const cpu0 = await Promise.all(servers.map((s) => s.cpu()))
      const gen0 = process.cpuUsage()
      const wall0 = performance.now()
      console.error(`   [checkout-latency] ${int(measured)} checkouts at ${rate}/s for ${seconds} s`)
      const lag = await openLoop(WARMUP + 1, measured, rate, true)
      const sendSeconds = (performance.now() - wall0) / 1000
      await drain()
      const wallUs = (performance.now() - wall0) * 1000
      const cpu1 = await Promise.all(servers.map((s) => s.cpu()))
      const gen = process.cpuUsage(gen0)
      polling = false
      await pollLoop

      // Server-side capture time of each measured order (orders.paid_at, set in the capture transaction).
      const { rows: paid } = await poller.query<{ user_id: string; paid_at: Date }>(
        `select user_id, paid_at from commerce.orders where status = 'paid'`,
      )
      const paidAt = new Map(paid.map((r) => [Number.parseInt(r.user_id.slice(4), 16), r.paid_at.getTime()]))
      const fromConfirm: number[] = []
      const fromCapture: number[] = []
      let lost = 0
      for (const [n, at] of confirmed) {
        const v = visible.get(n)
        if (v === undefined) {
          lost++
          continue
        }
        fromConfirm.push(v - at)
        const captured = paidAt.get(n)
        if (captured !== undefined) fromCapture.push(v - captured)
      }
      fromConfirm.sort((a, b) => a - b)
      fromCapture.sort((a, b) => a - b)
      responseMs.sort((a, b) => a - b)
      const failed = [...failures.values()].reduce((a, b) => a + b, 0)
      const row = (label: string, xs: number[]) => [
        label,
        int(xs.length),
        fixed(quantile(xs, 0.5)),
        fixed(quantile(xs, 0.9)),
        fixed(quantile(xs, 0.99)),
        fixed(xs[xs.length - 1] ?? Number.NaN),
      ]
      const rows = [
        ['measure (ms)', 'samples', 'p50', 'p90', 'p99', 'max'],
        row('confirmation → enrollment visible', fromConfirm),
        row('capture (paid_at) → enrollment visible', fromCapture),
        row('checkout request → 201 paid', responseMs),
      ]
      const p99 = quantile(fromConfirm, 0.99)
      const allOk = failed === 0 && lost === 0 && confirmed.size === measured
      const targets: EventTargetResult[] = [
        {
          label: labels.p99,
          value: p99,
          status: allOk && p99 < P99_MAX_MS ? 'PASS' : 'FAIL',
          detail: `${fixed(p99)} ms (p50 ${fixed(quantile(fromConfirm, 0.5))} ms; from the capture commit p99 ${fixed(quantile(fromCapture, 0.99))} ms)`,
        },
        {
          label: labels.all,
          value: failed + lost,
          status: allOk ? 'PASS' : 'FAIL',
          detail: `${int(confirmed.size)} of ${int(measured)} paid, ${int(failed)} failed requests, ${int(lost)} enrollments not visible within ${GIVE_UP_MS / 1000} s`,
        },
      ]
      const cpuPer = servers.map((s, i) => `${s.name} ${fixed((cpu1[i]! - cpu0[i]!) / measured, 0)}`)
      notes.push(
        `offered ${int(measured)} checkouts in ${fixed(sendSeconds)} s = ${int(measured / sendSeconds)}/s (worst send lag ${fixed(lag)} ms); ${COURSES} courses, one buyer per checkout`,
        `server CPU µs per checkout: ${cpuPer.join(' + ')}; load generator ${fixed((gen.user + gen.system) / measured, 0)}; servers used ${fixed(cpu1.reduce((s, c, i) => s + c - cpu0[i]!, 0) / wallUs, 2)} cores`,
        `observer: ${int(polls)} polls of learning.enrollments by (course_id, user_id) every ${POLL_MS} ms while buyers wait (resolution ≈ one poll); buyers are watched from the moment their request leaves, so a negative value = the enrollment was visible before the HTTP answer reached the client`,
        loadNote('at the end'),
      )
      for (const [what, k] of failures) notes.push(`failure ×${k}: ${what}`)
      printScenario(
        this,
        `${rate} checkouts/s for ${seconds} s, open loop through the gateway; commerce, learning and the gateway their own processes; real PostgreSQL + RabbitMQ`,
        rows,
        [],
        targets,
        notes,
      )
      return { name: this.name, title: this.title, summaries: rows.slice(1), targets, notes }
    } finally {
      await pool?.close().catch(() => {})
      await poller?.end().catch(() => {})
      await Promise.all(servers.map((s) => s.stop()))
      issuer?.close()
      if (!keepLogs) for (const f of logFiles) rmSync(f, { force: true })
      await cleanUpServiceTopology(prefix, ['learning', 'commerce'])
      await db.drop()
    }
  },
}
