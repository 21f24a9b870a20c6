import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeProtectedHeader } from 'jose'
import { bearer, createTestIdentity, type TestIdentity } from '../test-helpers.ts'

let t: TestIdentity
let adminToken: string
beforeAll(async () => {
  t = await createTestIdentity()
  adminToken = await t.platformAdminToken()
})
afterAll(() => t.close())

const jwks = async () =>
  (await t.app.inject('/.well-known/jwks.json')).json().keys as Record<string, string>[]
const rotate = (token: string) =>
  t.app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: bearer(token) })

describe('happy', () => {
  it('publishes Ed25519 public keys only', async () => {
    const res = await t.app.inject('/.well-known/jwks.json')
    expect(res.statusCode).toBe(200)
    const keys = res.json().keys
    expect(keys.length).toBeGreaterThanOrEqual(1)
    for (const k of keys) {
      expect(k).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' })
      expect(k.kid).toBeTruthy()
      expect(k).not.toHaveProperty('d')
    }
  })

  it('rotation (platform admin) signs new tokens with the new key and keeps the old one published for old tokens', async () => {
    const before = await jwks()
    const oldKid = decodeProtectedHeader(adminToken).kid
    const res = await rotate(adminToken)
    expect(res.statusCode).toBe(200)
    const { kid, retiredKid } = res.json()
    expect(retiredKid).toBe(oldKid)
    expect(kid).not.toBe(oldKid)
    const after = await jwks()
    expect(after.map((k) => k.kid).sort()).toEqual([...before.map((k) => k.kid), kid].sort())
    // A token signed before the rotation still works; a new sign-in uses the new key.
    expect((await t.app.inject({ url: '/me', headers: bearer(adminToken) })).statusCode).toBe(200)
    const u = await t.register()
    expect(decodeProtectedHeader(u.tokens.accessToken).kid).toBe(kid)
    expect((await t.app.inject({ url: '/me', headers: bearer(u.tokens.accessToken) })).statusCode).toBe(200)
    // The retired key is unpublished after its last token expired (retired_at + TTL + skew).
    const [row] = (
      await t.database.pglite!.query<{ unpublish_at: Date; retired_at: Date }>(
        `select unpublish_at, retired_at from identity.signing_keys where kid = $1`,
        [oldKid],
      )
    ).rows
    expect(row!.unpublish_at.getTime() - row!.retired_at.getTime()).toBe(
      (t.config.ACCESS_TOKEN_TTL_SECONDS + t.config.CLOCK_SKEW_SECONDS) * 1000,
    )
    await t.database.pglite!.query(
      `update identity.signing_keys set unpublish_at = now() - interval '1 second' where kid = $1`,
      [oldKid],
    )
    expect((await jwks()).map((k) => k.kid)).not.toContain(oldKid)
  })

  it('rotates automatically when the active key is older than SIGNING_KEY_MAX_AGE_DAYS', async () => {
    expect(await t.identity.keys.rotateIfDue()).toBe(false)
    const { kid } = await t.identity.keys.activeKey()
    await t.database.pglite!.query(
      `update identity.signing_keys set created_at = now() - interval '31 days' where kid = $1`,
      [kid],
    )
    expect(await t.identity.keys.rotateIfDue()).toBe(true)
    const [row] = (
      await t.database.pglite!.query<{ kid: string }>(
        `select kid from identity.signing_keys where retired_at is null`,
      )
    ).rows
    expect(row!.kid).not.toBe(kid)
  })

  it('rotates a due key once when several replicas check at the same time', async () => {
    const { kid } = await t.identity.keys.activeKey()
    await t.database.pglite!.query(
      `update identity.signing_keys set created_at = now() - interval '31 days' where kid = $1`,
      [kid],
    )
    const before = await t.count('signing_keys')
    const results = await Promise.all([1, 2, 3].map(() => t.identity.keys.rotateIfDue()))
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await t.count('signing_keys')).toBe(before + 1)
  })
})

describe('errors', () => {
  it('rotation needs a platform admin: 401 anonymous, 403 for others', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/admin/keys/rotate' })).statusCode).toBe(401)
    const u = await t.register()
    const res = await rotate(u.tokens.accessToken)
    expect(res.statusCode).toBe(403)
    expect(res.headers['content-type']).toContain('application/problem+json')
  })
})

describe('security', () => {
  it('stores private keys encrypted, never as plain JWK', async () => {
    const rows = (
      await t.database.pglite!.query<{ private_jwk_enc: string }>(
        `select private_jwk_enc from identity.signing_keys`,
      )
    ).rows
    for (const r of rows) {
      expect(r.private_jwk_enc.startsWith('v1.')).toBe(true)
      expect(r.private_jwk_enc).not.toContain('"d"')
    }
  })

  it('a platform-admin flag in a token from a non-admin session cannot be forged through the API', async () => {
    const u = await t.register()
    const me = await t.app.inject({ url: '/me', headers: bearer(u.tokens.accessToken) })
    expect(me.json().user.platformAdmin).toBe(false)
    expect((await rotate(u.tokens.accessToken)).statusCode).toBe(403)
  })
})
