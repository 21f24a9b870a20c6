import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import Type from 'typebox'
import { createPostgresTestDatabase, createTestDatabase, postgresAvailable } from '../testing/database.ts'
import { fixtureMigrations, jobs, notes } from '../testing/fixtures/schema.ts'
import { createLogger } from '../logger.ts'
import { openDatabase, txQuery, type Database } from '../db/database.ts'
import { defineJob, defineRecurring, nextOccurrence, prepareJob, scheduleJob } from './jobs.ts'
import { createJobRunner, type JobRunner } from './runner.ts'

const fixture = fixtureMigrations
const logger = createLogger('test')
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})
const pgUp = await postgresAvailable()

interface JobRow {
  id: string
  name: string
  status: string
  attempts: number
  last_error: string | null
  run_at: Date
  last_run_at: Date | null
  payload: unknown
}
async function rows(database: Database): Promise<JobRow[]> {
  return database.query<JobRow>(sql`select * from kernel_fixture.jobs order by created_at`)
}

/** A job that bumps a note's counter in its transaction. */
const bump = defineJob({
  name: 'notes.bump',
  payload: Type.Object({ id: Type.String() }, { additionalProperties: false }),
  handle: async (tx, payload) => {
    await tx
      .update(notes)
      .set({ n: sql`${notes.n} + 1` })
      .where(sql`${notes.id} = ${payload.id}`)
  },
})

function runner(
  database: Database,
  handlers: Parameters<typeof createJobRunner>[0]['handlers'],
  pollMs = 20,
) {
  const r: JobRunner = createJobRunner({ database, schema: 'kernel_fixture', handlers, logger, pollMs })
  cleanups.push(() => r.stop())
  return r
}

async function noteCount(database: Database, id: string): Promise<number> {
  return (await database.query<{ n: number }>(sql`select n from kernel_fixture.notes where id = ${id}`))[0]!.n
}

