import { describe, expect, it, vi } from 'vitest'
import { SignJWT, UnsecuredJWT, base64url, exportJWK, generateKeyPair } from 'jose'
import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTokenVerifier, jwksFromUrls, type Jwks } from './verifier.ts'
import { createTestSigner } from '../testing/tokens.ts'
import { AppError } from '../errors.ts'

async function setup() {
  const signer = await createTestSigner()
  let jwks: Jwks = await signer.jwks()
  let fetches = 0
  const verifier = createTokenVerifier({
    jwks: async () => {
      fetches++
      return jwks
    },
    issuer: signer.issuer,
    audience: signer.audience,
    cooldownMs: 0,
  })
  return { signer, verifier, setJwks: (j: Jwks) => (jwks = j), fetches: () => fetches }
}

async function rejects(p: Promise<unknown>, message: RegExp) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(AppError)
  expect((err as AppError).code).toBe('invalid_token')
  expect((err as AppError).message).toMatch(message)
}

describe('happy', () => {
  it('remembers a verified token until its exp (bounded), so a repeat skips the signature check', async () => {
    // The test owns the clock (only Date is faked; promises and I/O run as usual). On the wall clock a
    // token "valid for 2 s" has anywhere between 1 and 2 s left (exp is whole seconds), and a worker
    // stalled about a second by the suites around it saw the remembered entry expire before the repeat.
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const t0 = Date.parse('2026-03-02T10:00:00.000Z')
      vi.setSystemTime(t0)
      const signer = await createTestSigner()
      const options = { issuer: signer.issuer, audience: signer.audience, cooldownMs: 0, maxAgeMs: 0 }
      let jwks: Jwks = await signer.jwks()
      const cached = createTokenVerifier({ ...options, jwks: async () => jwks, cacheMs: 30_000 })
      const uncached = createTokenVerifier({ ...options, jwks: async () => jwks, cacheMs: 0 })
      const shortLived = await signer.sign({ sub: 'usr_1', org: 'org_1' }, { expiresIn: '10s' })
      const longLived = await signer.sign({ sub: 'usr_2', org: 'org_1' }, { expiresIn: '15m' })
      for (const token of [shortLived, longLived]) {
        await cached.verify(token)
        await uncached.verify(token)
      }
      // The signing key disappears: only the remembered verification still answers.
      jwks = { keys: [] }
      vi.setSystemTime(t0 + 9_999)
      await expect(cached.verify(shortLived)).resolves.toMatchObject({ userId: 'usr_1' })
      await expect(cached.verify(longLived)).resolves.toMatchObject({ userId: 'usr_2' })
      await rejects(uncached.verify(shortLived), /unknown key/)
      // ... never past the token's own expiry (the full check would still allow its clock tolerance) ...
      vi.setSystemTime(t0 + 10_001)
      await rejects(cached.verify(shortLived), /unknown key/)
      // ... and for at most cacheMs, however long the token lives.
      vi.setSystemTime(t0 + 29_999)
      await expect(cached.verify(longLived)).resolves.toMatchObject({ userId: 'usr_2' })
      vi.setSystemTime(t0 + 30_001)
      await rejects(cached.verify(longLived), /unknown key/)
    } finally {
      vi.useRealTimers()
    }
  })

  it('does not remember a token verified with remember: false, but still answers from one remembered', async () => {
    // Only Date is faked: the keys are refetched when a second has passed (maxAgeMs 0), not within
    // the same millisecond.
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const t0 = Date.parse('2026-03-02T10:00:00.000Z')
      vi.setSystemTime(t0)
      const signer = await createTestSigner()
      let jwks: Jwks = await signer.jwks()
      const verifier = createTokenVerifier({
        issuer: signer.issuer,
        audience: signer.audience,
        cooldownMs: 0,
        maxAgeMs: 0,
        jwks: async () => jwks,
      })
      const once = await signer.sign({ sub: 'usr_1', org: 'org_1' }, { expiresIn: '15m' })
      const repeated = await signer.sign({ sub: 'usr_2', org: 'org_1' }, { expiresIn: '15m' })
      await expect(verifier.verify(once, { remember: false })).resolves.toMatchObject({ userId: 'usr_1' })
      await verifier.verify(repeated)
      jwks = { keys: [] } // from now on only a remembered verification answers
      vi.setSystemTime(t0 + 1000)
      await rejects(verifier.verify(once), /unknown key/)
      await expect(verifier.verify(repeated, { remember: false })).resolves.toMatchObject({
        userId: 'usr_2',
      })
    } finally {
      vi.useRealTimers()
    }
  })

  it('accepts a valid token and exposes the principal', async () => {
    const { signer, verifier } = await setup()
    const token = await signer.sign({ sub: 'usr_1', org: 'org_1', roles: ['learner', 'bogus'], sid: 'ses_1' })
    const p = await verifier.verify(token)
    expect(p).toMatchObject({
      userId: 'usr_1',
      orgId: 'org_1',
      roles: ['learner'],
      sessionId: 'ses_1',
      platformAdmin: false,
    })
  })
  it('picks up a rotated key without a restart', async () => {
    const { signer, verifier, setJwks } = await setup()
    await verifier.verify(await signer.sign({ sub: 'usr_1', org: 'org_1' }))
    const next = await createTestSigner({ kid: 'rotated-2' })
    setJwks({ keys: [...(await signer.jwks()).keys, ...(await next.jwks()).keys] })
    await expect(verifier.verify(await next.sign({ sub: 'usr_2', org: 'org_1' }))).resolves.toMatchObject({
      userId: 'usr_2',
    })
  })
  it('caches keys between verifications', async () => {
    const { signer, verifier, fetches } = await setup()
    const token = await signer.sign({ sub: 'usr_1', org: 'org_1' })
    for (let i = 0; i < 5; i++) await verifier.verify(token)
    expect(fetches()).toBe(1)
  })
})

