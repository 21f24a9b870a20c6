import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq, sql } from 'drizzle-orm'
import { createPostgresTestDatabase, postgresAvailable } from '../testing/database.ts'
import { fixtureMigrations, notes } from '../testing/fixtures/schema.ts'
import { countStatements, listStatements } from '../testing/statements.ts'

// `begin` rides with a transaction's first statement on PostgreSQL (deferred-begin.ts). PGlite has no
// network between client and server: its transactions are Drizzle's own and are not covered here.

const pgUp = await postgresAvailable()

describe.runIf(pgUp.ok)('deferred begin (PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>
  beforeAll(async () => {
    database = await createPostgresTestDatabase(fixtureMigrations)
  })
  afterAll(async () => {
    await database?.drop()
  })
  const count = async (id: string) => (await database.db.select().from(notes).where(eq(notes.id, id))).length
  const openTransactions = async () =>
    (
      await database.query<{ n: number }>(
        sql`select count(*)::int as n from pg_stat_activity
            where datname = current_database() and state like 'idle in transaction%'`,
      )
    )[0]!.n

  describe('happy', () => {
    it('sends begin with a first statement of plain text: one round trip, then commit', async () => {
      const { statements } = await countStatements(() =>
        database.db.transaction(async (tx) => {
          await tx.execute(sql.raw(`insert into kernel_fixture.notes (id, body) values ('plain', 'x')`))
          await tx.execute(sql`update kernel_fixture.notes set n = n + 1 where id = ${'plain'}`)
        }),
      )
      expect(statements, listStatements(statements)).toHaveLength(3)
      expect(statements[0]).toMatch(/^begin; insert into kernel_fixture\.notes/)
      expect(statements[2]).toBe('commit')
      const rows = await database.db.select().from(notes).where(eq(notes.id, 'plain'))
      expect(rows).toEqual([{ id: 'plain', body: 'x', n: 1 }])
    })

    it('sends begin on its own before a parameterized first statement', async () => {
      const { statements } = await countStatements(() =>
        database.db.transaction(async (tx) => {
          await tx.insert(notes).values({ id: 'params', body: 'x' })
        }),
      )
      expect(statements, listStatements(statements)).toHaveLength(3)
      expect(statements[0]).toBe('begin')
      expect(statements[1]).toMatch(/^insert into "kernel_fixture"\."notes"/)
      expect(await count('params')).toBe(1)
    })

    it('returns what the first statement returns, as if it had been sent alone', async () => {
      const rows = await database.db.transaction(async (tx) => {
        const res = (await tx.execute(sql.raw(`select 41 + 1 as answer`))) as unknown as {
          rows: { answer: number }[]
        }
        return res.rows
      })
      expect(rows).toEqual([{ answer: 42 }])
    })

    it('sends nothing for a transaction that runs no statement', async () => {
      const { statements } = await countStatements(() => database.db.transaction(async () => 'nothing'))
      expect(statements).toEqual([])
    })

    it('keeps savepoints working when a nested transaction comes first', async () => {
      await database.db.transaction(async (tx) => {
        await tx
          .transaction(async (inner) => {
            await inner.insert(notes).values({ id: 'nested-undone', body: 'x' })
            throw new Error('undo the savepoint')
          })
          .catch(() => {})
        await tx.insert(notes).values({ id: 'nested-kept', body: 'x' })
      })
      expect(await count('nested-undone')).toBe(0)
      expect(await count('nested-kept')).toBe(1)
    })
  })

  describe('errors', () => {
    it('rolls back when the first statement fails, and leaves the connection clean', async () => {
      await expect(
        database.db.transaction(async (tx) => {
          await tx.execute(sql.raw(`insert into kernel_fixture.notes (id, body) values ('bad', null)`))
        }),
      ).rejects.toThrow()
      await expect(
        database.db.transaction(async (tx) => {
          await tx.execute(sql.raw(`insert into kernel_fixture.notes (id, body) values ('undone', 'x')`))
          throw new Error('the rest failed')
        }),
      ).rejects.toThrow(/the rest failed/)
      expect(await count('bad')).toBe(0)
      expect(await count('undone')).toBe(0)
      expect(await openTransactions()).toBe(0)
    })
  })

  describe('security', () => {
    it('never hands a held begin to the next user of a pooled connection', async () => {
      // A connection given back right after `begin` (nothing ran): the next user runs in autocommit.
      for (let i = 0; i < 10; i++) {
        const client = await database.pool!.connect()
        await client.query('begin')
        client.release()
      }
      await database.pool!.query(`insert into kernel_fixture.notes (id, body) values ('autocommit', 'x')`)
      // Visible from a fresh connection at once: committed, not left open in a transaction.
      const other = await createPostgresTestDatabaseClient(database.url)
      try {
        const res = await other.query(
          `select count(*)::int as n from kernel_fixture.notes where id = 'autocommit'`,
        )
        expect(res.rows[0].n).toBe(1)
      } finally {
        await other.end()
      }
      expect(await openTransactions()).toBe(0)
    })

    it('isolates concurrent transactions on separate connections', async () => {
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          database.db
            .transaction(async (tx) => {
              await tx.execute(sql.raw(`insert into kernel_fixture.notes (id, body) values ('c${i}', 'x')`))
              if (i % 2) throw new Error('rolled back')
            })
            .catch(() => {}),
        ),
      )
      const kept = await database.query<{ id: string }>(
        sql`select id from kernel_fixture.notes where id like 'c%' order by id`,
      )
      expect(kept.map((r) => r.id)).toEqual(['c0', 'c2', 'c4', 'c6'])
    })
  })
})

async function createPostgresTestDatabaseClient(url: string) {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  return client
}
