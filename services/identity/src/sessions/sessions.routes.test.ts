import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair, SignJWT, UnsecuredJWT, exportJWK } from 'jose'
import { createHmac } from 'node:crypto'
import { bearer, createTestIdentity, type TestIdentity } from '../test-helpers.ts'

let t: TestIdentity
beforeAll(async () => {
  t = await createTestIdentity()
})
afterAll(() => t.close())

const refresh = (refreshToken: string) =>
  t.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken } })

/** Moves a session's last rotation `seconds` into the past (past REFRESH_REUSE_GRACE_SECONDS). */
async function ageRotation(sessionId: string, seconds: number) {
  const interval = `${seconds} seconds`
  await t.database.pglite!.query(
    `update identity.refresh_tokens set used_at = used_at - $2::interval where session_id = $1`,
    [sessionId, interval],
  )
  await t.database.pglite!.query(
    `update identity.sessions set last_used_at = last_used_at - $2::interval where id = $1`,
    [sessionId, interval],
  )
}

describe('happy', () => {
  it('rotates the refresh token on every use and keeps the session', async () => {
    const u = await t.register()
    const r1 = await refresh(u.tokens.refreshToken)
    expect(r1.statusCode).toBe(200)
    const p1 = r1.json()
    expect(p1.refreshToken).not.toBe(u.tokens.refreshToken)
    expect(p1.sessionId).toBe(u.tokens.sessionId)
    const r2 = await refresh(p1.refreshToken)
    expect(r2.statusCode).toBe(200)
    expect((await t.app.inject({ url: '/me', headers: bearer(r2.json().accessToken) })).statusCode).toBe(200)
  })

  it('lists my live sessions, marks the current one and revokes another', async () => {
    const u = await t.register()
    const second = (await t.login(u.email, u.password, { 'user-agent': 'phone' })).json()
    const list = await t.app.inject({ url: '/sessions', headers: bearer(u.tokens.accessToken) })
    expect(list.statusCode).toBe(200)
    const items = list.json().items as { id: string; current: boolean; userAgent: string | null }[]
    expect(items).toHaveLength(2)
    expect(items.find((s) => s.current)?.id).toBe(u.tokens.sessionId)
    expect(items.find((s) => s.id === second.sessionId)?.userAgent).toBe('phone')
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/sessions/${second.sessionId}`,
      headers: bearer(u.tokens.accessToken),
    })
    expect(del.statusCode).toBe(204)
    expect((await refresh(second.refreshToken)).statusCode).toBe(401)
    expect((await t.app.inject({ url: '/me', headers: bearer(second.accessToken) })).statusCode).toBe(401)
    const after = (await t.app.inject({ url: '/sessions', headers: bearer(u.tokens.accessToken) })).json()
      .items
    expect(after).toHaveLength(1)
  })
})

describe('errors', () => {
  it('rejects unknown and malformed refresh tokens', async () => {
    expect((await refresh('A'.repeat(43))).json().code).toBe('invalid_token')
    expect((await refresh('not a token')).statusCode).toBe(400)
  })

  it('cannot revoke somebody else’s session (404) or list sessions anonymously (401)', async () => {
    const a = await t.register()
    const b = await t.register()
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/sessions/${b.tokens.sessionId}`,
      headers: bearer(a.tokens.accessToken),
    })
    expect(res.statusCode).toBe(404)
    expect((await refresh(b.tokens.refreshToken)).statusCode).toBe(200)
    expect((await t.app.inject({ url: '/sessions' })).statusCode).toBe(401)
  })

  it('an expired session cannot be refreshed', async () => {
    const u = await t.register()
    await t.database.pglite!.query(
      `update identity.sessions set expires_at = now() - interval '1 second' where id = $1`,
      [u.tokens.sessionId],
    )
    expect((await refresh(u.tokens.refreshToken)).statusCode).toBe(401)
  })
})

