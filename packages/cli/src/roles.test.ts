import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrate, openDatabase, sql, type Database, type MigrationSet } from '@learnmesh/kernel'
import { postgresAvailable, testPostgresUrl } from '@learnmesh/kernel/testing'
import { identityService } from '@learnmesh/identity'
import { migrateAll } from './migrate.ts'
import {
  ensureDatabase,
  provisionRoles,
  roleName,
  rolePassword,
  scramVerifier,
  urlWithRole,
  type ServiceRole,
} from './roles.ts'

// Real PostgreSQL (trust auth on 127.0.0.1: passwords are not checked there, privileges are).
// A database and a role prefix of its own per run; both are dropped afterwards.
const pgUp = await postgresAvailable()
const tag = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
const dbName = `lm_roles_${tag}`
const prefix = `lmt${tag}_`
const adminUrl = (() => {
  const u = new URL(testPostgresUrl)
  u.pathname = `/${dbName}`
  return u.toString()
})()
const folder = mkdtempSync(join(tmpdir(), 'learnmesh-roles-'))
/** A second service, so cross-schema access can be tried in both directions. */
const other: MigrationSet = { service: `other_${tag}`, folder }
const sets = [identityService.migrations, other]
const env = { DATABASE_URL: adminUrl, LEARNMESH_ROLE_PREFIX: prefix, LOG_LEVEL: 'silent' }
const opened: Database[] = []
let roles: ServiceRole[] = []

/** A connection as a service's role. */
async function as(service: string): Promise<Database> {
  const role = roles.find((r) => r.service === service)!
  const database = await openDatabase({ url: role.url, poolSize: 1 })
  opened.push(database)
  return database
}

async function fails(database: Database, statement: string): Promise<string> {
  try {
    await database.query(sql.raw(statement))
  } catch (err) {
    const e = err as { message: string; cause?: { message?: string } }
    return e.cause?.message ?? e.message
  }
  throw new Error(`expected to fail: ${statement}`)
}

async function admin<R = Record<string, unknown>>(statement: ReturnType<typeof sql>): Promise<R[]> {
  const database = await openDatabase({ url: adminUrl, poolSize: 1 })
  try {
    return await database.query<R>(statement)
  } finally {
    await database.close()
  }
}

beforeAll(async () => {
  if (!pgUp.ok) return
  writeFileSync(
    join(folder, '0000_init.sql'),
    `create schema if not exists "${other.service}";\n--> statement-breakpoint\n` +
      `create table "${other.service}".notes (id serial primary key, body text not null);`,
  )
  expect(await ensureDatabase(adminUrl)).toBe(true)
  expect(await ensureDatabase(adminUrl)).toBe(false)
  roles = await migrateAll(env, { sets })
})

afterAll(async () => {
  for (const d of opened) await d.close().catch(() => {})
  rmSync(folder, { recursive: true, force: true })
  if (!pgUp.ok) return
  const server = await openDatabase({ url: testPostgresUrl, poolSize: 1 })
  try {
    await server.query(sql.raw(`drop database if exists "${dbName}" with (force)`))
    for (const set of sets)
      await server.query(sql.raw(`drop role if exists "${roleName(prefix, set.service)}"`))
  } finally {
    await server.close()
  }
})

describe('role passwords and URLs', () => {
  describe('happy', () => {
    it('derives a stable password per role from CLUSTER_SECRET, unless the variable gives one', () => {
      const secret = 'x'.repeat(32)
      const a = rolePassword({}, secret, 'identity', 'lm_identity')
      expect(a).toBe(rolePassword({}, secret, 'identity', 'lm_identity'))
      expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(rolePassword({}, secret, 'learning', 'lm_learning')).not.toBe(a)
      expect(rolePassword({}, 'y'.repeat(32), 'identity', 'lm_identity')).not.toBe(a)
      expect(
        rolePassword({ LEARNMESH_ROLE_PASSWORD_IDENTITY: 'given-password-123' }, secret, 'identity', 'x'),
      ).toBe('given-password-123')
    })

    it('puts the role into the admin URL, encoding what needs it', () => {
      expect(
        urlWithRole('postgres://postgres@db:5432/learnmesh?sslmode=require', 'lm_identity', 'a/b@c'),
      ).toBe('postgres://lm_identity:a%2Fb%40c@db:5432/learnmesh?sslmode=require')
    })
  })

  describe('errors', () => {
    it('rejects a weak or non-ASCII explicit password and a bad role name', () => {
      expect(() =>
        rolePassword({ LEARNMESH_ROLE_PASSWORD_IDENTITY: 'short' }, 'x'.repeat(32), 'identity', 'r'),
      ).toThrow(/LEARNMESH_ROLE_PASSWORD_IDENTITY/)
      expect(() =>
        rolePassword(
          { LEARNMESH_ROLE_PASSWORD_IDENTITY: 'päss wörd long enough' },
          'x'.repeat(32),
          'identity',
          'r',
        ),
      ).toThrow()
      expect(() => roleName('lm_', 'Bad"Name')).toThrow(/role name/)
    })

    it('refuses the development CLUSTER_SECRET in production', async () => {
      await expect(migrateAll({ ...env, NODE_ENV: 'production' }, { sets })).rejects.toThrow(/CLUSTER_SECRET/)
    })
  })
})

