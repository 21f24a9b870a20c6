import { sql } from 'drizzle-orm'
import { getTableConfig } from 'drizzle-orm/pg-core'
import { CronExpressionParser } from 'cron-parser'
import { Value } from 'typebox/value'
import type { Static, TSchema } from 'typebox'
import type { Tx } from '../db/database.ts'
import { AppError } from '../errors.ts'
import { uuid7 } from '../ids.ts'
import { pendingKeyPredicate, pendingKeyPredicateText, type JobsTable } from './tables.ts'

/** How a failing job is retried. */
export interface RetryPolicy {
  /** Runs before a one-off job is marked failed (a recurring one waits for its next occurrence). Default 10. */
  maxAttempts?: number
  /** Delay after the first failure; doubles each time. Default 1 s. */
  baseDelayMs?: number
  /** Upper bound of the delay. Default 1 h. */
  maxDelayMs?: number
}

/** What a handler learns about the job it runs. */
export interface JobContext {
  id: string
  name: string
  /** 1 on the first run. */
  attempt: number
  /** When it was due. */
  runAt: Date
  key: string | null
}

/** A one-off (delayed) job type. */
export interface JobDefinition<S extends TSchema = TSchema> {
  kind: 'job'
  name: string
  /** Schema of the payload; a job whose payload does not match fails at once (no retry). */
  payload?: S
  retry?: RetryPolicy
  /** Runs in one transaction with the job's completion: use only `tx`. */
  handle(tx: Tx, payload: Static<S>, job: JobContext): Promise<void>
}

/** A recurring job: one row per name whose next run is rescheduled in the run's transaction. */
export interface RecurringJob {
  kind: 'recurring'
  name: string
  /** Cron expression (5 fields, or 6 with seconds first). */
  cron: string
  /** IANA time zone the expression is read in; default UTC. */
  timezone: string
  retry?: RetryPolicy
  /** Runs in one transaction with the rescheduling: use only `tx`. */
  handle(tx: Tx, job: JobContext): Promise<void>
  /**
   * Optional: runs once `handle`'s transaction has committed, outside any transaction, for work that
   * must not hold one (a call to a payment provider about rows `handle` claimed). It opens its own
   * short transactions; a failure is logged and not retried (the next occurrence picks up the rest).
   */
  afterCommit?(job: JobContext): Promise<void>
}

const jobName = /^[a-z][a-z0-9_.-]{0,100}$/

/** Declares a one-off job type with its payload type inferred from the schema. */
export function defineJob<S extends TSchema>(def: Omit<JobDefinition<S>, 'kind'>): JobDefinition<S> {
  if (!jobName.test(def.name)) throw new Error(`invalid job name: ${def.name}`)
  return { ...def, kind: 'job' }
}

/** Declares a recurring job; the cron expression and time zone are checked here, at startup. */
export function defineRecurring(def: {
  name: string
  cron: string
  timezone?: string
  retry?: RetryPolicy
  handle(tx: Tx, job: JobContext): Promise<void>
  afterCommit?(job: JobContext): Promise<void>
}): RecurringJob {
  if (!jobName.test(def.name)) throw new Error(`invalid job name: ${def.name}`)
  const timezone = def.timezone ?? 'UTC'
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone })
  } catch {
    throw new Error(`${def.name}: unknown time zone ${timezone}`)
  }
  nextOccurrence(def.cron, timezone, new Date()) // throws on a bad expression
  return { ...def, timezone, kind: 'recurring' }
}

/** The first occurrence of `cron` (in `timezone`) strictly after `after`. */
export function nextOccurrence(cron: string, timezone: string, after: Date): Date {
  try {
    return CronExpressionParser.parse(cron, { currentDate: after, tz: timezone, strict: false })
      .next()
      .toDate()
  } catch (err) {
    throw new Error(`invalid cron expression "${cron}": ${(err as Error).message}`)
  }
}

/** What to schedule. */
export interface ScheduleInput {
  /** The job definition's name. */
  name: string
  /** Not before this time; default now. */
  runAt?: Date
  payload?: unknown
  /** Dedupe key: while a job (name, key) is pending, scheduling it again does not add another. */
  key?: string
  /** With a key: move the pending job to the new time and payload instead of keeping it. */
  replace?: boolean
}

