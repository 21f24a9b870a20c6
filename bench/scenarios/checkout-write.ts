// `checkout-write`: what one checkout costs to write. Real PostgreSQL (a private database, dropped
// afterwards), two writer processes side by side (bench/servers/checkout-writer.ts):
//   bare      a bare `pg` Pool doing the checkout's writes by hand in one transaction (baseline)
//   commerce  commerce's checkout code path at the service layer: Idempotency-Key + checkout() with the
//             sandbox provider (order + items + payment + capture + ledger + outbox in one transaction)
// Each checkout is a different buyer's open cart holding one course (seeded before the clock), so no
// two checkouts contend for a row; both writers run the same number of checkouts with the same
// concurrency on a pool of the same size, alternately (bare, commerce, bare, …).
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import pg from 'pg'
import { postgresAvailable, testPostgresUrl } from '@learnmesh/kernel/testing'
import { commerceService } from '@learnmesh/commerce'
import { profileArgs, root } from '../lib/children.ts'
import { intFromEnv } from '../lib/env.ts'
import { createBenchDatabase, skippedScenario } from '../lib/platform.ts'
import type { WriterOptions, WriterReply, WriterRequest } from '../servers/checkout-writer.ts'
import {
  fixed,
  int,
  loadNote,
  printScenario,
  quantile,
  type EventScenario,
  type EventTargetResult,
} from '../events/report.ts'

const MIN_RATIO = 0.8
const WARMUP = 300
const labels = {
  ratio: `commerce checkout tx/s ≥ ${MIN_RATIO}× the bare pg transaction doing the same writes`,
}

/** Ids shaped like newId()'s: `<prefix>_` + 32 hex digits. */
const idSql = (prefix: string) => `'${prefix}_' || lpad(to_hex(g), 32, '0')`
const userId = (n: number) => `usr_${n.toString(16).padStart(32, '0')}`

interface Writer {
  name: string
  pid: number
  run(users: string[], concurrency: number): Promise<Extract<WriterReply, { type: 'result' }>>
  stop(): Promise<void>
}

