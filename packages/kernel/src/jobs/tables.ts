import { sql } from 'drizzle-orm'
import { index, integer, jsonb, text, timestamp, uniqueIndex, uuid, type PgSchema } from 'drizzle-orm/pg-core'

/** Predicate of the partial unique index on (name, key), as SQL text (for hand-written statements). */
export const pendingKeyPredicateText = `status = 'pending' and key is not null`
/** Predicate of the partial unique index on (name, key): only one pending job per key. */
export const pendingKeyPredicate = sql.raw(pendingKeyPredicateText)

/**
 * The delayed and recurring jobs of a service, in its own schema. Put `jobs = jobsTable(schema)`
 * in the service's db/schema.ts so drizzle-kit generates it with the service's migrations.
 * A one-off job's row is deleted in the transaction that runs it successfully; a recurring job
 * keeps one row whose `run_at` moves to the next occurrence; a job out of attempts stays `failed`.
 */
export function jobsTable(schema: PgSchema) {
  return schema.table(
    'jobs',
    {
      /** UUIDv7. */
      id: uuid('id').primaryKey(),
      /** The job definition's name (`sessions.purge_expired`). */
      name: text('name').notNull(),
      /** Dedupe key: at most one pending job per (name, key). Recurring jobs use `recurring`. */
      key: text('key'),
      /** The handler's input (validated against the definition's schema when it has one). */
      payload: jsonb('payload').notNull().default({}),
      /** Not before this time. */
      runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(),
      /** Cron expression of a recurring job; null for one-off jobs. */
      cron: text('cron'),
      /** IANA time zone the cron expression is read in. */
      timezone: text('timezone'),
      /** pending | failed (out of attempts; kept for inspection). */
      status: text('status').notNull().default('pending'),
      /** Runs started since the last success (a crashed run counts too). */
      attempts: integer('attempts').notNull().default(0),
      /** The last failure, truncated. */
      lastError: text('last_error'),
      /** A runner's lease: nobody else claims the job before this time. */
      lockedUntil: timestamp('locked_until', { withTimezone: true }),
      /** The runner holding the lease. */
      lockedBy: text('locked_by'),
      /** When a recurring job last succeeded. */
      lastRunAt: timestamp('last_run_at', { withTimezone: true }),
      createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
      updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      index('jobs_due_idx')
        .on(t.runAt)
        .where(sql`status = 'pending'`),
      uniqueIndex('jobs_pending_key_idx').on(t.name, t.key).where(pendingKeyPredicate),
    ],
  )
}

export type JobsTable = ReturnType<typeof jobsTable>