/** A keyed one-off job ready to insert from a statement of the caller's (see `prepareJob`). */
export interface PreparedJob {
  /**
   * `insert into <schema>.jobs (id, name, key, payload, run_at)`: follow it with a `select` (or
   * `values`) of the five values, then `conflict`. Fixed per jobs table, so a statement built from
   * it can be a named prepared statement.
   */
  insertInto: string
  /** `on conflict ... do nothing`: a job with this key already pending is kept, as `scheduleJob`. */
  conflict: string
  /** id, name, key, payload (JSON text for a `::jsonb` parameter), in that order. */
  values: [id: string, name: string, key: string, payload: string]
}

/**
 * What `scheduleJob` inserts for a keyed job, without inserting it: validated the same way, for a
 * hot path that schedules the job in the same statement as the write it belongs to (a CTE), so the
 * two are atomic without a transaction of their own. The run time is the caller's SQL expression
 * (e.g. computed from a row the statement inserts).
 */
export function prepareJob(
  jobs: JobsTable,
  input: { name: string; key: string; payload?: unknown },
): PreparedJob {
  if (!jobName.test(input.name)) throw new AppError('internal', `invalid job name: ${input.name}`)
  if (input.key.length === 0 || input.key.length > 200) {
    throw new AppError('internal', 'job key must be 1-200 characters')
  }
  let table = preparedTables.get(jobs)
  if (!table) {
    const config = getTableConfig(jobs)
    table = `"${config.schema ?? 'public'}"."${config.name}"`
    preparedTables.set(jobs, table)
  }
  return {
    insertInto: `insert into ${table} (id, name, key, payload, run_at)`,
    conflict: `on conflict (name, key) where ${pendingKeyPredicateText} do nothing`,
    values: [uuid7(), input.name, input.key, JSON.stringify(input.payload ?? {})],
  }
}
const preparedTables = new WeakMap<JobsTable, string>()

/**
 * Schedules a job inside the caller's transaction, so it exists only if the state change that
 * wants it commits. Returns the job id and whether a new job was added (false when a pending job
 * with the same key already existed; with `replace` that job was updated).
 */
export async function scheduleJob(
  tx: Tx,
  jobs: JobsTable,
  input: ScheduleInput,
): Promise<{ id: string; created: boolean }> {
  if (!jobName.test(input.name)) throw new AppError('internal', `invalid job name: ${input.name}`)
  if (input.key !== undefined && (input.key.length === 0 || input.key.length > 200)) {
    throw new AppError('internal', 'job key must be 1-200 characters')
  }
  if (input.runAt && Number.isNaN(input.runAt.getTime())) throw new AppError('internal', 'invalid runAt')
  const row = {
    id: uuid7(),
    name: input.name,
    key: input.key ?? null,
    payload: input.payload ?? {},
    runAt: input.runAt ?? new Date(),
  }
  if (input.key === undefined) {
    await tx.insert(jobs).values(row)
    return { id: row.id, created: true }
  }
  const target = [jobs.name, jobs.key]
  if (input.replace) {
    const [r] = await tx
      .insert(jobs)
      .values(row)
      .onConflictDoUpdate({
        target,
        targetWhere: pendingKeyPredicate,
        set: {
          runAt: row.runAt,
          payload: row.payload,
          attempts: 0,
          lastError: null,
          updatedAt: sql`now()`,
        },
      })
      .returning({ id: jobs.id })
    return { id: r!.id, created: r!.id === row.id }
  }
  const inserted = await tx
    .insert(jobs)
    .values(row)
    .onConflictDoNothing({ target, where: pendingKeyPredicate })
    .returning({ id: jobs.id })
  if (inserted[0]) return { id: inserted[0].id, created: true }
  const existing = await tx.execute(
    sql`select id from ${jobs} where name = ${input.name} and key = ${input.key} and status = 'pending'`,
  )
  const id = (existing as unknown as { rows: { id: string }[] }).rows[0]?.id
  return { id: id ?? row.id, created: false }
}

/** Whether `payload` matches the job's schema (true when it declares none). */
export function payloadMatches(def: JobDefinition, payload: unknown): boolean {
  return !def.payload || Value.Check(def.payload, payload)
}
