import { sql } from 'drizzle-orm'
import pg from 'pg'
import type { Envelope } from '@learnmesh/contracts'
import type { Database } from '../db/database.ts'
import type { Transport } from './bus.ts'
import type { Logger } from '../logger.ts'
import { outboxChannel } from './outbox.ts'

/** A relay moves a service's committed outbox rows to the transport. */
export interface Relay {
  /** Asks for a publish pass soon (call after a commit that wrote events). */
  wake(): void
  /**
   * Publishes everything pending now; resolves when the outbox is empty. With `timeoutMs`, rejects
   * when it is not empty by then (the broker is down, another relay is stuck).
   */
  drain(timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

/** A row of the claiming statement. */
interface ClaimedRow {
  seq: number | string
  aggregate_id: string
  envelope: Envelope
  gap: number | string | null
}

/** What one publish pass did. */
interface Pass {
  claimed: number
  published: number
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * Publishes `<schema>.outbox` rows in `seq` order, in batches, and marks them published.
 *
 * - Sharing: rows are claimed with `FOR UPDATE SKIP LOCKED`, so several relay replicas share one
 *   outbox and never publish the same claimed row at once. A row is marked only after the
 *   transport confirmed it, so a crash re-publishes (at least once) and inboxes drop the duplicate.
 * - Order per aggregate (strict): SKIP LOCKED can hand a relay x1, x3 while another relay holds x2.
 *   So the claiming statement also finds, per aggregate in the batch, the first unpublished row it
 *   did not claim that comes before its last claimed row (a "gap": a row another relay holds), and
 *   the relay publishes that aggregate's rows only up to the gap. The rest stay locked by us until
 *   commit and are picked up on a later pass, so an event is never published while an earlier
 *   event of its aggregate is unpublished. Batches keep many events of one aggregate (in seq
 *   order), so a hot aggregate does not publish one event per pass.
 *   (This relies on writers of one aggregate serialising on the aggregate's row, which they do
 *   whenever they update it: then seq order is commit order per aggregate.)
 * - Wake-up: a commit in this process that wrote events (`writeEvent` / `outboxWritten`) wakes the
 *   relay directly (`Database.onOutboxCommit`: no NOTIFY inside writing transactions, whose
 *   cluster-wide lock would serialize their commits). A process without a relay for the outbox sends
 *   `pg_notify('learnmesh_outbox_<schema>')` after its commits, which the relay LISTENs for (a
 *   dedicated connection on PostgreSQL, PGlite's `listen` when embedded). It also polls every
 *   `pollMs` as a fallback.
 * - Broker down: a failed pass rolls back (rows stay unpublished, the outbox grows) and the relay
 *   backs off exponentially up to `maxBackoffMs`, then drains everything when the broker returns.
 */
export function createRelay(options: {
  database: Database
  schema: string
  transport: Transport
  logger: Logger
  /**
   * Rows claimed and published per pass (one transaction, one pipelined publish); default 500.
   * Larger batches spread a pass's fixed cost (queries, commit, the last confirm's round trip) over
   * more events: draining a backlog, 500 gave ~25% more events/s than 200 (bench `relay`).
   */
  batchSize?: number
  pollMs?: number
  /** Longest pause between attempts while the transport keeps failing; default 30 s. */
  maxBackoffMs?: number
  /** LISTEN for NOTIFYs from other processes that wrote events (default true). */
  listen?: boolean
}): Relay {
  const { database, schema, transport, logger } = options
  const batchSize = options.batchSize ?? 500
  const pollMs = options.pollMs ?? 1000
  const maxBackoffMs = options.maxBackoffMs ?? 30_000
  const table = sql.raw(`"${schema}"."outbox"`)
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`relay: invalid schema name ${schema}`)
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new Error(`relay: invalid batch size ${batchSize}`)
  let running: Promise<void> | undefined
  let again = false
  /**
   * A pass is on its way but has not sent its claim yet: a commit now is seen by that claim, so a
   * wake-up need not queue another pass. (Every commit wakes the relay, often twice: the kernel's
   * after-commit wake-up and the service's own `wakeRelay`; one empty pass each would cost three
   * round trips per commit.)
   */
  let claimPending = false
  let stopped = false
  let failures = 0
  let resumeAt = 0
  let retryTimer: NodeJS.Timeout | undefined

  // Claim and find gaps in ONE statement (one round trip less per pass). The gaps: unpublished rows
  // of our aggregates that we did not claim (another relay holds them), before our last row of that
  // aggregate; we may publish an aggregate's rows only up to its first gap. The statement has one
  // snapshot: a row another relay published after it counts as a gap (held back until the next pass,
  // never published out of order); a row of one of our aggregates committed after it cannot come
  // before our rows (writers of an aggregate serialise on its row, so seq order is commit order per
  // aggregate). `o.seq < (select max(seq) from claimed)` is implied by `o.seq < b.last_seq` but,
  // being one value, lets PostgreSQL range-scan the unpublished index up to this batch instead of
  // reading the whole backlog on every pass. Nothing in it comes from outside the kernel (the
  // schema name is the service's own, the batch size an integer), so it is plain SQL text.
  const claimText = `with claimed as materialized (
      select seq, aggregate_id, envelope from "${schema}"."outbox" where published_at is null
      order by seq limit ${batchSize} for update skip locked
    ), last as (
      select aggregate_id, max(seq) as last_seq from claimed group by aggregate_id
    ), gaps as (
      select o.aggregate_id, min(o.seq) as gap from "${schema}"."outbox" o join last b on o.aggregate_id = b.aggregate_id
      where o.published_at is null and o.seq < (select max(seq) from claimed) and o.seq < b.last_seq
        and o.seq not in (select seq from claimed)
      group by o.aggregate_id
    )
    select c.seq, c.aggregate_id, c.envelope, g.gap from claimed c
    left join gaps g on g.aggregate_id = c.aggregate_id order by c.seq`
  const markText = (seqs: number[]) =>
    `update "${schema}"."outbox" set published_at = now(), attempts = attempts + 1
    where seq = any('{${seqs.join(',')}}'::bigint[])`

  /** The rows of a claim that may be published now (up to each aggregate's first gap). */
  function publishableOf(rows: ClaimedRow[]): { seqs: number[]; envelopes: Envelope[] } {
    const seqs: number[] = []
    const envelopes: Envelope[] = []
    for (const r of rows) {
      if (r.gap !== null && Number(r.seq) >= Number(r.gap)) continue
      const seq = Number(r.seq)
      if (!Number.isSafeInteger(seq)) throw new Error(`outbox seq ${String(r.seq)} is not an integer`)
      seqs.push(seq)
      envelopes.push(r.envelope)
    }
    return { seqs, envelopes }
  }

  async function passOnce(): Promise<Pass> {
    claimPending = true
    if (database.pool) return passOnPostgres(database.pool)
    return database.db.transaction(async (tx) => {
      claimPending = false // from here on, a commit may be missed by this claim's snapshot
      const rows = (await tx.execute(sql.raw(claimText))) as unknown as { rows: ClaimedRow[] }
      if (rows.rows.length === 0) return { claimed: 0, published: 0 }
      const { seqs, envelopes } = publishableOf(rows.rows)
      if (seqs.length === 0) return { claimed: rows.rows.length, published: 0 }
      await transport.publish(envelopes)
      await tx.execute(sql.raw(markText(seqs)))
      return { claimed: rows.rows.length, published: seqs.length }
    })
  }

  /**
   * A pass on PostgreSQL in two round trips instead of four: `begin` travels with the claim (the
   * pool's deferred begin, db/deferred-begin.ts: the claim is plain text) and `commit` with the update
   * that marks the rows published (one simple-protocol string of two statements: kernel-built text,
   * the seqs integers checked above). Every round trip costs a system call and a backend wake-up on
   * each side, and at a steady trickle of events a relay runs about one pass per event.
   */
  async function passOnPostgres(pool: pg.Pool): Promise<Pass> {
    const client = await pool.connect()
    let open = false
    let broken: Error | undefined
    try {
      claimPending = false // from here on, a commit may be missed by this claim's snapshot
      open = true
      await client.query('begin')
      const { rows } = await client.query<ClaimedRow>(claimText)
      const { seqs, envelopes } = publishableOf(rows)
      if (seqs.length === 0) {
        await client.query('commit')
        open = false
        return { claimed: rows.length, published: 0 }
      }
      await transport.publish(envelopes)
      await client.query(`${markText(seqs)}; commit`)
      open = false
      return { claimed: rows.length, published: seqs.length }
    } catch (err) {
      if (open) {
        // Rows stay unpublished and unlocked; a connection that cannot even roll back is dropped.
        await client.query('rollback').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))
        })
      }
      throw err
    } finally {
      client.release(broken)
    }
  }

  async function run(): Promise<void> {
    do {
      again = false
      try {
        for (;;) {
          const pass = await passOnce()
          // Stop when the outbox is drained or everything we saw waits on another relay.
          if (stopped || pass.claimed < batchSize || pass.published === 0) break
        }
        if (failures > 0) logger.info({ schema, failures }, 'outbox relay recovered')
        failures = 0
      } catch (err) {
        claimPending = false
        if (stopped) return
        failures++
        const delay = Math.min(pollMs * 2 ** (failures - 1), maxBackoffMs)
        resumeAt = Date.now() + delay
        logger.warn({ err, schema, failures, retryInMs: delay }, 'outbox relay pass failed; backing off')
        clearTimeout(retryTimer)
        retryTimer = setTimeout(() => wake(), delay)
        retryTimer.unref()
        return
      }
    } while (again && !stopped)
  }

  function start(force: boolean): void {
    if (stopped) return
    // While backing off, wake-ups (polls, notifications) wait for the retry timer.
    if (!force && failures > 0 && Date.now() < resumeAt) return
    if (running) {
      if (!claimPending) again = true
      return
    }
    running = run().finally(() => {
      running = undefined
    })
  }

  function wake(): void {
    start(false)
  }

  const timer = setInterval(wake, pollMs)
  timer.unref()
  const unsubscribe = database.onOutboxCommit(outboxChannel(schema), wake)

  // LISTEN/NOTIFY: a commit that wrote events wakes the relay at once instead of at the next poll.
  const channel = outboxChannel(schema)
  let unlisten: (() => Promise<void>) | undefined
  let listenClient: pg.Client | undefined
  let listenRetry: NodeJS.Timeout | undefined
  async function listenPg(attempt = 0): Promise<void> {
    if (stopped || !database.pool) return
    const poolOptions = (database.pool as unknown as { options: pg.ClientConfig }).options
    const client = new pg.Client({
      ...poolOptions,
      application_name: `${poolOptions.application_name ?? 'learnmesh'}-relay-listen`,
    })
    listenClient = client
    const retry = () => {
      if (stopped || listenClient !== client) return
      listenClient = undefined
      void client.end().catch(() => {})
      listenRetry = setTimeout(() => void listenPg(attempt + 1), Math.min(1000 * 2 ** attempt, 30_000))
      listenRetry.unref()
    }
    client.on('error', (err) => {
      logger.warn({ err, schema }, 'outbox LISTEN connection lost; polling until it is back')
      retry()
    })
    client.on('notification', () => wake())
    try {
      await client.connect()
      await client.query(`listen "${channel}"`)
      if (stopped) await client.end().catch(() => {})
      else wake() // catch up with what was committed while we were not listening
    } catch (err) {
      logger.warn({ err, schema }, 'outbox LISTEN failed; polling only for now')
      retry()
    }
  }
  if (options.listen !== false) {
    if (database.pglite) {
      database.pglite
        .listen(channel, () => wake())
        .then((u) => {
          if (stopped) void u().catch(() => {})
          else unlisten = () => u()
        })
        .catch((err: unknown) => logger.warn({ err, schema }, 'outbox listen failed; polling only'))
    } else if (database.pool) {
      void listenPg()
    }
  }
  wake()

  return {
    wake,
    async drain(timeoutMs) {
      const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs
      for (;;) {
        start(true)
        await running
        const rest = await database.query<{ n: number }>(
          sql`select count(*)::int as n from ${table} where published_at is null`,
        )
        const n = rest[0]?.n ?? 0
        if (n === 0) return
        if (stopped) throw new Error(`relay stopped with ${n} unpublished events in ${schema}.outbox`)
        if (Date.now() > deadline) throw new Error(`${n} events still unpublished in ${schema}.outbox`)
        await sleep(Math.min(pollMs, 50)) // another relay holds them, or the transport is failing
      }
    },
    async stop() {
      stopped = true
      clearInterval(timer)
      unsubscribe()
      clearTimeout(retryTimer)
      clearTimeout(listenRetry)
      await running
      await unlisten?.().catch(() => {})
      const client = listenClient
      listenClient = undefined
      await client?.end().catch(() => {})
    },
  }
}
