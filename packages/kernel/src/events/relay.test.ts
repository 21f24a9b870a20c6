import { afterEach, describe, expect, it } from 'vitest'
import pg from 'pg'
import { sql } from 'drizzle-orm'
import Type from 'typebox'
import { defineEvent, type Envelope } from '@learnmesh/contracts'
import { createPostgresTestDatabase, createTestDatabase, postgresAvailable } from '../testing/database.ts'
import { deleteRabbitTopology, rabbitAvailable, rabbitTestPrefix, testRabbitUrl } from '../testing/rabbit.ts'
import { fixtureMigrations, inbox, notes, outbox } from '../testing/fixtures/schema.ts'
import { countStatements, listStatements } from '../testing/statements.ts'
import { createLogger } from '../logger.ts'
import { openDatabase, type Database } from '../db/database.ts'
import { writeEvent } from './outbox.ts'
import { createRelay, type Relay } from './relay.ts'
import type { Transport } from './bus.ts'
import { consume, defineHandler } from './inbox.ts'
import { createRabbitTransport } from './rabbit.ts'

const fixture = fixtureMigrations
const noteAdded = defineEvent({
  type: 'kernel.note.added',
  version: 1,
  producer: 'kernel_fixture',
  description: 'test event',
  payload: Type.Object({ id: Type.String(), n: Type.Integer() }),
})
const logger = createLogger('test')
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})
const pgUp = await postgresAvailable()
const rabbitUp = await rabbitAvailable()

/** A transport that records what it was asked to publish; `delayMs` keeps a batch in flight a while. */
function recorder(delayMs = 0) {
  const published: { envelope: Envelope; by: string }[] = []
  const make = (by: string): Transport => ({
    async publish(envelopes) {
      for (const e of envelopes) published.push({ envelope: e, by })
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs))
    },
    subscribe() {},
    async close() {},
  })
  return { published, make }
}

/** Fails the first `n` publishes, then delegates. */
function flaky(inner: Transport, n: number) {
  let calls = 0
  const transport: Transport = {
    async publish(envelopes) {
      calls++
      if (calls <= n) throw new Error(`broker down (call ${calls})`)
      await inner.publish(envelopes)
    },
    subscribe: (...args) => inner.subscribe(...args),
    close: () => inner.close(),
  }
  return { transport, calls: () => calls }
}

async function write(database: Database, aggregateId: string, n: number): Promise<Envelope> {
  return database.db.transaction(async (tx) =>
    writeEvent(tx, outbox, noteAdded, { aggregateId, orgId: null, payload: { id: aggregateId, n } }),
  )
}

function relay(
  database: Database,
  transport: Transport,
  extra: Partial<Parameters<typeof createRelay>[0]> = {},
) {
  const r: Relay = createRelay({
    database,
    schema: 'kernel_fixture',
    transport,
    logger,
    pollMs: 20,
    ...extra,
  })
  cleanups.push(() => r.stop())
  return r
}

async function pgDatabase() {
  const database = await createPostgresTestDatabase(fixture)
  cleanups.push(() => database.drop())
  return database
}

