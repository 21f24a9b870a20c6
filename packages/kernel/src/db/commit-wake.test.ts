import { afterEach, describe, expect, it } from 'vitest'
import pg from 'pg'
import { sql } from 'drizzle-orm'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { createTestDatabase, createPostgresTestDatabase, postgresAvailable } from '../testing/database.ts'
import { fixtureMigrations, noteAdded, outbox } from '../testing/fixtures/schema.ts'
import { outboxChannel, writeEvent } from '../events/outbox.ts'
import type { Database, Db, Tx } from './database.ts'

// After-commit relay wake-ups (commit-wake.ts): an event write wakes this process's relays once its
// transaction commits, and sends no NOTIFY inside the transaction (whose cluster-wide lock would
// serialize every writing commit); a process with no relay for the outbox NOTIFYs after the commit.

const fixture = fixtureMigrations
const channel = outboxChannel('kernel_fixture')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

function write(tx: Tx, id: string) {
  return writeEvent(tx, outbox, noteAdded, { aggregateId: id, orgId: null, payload: { id } })
}

/** NOTIFYs on the outbox channel as another process would see them (its own connection). */
async function listenElsewhere(database: Database): Promise<{ count: () => number }> {
  let n = 0
  if (database.pglite) {
    const stop = await database.pglite.listen(channel, () => void n++)
    cleanups.push(() => stop())
  } else {
    const url = (database as Database & { url: string }).url
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    client.on('notification', () => void n++)
    await client.query(`listen "${channel}"`)
    cleanups.push(() => client.end())
  }
  return { count: () => n }
}

function suite(name: string, open: () => Promise<Database & { drop?: () => Promise<void> }>) {
  describe(name, () => {
    async function opened() {
      const database = await open()
      cleanups.push(() => (database.drop ? database.drop() : database.close()))
      return database
    }

    describe('happy', () => {
      it('wakes this process’s relay once the transaction committed, and sends no NOTIFY', async () => {
        const database = await opened()
        const elsewhere = await listenElsewhere(database)
        let wakes = 0
        database.onOutboxCommit(channel, () => void wakes++)
        await database.db.transaction(async (tx) => {
          await write(tx, 'n1')
          await write(tx, 'n2')
          expect(wakes).toBe(0) // not before the commit
        })
        expect(wakes).toBe(1) // once per commit, however many events
        await sleep(150)
        expect(elsewhere.count()).toBe(0)
      })

      it('counts a savepoint’s event once the outer transaction commits', async () => {
        const database = await opened()
        let wakes = 0
        database.onOutboxCommit(channel, () => void wakes++)
        await database.db.transaction(async (tx) => {
          await tx.transaction(async (inner) => {
            await write(inner, 'n1')
          })
          expect(wakes).toBe(0)
        })
        expect(wakes).toBe(1)
      })

      it('with no relay for the outbox in this process, NOTIFYs other processes after the commit', async () => {
        const database = await opened()
        const elsewhere = await listenElsewhere(database)
        await database.db.transaction(async (tx) => {
          await write(tx, 'n1')
        })
        await expect.poll(() => elsewhere.count(), { timeout: 2000 }).toBeGreaterThanOrEqual(1)
      })

      it('stops waking a listener once it unsubscribed, and transactions without events wake nobody', async () => {
        const database = await opened()
        let wakes = 0
        const unsubscribe = database.onOutboxCommit(channel, () => void wakes++)
        await database.db.transaction(async (tx) => {
          await tx.execute(sql`select 1`)
        })
        expect(wakes).toBe(0)
        unsubscribe()
        await database.db.transaction(async (tx) => {
          await write(tx, 'n1')
        })
        expect(wakes).toBe(0)
      })
    })

    describe('error', () => {
      it('wakes nobody and notifies nobody when the transaction rolls back', async () => {
        const database = await opened()
        const elsewhere = await listenElsewhere(database)
        let wakes = 0
        const unsubscribe = database.onOutboxCommit(channel, () => void wakes++)
        await expect(
          database.db.transaction(async (tx) => {
            await write(tx, 'n1')
            throw new Error('rolled back')
          }),
        ).rejects.toThrow('rolled back')
        unsubscribe() // and without a relay here: no NOTIFY either
        await expect(
          database.db.transaction(async (tx) => {
            await write(tx, 'n2')
            throw new Error('rolled back too')
          }),
        ).rejects.toThrow('rolled back too')
        await sleep(150)
        expect(wakes).toBe(0)
        expect(elsewhere.count()).toBe(0)
      })
    })
  })
}

suite('PGlite', () => createTestDatabase(fixture))
const server = await postgresAvailable()
describe.runIf(server.ok)('PostgreSQL', () => suite('server', () => createPostgresTestDatabase(fixture)))

describe('a transaction not opened through a kernel Database', () => {
  it('falls back to a NOTIFY inside the transaction, delivered at its commit', async () => {
    const database = await createTestDatabase(fixture)
    cleanups.push(() => database.close())
    const elsewhere = await listenElsewhere(database)
    let wakes = 0
    database.onOutboxCommit(channel, () => void wakes++)
    const plain = drizzlePglite(database.pglite!) as unknown as Db
    await plain.transaction(async (tx) => {
      await write(tx, 'n1')
    })
    await expect.poll(() => elsewhere.count(), { timeout: 2000 }).toBe(1)
    expect(wakes).toBe(0)
  })
})