async function until(check: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

const suites: [string, boolean, () => Promise<Database & { drop?: () => Promise<void> }>][] = [
  ['PGlite', true, () => createTestDatabase(fixture)],
  ['PostgreSQL', pgUp.ok, () => createPostgresTestDatabase(fixture)],
]

describe('job definitions', () => {
  describe('errors', () => {
    it('rejects bad cron expressions, time zones and job names at definition', () => {
      expect(() => defineRecurring({ name: 'x', cron: 'every day', handle: async () => {} })).toThrow(/cron/)
      expect(() =>
        defineRecurring({ name: 'x', cron: '* * * * *', timezone: 'Mars/Base', handle: async () => {} }),
      ).toThrow(/time zone/)
      expect(() => defineJob({ name: 'Bad Name', handle: async () => {} })).toThrow(/invalid job name/)
      expect(() => prepareJob(jobs, { name: 'Bad Name', key: 'k' })).toThrow(/invalid job name/)
      expect(() => prepareJob(jobs, { name: 'notes.bump', key: '' })).toThrow(/1-200/)
      expect(() => prepareJob(jobs, { name: 'notes.bump', key: 'k'.repeat(201) })).toThrow(/1-200/)
      expect(
        nextOccurrence('0 9 * * *', 'America/New_York', new Date('2026-01-15T12:00:00Z')).toISOString(),
      ).toBe('2026-01-15T14:00:00.000Z')
    })
  })
})

for (const [name, enabled, create] of suites) {
  describe.runIf(enabled)(`jobs on ${name}`, () => {
    // One database per backend, emptied before each test.
    let shared: Awaited<ReturnType<typeof create>>
    beforeAll(async () => {
      shared = await create()
    })
    afterAll(async () => {
      if (shared.drop) await shared.drop()
      else await shared.close()
    })
    const open = async () => {
      await shared.query(sql`truncate kernel_fixture.jobs, kernel_fixture.notes`)
      return shared
    }
    describe('happy', () => {
      it('runs a delayed job once, not before its time, and removes it', async () => {
        const database = await open()
        await database.db.insert(notes).values({ id: 'a', body: 'x' })
        const runAt = new Date(Date.now() + 400)
        await database.db.transaction((tx) =>
          scheduleJob(tx, jobs, { name: 'notes.bump', runAt, payload: { id: 'a' } }),
        )
        runner(database, [bump])
        await new Promise((r) => setTimeout(r, 150))
        expect(await noteCount(database, 'a')).toBe(0)
        await until(async () => (await noteCount(database, 'a')) === 1)
        expect(Date.now()).toBeGreaterThanOrEqual(runAt.getTime())
        expect(await rows(database)).toEqual([])
      })

      it('prepareJob: a job inserted by the caller’s own statement runs, and keeps one pending per key', async () => {
        const database = await open()
        await database.db.insert(notes).values({ id: 'p', body: 'x' })
        const insert = (job: ReturnType<typeof prepareJob>, delayMs: number) =>
          txQuery(
            database.db,
            {
              name: 'kernel_fixture_prepared_job',
              text: `${job.insertInto} select $1, $2, $3, $4::jsonb, now() + $5::int * interval '1 millisecond' ${job.conflict}`,
            },
            [...job.values, delayMs],
          )
        const first = prepareJob(jobs, { name: 'notes.bump', key: 'p1', payload: { id: 'p' } })
        await insert(first, 300)
        // Same key while pending: kept, not doubled (as scheduleJob without `replace`).
        await insert(prepareJob(jobs, { name: 'notes.bump', key: 'p1', payload: { id: 'other' } }), 0)
        const pending = await rows(database)
        expect(pending).toHaveLength(1)
        expect(pending[0]).toMatchObject({ id: first.values[0], key: 'p1', payload: { id: 'p' } })
        runner(database, [bump])
        await until(async () => (await noteCount(database, 'p')) === 1)
        expect(await rows(database)).toEqual([])
      })

      it('dedupes by key while pending, and replace moves the pending job', async () => {
        const database = await open()
        const later = new Date(Date.now() + 60_000)
        const [first, second, third] = await database.db.transaction(async (tx) => [
          await scheduleJob(tx, jobs, { name: 'notes.bump', key: 'k', runAt: later, payload: { id: 'a' } }),
          await scheduleJob(tx, jobs, { name: 'notes.bump', key: 'k', runAt: later, payload: { id: 'b' } }),
          await scheduleJob(tx, jobs, {
            name: 'notes.bump',
            key: 'k',
            runAt: new Date(later.getTime() + 1000),
            payload: { id: 'c' },
            replace: true,
          }),
        ])
        expect(first!.created).toBe(true)
        expect(second).toEqual({ id: first!.id, created: false })
        expect(third).toEqual({ id: first!.id, created: false })
        const [row] = await rows(database)
        expect(row!.payload).toEqual({ id: 'c' })
        expect(new Date(row!.run_at).getTime()).toBe(later.getTime() + 1000)
      })

      it('reschedules a recurring job in the transaction that runs it', async () => {
        const database = await open()
        await database.db.insert(notes).values({ id: 'r', body: 'x' })
        let runs = 0
        const tick = defineRecurring({
          name: 'notes.tick',
          cron: '*/2 * * * * *', // every 2 seconds
          timezone: 'Europe/Paris',
          handle: async (tx) => {
            runs++
            await tx
              .update(notes)
              .set({ n: sql`${notes.n} + 1` })
              .where(sql`${notes.id} = 'r'`)
          },
        })
        const r = runner(database, [tick], 60_000)
        await r.runDue() // registers the row
        const [registered] = await rows(database)
        expect(registered).toMatchObject({ name: 'notes.tick', status: 'pending', attempts: 0 })
        await database.query(sql`update kernel_fixture.jobs set run_at = now() - interval '1 second'`)
        expect(await r.runDue()).toBe(1)
        const [after] = await rows(database)
        expect(runs).toBe(1)
        expect(await noteCount(database, 'r')).toBe(1)
        expect(new Date(after!.run_at).getTime()).toBeGreaterThan(Date.now() - 50)
        expect(new Date(after!.run_at).getTime()).toBeLessThanOrEqual(Date.now() + 2100)
        expect(after!.last_run_at).not.toBeNull()
        expect(await r.runDue()).toBe(0) // not due again yet
        // Re-registering (a restart) keeps one row.
        const again = runner(database, [tick], 60_000)
        await again.runDue()
        expect(await rows(database)).toHaveLength(1)
      })
    })

    describe('errors', () => {
      it("a recurring job's afterCommit runs after its transaction committed, outside it; its failure only logs", async () => {
        const database = await open()
        await database.db.insert(notes).values({ id: 'ac', body: 'x' })
        const seen: number[] = []
        let failHandle = true
        const sweep = defineRecurring({
          name: 'notes.sweep',
          cron: '0 0 1 1 *',
          handle: async (tx) => {
            await tx
              .update(notes)
              .set({ n: sql`${notes.n} + 1` })
              .where(sql`${notes.id} = 'ac'`)
            if (failHandle) throw new Error('handle failed')
          },
          // Reads through the database, not the transaction: on PGlite (one connection) this would
          // wait forever if it ran inside the job's transaction.
          afterCommit: async () => {
            seen.push(await noteCount(database, 'ac'))
            throw new Error('provider down')
          },
        })
        const r = runner(database, [sweep], 60_000)
        await r.runDue() // registers the row
        const due = () =>
          database.query(sql`update kernel_fixture.jobs set run_at = now() - interval '1 second'`)
        await due()
        await r.runDue()
        expect(seen).toEqual([]) // handle rolled back: no afterCommit
        failHandle = false
        await due()
        await r.runDue()
        expect(seen).toEqual([1]) // the committed write is visible
        const [row] = await rows(database)
        // afterCommit's failure does not undo or retry the committed run.
        expect(row).toMatchObject({ status: 'pending', attempts: 0, last_error: null })
        expect(row!.last_run_at).not.toBeNull()
      })

      it('retries a failing job with back-off, recording attempts and the last error', async () => {
        const database = await open()
        const times: number[] = []
        const flaky = defineJob({
          name: 'flaky',
          retry: { maxAttempts: 5, baseDelayMs: 150 },
          handle: async () => {
            times.push(Date.now())
            if (times.length < 3) throw new Error(`try ${times.length} failed`)
          },
        })
        await database.db.transaction((tx) => scheduleJob(tx, jobs, { name: 'flaky' }))
        const r = runner(database, [flaky])
        await until(async () => times.length >= 1)
        await until(async () => {
          const [row] = await rows(database)
          return row?.last_error === 'Error: try 1 failed'
        })
        const [failed] = await rows(database)
        expect(failed).toMatchObject({ status: 'pending', attempts: 1 })
        await until(async () => (await rows(database)).length === 0)
        expect(times).toHaveLength(3)
        expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(140) // 150 ms
        expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(290) // 300 ms
        await r.stop()
      })

      it('marks a job failed after its last attempt and stops running it', async () => {
        const database = await open()
        let calls = 0
        const broken = defineJob({
          name: 'broken',
          retry: { maxAttempts: 2, baseDelayMs: 20 },
          handle: async () => {
            calls++
            throw new Error('always')
          },
        })
        await database.db.transaction((tx) => scheduleJob(tx, jobs, { name: 'broken' }))
        runner(database, [broken])
        await until(async () => (await rows(database))[0]?.status === 'failed')
        await new Promise((r) => setTimeout(r, 150))
        expect(calls).toBe(2)
        expect((await rows(database))[0]).toMatchObject({ attempts: 2, last_error: 'Error: always' })
      })

      it('rolls back the effects of a failed run', async () => {
        const database = await open()
        await database.db.insert(notes).values({ id: 'a', body: 'x' })
        let calls = 0
        const half = defineJob({
          name: 'half',
          retry: { maxAttempts: 1 },
          handle: async (tx) => {
            calls++
            await tx.update(notes).set({ n: 99 })
            throw new Error('after the write')
          },
        })
        await database.db.transaction((tx) => scheduleJob(tx, jobs, { name: 'half' }))
        runner(database, [half])
        await until(async () => (await rows(database))[0]?.status === 'failed')
        expect(calls).toBe(1)
        expect(await noteCount(database, 'a')).toBe(0)
      })
    })

    describe('security', () => {
      it('does not run a job whose payload does not match its schema', async () => {
        const database = await open()
        await database.db.insert(notes).values({ id: 'a', body: 'x' })
        await database.db.transaction((tx) =>
          scheduleJob(tx, jobs, { name: 'notes.bump', payload: { id: 'a', extra: "'; drop table x; --" } }),
        )
        runner(database, [bump])
        await until(async () => (await rows(database))[0]?.status === 'failed')
        expect(await noteCount(database, 'a')).toBe(0)
        expect((await rows(database))[0]!.last_error).toMatch(/payload/)
      })

      it('does not schedule a job when the transaction rolls back', async () => {
        const database = await open()
        await expect(
          database.db.transaction(async (tx) => {
            await scheduleJob(tx, jobs, { name: 'notes.bump', payload: { id: 'a' } })
            throw new Error('state change failed')
          }),
        ).rejects.toThrow()
        expect(await rows(database)).toEqual([])
      })
    })
  })
}

describe.runIf(pgUp.ok)('jobs with several runners on PostgreSQL', () => {
  it('runs a job scheduled once exactly once with three runners', async () => {
    const database = await createPostgresTestDatabase(fixture)
    cleanups.push(() => database.drop())
    const replicas = await Promise.all([1, 2].map(() => openDatabase({ url: database.url, poolSize: 2 })))
    cleanups.push(async () => void (await Promise.all(replicas.map((d) => d.close()))))
    await database.db.insert(notes).values(Array.from({ length: 20 }, (_, i) => ({ id: `n${i}`, body: 'x' })))
    const ran: string[] = []
    const slowBump = defineJob({
      name: 'notes.bump',
      payload: bump.payload!,
      handle: async (tx, payload, job) => {
        ran.push(job.id)
        await new Promise((r) => setTimeout(r, 5))
        await bump.handle(tx, payload, job)
      },
    })
    const runAt = new Date(Date.now() + 300)
    await database.db.transaction(async (tx) => {
      for (let i = 0; i < 20; i++)
        await scheduleJob(tx, jobs, { name: 'notes.bump', runAt, payload: { id: `n${i}` } })
    })
    for (const d of [database, ...replicas]) runner(d, [slowBump], 10)
    await until(async () => (await rows(database)).length === 0)
    await new Promise((r) => setTimeout(r, 100))
    expect(ran).toHaveLength(20)
    expect(new Set(ran).size).toBe(20)
    const counts = await database.query<{ n: number }>(sql`select n from kernel_fixture.notes`)
    expect(counts.every((c) => c.n === 1)).toBe(true)
  })
})