describe('outbox relay', () => {
  describe('happy', () => {
    it.runIf(pgUp.ok)(
      'shares one outbox between two relays: each row published once, order kept per aggregate',
      async () => {
        const database = await pgDatabase()
        const other = await openDatabase({ url: database.url, poolSize: 3 })
        // The writers are a process of their own (no relay there): each commit NOTIFYs, and both
        // relays are woken alike, as two relay replicas beside the service's writers would be.
        const writer = await openDatabase({ url: database.url, poolSize: 4 })
        cleanups.push(() => other.close())
        cleanups.push(() => writer.close())
        const rec = recorder(3)
        const ra = relay(database, rec.make('A'), { batchSize: 10 })
        relay(other, rec.make('B'), { batchSize: 10 })
        await new Promise((r) => setTimeout(r, 300)) // both LISTENs are set up
        const aggregates = ['x', 'y', 'z', 'w']
        const total = 240
        // Concurrent writers, one per aggregate, while both relays run.
        await Promise.all(
          aggregates.map(async (a) => {
            for (let i = 0; i < total / aggregates.length; i++) await write(writer, a, i)
          }),
        )
        await ra.drain(20_000)
        const ids = rec.published.map((p) => p.envelope.id)
        expect(ids).toHaveLength(total)
        expect(new Set(ids).size).toBe(total)
        for (const agg of aggregates) {
          const ns = rec.published
            .filter((p) => (p.envelope.payload as { id: string }).id === agg)
            .map((p) => (p.envelope.payload as { n: number }).n)
          expect(ns).toEqual([...ns].sort((l, r) => l - r))
        }
        expect(new Set(rec.published.map((p) => p.by))).toEqual(new Set(['A', 'B']))
      },
    )

    it.runIf(pgUp.ok)(
      'holds back an aggregate whose earlier event another relay holds, publishes the others',
      async () => {
        const database = await pgDatabase()
        const first = await write(database, 'x', 0)
        await write(database, 'x', 1)
        await write(database, 'y', 0)
        // Play "the other relay": lock x's first row in an open transaction.
        const holder = new pg.Client({ connectionString: database.url })
        await holder.connect()
        cleanups.push(() => holder.end())
        await holder.query('begin')
        await holder.query('select seq from kernel_fixture.outbox where id = $1 for update', [first.id])
        const rec = recorder()
        const r = relay(database, rec.make('A'), { listen: false })
        await expect(r.drain(500)).rejects.toThrow(/still unpublished/)
        expect(
          rec.published.map(
            (p) => `${(p.envelope.payload as { id: string }).id}${(p.envelope.payload as { n: number }).n}`,
          ),
        ).toEqual(['y0'])
        await holder.query('rollback')
        await r.drain(5000)
        expect(
          rec.published.map(
            (p) => `${(p.envelope.payload as { id: string }).id}${(p.envelope.payload as { n: number }).n}`,
          ),
        ).toEqual(['y0', 'x0', 'x1'])
      },
    )

    const wakeSuites: [string, boolean, () => Promise<Database>][] = [
      ['PGlite', true, () => createTestDatabase(fixture)],
      ['PostgreSQL', pgUp.ok, pgDatabase],
    ]
    for (const [name, enabled, open] of wakeSuites) {
      it.runIf(enabled)(
        `is woken at the commit of this process’s writer on ${name}, without polling`,
        async () => {
          const database = await open()
          if (database.kind === 'pglite') cleanups.push(() => database.close())
          const rec = recorder()
          relay(database, rec.make('A'), { pollMs: 600_000 })
          await new Promise((r) => setTimeout(r, 300)) // LISTEN is set up
          const started = Date.now()
          await write(database, 'x', 0)
          while (rec.published.length === 0 && Date.now() - started < 5000)
            await new Promise((r) => setTimeout(r, 10))
          expect(rec.published).toHaveLength(1)
        },
      )
    }

    it('runs one pass per commit however often it is woken before its claim (no empty second pass)', async () => {
      const database = await createTestDatabase(fixture)
      cleanups.push(() => database.close())
      const rec = recorder()
      const r = relay(database, rec.make('A'), { pollMs: 600_000, listen: false })
      await r.drain(5000) // the start-up pass is over
      let transactions = 0
      const original = database.db.transaction.bind(database.db)
      ;(database.db as unknown as { transaction: typeof original }).transaction = ((...args: unknown[]) => {
        transactions++
        return (original as (...a: unknown[]) => unknown)(...args)
      }) as typeof original
      await write(database, 'x', 0) // the writer's transaction; the kernel wakes the relay after it
      r.wake() // the service's own wakeRelay, as every write path calls it
      r.wake()
      const started = Date.now()
      while (rec.published.length === 0 && Date.now() - started < 5000)
        await new Promise((res) => setTimeout(res, 5))
      await new Promise((res) => setTimeout(res, 200))
      expect(rec.published).toHaveLength(1)
      expect(transactions).toBe(2) // the writer's and one relay pass
    })

    it.runIf(pgUp.ok)(
      'publishes a batch on PostgreSQL in two round trips: begin with the claim, the mark with commit',
      async () => {
        const database = await pgDatabase()
        // The relay on a database handle of its own: the writes below do not wake it (only r.wake() does).
        const own = await openDatabase({ url: database.url, poolSize: 2 })
        cleanups.push(() => own.close())
        const rec = recorder()
        const r = relay(own, rec.make('A'), { pollMs: 600_000, listen: false })
        await r.drain(5000) // the start-up pass is over
        for (let i = 0; i < 3; i++) await write(database, i === 1 ? 'y' : 'x', i)
        await new Promise((res) => setTimeout(res, 100)) // the writers' after-commit NOTIFYs are out
        const { statements: sent } = await countStatements(async () => {
          r.wake()
          const started = Date.now()
          while (rec.published.length < 3 && Date.now() - started < 5000)
            await new Promise((res) => setTimeout(res, 5))
          await new Promise((res) => setTimeout(res, 100)) // the pass's last round trip
        })
        const statements = sent.filter((t) => !t.includes('pg_notify'))
        expect(rec.published.map((p) => (p.envelope.payload as { n: number }).n)).toEqual([0, 1, 2])
        expect(statements, listStatements(statements)).toHaveLength(2)
        expect(statements[0]).toMatch(/^begin; with claimed/)
        expect(statements[1]).toMatch(/^update "kernel_fixture"."outbox" set published_at[\s\S]*; commit$/)
        const rows = await database.query<{ published: boolean; attempts: number }>(
          sql`select published_at is not null as published, attempts from kernel_fixture.outbox`,
        )
        expect(rows).toEqual(Array(3).fill({ published: true, attempts: 1 }))
      },
    )

    it.runIf(pgUp.ok)(
      'is woken by NOTIFY after the commit of a writer in another process (no relay there), without polling',
      async () => {
        const database = await pgDatabase()
        const elsewhere = await openDatabase({ url: database.url, poolSize: 2 })
        cleanups.push(() => elsewhere.close())
        const rec = recorder()
        relay(database, rec.make('A'), { pollMs: 600_000 })
        await new Promise((r) => setTimeout(r, 300)) // LISTEN is set up
        const started = Date.now()
        await write(elsewhere, 'x', 0)
        while (rec.published.length === 0 && Date.now() - started < 5000)
          await new Promise((r) => setTimeout(r, 10))
        expect(rec.published).toHaveLength(1)
      },
    )

    it.runIf(pgUp.ok && rabbitUp.ok)(
      'delivers through RabbitMQ end to end: outbox → relay → queue → inbox',
      async () => {
        const database = await pgDatabase()
        const prefix = rabbitTestPrefix()
        const transport = createRabbitTransport({ url: testRabbitUrl, logger, prefix })
        cleanups.push(async () => {
          await transport.close()
          await deleteRabbitTopology(transport.topology())
        })
        await database.db.insert(notes).values({ id: 'x', body: 'x' })
        consume({
          consumer: 'counter',
          database,
          inbox,
          transport,
          logger,
          handlers: [
            defineHandler({
              event: noteAdded,
              handle: async (tx) => void (await tx.update(notes).set({ n: sql`${notes.n} + 1` })),
            }),
          ],
        })
        await transport.ready()
        const r = relay(database, transport)
        for (let i = 0; i < 20; i++) await write(database, 'x', i)
        await r.drain(10_000)
        const started = Date.now()
        let n = 0
        while (n < 20 && Date.now() - started < 10_000) {
          n = (await database.db.select().from(notes))[0]!.n
          await new Promise((r) => setTimeout(r, 20))
        }
        expect(n).toBe(20)
      },
    )
  })

  describe('errors', () => {
    const failSuites: [string, boolean, () => Promise<Database>][] = [
      ['PGlite', true, () => createTestDatabase(fixture)],
      ['PostgreSQL', pgUp.ok, pgDatabase],
    ]
    for (const [name, enabled, open] of failSuites) {
      it.runIf(enabled)(
        `survives a failing transport on ${name}: the outbox grows, the relay backs off, then drains in order`,
        async () => {
          const database = await open()
          if (database.kind === 'pglite') cleanups.push(() => database.close())
          const rec = recorder()
          const broker = flaky(rec.make('A'), 4)
          const r = relay(database, broker.transport, { maxBackoffMs: 100, listen: false })
          for (let i = 0; i < 10; i++) await write(database, 'x', i)
          await r.drain(10_000)
          expect(broker.calls()).toBeGreaterThan(4)
          expect(rec.published.map((p) => (p.envelope.payload as { n: number }).n)).toEqual([
            ...Array(10).keys(),
          ])
          const rows = await database.query<{ attempts: number }>(
            sql`select attempts from kernel_fixture.outbox`,
          )
          expect(rows.every((row) => row.attempts === 1)).toBe(true)
          if (database.pool) {
            // Every failed pass rolled back and gave its connection back: none is left in a transaction.
            // Stopped first: a poll's empty pass sits between its claim and its commit for a moment.
            await r.stop()
            const idle = await database.query<{ n: number }>(
              sql`select count(*)::int as n from pg_stat_activity
                  where datname = current_database() and state like 'idle in transaction%'`,
            )
            expect(idle[0]!.n).toBe(0)
          }
        },
      )
    }

    it('reports a drain that cannot finish while the transport keeps failing', async () => {
      const database = await createTestDatabase(fixture)
      cleanups.push(() => database.close())
      const broker = flaky(recorder().make('A'), Number.POSITIVE_INFINITY)
      const r = relay(database, broker.transport, { maxBackoffMs: 50, listen: false })
      await write(database, 'x', 0)
      await expect(r.drain(300)).rejects.toThrow(/1 events still unpublished/)
    })
  })

  describe('security', () => {
    it('never publishes an event whose transaction rolled back', async () => {
      const database = await createTestDatabase(fixture)
      cleanups.push(() => database.close())
      const rec = recorder()
      const r = relay(database, rec.make('A'))
      await expect(
        database.db.transaction(async (tx) => {
          await writeEvent(tx, outbox, noteAdded, {
            aggregateId: 'x',
            orgId: null,
            payload: { id: 'x', n: 0 },
          })
          throw new Error('state change failed')
        }),
      ).rejects.toThrow(/state change failed/)
      await write(database, 'y', 0)
      await r.drain(5000)
      expect(rec.published.map((p) => (p.envelope.payload as { id: string }).id)).toEqual(['y'])
    })
  })
})