describe('security', () => {
  it('rejects alg none', async () => {
    const { verifier } = await setup()
    const token = new UnsecuredJWT({ sub: 'usr_1', org: 'org_1', sid: 's' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .encode()
    await rejects(verifier.verify(token), /algorithm/)
  })
  it('rejects HS256 signed with the public key', async () => {
    const { signer, verifier } = await setup()
    const pub = (await signer.jwks()).keys[0]!
    const header = base64url.encode(JSON.stringify({ alg: 'HS256', kid: pub.kid, typ: 'at+jwt' }))
    const now = Math.floor(Date.now() / 1000)
    const body = base64url.encode(
      JSON.stringify({
        sub: 'usr_1',
        org: 'org_1',
        sid: 's',
        iss: signer.issuer,
        aud: signer.audience,
        iat: now,
        nbf: now,
        exp: now + 600,
      }),
    )
    const sig = createHmac('sha256', Buffer.from(pub.x!, 'base64url'))
      .update(`${header}.${body}`)
      .digest('base64url')
    await rejects(verifier.verify(`${header}.${body}.${sig}`), /algorithm/)
  })
  it('rejects a wrong issuer or audience', async () => {
    const { signer, verifier } = await setup()
    await rejects(
      verifier.verify(await signer.sign({ sub: 'usr_1', org: 'o' }, { issuer: 'https://evil.example' })),
      /iss/,
    )
    await rejects(
      verifier.verify(await signer.sign({ sub: 'usr_1', org: 'o' }, { audience: 'other' })),
      /aud/,
    )
  })
  it('rejects an expired or not-yet-valid token', async () => {
    const { signer, verifier } = await setup()
    const past = Math.floor(Date.now() / 1000) - 120
    await rejects(
      verifier.verify(await signer.sign({ sub: 'usr_1', org: 'o' }, { expiresIn: past })),
      /expired/,
    )
    const future = Math.floor(Date.now() / 1000) + 600
    await rejects(
      verifier.verify(
        await signer.sign({ sub: 'usr_1', org: 'o' }, { notBefore: future, expiresIn: future + 600 }),
      ),
      /nbf/,
    )
  })
  it('rejects an unknown kid and a token signed by another key with a known kid', async () => {
    const { signer, verifier } = await setup()
    await rejects(
      verifier.verify(await signer.sign({ sub: 'usr_1', org: 'o' }, { kid: 'nope' })),
      /unknown key/,
    )
    const other = await createTestSigner() // same default kid, different key
    await rejects(verifier.verify(await other.sign({ sub: 'usr_1', org: 'o' })), /signature/)
  })
  it('rejects garbage and tokens without org or session', async () => {
    const { signer, verifier } = await setup()
    await rejects(verifier.verify('not.a.jwt'), /malformed/)
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k2' }
    const v = createTokenVerifier({
      jwks: async () => ({ keys: [jwk] }),
      issuer: signer.issuer,
      audience: signer.audience,
    })
    const noOrg = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k2', typ: 'at+jwt' })
      .setIssuer(signer.issuer)
      .setAudience(signer.audience)
      .setSubject('usr_1')
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime('5m')
      .sign(privateKey)
    await rejects(v.verify(noOrg), /organization/)
  })
  it('rejects a token missing a required claim, or with a critical header it does not understand', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k4' }
    const v = createTokenVerifier({ jwks: async () => ({ keys: [jwk] }), issuer: 'i', audience: 'a' })
    const base = () =>
      new SignJWT({ org: 'o', sid: 's' })
        .setIssuer('i')
        .setAudience('a')
        .setSubject('usr_1')
        .setIssuedAt()
        .setExpirationTime('5m')
    const noNbf = await base().setProtectedHeader({ alg: 'EdDSA', kid: 'k4', typ: 'at+jwt' }).sign(privateKey)
    await rejects(v.verify(noNbf), /'nbf' is missing/)
    // jose will not sign an unknown critical extension: signed by hand (the same way without it verifies).
    const now = Math.floor(Date.now() / 1000)
    const part = (o: object) => base64url.encode(JSON.stringify(o))
    const claims = part({
      org: 'o',
      sid: 's',
      iss: 'i',
      aud: 'a',
      sub: 'usr_1',
      iat: now,
      nbf: now,
      exp: now + 300,
    })
    const byHand = async (header: object) => {
      const input = `${part(header)}.${claims}`
      const sig = await crypto.subtle.sign('Ed25519', privateKey, new TextEncoder().encode(input))
      return `${input}.${base64url.encode(new Uint8Array(sig))}`
    }
    await expect(v.verify(await byHand({ alg: 'EdDSA', kid: 'k4', typ: 'at+jwt' }))).resolves.toMatchObject({
      userId: 'usr_1',
    })
    const crit = await byHand({ alg: 'EdDSA', kid: 'k4', typ: 'at+jwt', crit: ['exp-ext'], 'exp-ext': 1 })
    await rejects(v.verify(crit), /signature or format/)
    const good = await base()
      .setNotBefore('0s')
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k4', typ: 'application/at+jwt' })
      .sign(privateKey)
    await expect(v.verify(good)).resolves.toMatchObject({ userId: 'usr_1', orgId: 'o' })
  })
  it('skips a JWKS entry that is not a usable Ed25519 public key, and still uses the others', async () => {
    const signer = await createTestSigner()
    const jwks = await signer.jwks()
    const v = createTokenVerifier({
      jwks: async () => ({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: '!!', kid: 'broken' }, ...jwks.keys] }),
      issuer: signer.issuer,
      audience: signer.audience,
    })
    await expect(v.verify(await signer.sign({ sub: 'usr_1', org: 'o' }))).resolves.toMatchObject({
      userId: 'usr_1',
    })
    await rejects(v.verify(await signer.sign({ sub: 'usr_1', org: 'o' }, { kid: 'broken' })), /unknown key/)
  })
  it('rejects an ID token or any token whose typ is not at+jwt', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k3' }
    const v = createTokenVerifier({ jwks: async () => ({ keys: [jwk] }), issuer: 'i', audience: 'a' })
    const idToken = await new SignJWT({ org: 'o', sid: 's' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k3', typ: 'JWT' })
      .setIssuer('i')
      .setAudience('a')
      .setSubject('usr_1')
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime('5m')
      .sign(privateKey)
    await rejects(v.verify(idToken), /typ/)
  })
})

