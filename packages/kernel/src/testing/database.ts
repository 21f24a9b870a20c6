import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import pg from 'pg'
import { openDatabase, type Database } from '../db/database.ts'
import { migrate, type MigrationSet } from '../db/migrate.ts'

const templateDir = resolve(process.env.LEARNMESH_TMP ?? '.tmp', 'pglite-templates')

function fingerprint(sets: MigrationSet[]): string {
  const h = createHash('sha256')
  for (const set of sets) {
    h.update(set.service)
    if (!existsSync(set.folder)) continue
    for (const f of readdirSync(set.folder).sort()) {
      if (f.endsWith('.sql')) h.update(f).update(readFileSync(join(set.folder, f)))
    }
  }
  return h.digest('hex').slice(0, 16)
}

/**
 * An in-memory PGlite with the given services' migrations applied. The first call builds a
 * migrated template and stores it as a tarball under `.tmp/pglite-templates/` (keyed by the
 * migrations' content); every later test file copies that template instead of running initdb and
 * the migrations again.
 */
export async function createTestDatabase(...sets: MigrationSet[]): Promise<Database> {
  const file = join(templateDir, `${fingerprint(sets)}.tar`)
  if (!existsSync(file)) {
    const fresh = await openDatabase({ dataDir: ':memory:' })
    for (const set of sets) await migrate(fresh, set)
    const dump = await fresh.pglite!.dumpDataDir('none')
    await fresh.close()
    mkdirSync(templateDir, { recursive: true })
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()))
    renameSync(tmp, file) // atomic: parallel workers never read a half-written template
  }
  const blob = new Blob([readFileSync(file)])
  return openDatabase({ dataDir: ':memory:', loadDataDir: blob })
}

/** The PostgreSQL server used by infrastructure tests. */
export const testPostgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/**
 * Whether real PostgreSQL answers. With `REQUIRE_INFRA=1` a missing server is an error (CI);
 * otherwise the caller skips its suite and prints why.
 */
export async function postgresAvailable(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const client = new pg.Client({ connectionString: testPostgresUrl, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
    return { ok: true }
  } catch (e) {
    const reason = `PostgreSQL at ${testPostgresUrl.replace(/\/\/[^@]*@/, '//')} is not reachable (${(e as Error).message})`
    if (process.env.REQUIRE_INFRA === '1') throw new Error(`REQUIRE_INFRA=1 but ${reason}`)
    console.warn(`skipping PostgreSQL suite: ${reason}`)
    return { ok: false, reason }
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * A fresh, migrated database on the real PostgreSQL server, dropped by `drop()`. Each suite gets
 * its own database so suites can run in parallel.
 */
export async function createPostgresTestDatabase(
  ...sets: MigrationSet[]
): Promise<Database & { url: string; drop(): Promise<void> }> {
  const name = `lm_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  const admin = new pg.Client({ connectionString: testPostgresUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(testPostgresUrl)
  url.pathname = `/${name}`
  const database = await openDatabase({ url: url.toString(), poolSize: 5 })
  for (const set of sets) await migrate(database, set)
  return Object.assign(database, {
    url: url.toString(),
    async drop() {
      await database.close()
      const c = new pg.Client({ connectionString: testPostgresUrl })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  })
}
