import { Writable } from 'node:stream'
import pino from 'pino'
import {
  createTokenVerifier,
  loggerOptions,
  newId,
  sql,
  type App,
  type Database,
  type Logger,
} from '@learnmesh/kernel'
import { createTestDatabase, createTestSigner } from '@learnmesh/kernel/testing'
import { loadCommerceConfig, type CommerceConfig } from './config.ts'
import type { CommerceDeps } from './deps.ts'
import { buildApp } from './app.ts'
import { commerceService } from './service.ts'

/** A test principal: who a token is for. */
export interface TestUser {
  userId: string
  orgId: string
  roles: string[]
  platformAdmin?: boolean
}

/**
 * Test-only: commerce on an in-memory PGlite copied from the migrated template and tokens from a
 * throwaway signer. `logs` collects every log line when given.
 */
export async function createTestCommerce(options: { env?: Record<string, string>; logs?: string[] } = {}) {
  const database: Database = await createTestDatabase(commerceService.migrations)
  const config: CommerceConfig = loadCommerceConfig({ PUBLIC_URL: 'http://web.test', ...options.env })
  const logs = options.logs
  const logger: Logger = logs
    ? pino(
        loggerOptions('commerce', 'trace'),
        new Writable({
          write(chunk: Buffer, _enc, done) {
            logs.push(chunk.toString('utf8'))
            done()
          },
        }),
      )
    : pino({ level: 'silent' })
  const signer = await createTestSigner()
  const verifier = createTokenVerifier({
    jwks: signer.jwks,
    issuer: signer.issuer,
    audience: signer.audience,
    cooldownMs: 0,
  })
  let wakes = 0
  const deps: CommerceDeps = { database, config, logger, wakeRelay: () => void wakes++ }
  const app: App = await buildApp(deps, { verifier })
  await app.ready()

  const orgA = newId('org')
  const orgB = newId('org')

  /** A user with roles in an org (default: a learner of org A). */
  function user(roles: string[] = ['learner'], orgId = orgA, extra: Partial<TestUser> = {}): TestUser {
    return { userId: newId('usr'), orgId, roles, ...extra }
  }

  /** An access token for a test user. */
  function token(u: TestUser): Promise<string> {
    return signer.sign({ sub: u.userId, org: u.orgId, roles: u.roles, padm: u.platformAdmin ?? false })
  }

  /** Sends a request as `u` (anonymous when u is null). */
  async function call(
    u: TestUser | null,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) {
    return app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      headers: { ...(u ? { authorization: `Bearer ${await token(u)}` } : {}), ...headers },
    })
  }

  return {
    app,
    database,
    db: database.db,
    config,
    deps,
    signer,
    orgA,
    orgB,
    user,
    token,
    call,
    /** How many times the relay was woken (events were written). */
    wakes: () => wakes,
    /** Rows of the outbox, oldest first. */
    async events(type?: string) {
      const rows = await database.query<{ type: string; envelope: { payload: Record<string, unknown> } }>(
        sql`select type, envelope from commerce.outbox order by id`,
      )
      return rows
        .filter((r) => !type || r.type === type)
        .map((r) => ({ type: r.type, payload: r.envelope.payload }))
    },
    async close() {
      await app.close()
      await database.close()
    },
  }
}

/** What createTestCommerce returns. */
export type TestCommerce = Awaited<ReturnType<typeof createTestCommerce>>
