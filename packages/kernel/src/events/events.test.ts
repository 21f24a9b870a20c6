import { afterEach, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import type { Envelope } from '@learnmesh/contracts'
import { createTestDatabase, createPostgresTestDatabase, postgresAvailable } from '../testing/database.ts'
import { fixtureMigrations, inbox, noteAdded, notes, outbox } from '../testing/fixtures/schema.ts'
import { outboxChannel, prepareEvent, writeEvent } from './outbox.ts'
import { createRelay } from './relay.ts'
import { createInProcessTransport, PermanentEventError, type Transport } from './bus.ts'
import { consume, defineHandler } from './inbox.ts'
import { createLogger } from '../logger.ts'
import { countStatements, listStatements } from '../testing/statements.ts'
import type { Database } from '../db/database.ts'

const fixture = fixtureMigrations
const logger = createLogger('test', 'silent')
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

/** A consumer that adds 1 to every note per `kernel.note.added` it handles. */
function countNotes(database: Database, transport: Transport, consumer = 'counter'): void {
  consume({
    consumer,
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
}

/** A `kernel.note.added` envelope about note `x`, with a fixed id (a redelivery has the same). */
const noteEnvelope = (id: string): Envelope => ({
  id,
  type: 'kernel.note.added',
  version: 1,
  occurredAt: new Date().toISOString(),
  producer: 'kernel_fixture',
  orgId: null,
  traceparent: null,
  payload: { id: 'x' },
})

function suite(name: string, open: () => Promise<Database & { drop?: () => Promise<void> }>) {
  describe(name, () => {
    /** A database with note `x` and an in-process transport, both closed after the test. */
    async function withNote() {
      const database = await open()
      const transport = createInProcessTransport()
      cleanups.push(async () => {
        if (database.drop) await database.drop()
        else await database.close()
      })
      await database.db.insert(notes).values({ id: 'x', body: 'x' })
      return { database, transport }
    }

    it('commits state and event together and delivers each event once per consumer', async () => {
      const database = await open()
      const transport = createInProcessTransport()
      const relay = createRelay({ database, schema: 'kernel_fixture', transport, logger, pollMs: 50 })
      cleanups.push(async () => {
        await relay.stop()
        await transport.close()
        if (database.drop) await database.drop()
        else await database.close()
      })
      const seen: string[] = []
      consume({
        consumer: 'counter',
        database,
        inbox,
        transport,
        logger,
        handlers: [
          defineHandler({
            event: noteAdded,
            handle: async (tx, payload) => {
              seen.push(payload.id)
              await tx.update(notes).set({ n: sql`${notes.n} + 1` })
            },
          }),
        ],
      })
      for (let i = 0; i < 20; i++) {
        await database.db.transaction(async (tx) => {
          await tx.insert(notes).values({ id: `n${i}`, body: 'x' })
          await writeEvent(tx, outbox, noteAdded, {
            aggregateId: `n${i}`,
            orgId: null,
            payload: { id: `n${i}` },
          })
        })
      }
      await relay.drain()
      await transport.close()
      expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`))
      const rows = await database.query<{ n: number }>(
        sql`select count(*)::int as n from kernel_fixture.inbox`,
      )
      expect(rows[0]!.n).toBe(20)
    })

    it('drops a duplicate delivery through the inbox', async () => {
      const { database, transport } = await withNote()
      countNotes(database, transport)
      const envelope = noteEnvelope('01930000-0000-7000-8000-000000000001')
      await transport.publish([envelope, envelope])
      await transport.publish([envelope])
      await transport.close()
      expect((await database.db.select().from(notes))[0]!.n).toBe(1)
    })

    it('dedupes by (event, consumer) whatever characters the consumer name has', async () => {
      // Names outside the plain pattern take the parameterized insert (inbox.ts), with the same result.
      const { database, transport } = await withNote()
      for (const consumer of ['plain_name', "o'brien; drop table x --"])
        countNotes(database, transport, consumer)
      const envelope = noteEnvelope('01930000-0000-7000-8000-0000000000aa')
      await transport.publish([envelope, envelope])
      await transport.close()
      expect((await database.db.select().from(notes))[0]!.n).toBe(2) // once per consumer
      const rows = await database.query<{ consumer: string }>(
        sql`select consumer from kernel_fixture.inbox order by consumer`,
      )
      expect(rows.map((r) => r.consumer)).toEqual(["o'brien; drop table x --", 'plain_name'])
    })

    it('rolls the state back when the event is invalid', async () => {
      const database = await open()
      cleanups.push(async () => {
        if (database.drop) await database.drop()
        else await database.close()
      })
      await expect(
        database.db.transaction(async (tx) => {
          await tx.insert(notes).values({ id: 'bad', body: 'x' })
          await writeEvent(tx, outbox, noteAdded, {
            aggregateId: 'bad',
            orgId: null,
            payload: { id: 42 } as never,
          })
        }),
      ).rejects.toThrow(/payload invalid/)
      expect(await database.db.select().from(notes)).toEqual([])
    })
  })
}

suite('PGlite', () => createTestDatabase(fixture))
const pg = await postgresAvailable()
describe.runIf(pg.ok)('PostgreSQL', () => suite('server', () => createPostgresTestDatabase(fixture)))

describe.runIf(pg.ok)('inbox round trips (PostgreSQL)', () => {
  it("sends the transaction's begin with the inbox insert: one round trip per delivery less", async () => {
    const database = await createPostgresTestDatabase(fixture)
    const transport = createInProcessTransport()
    cleanups.push(() => database.drop())
    await database.db.insert(notes).values({ id: 'x', body: 'x' })
    countNotes(database, transport)
    const envelope = noteEnvelope('01930000-0000-7000-8000-0000000000bb')
    const { statements } = await countStatements(async () => {
      await transport.publish([envelope])
      await transport.close()
    })
    expect(statements, listStatements(statements)).toHaveLength(3)
    expect(statements[0]).toMatch(/^begin; insert into "kernel_fixture"\."inbox"/)
    expect(statements[1]).toMatch(/^update "kernel_fixture"\."notes"/)
    expect(statements[2]).toBe('commit')
    expect((await database.db.select().from(notes))[0]!.n).toBe(1)
  })
})

describe('in-process transport', () => {
  describe('errors', () => {
    it('refuses two handlers for one event type in one consumer (the second would silently win)', async () => {
      const database = await createTestDatabase(fixture)
      const handler = defineHandler({ event: noteAdded, handle: async () => {} })
      expect(() =>
        consume({
          consumer: 'twice',
          database,
          inbox,
          transport: createInProcessTransport(),
          logger,
          handlers: [handler, handler],
        }),
      ).toThrow(/two handlers for kernel.note.added/)
      await database.close()
    })

    it('dead-letters a permanent failure at once and retries a transient one', async () => {
      const dead: string[] = []
      const transport = createInProcessTransport({
        maxAttempts: 3,
        onDeadLetter: (c, e) => void dead.push(e.id),
      })
      const calls: Record<string, number> = {}
      transport.subscribe('c', ['kernel.note.added'], async (e) => {
        calls[e.id] = (calls[e.id] ?? 0) + 1
        if ((e.payload as { kind: string }).kind === 'permanent') throw new PermanentEventError('bad payload')
        if (calls[e.id]! < 2) throw new Error('transient')
      })
      const base = {
        type: 'kernel.note.added',
        version: 1,
        occurredAt: new Date().toISOString(),
        producer: 'kernel_fixture',
        orgId: null,
        traceparent: null,
      }
      const permanent = {
        ...base,
        id: '01930000-0000-7000-8000-000000000002',
        payload: { kind: 'permanent' },
      }
      const transient = {
        ...base,
        id: '01930000-0000-7000-8000-000000000003',
        payload: { kind: 'transient' },
      }
      await transport.publish([permanent, transient])
      for (let i = 0; i < 100 && calls[transient.id] !== 2; i++) await new Promise((r) => setTimeout(r, 20))
      await transport.close()
      expect(calls).toEqual({ [permanent.id]: 1, [transient.id]: 2 })
      expect(dead).toEqual([permanent.id])
    })
  })
})

describe('trace context', () => {
  it("the consumer's logs carry the producer's trace id from the envelope", async () => {
    const database = await createTestDatabase(fixture)
    const transport = createInProcessTransport()
    const relay = createRelay({ database, schema: 'kernel_fixture', transport, logger, pollMs: 50 })
    const lines: Record<string, unknown>[] = []
    const pino = (await import('pino')).default
    const captured = pino(
      { level: 'info' },
      { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    )
    consume({
      consumer: 'tracer',
      database,
      inbox,
      transport,
      logger: captured,
      handlers: [
        defineHandler({
          event: noteAdded,
          handle: async (_tx, payload, _e, { log }) => log.info({ id: payload.id }, 'note seen'),
        }),
      ],
    })
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    await database.db.transaction(async (tx) => {
      await writeEvent(tx, outbox, noteAdded, {
        aggregateId: 't1',
        orgId: null,
        payload: { id: 't1' },
        traceparent,
      })
    })
    await relay.drain()
    await transport.close()
    await relay.stop()
    await database.close()
    expect(lines.find((l) => l.msg === 'note seen')).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      consumer: 'tracer',
      type: 'kernel.note.added',
    })
  })
})

describe('prepareEvent', () => {
  it('builds the row and channel writeEvent writes, without writing', () => {
    const { row, channel } = prepareEvent(outbox, noteAdded, {
      aggregateId: 'n1',
      orgId: 'org_1',
      traceparent: null,
      payload: { id: 'n1' },
    })
    expect(channel).toBe(outboxChannel('kernel_fixture'))
    expect(row).toMatchObject({ type: 'kernel.note.added', version: 1, aggregateId: 'n1', orgId: 'org_1' })
    expect(row.envelope).toMatchObject({
      id: row.id,
      type: 'kernel.note.added',
      version: 1,
      producer: 'kernel_fixture',
      orgId: 'org_1',
      traceparent: null,
      payload: { id: 'n1' },
    })
  })
  it('refuses a payload that does not match the schema (a producer bug: internal)', () => {
    expect(() =>
      prepareEvent(outbox, noteAdded, {
        aggregateId: 'n1',
        orgId: null,
        payload: { id: 1 } as unknown as { id: string },
      }),
    ).toThrow(/payload invalid/)
  })
})
