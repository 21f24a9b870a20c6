import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist'
import { sql, type SQL } from 'drizzle-orm'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import type { ExtractTablesWithRelations } from 'drizzle-orm'
import pg from 'pg'
import { envPostgresOptions } from '../config.ts'
import { commitWakeups, notifySql } from './commit-wake.ts'
import { deferBegin, forgetBegin } from './deferred-begin.ts'

/** The Drizzle database every repository receives: the same type over PGlite and PostgreSQL. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = PgDatabase<PgQueryResultHKT, any>
/** A transaction handle; inside `db.transaction(tx => ...)` use only `tx` (PGlite has one connection). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Tx = PgTransaction<PgQueryResultHKT, any, ExtractTablesWithRelations<any>>
/** Either the database or a transaction: what repository functions accept. */
export type DbOrTx = Db | Tx

/** Where a service keeps its data. */
export interface DatabaseOptions {
  /** `postgres://...` for PostgreSQL; empty for the embedded PGlite. */
  url?: string
  /** PGlite data directory (`:memory:` for an in-memory database). Ignored for PostgreSQL. */
  dataDir?: string
  /** A PGlite tarball (from `dumpDataDir`) to start from: how tests copy a migrated template. */
  loadDataDir?: Blob
  /** Pool size for PostgreSQL. */
  poolSize?: number
  /** Name shown in pg_stat_activity. */
  applicationName?: string
}

/** A database handle plus what the kernel needs around it. */
export interface Database {
  readonly kind: 'pglite' | 'postgres'
  readonly db: Db
  /** Runs raw SQL and returns plain rows. */
  query<R = Record<string, unknown>>(query: SQL): Promise<R[]>
  /** Throws when the database does not answer: used by `/ready`. */
  ping(): Promise<void>
  close(): Promise<void>
  /** The PGlite instance when embedded (LISTEN/NOTIFY, dumps); undefined on PostgreSQL. */
  readonly pglite?: PGlite
  /** The pg pool when on PostgreSQL. */
  readonly pool?: pg.Pool
  /**
   * Calls `wake` after each commit in this process whose transaction wrote to `channel`'s outbox
   * (`writeEvent` / `markOutboxWrite`); returns the unsubscribe. Relays use it instead of a NOTIFY
   * inside every writing transaction (see commit-wake.ts); with no listener here for a channel, a
   * coalesced NOTIFY after the commit reaches relays in other processes.
   */
  onOutboxCommit(channel: string, wake: () => void): () => void
}

// BIGINT and NUMERIC come back as strings from pg; timestamps as Date. Keep pg's defaults except
// int8, which we store only for counters well within 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10))

/**
 * Settings every PostgreSQL session of the kernel starts with (the startup packet's `options`, so no
 * round trip), followed by `PGOPTIONS` from the environment (which therefore wins):
 *
 * - `plan_cache_mode=force_custom_plan`. Hot statements are named (`txQuery`), so PostgreSQL parses
 *   each once per connection, but after five runs it would keep one generic plan made for any
 *   parameters with the statistics of that moment. Made while a table is nearly empty (a new
 *   deployment, the start of a sale), that plan scans it sequentially and is never replaced while the
 *   table grows until autovacuum analyzes it: checkout's "already bought?" check joined every order
 *   item with every order, 115 ms a checkout after 20 s of 200 checkouts/s (checkout-latency p99
 *   ~800 ms; 144 ms with custom plans). A custom plan is made for the actual values and the table's
 *   current size; planning the statements here costs far less than one such scan.
 */
export function sessionOptions(): string {
  return ['-c plan_cache_mode=force_custom_plan', envPostgresOptions()].filter(Boolean).join(' ')
}

/**
 * Opens the database: PostgreSQL when `url` is set, otherwise PGlite on disk (or in memory).
 * The query code is the same for both; only this factory knows the difference.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? 'learnmesh',
      idleTimeoutMillis: 30_000,
      options: sessionOptions(),
    })
    pool.on('error', () => {
      // An idle client died (server restart); the pool replaces it. Queries report their own errors.
    })
    // `begin` rides with the transaction's first statement when it can (deferred-begin.ts).
    pool.on('connect', (client) => deferBegin(client as pg.PoolClient))
    pool.on('release', (_err: Error | undefined, client: pg.PoolClient) => forgetBegin(client))
    const db = drizzleNodePg(pool) as unknown as Db
    const wakeups = commitWakeups(db, (channel) => db.execute(notifySql(channel)))
    return {
      kind: 'postgres',
      db,
      pool,
      onOutboxCommit: wakeups.onOutboxCommit,
      async query<R>(q: SQL) {
        const res = await db.execute(q)
        return (res as unknown as { rows: R[] }).rows
      },
      async ping() {
        await pool.query('select 1')
      },
      async close() {
        await pool.end()
      },
    }
  }
  const dataDir = options.dataDir ?? '.data/pglite'
  if (dataDir !== ':memory:' && !dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true })
  // Extensions services' migrations may create (`create extension if not exists ...`) must be loaded here.
  const client = await PGlite.create(dataDir === ':memory:' ? undefined : dataDir, {
    extensions: { pg_trgm, btree_gist },
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  })
  const db = drizzlePglite(client) as unknown as Db
  const wakeups = commitWakeups(db, (channel) => db.execute(notifySql(channel)))
  return {
    kind: 'pglite',
    db,
    pglite: client,
    onOutboxCommit: wakeups.onOutboxCommit,
    async query<R>(q: SQL) {
      const res = await db.execute(q)
      return (res as unknown as { rows: R[] }).rows
    },
    async ping() {
      await client.query('select 1')
    },
    async close() {
      if (!client.closed) await client.close()
    },
  }
}

/** A statement for `txQuery`: its SQL text, and a name to prepare it once per connection. */
export interface RawStatement {
  /**
   * Prepared-statement name (PostgreSQL only; PGlite ignores it). One name must always carry the
   * same text: PostgreSQL parses and plans it once per connection instead of on every call.
   */
  name?: string
  text: string
}

/**
 * Runs hand-written, parameterized SQL (`$1`, `$2`, …) on the transaction's own connection (or, given
 * the database, as a statement of its own on any pooled connection) and returns the rows as the
 * driver gives them (column names as written, no Drizzle mapping): for a hot path where building the
 * query with Drizzle on every call costs more than the query. Values are sent as parameters, never
 * spliced into the text. Both drivers return timestamps as `Date`; cast bigint columns in SQL or
 * convert them with `Number()` (the drivers differ there).
 */
export async function txQuery<R = Record<string, unknown>>(
  tx: DbOrTx,
  statement: RawStatement,
  values: readonly unknown[] = [],
): Promise<R[]> {
  // Drizzle keeps the connection on its session: a pg PoolClient (a transaction), the pg Pool (the
  // database), or PGlite (its transaction or the instance).
  const client = (tx as unknown as { session: { client: unknown } }).session.client
  if (client instanceof pg.Client || client instanceof pg.Pool) {
    const res = await client.query({
      ...(statement.name ? { name: statement.name } : {}),
      text: statement.text,
      values: values as unknown[],
    })
    return res.rows as R[]
  }
  const res = await (
    client as { query(text: string, params: readonly unknown[]): Promise<{ rows: unknown[] }> }
  ).query(statement.text, values)
  return res.rows as R[]
}

/** `select 1`-style helper re-exported so services need not import drizzle-orm for raw SQL. */
export { sql }
