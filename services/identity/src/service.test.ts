import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import type { Envelope } from '@learnmesh/contracts'
import {
  createInProcessTransport,
  createTokenVerifier,
  type Jwks,
  type RunningService,
  type Database,
} from '@learnmesh/kernel'
import { createTestDatabase } from '@learnmesh/kernel/testing'
import { identityService } from './service.ts'

let database: Database
let running: RunningService
const delivered: Envelope[] = []
const transport = createInProcessTransport()
transport.subscribe(
  'test',
  ['identity.user.registered', 'identity.email.requested', 'identity.membership.changed'],
  async (e) => {
    delivered.push(e)
  },
)
const env = {
  ARGON2_MEMORY_COST_KIB: '1024',
  ARGON2_TIME_COST: '1',
  JWT_ISSUER: 'http://svc.test/api/identity',
  DEFAULT_ORG_SLUG: 'startup-org',
}

beforeAll(async () => {
  database = await createTestDatabase(identityService.migrations)
  // An old active key: start must rotate it.
  running = await start()
})
afterAll(async () => {
  await running?.close()
  await transport.close()
  await database.close()
})

async function start(): Promise<RunningService> {
  const verifier = createTokenVerifier({
    jwks: async () => (await running.app.inject('/.well-known/jwks.json')).json() as Jwks,
    issuer: env.JWT_ISSUER,
    audience: 'learnmesh',
    cooldownMs: 0,
  })
  return identityService.start({ database, transport, verifier, logger: pino({ level: 'silent' }), env })
}

describe('happy', () => {
  it('starts with the default organization, an active key and a working app whose events reach the transport', async () => {
    expect(identityService.name).toBe('identity')
    expect(identityService.migrations.folder).toMatch(/services\/identity\/migrations$/)
    const orgs = await database.pglite!.query<{ slug: string }>(`select slug from identity.organizations`)
    expect(orgs.rows.map((r) => r.slug)).toContain('startup-org')
    expect((await running.app.inject('/.well-known/jwks.json')).json().keys).toHaveLength(1)
    const reg = await running.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email: 'svc@example.test', password: 'service start passphrase', displayName: 'Svc' },
    })
    expect(reg.statusCode).toBe(201)
    const me = await running.app.inject({
      url: '/me',
      headers: { authorization: `Bearer ${reg.json().tokens.accessToken}` },
    })
    expect(me.statusCode).toBe(200)
    await expect
      .poll(() => delivered.map((e) => e.type), { timeout: 5000 })
      .toContain('identity.user.registered')
    expect(delivered.map((e) => e.type)).toContain('identity.email.requested')
    const doc = (await running.app.inject('/openapi.json')).json()
    for (const path of [
      '/auth/register',
      '/auth/login',
      '/auth/login/mfa',
      '/auth/refresh',
      '/me',
      '/orgs/{orgId}/members/{userId}',
      '/.well-known/jwks.json',
      '/admin/keys/rotate',
    ]) {
      expect(doc.paths[path], path).toBeDefined()
    }
  })

  it('rotates an over-age signing key at start', async () => {
    await running.close()
    const [before] = (
      await database.pglite!.query<{ kid: string }>(
        `select kid from identity.signing_keys where retired_at is null`,
      )
    ).rows
    await database.pglite!.query(
      `update identity.signing_keys set created_at = now() - interval '40 days' where kid = $1`,
      [before!.kid],
    )
    running = await start()
    const [after] = (
      await database.pglite!.query<{ kid: string }>(
        `select kid from identity.signing_keys where retired_at is null`,
      )
    ).rows
    expect(after!.kid).not.toBe(before!.kid)
    const kids = (await running.app.inject('/.well-known/jwks.json'))
      .json()
      .keys.map((k: { kid: string }) => k.kid)
    expect(kids).toEqual(expect.arrayContaining([before!.kid, after!.kid]))
  })
})

describe('errors', () => {
  it('refuses to start in production with the development secret', async () => {
    const verifier = createTokenVerifier({ jwks: async () => ({ keys: [] }), issuer: 'x', audience: 'y' })
    await expect(
      identityService.start({
        database,
        transport,
        verifier,
        logger: pino({ level: 'silent' }),
        env: { NODE_ENV: 'production' },
      }),
    ).rejects.toThrow(/IDENTITY_SECRET/)
  })
})

describe('security', () => {
  it('does not start a second active key when started again (one signer at a time)', async () => {
    const active = await database.pglite!.query<{ n: number }>(
      `select count(*)::int as n from identity.signing_keys where retired_at is null`,
    )
    expect(active.rows[0]!.n).toBe(1)
  })
})