describe.runIf(pgUp.ok)('service roles on PostgreSQL', () => {
  describe('happy', () => {
    it('gives each service a URL with its own role', () => {
      expect(roles.map((r) => r.role)).toEqual([`${prefix}identity`, `${prefix}other_${tag}`])
      const url = new URL(roles[0]!.url)
      expect(url.username).toBe(`${prefix}identity`)
      expect(url.password).toHaveLength(43)
      expect(url.pathname).toBe(`/${dbName}`)
    })

    it('lets a role read and write its own schema, sequences included', async () => {
      const identity = await as('identity')
      await identity.query(
        sql`insert into identity.login_attempts (email, ip, success) values ('a@b.c', '1.2.3.4', false)`,
      )
      await identity.query(sql`update identity.login_attempts set success = true`)
      expect(await identity.query(sql`select email, success from identity.login_attempts`)).toEqual([
        { email: 'a@b.c', success: true },
      ])
      await identity.query(sql`delete from identity.login_attempts`)
      const mine = await as(other.service)
      await mine.query(sql.raw(`insert into "${other.service}".notes (body) values ('hello')`))
      expect(await mine.query(sql.raw(`select body from "${other.service}".notes`))).toEqual([
        { body: 'hello' },
      ])
    })

    it('grants tables created by later migrations without rerunning migrate (default privileges)', async () => {
      writeFileSync(
        join(folder, '0001_more.sql'),
        `create table "${other.service}".later (id bigserial primary key, v text);`,
      )
      const database = await openDatabase({ url: adminUrl, poolSize: 1 })
      try {
        expect(await migrate(database, other)).toEqual(['0001_more.sql'])
      } finally {
        await database.close()
      }
      const mine = await as(other.service)
      await mine.query(sql.raw(`insert into "${other.service}".later (v) values ('x')`))
      expect(await mine.query(sql.raw(`select v from "${other.service}".later`))).toEqual([{ v: 'x' }])
      // identity still sees nothing of it
      expect(await fails(await as('identity'), `select * from "${other.service}".later`)).toMatch(
        /permission denied/,
      )
    })

    it('is idempotent: rerunning migrate changes nothing and keeps every privilege', async () => {
      const privileges = () =>
        admin(sql`select grantee, table_schema, table_name, privilege_type
          from information_schema.role_table_grants where grantee like ${`${prefix}%`}
          order by 1, 2, 3, 4`)
      const before = await privileges()
      expect(before.length).toBeGreaterThan(0)
      const again = await migrateAll(env, { sets })
      expect(again.map((r) => r.url)).toEqual(roles.map((r) => r.url))
      expect(await privileges()).toEqual(before)
      const identity = await as('identity')
      expect(await identity.query(sql`select count(*)::int as n from identity.users`)).toEqual([{ n: 0 }])
    })

    it('stores a SCRAM verifier, not the password, computed exactly as PostgreSQL does', async () => {
      const [row] = await admin<{ rolpassword: string }>(
        sql`select rolpassword from pg_authid where rolname = ${`${prefix}identity`}`,
      )
      expect(row!.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/)
      const password = new URL(roles[0]!.url).password
      expect(row!.rolpassword).not.toContain(password)
      // Let the server hash a known password, then recompute it with its salt.
      const probe = `${prefix}probe`
      await admin(sql.raw(`create role "${probe}" password 'probe-password-123'`))
      try {
        const [p] = await admin<{ rolpassword: string }>(
          sql`select rolpassword from pg_authid where rolname = ${probe}`,
        )
        const salt = Buffer.from(p!.rolpassword.split('$')[1]!.split(':')[1]!, 'base64')
        expect(scramVerifier('probe-password-123', salt)).toBe(p!.rolpassword)
      } finally {
        await admin(sql.raw(`drop role "${probe}"`))
      }
    })
  })

  describe('security', () => {
    it("keeps a role out of other services' schemas, in both directions", async () => {
      const identity = await as('identity')
      expect(await fails(identity, `select * from "${other.service}".notes`)).toMatch(/permission denied/)
      expect(await fails(identity, `insert into "${other.service}".notes (body) values ('x')`)).toMatch(
        /permission denied/,
      )
      const mine = await as(other.service)
      expect(await fails(mine, 'select * from identity.users')).toMatch(/permission denied/)
      expect(await fails(mine, 'delete from identity.sessions')).toMatch(/permission denied/)
    })

    it('lets a role create nothing: not in public, not in its own schema, no new schema', async () => {
      const identity = await as('identity')
      expect(await fails(identity, 'create table public.sneaky (id int)')).toMatch(/permission denied/)
      expect(await fails(identity, 'create table identity.sneaky (id int)')).toMatch(/permission denied/)
      expect(await fails(identity, 'create schema sneaky')).toMatch(/permission denied/)
      expect(await fails(identity, 'create temporary table sneaky (id int)')).toMatch(/permission denied/)
      expect(await fails(identity, 'drop table identity.users')).toMatch(/must be owner/)
      expect(await fails(identity, 'truncate identity.users')).toMatch(/permission denied/)
      expect(await fails(identity, 'alter table identity.users add column x int')).toMatch(/must be owner/)
    })

    it('hides the migrations bookkeeping from every service role', async () => {
      for (const service of ['identity', other.service]) {
        const database = await as(service)
        expect(await fails(database, 'select * from learnmesh_migrations.applied')).toMatch(
          /permission denied/,
        )
      }
    })

    it('refuses to reuse a role that has more power than a service needs', async () => {
      const role = roleName(prefix, other.service)
      await admin(sql.raw(`alter role "${role}" createdb`))
      try {
        const database = await openDatabase({ url: adminUrl, poolSize: 1 })
        try {
          await expect(
            provisionRoles(database, [other], {
              prefix,
              adminUrl,
              passwords: { [other.service]: 'some-password-123' },
            }),
          ).rejects.toThrow(/createdb/)
        } finally {
          await database.close()
        }
      } finally {
        await admin(sql.raw(`alter role "${role}" nocreatedb`))
      }
    })
  })
})