async function startWriter(name: string, options: WriterOptions, logFile: string): Promise<Writer> {
  mkdirSync(dirname(logFile), { recursive: true })
  const out = openSync(logFile, 'a')
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...profileArgs,
      '--import',
      'tsx',
      resolve(root, 'bench/servers/checkout-writer.ts'),
      JSON.stringify(options),
    ],
    { cwd: root, stdio: ['ignore', out, 'inherit', 'ipc'], env: { ...process.env, NODE_ENV: 'production' } },
  )
  closeSync(out)
  const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')
  process.once('exit', kill)
  const next = () =>
    new Promise<WriterReply>((resolveReply, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${name} exited (code ${code})`))
      child.once('exit', onExit)
      child.once('message', (m: WriterReply) => {
        child.off('exit', onExit)
        resolveReply(m)
      })
    })
  const ready = await next()
  if (ready.type !== 'ready') throw new Error(`${name}: ${JSON.stringify(ready)}`)
  return {
    name,
    pid: child.pid!,
    async run(users, concurrency) {
      const reply = next()
      child.send({ type: 'run', users, concurrency } satisfies WriterRequest)
      const r = await reply
      if (r.type !== 'result') throw new Error(`${name}: ${JSON.stringify(r)}`)
      return r
    },
    async stop() {
      process.off('exit', kill)
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise<void>((r) => child.once('exit', () => r()))
      child.send({ type: 'stop' } satisfies WriterRequest)
      const timer = setTimeout(kill, 5000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** CPU time (µs) the PostgreSQL backends of one application name have used so far (from /proc). */
async function backendCpuUs(admin: pg.Client, database: string, app: string): Promise<number> {
  const { rows } = await admin.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = $1 and application_name = $2',
    [database, app],
  )
  let total = 0
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
      total += ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100
    } catch {
      return Number.NaN
    }
  }
  return total
}

export const checkoutWriteScenario: EventScenario = {
  name: 'checkout-write',
  title:
    'checkout write (order + ledger + outbox in one transaction) vs a bare pg transaction doing the same writes',
  targetLabels: Object.values(labels),
  async run({ rounds, logDir, keepLogs }) {
    const perRun = intFromEnv('BENCH_CHECKOUTS', 2000, 1)
    const concurrency = intFromEnv('BENCH_CHECKOUT_CONCURRENCY', 16, 1)
    const pgOk = await postgresAvailable()
    if (!pgOk.ok) return skippedScenario(this, [pgOk.reason])

    const notes = [loadNote('at start')]
    const db = await createBenchDatabase('checkout')
    const writers: Writer[] = []
    const logFiles = ['commerce', 'bare'].map((m) => `${logDir}/checkout-write-${m}.log`)
    let watch: pg.Client | undefined
    try {
      // Schema, one course product + price, and one open cart (one line) per buyer.
      const orgId = `org_${'b'.repeat(32)}`
      const total = 2 * (WARMUP + rounds * perRun)
      await db.migrate(commerceService.migrations)
      const seed = new pg.Client({ connectionString: db.url })
      await seed.connect()
      await seed.query(
        `insert into commerce.products (id, org_id, type, ref, title, payee_user_id)
         values ('prd_${'1'.repeat(32)}', $1, 'course', 'crs_${'1'.repeat(32)}', 'Bench course', 'usr_${'f'.repeat(32)}')`,
        [orgId],
      )
      await seed.query(
        `insert into commerce.prices (id, org_id, product_id, currency, unit_amount_minor)
         values ('pri_${'1'.repeat(32)}', $1, 'prd_${'1'.repeat(32)}', 'EUR', 4999)`,
        [orgId],
      )
      await seed.query(
        `insert into commerce.carts (id, org_id, user_id, currency)
         select ${idSql('crt')}, $1, ${idSql('usr')}, 'EUR' from generate_series(1, $2) g`,
        [orgId, total],
      )
      await seed.query(
        `insert into commerce.cart_items (cart_id, price_id, quantity)
         select ${idSql('crt')}, 'pri_${'1'.repeat(32)}', 1 from generate_series(1, $1) g`,
        [total],
      )
      await seed.query('analyze')
      await seed.end()

      for (const mode of ['bare', 'commerce'] as const) {
        writers.push(
          await startWriter(
            mode,
            { mode, url: db.url, poolSize: concurrency, orgId },
            logFiles[mode === 'commerce' ? 0 : 1]!,
          ),
        )
      }
      let nextUser = 1
      const take = (n: number) => Array.from({ length: n }, () => userId(nextUser++))
      for (const w of writers) {
        const warm = await w.run(take(WARMUP), concurrency)
        if (warm.errors.length) throw new Error(`${w.name} warm-up failed: ${warm.errors.join('; ')}`)
      }
      watch = new pg.Client({ connectionString: testPostgresUrl })
      await watch.connect()
      const apps = { bare: 'bench-checkout-bare', commerce: 'bench-checkout-commerce' }
      const runs = new Map<string, { txs: number; ms: number; cpu: number; pgCpu: number; lat: number[] }[]>(
        writers.map((w) => [w.name, []]),
      )
      const errors: string[] = []
      for (let round = 1; round <= rounds; round++) {
        for (const w of writers) {
          const pg0 = await backendCpuUs(watch, db.name, apps[w.name as 'bare'])
          const r = await w.run(take(perRun), concurrency)
          const pg1 = await backendCpuUs(watch, db.name, apps[w.name as 'bare'])
          errors.push(...r.errors.map((e) => `${w.name}: ${e}`))
          const txs = (r.count * 1000) / r.wallMs
          runs.get(w.name)!.push({
            txs,
            ms: r.wallMs,
            cpu: r.cpuUs / r.count,
            pgCpu: (pg1 - pg0) / r.count,
            lat: r.latenciesMs,
          })
          console.error(
            `   [checkout-write ${round}/${rounds}] ${w.name}: ${int(txs)} tx/s, p99 ${fixed(
              quantile(
                [...r.latenciesMs].sort((a, b) => a - b),
                0.99,
              ),
            )} ms`,
          )
        }
      }

      const median = (xs: number[]) => {
        const s = [...xs].sort((a, b) => a - b)
        return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
      }
      const bare = runs.get('bare')!
      const cand = runs.get('commerce')!
      const perRound = cand.map((c, i) => c.txs / bare[i]!.txs)
      const ratio = median(perRound)
      const rowOf = (label: string, rs: typeof bare) => {
        const lat = rs.flatMap((r) => r.lat).sort((a, b) => a - b)
        return [
          label,
          int(median(rs.map((r) => r.txs))),
          rs.map((r) => int(r.txs)).join(' / '),
          fixed(quantile(lat, 0.5)),
          fixed(quantile(lat, 0.99)),
          fixed(median(rs.map((r) => r.cpu)), 0),
          fixed(median(rs.map((r) => r.pgCpu)), 0),
          label === 'bare' ? '1.00' : fixed(ratio, 2),
        ]
      }
      const rows = [
        [
          'variant',
          'tx/s',
          'per round',
          'p50 ms',
          'p99 ms',
          'writer CPU µs/tx',
          'PostgreSQL CPU µs/tx',
          '× bare',
        ],
        rowOf('bare', bare),
        rowOf('commerce', cand),
      ]

      // What was written must be right, or the speed means nothing.
      const check = new pg.Client({ connectionString: db.url })
      await check.connect()
      const [facts] = (
        await check.query<{ paid: number; outbox: number; keys: number; ledger: string; unbalanced: number }>(
          `select (select count(*)::int from commerce.orders where status = 'paid') as paid,
                  (select count(*)::int from commerce.outbox) as outbox,
                  (select count(*)::int from commerce.idempotency_keys where status = 'done') as keys,
                  (select coalesce(sum(amount_minor), 0)::text from commerce.ledger_entries) as ledger,
                  (select count(*)::int from (select transaction_id from commerce.ledger_entries
                     group by 1 having sum(amount_minor) <> 0) t) as unbalanced`,
        )
      ).rows
      await check.end()
      const expected = nextUser - 1
      const correct =
        errors.length === 0 &&
        facts!.paid === expected &&
        facts!.outbox === expected &&
        facts!.keys === expected &&
        facts!.ledger === '0' &&
        facts!.unbalanced === 0
      const targets: EventTargetResult[] = [
        {
          label: labels.ratio,
          value: ratio,
          status: correct && ratio >= MIN_RATIO ? 'PASS' : 'FAIL',
          detail: `${fixed(ratio, 2)}× (per round ${perRound.map((r) => fixed(r, 2)).join(' / ')}); p99 ${rows[2]![4]} ms vs ${rows[1]![4]} ms`,
        },
      ]
      notes.push(
        `${int(perRun)} checkouts per run (after ${WARMUP} unmeasured per writer), ${concurrency} in flight on a pool of ${concurrency}; each a different buyer's cart with one EUR 49.99 course`,
        `written: ${int(facts!.paid)} paid orders, ${int(facts!.outbox)} outbox rows, ${int(facts!.keys)} idempotency keys, ledger sum ${facts!.ledger}, ${facts!.unbalanced} unbalanced transactions${correct ? '' : ` — WRONG (expected ${expected} of each)`}`,
        'commerce = the service layer POST /checkout runs (checkout.checkoutOnce: Idempotency-Key taken, checkout and answer stored in one transaction); no HTTP, no token check',
        loadNote('at the end'),
      )
      for (const e of errors.slice(0, 5)) notes.push(`error: ${e}`)
      printScenario(
        this,
        `real PostgreSQL, ${rounds} rounds alternating bare / commerce, each writer its own process; tx/s = checkouts ÷ wall time of the run`,
        rows,
        [],
        targets,
        notes,
      )
      return {
        name: this.name,
        title: this.title,
        summaries: rows.slice(1).map((r) => Object.fromEntries(rows[0]!.map((h, i) => [h, r[i]]))),
        targets,
        notes,
      }
    } finally {
      await watch?.end().catch(() => {})
      await Promise.all(writers.map((w) => w.stop()))
      if (!keepLogs) for (const f of logFiles) rmSync(f, { force: true })
      await db.drop()
    }
  },
}
