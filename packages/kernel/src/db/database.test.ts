import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import { mkdtempSync, writeFileSync, cpSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq, sql } from 'drizzle-orm'
import { openDatabase, txQuery, type Database } from './database.ts'
import { migrate, type MigrationSet } from './migrate.ts'
import { createPostgresTestDatabase, createTestDatabase, postgresAvailable } from '../testing/database.ts'
import { notes } from '../testing/fixtures/schema.ts'

const fixture: MigrationSet = {
  service: 'kernel_fixture',
  folder: fileURLToPath(new URL('../testing/fixtures/migrations', import.meta.url)),
}

/** The same query code must behave the same on PGlite and on PostgreSQL. */
function sharedBehaviour(name: string, open: () => Promise<Database & { drop?: () => Promise<void> }>) {
  describe(name, () => {
    let database: Database & { drop?: () => Promise<void> }
    beforeAll(async () => {
      database = await open()
    })
    afterAll(async () => {
      if (database.drop) await database.drop()
      else await database.close()
    })

    it('runs Drizzle queries and transactions', async () => {
      await database.db.insert(notes).values({ id: 'a', body: 'hello' })
      await database.db.transaction(async (tx) => {
        await tx
          .update(notes)
          .set({ n: sql`${notes.n} + 1` })
          .where(eq(notes.id, 'a'))
      })
      const rows = await database.db.select().from(notes).where(eq(notes.id, 'a'))
      expect(rows).toEqual([{ id: 'a', body: 'hello', n: 1 }])
    })
    it('rolls a failed transaction back', async () => {
      await expect(
        database.db.transaction(async (tx) => {
          await tx.insert(notes).values({ id: 'b', body: 'x' })
          throw new Error('stop')
        }),
      ).rejects.toThrow('stop')
      expect(await database.db.select().from(notes).where(eq(notes.id, 'b'))).toEqual([])
    })
    it('answers ping and raw queries', async () => {
      await database.ping()
      expect(await database.query<{ v: number }>(sql`select 41 + 1 as v`)).toEqual([{ v: 42 }])
    })
    it("txQuery: hand-written SQL with parameters on the transaction's connection, named or not", async () => {
      const stmt = {
        name: 'kernel_test_note_insert',
        text: 'insert into kernel_fixture.notes (id, body) values ($1, $2) returning id, body, n',
      }
      const rows = await database.db.transaction(async (tx) => {
        const a = await txQuery(tx, stmt, ['raw-1', "it's $2; drop table x"])
        // The same name again: parsed once per connection on PostgreSQL, the same answer.
        const b = await txQuery(tx, stmt, ['raw-2', 'second'])
        const seen = await txQuery<{ n: number }>(
          tx,
          { text: 'select count(*)::int as n from kernel_fixture.notes where id like $1' },
          ['raw-%'],
        )
        return [...a, ...b, ...seen]
      })
      expect(rows).toEqual([
        { id: 'raw-1', body: "it's $2; drop table x", n: 0 },
        { id: 'raw-2', body: 'second', n: 0 },
        { n: 2 },
      ])
    })
    it('txQuery: its writes roll back with the transaction', async () => {
      await expect(
        database.db.transaction(async (tx) => {
          await txQuery(tx, { text: 'insert into kernel_fixture.notes (id, body) values ($1, $2)' }, [
            'raw-gone',
            'x',
          ])
          throw new Error('stop')
        }),
      ).rejects.toThrow('stop')
      expect(await database.db.select().from(notes).where(eq(notes.id, 'raw-gone'))).toEqual([])
    })
    it('re-running migrations applies nothing', async () => {
      expect(await migrate(database, fixture)).toEqual([])
    })
  })
}

sharedBehaviour('PGlite (template copy)', () => createTestDatabase(fixture))

const pg = await postgresAvailable()
describe.runIf(pg.ok)('PostgreSQL', () => {
  sharedBehaviour('PostgreSQL server', () => createPostgresTestDatabase(fixture))

  describe('session settings', () => {
    let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>
    beforeAll(async () => {
      database = await createPostgresTestDatabase(fixture)
    })
    afterAll(async () => {
      await database?.drop()
    })

    it('plans named statements for their values every time, never with a generic plan kept from an empty table', async () => {
      const stmt = {
        name: 'kernel_test_note_by_body',
        text: 'select id from kernel_fixture.notes where body = $1',
      }
      const counts = await database.db.transaction(async (tx) => {
        // PostgreSQL's default would switch to a generic plan after five runs.
        for (let i = 0; i < 8; i++) await txQuery(tx, stmt, [`body-${i}`])
        return txQuery<{ generic_plans: number; custom_plans: number }>(
          tx,
          {
            text: 'select generic_plans::int, custom_plans::int from pg_prepared_statements where name = $1',
          },
          [stmt.name],
        )
      })
      expect(counts).toEqual([{ generic_plans: 0, custom_plans: 8 }])
      expect(await database.query(sql`show plan_cache_mode`)).toEqual([
        { plan_cache_mode: 'force_custom_plan' },
      ])
    })

    it('still applies PGOPTIONS from the environment, after its own settings', async () => {
      const before = process.env.PGOPTIONS
      process.env.PGOPTIONS = '-c statement_timeout=4321 -c plan_cache_mode=auto'
      try {
        const other = await openDatabase({ url: database.url, poolSize: 1 })
        try {
          expect(await other.query(sql`show statement_timeout`)).toEqual([{ statement_timeout: '4321ms' }])
          expect(await other.query(sql`show plan_cache_mode`)).toEqual([{ plan_cache_mode: 'auto' }])
        } finally {
          await other.close()
        }
      } finally {
        if (before === undefined) delete process.env.PGOPTIONS
        else process.env.PGOPTIONS = before
      }
    })
  })
})

describe('migrations', () => {
  it('refuse a migration that changed after it was applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lm-mig-'))
    cpSync(fixture.folder, dir, { recursive: true })
    const database = await openDatabase({ dataDir: ':memory:' })
    try {
      await migrate(database, { service: 'kernel_fixture', folder: dir })
      writeFileSync(join(dir, '0000_fixture.sql'), 'select 1;')
      await expect(migrate(database, { service: 'kernel_fixture', folder: dir })).rejects.toThrow(
        /changed after it was applied/,
      )
    } finally {
      await database.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
  it('gives every test database its own copy of the template', async () => {
    const a = await createTestDatabase(fixture)
    const b = await createTestDatabase(fixture)
    await a.db.insert(notes).values({ id: 'only-in-a', body: 'x' })
    expect(await b.db.select().from(notes)).toEqual([])
    await a.close()
    await b.close()
  })
  it('keeps data on disk between opens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lm-pglite-'))
    try {
      const first = await openDatabase({ dataDir: dir })
      await migrate(first, fixture)
      await first.db.insert(notes).values({ id: 'kept', body: 'x' })
      await first.close()
      const second = await openDatabase({ dataDir: dir })
      expect((await second.db.select().from(notes)).map((r) => r.id)).toEqual(['kept'])
      await second.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