describe('JWKS from several identity replicas', () => {
  /** A local JWKS endpoint whose answer the test switches: the set, a status, or closed. */
  async function replica(jwks: Jwks) {
    let status = 200
    let hits = 0
    const server: Server = createServer((_req, res) => {
      hits++
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
      fail: (s: number) => (status = s),
      hits: () => hits,
      close: () => new Promise<void>((r) => server.close(() => r())),
    }
  }

  it('verifies with keys from the next replica when the first is down, and sticks to the one that answered', async () => {
    const signer = await createTestSigner()
    const jwks = await signer.jwks()
    const a = await replica(jwks)
    const b = await replica(jwks)
    a.fail(503)
    try {
      const verifier = createTokenVerifier({
        jwks: [a.url, b.url],
        issuer: signer.issuer,
        audience: signer.audience,
        cooldownMs: 0,
        maxAgeMs: 0,
      })
      const principal = await verifier.verify(await signer.sign({ sub: 'usr_1', org: 'org_1' }))
      expect(principal.userId).toBe('usr_1')
      expect(a.hits()).toBe(1)
      expect(b.hits()).toBe(1)
      a.fail(200)
      const read = jwksFromUrls([a.url, b.url])
      await read()
      await read()
      // The first answered, so it stays the one asked first.
      expect(a.hits()).toBe(3)
      b.fail(500)
      a.fail(500)
      await expect(read()).rejects.toThrow(/JWKS fetch failed .*answered 500.*answered 500/)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('refuses an answer without keys as a failure and tries the next replica', async () => {
    const signer = await createTestSigner()
    const broken = await replica({} as Jwks)
    const good = await replica(await signer.jwks())
    try {
      const set = await jwksFromUrls([broken.url, good.url])()
      expect(set.keys.length).toBeGreaterThan(0)
      expect(broken.hits()).toBe(1)
    } finally {
      await broken.close()
      await good.close()
    }
  })
})
