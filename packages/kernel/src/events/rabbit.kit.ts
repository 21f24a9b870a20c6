// Shared set-up of the RabbitMQ transport and dead-letter tests (not a test file itself).
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import amqp from 'amqplib'
import { sql } from 'drizzle-orm'
import Type from 'typebox'
import { defineEvent, type Envelope } from '@learnmesh/contracts'
import { createTestDatabase } from '../testing/database.ts'
import { deleteRabbitTopology, rabbitTestPrefix, testRabbitUrl } from '../testing/rabbit.ts'
import { fixtureMigrations, inbox, notes } from '../testing/fixtures/schema.ts'
import { createLogger } from '../logger.ts'
import { uuid7 } from '../ids.ts'
import type { Database } from '../db/database.ts'
import { consume, defineHandler } from './inbox.ts'
import { createRabbitTransport, type RabbitTransport, type RabbitTransportOptions } from './rabbit.ts'
import { createDeadLetterAdmin, type DeadLetterAdmin } from './dlq.ts'

export const fixture = fixtureMigrations
export const noteAdded = defineEvent({
  type: 'kernel.note.added',
  version: 1,
  producer: 'kernel_fixture',
  description: 'test event',
  payload: Type.Object({ id: Type.String() }, { additionalProperties: false }),
})
export const logger = createLogger('test')

/** A valid envelope of `kernel.note.added` for note `id`. */
export function envelope(id: string, extra: Partial<Envelope> = {}): Envelope {
  return {
    id: uuid7(),
    type: noteAdded.type,
    version: 1,
    occurredAt: new Date().toISOString(),
    producer: 'kernel_fixture',
    orgId: null,
    traceparent: null,
    payload: { id },
    ...extra,
  }
}

/** Polls `check` every 20 ms until it is true or `timeoutMs` passed. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting for a condition')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * Registers hooks giving each test a unique exchange/queue prefix, an emptied PGlite fixture
 * database with notes a, b and poison, and a dead-letter admin; afterwards every
 * transport is closed and every exchange and queue it declared is deleted.
 */
export function useRabbitFixture() {
  const k = {
    prefix: '',
    database: undefined as unknown as Database,
    admin: undefined as unknown as DeadLetterAdmin,
    transports: [] as RabbitTransport[],
    topology: { exchanges: new Set<string>(), queues: new Set<string>() },

    /** A transport with test-sized retries (3 deliveries, 50 ms then 100 ms). */
    transport(extra: Partial<RabbitTransportOptions> = {}): RabbitTransport {
      const t = createRabbitTransport({
        url: testRabbitUrl,
        logger,
        prefix: k.prefix,
        maxDeliveries: 3,
        retryDelaysMs: [50, 100],
        prefetch: 5,
        ...extra,
      })
      k.transports.push(t)
      return t
    },

    /** Records a transport's declared names for deletion (for tests that close it themselves). */
    forget(t: RabbitTransport): void {
      k.transports.splice(k.transports.indexOf(t), 1)
      for (const e of t.topology().exchanges) k.topology.exchanges.add(e)
      for (const q of t.topology().queues) k.topology.queues.add(q)
    },

    /** Subscribes consumer `counter`: bumps notes.n; throws when `fail(id)` says so. */
    counter(t: RabbitTransport, seen: string[], fail: (id: string) => boolean = () => false): void {
      consume({
        consumer: 'counter',
        database: k.database,
        inbox,
        transport: t,
        logger,
        handlers: [
          defineHandler({
            event: noteAdded,
            handle: async (tx, payload) => {
              seen.push(payload.id)
              if (fail(payload.id)) throw new Error(`handler refused ${payload.id}`)
              await tx
                .update(notes)
                .set({ n: sql`${notes.n} + 1` })
                .where(sql`${notes.id} = ${payload.id}`)
            },
          }),
        ],
      })
    },

    async noteCount(id: string): Promise<number> {
      const rows = await k.database.query<{ n: number }>(
        sql`select n from kernel_fixture.notes where id = ${id}`,
      )
      return rows[0]?.n ?? -1
    },

    /** Publishes raw bytes to the test's event exchange, bypassing the transport. */
    async rawPublish(routingKey: string, body: Buffer, options: amqp.Options.Publish = {}): Promise<void> {
      const conn = await amqp.connect(testRabbitUrl)
      try {
        const ch = await conn.createConfirmChannel()
        ch.publish(`${k.prefix}learnmesh.events`, routingKey, body, options)
        await ch.waitForConfirms()
      } finally {
        await conn.close()
      }
    },
  }

  // One embedded database per file, emptied before each test: opening one per test costs more
  // than the tests themselves.
  beforeAll(async () => {
    k.database = await createTestDatabase(fixture)
  })
  afterAll(async () => {
    await k.database.close()
  })

  beforeEach(async () => {
    k.prefix = rabbitTestPrefix()
    await k.database.query(sql`truncate kernel_fixture.notes, kernel_fixture.inbox`)
    k.admin = createDeadLetterAdmin({ url: testRabbitUrl, prefix: k.prefix })
    await k.database.db.insert(notes).values([
      { id: 'a', body: 'x' },
      { id: 'b', body: 'x' },
      { id: 'poison', body: 'x' },
    ])
  })

  afterEach(async () => {
    while (k.transports.length) {
      const t = k.transports[k.transports.length - 1]!
      await t.close()
      k.forget(t)
    }
    await k.admin.close()
    await deleteRabbitTopology({ exchanges: [...k.topology.exchanges], queues: [...k.topology.queues] })
    k.topology.exchanges.clear()
    k.topology.queues.clear()
  })

  return k
}
