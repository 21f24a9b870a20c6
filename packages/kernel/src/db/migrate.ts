import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { sql } from 'drizzle-orm'
import type { Database } from './database.ts'

/** Where a service's migrations live and which schema they own. */
export interface MigrationSet {
  /** Service name; also its PostgreSQL schema. */
  service: string
  /** Folder of drizzle-kit generated `NNNN_name.sql` files. */
  folder: string
}

/**
 * Applies a service's pending migrations in order, all in one transaction (all or nothing), recording
 * them in `learnmesh_migrations.applied`. drizzle-kit splits statements with `--> statement-breakpoint`.
 * A changed, already-applied file is an error: migrations are append-only.
 * An advisory lock serialises concurrent migrators (several replicas starting at once).
 */
export async function migrate(database: Database, set: MigrationSet): Promise<string[]> {
  if (!existsSync(set.folder)) return []
  const files = readdirSync(set.folder)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
  const applied: string[] = []
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${'learnmesh_migrate'}))`)
    await tx.execute(sql`create schema if not exists learnmesh_migrations`)
    await tx.execute(sql`create table if not exists learnmesh_migrations.applied (
      service text not null,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now(),
      primary key (service, name)
    )`)
    const done = (await tx.execute(
      sql`select name, checksum from learnmesh_migrations.applied where service = ${set.service}`,
    )) as unknown as { rows: { name: string; checksum: string }[] }
    const byName = new Map(done.rows.map((r) => [r.name, r.checksum]))
    for (const file of files) {
      const text = readFileSync(join(set.folder, file), 'utf8')
      const checksum = createHash('sha256').update(text).digest('hex')
      const previous = byName.get(file)
      if (previous !== undefined) {
        if (previous !== checksum) {
          throw new Error(
            `${set.service}: migration ${file} was changed after it was applied; add a new migration instead`,
          )
        }
        continue
      }
      for (const statement of text.split('--> statement-breakpoint')) {
        if (statement.trim()) await tx.execute(sql.raw(statement))
      }
      await tx.execute(
        sql`insert into learnmesh_migrations.applied (service, name, checksum) values (${set.service}, ${file}, ${checksum})`,
      )
      applied.push(file)
    }
  })
  return applied
}
