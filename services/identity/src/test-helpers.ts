import { Writable } from 'node:stream'
import pino from 'pino'
import { sql } from 'drizzle-orm'
import { createTokenVerifier, loggerOptions, type App, type Database, type Logger } from '@learnmesh/kernel'
import { createTestDatabase } from '@learnmesh/kernel/testing'
import { loadIdentityConfig, type IdentityConfig } from './config.ts'
import { createIdentity, type Identity } from './wiring.ts'
import { buildApp } from './app.ts'
import { identityService } from './service.ts'
import { ensureDefaultOrg, seedIdentity } from './seed.ts'

/** A password that satisfies the policy. */
export const GOOD_PASSWORD = 'correct horse battery staple'

/** Test-only: identity on an in-memory database with cheap argon2 and a verifier reading its own JWKS. */
export async function createTestIdentity(options: { env?: Record<string, string>; logs?: string[] } = {}) {
  const database: Database = await createTestDatabase(identityService.migrations)
  const config: IdentityConfig = loadIdentityConfig({
    ARGON2_MEMORY_COST_KIB: '1024',
    ARGON2_TIME_COST: '1',
    PUBLIC_URL: 'http://web.test',
    JWT_ISSUER: 'http://web.test/api/identity',
    // Most tests send emails back to back; the throttle has its own tests (email-throttle.routes.test.ts).
    EMAIL_MIN_INTERVAL_SECONDS: '0',
    EMAIL_MAX_PER_ACCOUNT_HOUR: '1000',
    ...options.env,
  })
  const logs = options.logs
  const logger: Logger = logs
    ? pino(
        loggerOptions('identity', 'trace'),
        new Writable({
          write(chunk: Buffer, _enc, done) {
            logs.push(chunk.toString('utf8'))
            done()
          },
        }),
      )
    : pino({ level: 'silent' })
  const identity: Identity = createIdentity({ database, config, logger })
  const defaultOrgId = await ensureDefaultOrg(database, config.DEFAULT_ORG_SLUG, config.DEFAULT_ORG_NAME)
  await identity.keys.ensureActiveKey()
  const verifier = createTokenVerifier({
    jwks: async () => (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json(),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    cooldownMs: 0,
  })
  const app: App = await buildApp(identity, { verifier, logger })
  await app.ready()
  let n = 0
  return {
    app,
    database,
    identity,
    config,
    defaultOrgId,
    /** A fresh unique email. */
    email: (prefix = 'user') => `${prefix}${++n}-${Math.random().toString(36).slice(2, 8)}@example.test`,
    /** Registers a user through the API. */
    async register(
      input: { email?: string; password?: string; displayName?: string; invitationToken?: string } = {},
    ) {
      const email = input.email ?? `user${++n}-${Math.random().toString(36).slice(2, 8)}@example.test`
      const res = await app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: {
          email,
          password: input.password ?? GOOD_PASSWORD,
          displayName: input.displayName ?? 'Test User',
          ...(input.invitationToken ? { invitationToken: input.invitationToken } : {}),
        },
      })
      if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`)
      const body = res.json() as {
        user: { id: string; email: string }
        tokens: { accessToken: string; refreshToken: string; sessionId: string }
      }
      return { ...body, email, password: input.password ?? GOOD_PASSWORD }
    },
    /** Signs in through the API. */
    login: (email: string, password = GOOD_PASSWORD, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: '/auth/login', payload: { email, password }, headers }),
    /** Seeds a verified platform admin (org_admin of the default org) and returns its access token. */
    async platformAdminToken(): Promise<string> {
      const email = `root${++n}-${Math.random().toString(36).slice(2, 8)}@example.test`
      await seedIdentity(
        database,
        {
          orgSlug: config.DEFAULT_ORG_SLUG,
          orgName: 'Demo',
          users: [
            {
              email,
              password: GOOD_PASSWORD,
              displayName: 'Root',
              roles: ['org_admin'],
              platformAdmin: true,
            },
          ],
        },
        { argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 } },
      )
      const res = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email, password: GOOD_PASSWORD },
      })
      return (res.json() as { accessToken: string }).accessToken
    },
    /** Outbox payloads of one event type, oldest first. */
    async events<P = Record<string, unknown>>(type: string): Promise<P[]> {
      const rows = await database.query<{ envelope: { payload: P } }>(
        sql`select envelope from identity.outbox where type = ${type} order by seq`,
      )
      return rows.map((r) => r.envelope.payload)
    },
    /** The token in the latest email of `template` sent to `to`. */
    async emailToken(template: string, to: string): Promise<string> {
      const rows = await database.query<{
        envelope: { payload: { template: string; to: string; link: string | null } }
      }>(sql`select envelope from identity.outbox where type = 'identity.email.requested' order by seq desc`)
      const hit = rows.find(
        (r) => r.envelope.payload.template === template && r.envelope.payload.to === to.toLowerCase(),
      )
      if (!hit?.envelope.payload.link) throw new Error(`no ${template} email to ${to}`)
      return new URL(hit.envelope.payload.link).searchParams.get('token')!
    },
    /** Row count of an identity table. */
    async count(table: string): Promise<number> {
      const [row] = await database.query<{ n: number }>(
        sql.raw(`select count(*)::int as n from identity.${table}`),
      )
      return row!.n
    },
    async close() {
      await app.close()
      await database.close()
    },
  }
}

/** The test identity type. */
export type TestIdentity = Awaited<ReturnType<typeof createTestIdentity>>

/** Authorization header for an access token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}
