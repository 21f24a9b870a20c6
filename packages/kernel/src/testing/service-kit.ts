import { Writable } from 'node:stream'
import pino from 'pino'
import { sql } from 'drizzle-orm'
import type { LightMyRequestResponse } from 'fastify'
import { createTokenVerifier, type TokenVerifier } from '../auth/verifier.ts'
import type { Database } from '../db/database.ts'
import type { MigrationSet } from '../db/migrate.ts'
import type { App } from '../http/app.ts'
import { newId } from '../ids.ts'
import { loggerOptions, type Logger } from '../logger.ts'
import { createTestDatabase } from './database.ts'
import { createTestSigner } from './tokens.ts'

/** A test principal: who a token is for. */
export interface TestUser {
  userId: string
  orgId: string
  roles: string[]
  platformAdmin?: boolean
}

/** A logger for a service under test: silent, or collecting every line (at trace) into `logs`. */
export function createTestLogger(service: string, logs?: string[]): Logger {
  if (!logs) return pino({ level: 'silent' })
  return pino(
    loggerOptions(service, 'trace'),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString('utf8'))
        done()
      },
    }),
  )
}

/**
 * What a service's route tests share: a throwaway signer and the verifier that trusts it, two
 * organizations, test users, their tokens, a request helper for the app under test (`call(user, …)`,
 * anonymous when `user` is null) and a reader of the service's outbox.
 */
export async function createTestPrincipals(): Promise<{
  signer: Awaited<ReturnType<typeof createTestSigner>>
  verifier: TokenVerifier
  orgA: string
  orgB: string
  user(roles?: string[], orgId?: string, extra?: Partial<TestUser>): TestUser
  token(u: TestUser): Promise<string>
  caller(app: App): TestCall
}> {
  const signer = await createTestSigner()
  const verifier = createTokenVerifier({
    jwks: signer.jwks,
    issuer: signer.issuer,
    audience: signer.audience,
    cooldownMs: 0,
  })
  const orgA = newId('org')
  const orgB = newId('org')
  const token = (u: TestUser) =>
    signer.sign({ sub: u.userId, org: u.orgId, roles: u.roles, padm: u.platformAdmin ?? false })
  return {
    signer,
    verifier,
    orgA,
    orgB,
    /** A user with roles in an org (default: a learner of org A). */
    user: (roles = ['learner'], orgId = orgA, extra = {}) => ({
      userId: newId('usr'),
      orgId,
      roles,
      ...extra,
    }),
    token,
    caller:
      (app) =>
      async (u, method, url, payload, headers = {}) =>
        app.inject({
          method,
          url,
          ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
          headers: { ...(u ? { authorization: `Bearer ${await token(u)}` } : {}), ...headers },
        }),
  }
}

/** Sends a request to the app under test as `u` (anonymous when null). */
export type TestCall = (
  u: TestUser | null,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
  headers?: Record<string, string>,
) => Promise<LightMyRequestResponse>

/** The events in a service's outbox (`<schema>.outbox`), oldest first, optionally of one type. */
export async function outboxEvents(
  database: Database,
  schema: string,
  type?: string,
): Promise<{ type: string; payload: Record<string, unknown> }[]> {
  const rows = await database.query<{ type: string; envelope: { payload: Record<string, unknown> } }>(
    sql`select type, envelope from ${sql.identifier(schema)}.outbox order by id`,
  )
  return rows
    .filter((r) => !type || r.type === type)
    .map((r) => ({ type: r.type, payload: r.envelope.payload }))
}

/** The dependencies every service is built from, as createTestService makes them. */
export interface TestServiceDeps<Config> {
  database: Database
  config: Config
  logger: Logger
  /** Counts the wakes instead of nudging a relay (see `wakes()`). */
  wakeRelay: () => void
}

/**
 * A service under test, as its `test-helpers.ts` builds it: the service's migrations on an in-memory
 * PGlite copied from the migrated template (or `database` when given), its config loaded from
 * `PUBLIC_URL=http://web.test` plus `env`, a logger (collecting every line into `logs` when given),
 * `deps(base)` (the base deps, plus whatever else the service needs), and the app built with the
 * verifier of createTestPrincipals' signer and ready (also returned, for what the app does not
 * build itself, such as a Socket.IO server's handshakes). The outbox read by `events()` is the one
 * of the schema named after the service. `close()` leaves a given `database` open.
 */
export async function createTestService<Config, Deps extends TestServiceDeps<Config>>(options: {
  service: { name: string; migrations: MigrationSet }
  loadConfig: (env: Record<string, string>) => Config
  deps: (base: TestServiceDeps<Config>) => Deps
  buildApp: (deps: Deps, options: { verifier: TokenVerifier }) => Promise<App>
  env?: Record<string, string> | undefined
  logs?: string[] | undefined
  database?: Database | undefined
}) {
  const { name } = options.service
  const database = options.database ?? (await createTestDatabase(options.service.migrations))
  const config = options.loadConfig({ PUBLIC_URL: 'http://web.test', ...options.env })
  const logger = createTestLogger(name, options.logs)
  const principals = await createTestPrincipals()
  const { signer, verifier, orgA, orgB, user, token } = principals
  let wakes = 0
  const deps = options.deps({ database, config, logger, wakeRelay: () => void wakes++ })
  const app = await options.buildApp(deps, { verifier })
  await app.ready()
  return {
    app,
    database,
    db: database.db,
    config,
    deps,
    signer,
    /** The verifier the app trusts (it accepts `token(u)` and `signer.sign(…)`). */
    verifier,
    orgA,
    orgB,
    user,
    token,
    call: principals.caller(app),
    /** How many times the relay was woken (events were written). */
    wakes: () => wakes,
    /** Rows of the outbox, oldest first. */
    events: (type?: string) => outboxEvents(database, name, type),
    /** Closes the app, and the database unless it was given. */
    async close() {
      await app.close()
      if (!options.database) await database.close()
    },
  }
}