describe('security', () => {
  it('reusing a refresh token after the grace revokes the whole family, including its successor', async () => {
    const u = await t.register()
    const rotated = (await refresh(u.tokens.refreshToken)).json()
    await ageRotation(u.tokens.sessionId, t.config.REFRESH_REUSE_GRACE_SECONDS + 1)
    const reuse = await refresh(u.tokens.refreshToken)
    expect(reuse.statusCode).toBe(401)
    expect(reuse.json().code).toBe('token_reused')
    expect((await refresh(rotated.refreshToken)).statusCode).toBe(401)
    expect((await t.app.inject({ url: '/me', headers: bearer(rotated.accessToken) })).statusCode).toBe(401)
    const [row] = (
      await t.database.pglite!.query<{ revoked_reason: string }>(
        `select revoked_reason from identity.sessions where id = $1`,
        [u.tokens.sessionId],
      )
    ).rows
    expect(row?.revoked_reason).toBe('refresh_token_reused')
  })

  describe('access tokens that must be refused by /me with 401 problem+json', () => {
    async function claimsOf() {
      const u = await t.register()
      return { u, claims: { org: t.defaultOrgId, roles: ['learner'], padm: false, sid: u.tokens.sessionId } }
    }
    async function expect401(token: string) {
      const res = await t.app.inject({ url: '/me', headers: bearer(token) })
      expect(res.statusCode).toBe(401)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.json().code).toBe('invalid_token')
    }

    it('alg none', async () => {
      const { u, claims } = await claimsOf()
      const token = new UnsecuredJWT({ ...claims, padm: true })
        .setIssuer(t.config.JWT_ISSUER)
        .setAudience(t.config.JWT_AUDIENCE)
        .setSubject(u.user.id)
        .setIssuedAt()
        .setNotBefore('0s')
        .setExpirationTime('15m')
        .encode()
      await expect401(token)
    })

    it('HS256 signed with the public key bytes', async () => {
      const { u, claims } = await claimsOf()
      const jwks = (await t.app.inject('/.well-known/jwks.json')).json()
      const kid = jwks.keys[0].kid as string
      const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid })).toString('base64url')
      const now = Math.floor(Date.now() / 1000)
      const payload = Buffer.from(
        JSON.stringify({
          ...claims,
          padm: true,
          sub: u.user.id,
          iss: t.config.JWT_ISSUER,
          aud: t.config.JWT_AUDIENCE,
          iat: now,
          nbf: now,
          exp: now + 600,
        }),
      ).toString('base64url')
      for (const secret of [JSON.stringify(jwks.keys[0]), Buffer.from(jwks.keys[0].x, 'base64url')]) {
        const sig = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')
        await expect401(`${header}.${payload}.${sig}`)
      }
    })

    it('wrong issuer, wrong audience, expired, not yet valid and wrong typ', async () => {
      const { u, claims } = await claimsOf()
      const { kid, privateKey } = await t.identity.keys.activeKey()
      const base = (o: { iss?: string; aud?: string; exp?: number; nbf?: number; typ?: string } = {}) => {
        const now = Math.floor(Date.now() / 1000)
        return new SignJWT(claims)
          .setProtectedHeader({ alg: 'EdDSA', typ: o.typ ?? 'at+jwt', kid })
          .setIssuer(o.iss ?? t.config.JWT_ISSUER)
          .setAudience(o.aud ?? t.config.JWT_AUDIENCE)
          .setSubject(u.user.id)
          .setIssuedAt(now - 2000)
          .setNotBefore(o.nbf ?? now - 2000)
          .setExpirationTime(o.exp ?? now + 600)
          .sign(privateKey)
      }
      // The control token is accepted, so the refusals below are about the one changed claim.
      expect((await t.app.inject({ url: '/me', headers: bearer(await base()) })).statusCode).toBe(200)
      await expect401(await base({ iss: 'https://evil.example' }))
      await expect401(await base({ aud: 'another-audience' }))
      await expect401(await base({ exp: Math.floor(Date.now() / 1000) - 120 }))
      await expect401(await base({ nbf: Math.floor(Date.now() / 1000) + 3600 }))
      await expect401(await base({ typ: 'JWT' }))
    })

    it('unknown kid and a foreign key claiming the real kid', async () => {
      const { u, claims } = await claimsOf()
      const { kid } = await t.identity.keys.activeKey()
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
      expect(await exportJWK(privateKey)).toHaveProperty('d')
      for (const k of ['unknown-kid', kid]) {
        const token = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: k })
          .setIssuer(t.config.JWT_ISSUER)
          .setAudience(t.config.JWT_AUDIENCE)
          .setSubject(u.user.id)
          .setIssuedAt()
          .setNotBefore('0s')
          .setExpirationTime('15m')
          .sign(privateKey)
        await expect401(token)
      }
    })

    it('garbage and a Basic header', async () => {
      await expect401('abc.def.ghi')
      const res = await t.app.inject({ url: '/me', headers: { authorization: 'Basic dXNlcjpwYXNz' } })
      expect(res.statusCode).toBe(401)
    })
  })
})
