import { sql } from 'drizzle-orm'
import type { Envelope } from '@learnmesh/contracts'
import type { Database } from '../db/database.ts'
import type { Transport } from './bus.ts'
import type { Logger } from '../logger.ts'

/** A relay moves a service's committed outbox rows to the transport. */
export interface Relay {
  /** Asks for a publish pass soon (call after a commit that wrote events). */
  wake(): void
  /** Publishes everything pending now; resolves when the outbox is empty. */
  drain(): Promise<void>
  stop(): Promise<void>
}

/**
 * Publishes `<schema>.outbox` rows in `seq` order in batches and marks them published. Rows are
 * claimed with `FOR UPDATE SKIP LOCKED` so several relays can share one outbox; a row is marked
 * only after the transport accepted it, so a crash re-publishes (at least once) and consumers'
 * inboxes drop the duplicate. Polls every `pollMs` as a fallback to `wake()`.
 */
export function createRelay(options: {
  database: Database
  schema: string
  transport: Transport
  logger: Logger
  batchSize?: number
  pollMs?: number
}): Relay {
  const { database, schema, transport, logger } = options
  const batchSize = options.batchSize ?? 200
  const table = sql.raw(`"${schema}"."outbox"`)
  let running: Promise<void> | undefined
  let again = false
  let stopped = false

  async function passOnce(): Promise<number> {
    return database.db.transaction(async (tx) => {
      const res = (await tx.execute(
        sql`select seq, envelope from ${table} where published_at is null order by seq limit ${batchSize} for update skip locked`,
      )) as unknown as { rows: { seq: number | string; envelope: Envelope }[] }
      if (res.rows.length === 0) return 0
      await transport.publish(res.rows.map((r) => r.envelope))
      const seqs = res.rows.map((r) => Number(r.seq))
      await tx.execute(
        sql`update ${table} set published_at = now(), attempts = attempts + 1 where seq in (${sql.join(
          seqs.map((s) => sql`${s}`),
          sql`, `,
        )})`,
      )
      return res.rows.length
    })
  }

  async function run(): Promise<void> {
    do {
      again = false
      try {
        while (!stopped && (await passOnce()) === batchSize) {
          // a full batch: there may be more
        }
      } catch (err) {
        if (!stopped) logger.warn({ err, schema }, 'outbox relay pass failed; will retry')
      }
    } while (again && !stopped)
  }

  function wake(): void {
    if (stopped) return
    if (running) {
      again = true
      return
    }
    running = run().finally(() => {
      running = undefined
    })
  }

  const timer = setInterval(wake, options.pollMs ?? 1000)
  timer.unref()
  wake()

  return {
    wake,
    async drain() {
      for (;;) {
        wake()
        await running
        const rest = await database.query<{ n: number }>(sql`select count(*)::int as n from ${table} where published_at is null`)
        if ((rest[0]?.n ?? 0) === 0) return
      }
    },
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
    },
  }
}
