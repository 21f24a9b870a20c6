import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import { sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import type { Logger } from '../logger.ts'
import { uuid7 } from '../ids.ts'
import {
  nextOccurrence,
  payloadMatches,
  type JobDefinition,
  type RecurringJob,
  type RetryPolicy,
} from './jobs.ts'

/** A running job runner. */
export interface JobRunner {
  /** Looks for due jobs soon (after scheduling one that is due now). */
  wake(): void
  /** Runs every job that is due now (and keeps going while full batches come back); resolves with how many ran. */
  runDue(): Promise<number>
  /** Stops claiming, waits for running jobs to finish. */
  stop(): Promise<void>
}

interface ClaimedRow {
  id: string
  name: string
  key: string | null
  payload: unknown
  attempts: number
  run_at: Date | string
  cron: string | null
  timezone: string | null
}

const errorText = (err: unknown) =>
  (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 2000)

/** Delay before retry n (n = attempts so far, >= 1), with up to 10% jitter. */
export function retryDelay(policy: RetryPolicy | undefined, attempts: number): number {
  const base = policy?.baseDelayMs ?? 1000
  const max = policy?.maxDelayMs ?? 3_600_000
  const d = Math.min(base * 2 ** Math.max(0, attempts - 1), max)
  return Math.round(d * (1 + Math.random() * 0.1))
}

/**
 * Runs a service's delayed and recurring jobs from `<schema>.jobs`.
 *
 * - Claim: one statement leases due jobs (`FOR UPDATE SKIP LOCKED`, `locked_until`, attempts + 1),
 *   so replicas never claim one job twice and a crashed run still counts as an attempt.
 * - Run: the handler runs in a transaction that first re-locks the row (checking the lease is still
 *   ours) and then deletes it (one-off) or moves it to its next occurrence (recurring): the job's
 *   effects and its completion commit together, so a job runs to completion exactly once.
 * - Failure: the transaction rolls back; the row gets `last_error` and a back-off `run_at`, or
 *   `status = 'failed'` after `maxAttempts` (a recurring job instead skips to its next occurrence).
 * - After the commit, a recurring job's optional `afterCommit` runs outside any transaction (network
 *   calls about what `handle` claimed); its failure is only logged.
 * - Recurring jobs are upserted at start (one row per name, key `recurring`); a changed cron
 *   expression moves the next run.
 */
export function createJobRunner(options: {
  database: Database
  schema: string
  handlers: (JobDefinition<any> | RecurringJob)[] // eslint-disable-line @typescript-eslint/no-explicit-any
  logger: Logger
  /** How often to look for due jobs; default 1 s. */
  pollMs?: number
  /** Jobs claimed (and run one after another) per pass; default 10. */
  batchSize?: number
  /** How long a claimed job is reserved for this runner before another may take it; default 5 min. */
  leaseMs?: number
  /** Identifies this runner in `locked_by`. */
  workerId?: string
}): JobRunner {
  const { database, schema, logger } = options
  const table = sql.raw(`"${schema}"."jobs"`)
  const pollMs = options.pollMs ?? 1000
  const batchSize = options.batchSize ?? 10
  const leaseMs = options.leaseMs ?? 5 * 60_000
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  const byName = new Map<string, JobDefinition | RecurringJob>()
  for (const h of options.handlers) {
    if (byName.has(h.name)) throw new Error(`job ${h.name} has two handlers`)
    byName.set(h.name, h as JobDefinition | RecurringJob)
  }
  const names = [...byName.keys()]
  let stopped = false
  let running: Promise<number> | undefined
  let again = false

  async function ensureRecurring(): Promise<void> {
    for (const def of byName.values()) {
      if (def.kind !== 'recurring') continue
      const next = nextOccurrence(def.cron, def.timezone, new Date())
      await database.query(sql`
        insert into ${table} (id, name, key, payload, run_at, cron, timezone)
        values (${uuid7()}, ${def.name}, 'recurring', '{}'::jsonb, ${next.toISOString()}::timestamptz, ${def.cron}, ${def.timezone})
        on conflict (name, key) where status = 'pending' and key is not null do update set
          run_at = case when ${table}.cron is distinct from excluded.cron or ${table}.timezone is distinct from excluded.timezone
                        then excluded.run_at else ${table}.run_at end,
          cron = excluded.cron, timezone = excluded.timezone, updated_at = now()`)
    }
  }
  const ready = ensureRecurring().catch((err: unknown) => {
    logger.error({ err, schema }, 'could not register recurring jobs')
  })

  async function claim(): Promise<ClaimedRow[]> {
    if (names.length === 0) return []
    return database.query<ClaimedRow>(sql`
      update ${table} set locked_until = now() + ${leaseMs}::int * interval '1 millisecond', locked_by = ${workerId},
        attempts = attempts + 1, updated_at = now()
      where id in (
        select id from ${table}
        where status = 'pending' and run_at <= now() and (locked_until is null or locked_until < now())
          and name in (${sql.join(
            names.map((n) => sql`${n}`),
            sql`, `,
          )})
        order by run_at limit ${batchSize} for update skip locked)
      returning id, name, key, payload, attempts, run_at, cron, timezone`)
  }

  async function runOne(row: ClaimedRow): Promise<void> {
    const def = byName.get(row.name)!
    const context = {
      id: row.id,
      name: row.name,
      attempt: row.attempts,
      runAt: new Date(row.run_at),
      key: row.key,
    }
    const log = { schema, jobId: row.id, job: row.name, attempt: row.attempts }
    if (def.kind === 'job' && !payloadMatches(def, row.payload)) {
      logger.error(log, 'job payload does not match its schema; marked failed')
      await database.query(sql`
        update ${table} set status = 'failed', last_error = 'payload does not match the job schema',
          locked_until = null, locked_by = null, updated_at = now()
        where id = ${row.id} and locked_by = ${workerId}`)
      return
    }
    let lost = false
    try {
      await database.db.transaction(async (tx) => {
        const mine = (await tx.execute(
          sql`select id from ${table} where id = ${row.id} and locked_by = ${workerId} and attempts = ${row.attempts} and status = 'pending' for update skip locked`,
        )) as unknown as { rows: unknown[] }
        if (mine.rows.length === 0) {
          lost = true // our lease expired and another runner took the job
          return
        }
        if (def.kind === 'recurring') {
          await def.handle(tx, context)
          const next = nextOccurrence(def.cron, def.timezone, new Date())
          await tx.execute(sql`
            update ${table} set run_at = ${next.toISOString()}::timestamptz, attempts = 0, last_error = null,
              locked_until = null, locked_by = null, last_run_at = now(), updated_at = now()
            where id = ${row.id}`)
        } else {
          await def.handle(tx, row.payload as never, context)
          await tx.execute(sql`delete from ${table} where id = ${row.id}`)
        }
      })
      if (lost) logger.warn(log, 'job lease lost before it ran; left to the runner that holds it')
    } catch (err) {
      await recordFailure(def, row, err)
      return
    }
    if (lost || def.kind !== 'recurring' || !def.afterCommit) return
    try {
      await def.afterCommit(context)
    } catch (err) {
      logger.error({ ...log, err: errorText(err) }, 'recurring job afterCommit failed')
    }
  }

  async function recordFailure(
    def: JobDefinition | RecurringJob,
    row: ClaimedRow,
    err: unknown,
  ): Promise<void> {
    const maxAttempts = def.retry?.maxAttempts ?? 10
    const error = errorText(err)
    const log = { schema, jobId: row.id, job: row.name, attempt: row.attempts, err: error }
    if (row.attempts >= maxAttempts) {
      if (def.kind === 'recurring') {
        const next = nextOccurrence(def.cron, def.timezone, new Date())
        logger.error(log, 'recurring job out of attempts; skipping to its next occurrence')
        await database.query(sql`
          update ${table} set run_at = ${next.toISOString()}::timestamptz, attempts = 0, last_error = ${error},
            locked_until = null, locked_by = null, updated_at = now()
          where id = ${row.id} and locked_by = ${workerId}`)
      } else {
        logger.error(log, 'job out of attempts; marked failed')
        await database.query(sql`
          update ${table} set status = 'failed', last_error = ${error}, locked_until = null, locked_by = null, updated_at = now()
          where id = ${row.id} and locked_by = ${workerId}`)
      }
      return
    }
    const delay = retryDelay(def.retry, row.attempts)
    logger.warn({ ...log, retryInMs: delay }, 'job failed; retry scheduled')
    await database.query(sql`
      update ${table} set run_at = now() + ${delay}::int * interval '1 millisecond', last_error = ${error},
        locked_until = null, locked_by = null, updated_at = now()
      where id = ${row.id} and locked_by = ${workerId}`)
  }

  async function pass(): Promise<number> {
    await ready
    let ran = 0
    do {
      again = false
      for (;;) {
        if (stopped) return ran
        const rows = await claim()
        for (const row of rows) {
          await runOne(row)
          ran++
        }
        if (rows.length < batchSize) break
      }
    } while (again && !stopped)
    return ran
  }

  function start(): Promise<number> {
    if (running) {
      again = true
      return running
    }
    running = pass()
      .catch((err: unknown) => {
        if (!stopped) logger.warn({ err, schema }, 'job runner pass failed; will retry')
        return 0
      })
      .finally(() => {
        running = undefined
      })
    return running
  }

  const timer = setInterval(() => void start(), pollMs)
  timer.unref()
  void start()

  return {
    wake() {
      if (!stopped) void start()
    },
    async runDue() {
      if (running) await running
      return start()
    },
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
      await ready
    },
  }
}
