import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'
import { ConfigError, openDatabase, sql, type Database, type MigrationSet } from '@learnmesh/kernel'

/*
 * Least-privileged PostgreSQL roles, one per service (DESIGN.md §3). `learnmesh migrate` runs as the
 * admin DATABASE_URL, which owns every schema and table; each service then connects as
 * `<prefix><service>`, which can:
 *   - CONNECT to this database (PUBLIC's CONNECT and TEMPORARY on it are revoked);
 *   - USAGE its own schema and SELECT/INSERT/UPDATE/DELETE its tables, USAGE/SELECT/UPDATE its
 *     sequences, now and for tables later migrations create (default privileges of the admin);
 * and nothing else: no CREATE anywhere (not in its schema, not in `public`), no TRUNCATE, no access
 * to other services' schemas or to `learnmesh_migrations` (PUBLIC's USAGE on them is revoked).
 * Everything is re-applied on each run, so rerunning migrate is idempotent and repairs drift.
 */

/** A provisioned service role and the URL the service must use. */
export interface ServiceRole {
  service: string
  /** Its schema (= service name). */
  schema: string
  role: string
  /** The admin URL with the role's name and password: the service's DATABASE_URL. */
  url: string
}

/** What provisioning needs besides the admin connection. */
export interface RoleOptions {
  /** Role name prefix (default `lm_`): `lm_identity`. */
  prefix: string
  /** The admin DATABASE_URL (the services' URLs are derived from it). */
  adminUrl: string
  /** Password of each service's role (see `rolePassword`). */
  passwords: Record<string, string>
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** `lm_` + `identity` → `lm_identity` (dashes become underscores). */
export function roleName(prefix: string, service: string): string {
  const name = `${prefix}${service}`.replaceAll('-', '_')
  if (!NAME.test(name)) throw new Error(`'${name}' is not a valid role name`)
  return name
}

/** `identity` → `LEARNMESH_ROLE_PASSWORD_IDENTITY`: the variable that sets a role's password. */
export function passwordVariable(service: string): string {
  return `LEARNMESH_ROLE_PASSWORD_${service.toUpperCase().replaceAll('-', '_')}`
}

/**
 * A service role's password: `LEARNMESH_ROLE_PASSWORD_<SERVICE>` when set, otherwise derived as
 * base64url(HMAC-SHA256(CLUSTER_SECRET, "learnmesh role password:" + role)), so every machine that
 * knows the secret computes the same password and nothing needs to be stored.
 */
export function rolePassword(
  env: Record<string, string | undefined>,
  secret: string,
  service: string,
  role: string,
): string {
  const variable = passwordVariable(service)
  const given = env[variable]
  if (given !== undefined && given !== '') {
    if (!/^[\x21-\x7e]{12,200}$/.test(given)) {
      throw new ConfigError(
        [{ variable, message: 'must be 12 to 200 printable ASCII characters without spaces' }],
        'migrate',
      )
    }
    return given
  }
  return createHmac('sha256', secret).update(`learnmesh role password:${role}`).digest('base64url')
}

/** The admin URL with another user and password (what a service puts in its DATABASE_URL). */
export function urlWithRole(adminUrl: string, role: string, password: string): string {
  const url = new URL(adminUrl)
  url.username = encodeURIComponent(role)
  url.password = encodeURIComponent(password)
  return url.toString()
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677, 4096 iterations, as
 * libpq's PQencryptPasswordConn). Sending the verifier instead of the password keeps the password out
 * of the server's statement log. Passwords here are printable ASCII, for which SASLprep is the identity.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}

/** A quoted SQL identifier. */
const id = (name: string) => `"${name.replaceAll('"', '""')}"`
/** A quoted SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1). */
const lit = (value: string) => `'${value.replaceAll("'", "''")}'`

/**
 * Creates (if missing) and grants each service's role on the admin connection `database`, in one
 * transaction. Refuses a role that exists with more power than a service needs (superuser,
 * CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS, or membership in other roles): it reports it rather
 * than silently stripping it. Returns each role with the URL its service must use.
 */
export async function provisionRoles(
  database: Database,
  sets: MigrationSet[],
  options: RoleOptions,
): Promise<ServiceRole[]> {
  if (database.kind !== 'postgres') throw new Error('service roles need PostgreSQL (DATABASE_URL)')
  const roles = sets.map((set) => {
    if (!NAME.test(set.service)) throw new Error(`'${set.service}' is not a valid schema name`)
    const role = roleName(options.prefix, set.service)
    const password = options.passwords[set.service]
    if (!password) throw new Error(`no password for ${role}`)
    return { set, role, password }
  })
  await database.db.transaction(async (tx) => {
    const run = (statement: string) => tx.execute(sql.raw(statement))
    const rows = async <R>(query: ReturnType<typeof sql>) =>
      ((await tx.execute(query)) as unknown as { rows: R[] }).rows
    // Roles are cluster-wide: serialise concurrent provisioning (two `migrate` at once).
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${'learnmesh_roles'}))`)
    const [{ db }] = (await rows<{ db: string }>(sql`select current_database() as db`)) as [{ db: string }]
    await run(`revoke all on database ${id(db)} from public`)
    await run(`revoke create on schema public from public`) // PostgreSQL 15's default; explicit for older servers
    await run(`create schema if not exists learnmesh_migrations`)
    await run(`revoke all on schema learnmesh_migrations from public`)
    for (const { set, role, password } of roles) {
      const verifier = lit(scramVerifier(password))
      const exists = (await rows(sql`select 1 from pg_catalog.pg_roles where rolname = ${role}`)).length > 0
      if (exists) await run(`alter role ${id(role)} with login password ${verifier}`)
      else
        await run(
          `create role ${id(role)} with login nosuperuser nocreatedb nocreaterole noreplication password ${verifier}`,
        )
      const [attrs] = await rows<Record<string, boolean | number>>(
        sql`select rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls,
          (select count(*) from pg_catalog.pg_auth_members m where m.member = r.oid)::int as memberships
          from pg_catalog.pg_roles r where rolname = ${role}`,
      )
      const extra = Object.entries(attrs!)
        .filter(([k, v]) => (k === 'memberships' ? Number(v) > 0 : v === true))
        .map(([k]) => (k === 'memberships' ? 'membership in other roles' : k.replace(/^rol/, '')))
      if (extra.length) {
        throw new Error(
          `role ${role} exists with ${extra.join(', ')}; a service role must have none (alter or drop it, then migrate again)`,
        )
      }
      const schema = id(set.service)
      const r = id(role)
      await run(`grant connect on database ${id(db)} to ${r}`)
      await run(`create schema if not exists ${schema}`)
      await run(`revoke all on schema ${schema} from public`)
      await run(`grant usage on schema ${schema} to ${r}`)
      await run(`grant select, insert, update, delete on all tables in schema ${schema} to ${r}`)
      await run(`grant usage, select, update on all sequences in schema ${schema} to ${r}`)
      // Tables and sequences that later migrations create (as this admin) get the same grants.
      await run(
        `alter default privileges in schema ${schema} grant select, insert, update, delete on tables to ${r}`,
      )
      await run(
        `alter default privileges in schema ${schema} grant usage, select, update on sequences to ${r}`,
      )
    }
  })
  return roles.map(({ set, role, password }) => ({
    service: set.service,
    schema: set.service,
    role,
    url: urlWithRole(options.adminUrl, role, password),
  }))
}

/**
 * Creates the database named in `url` when it does not exist, connecting to the server's `postgres`
 * database with the same credentials. Returns true when it created it.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url)
  const name = decodeURIComponent(target.pathname.slice(1))
  if (!name) throw new Error('DATABASE_URL names no database')
  const maintenance = new URL(url)
  maintenance.pathname = '/postgres'
  const server = await openDatabase({
    url: maintenance.toString(),
    poolSize: 1,
    applicationName: 'learnmesh-migrate',
  })
  try {
    const found = await server.query(sql`select 1 from pg_database where datname = ${name}`)
    if (found.length) return false
    try {
      await server.query(sql.raw(`create database ${id(name)}`))
      return true
    } catch (err) {
      const code =
        (err as { code?: string; cause?: { code?: string } }).code ??
        (err as { cause?: { code?: string } }).cause?.code
      if (code === '42P04') return false // created concurrently
      throw err
    }
  } finally {
    await server.close()
  }
}
