import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256 } from '../shared/crypto.ts'
import { bearer, createTestIdentity, GOOD_PASSWORD, type TestIdentity } from '../test-helpers.ts'
import {
  startFakeOidcProvider,
  startTestOidcProvider,
  type FakeIdTokenPlan,
  type FakeOidcProvider,
  type TestOidcProvider,
} from './oidc.test-provider.ts'
import { STATE_COOKIE } from './oidc.routes.ts'

// One identity app (the real one: createTestIdentity → buildApp, with these routes registered by
// app.ts) against a real oidc-provider, a hand-rolled provider for ID tokens no real provider
// would issue, a flaky one and one that is down.
const WEB = 'http://web.test'
const CALLBACK_BASE = `${WEB}/api/identity`
const CLIENT_SECRET = 'test-client-secret-not-for-logs'

let idp: TestOidcProvider
let fake: FakeOidcProvider
let flaky: FakeOidcProvider
let t: TestIdentity
const logs: string[] = []
/** Every secret the tests see go by: none may appear in the logs. */
const secrets = new Set<string>([CLIENT_SECRET])

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

beforeAll(async () => {
  idp = await startTestOidcProvider({
    clients: [
      {
        client_id: 'learnmesh',
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${CALLBACK_BASE}/oidc/test/callback`],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    accounts: {
      alice: { email: 'Alice@Example.test', email_verified: true, name: 'Alice Liddell' },
      pat: { email: 'pat@example.test', email_verified: true, name: 'Pat at the provider' },
      una: { email: 'una@example.test', email_verified: false, name: 'Una' },
      newbie: { email: 'newbie@example.test', email_verified: false },
      noemail: { name: 'No Email' },
    },
  })
  fake = await startFakeOidcProvider('learnmesh-fake')
  flaky = await startFakeOidcProvider('learnmesh-flaky')
  t = await createTestIdentity({
    logs,
    env: {
      OIDC_PROVIDERS: JSON.stringify([
        {
          id: 'test',
          issuer: idp.issuer,
          clientId: 'learnmesh',
          clientSecret: CLIENT_SECRET,
          label: 'Test IdP',
        },
        { id: 'fake', issuer: fake.issuer, clientId: 'learnmesh-fake', clientSecret: 'fake-secret' },
        { id: 'flaky', issuer: flaky.issuer, clientId: 'learnmesh-flaky', clientSecret: 'flaky-secret' },
        { id: 'down', issuer: `http://127.0.0.1:${await closedPort()}`, clientId: 'x' },
      ]),
      OIDC_HTTP_TIMEOUT_MS: '1000',
    },
  })
})

afterAll(async () => {
  await t?.close()
  await Promise.all([idp?.close(), fake?.close(), flaky?.close()])
})

const start = (provider: string, returnTo?: string) =>
  t.app.inject({
    method: 'GET',
    url: `/oidc/${provider}/start${returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`}`,
  })

/**
 * Delivers the provider's redirect. By default from the browser that started the sign-in, i.e. with
 * the binding cookie for the state in `search`; `browserState: null` plays another browser.
 */
const callback = (
  provider: string,
  search: string,
  browserState: string | null = new URLSearchParams(search).get('state'),
) =>
  t.app.inject({
    method: 'GET',
    url: `/oidc/${provider}/callback${search}`,
    headers: {
      'user-agent': 'vitest-browser',
      ...(browserState === null ? {} : { cookie: `theme=dark; ${STATE_COOKIE}=${browserState}` }),
    },
  })

const exchange = (code: string) => t.app.inject({ method: 'POST', url: '/oidc/exchange', payload: { code } })

/** Starts at `provider` and returns the authorization URL with its state and nonce. */
async function started(provider = 'test', returnTo = '/courses') {
  const res = await start(provider, returnTo)
  expect(res.statusCode).toBe(302)
  const url = new URL(res.headers.location as string)
  const state = url.searchParams.get('state')!
  secrets.add(state)
  return { url, state, nonce: url.searchParams.get('nonce')! }
}

/** Signs in at the real provider as `login` and returns the provider's redirect back (not yet delivered). */
async function atProvider(login: string, returnTo = '/courses') {
  const { url, state } = await started('test', returnTo)
  const back = await idp.authorize(url.href, login)
  secrets.add(back.searchParams.get('code')!)
  return { back, state }
}

/** Where a callback response sends the browser. */
function landing(res: { statusCode: number; headers: Record<string, unknown> }): URL {
  expect(res.statusCode).toBe(302)
  return new URL(res.headers.location as string)
}

/** Why the last rejected callback did not verify, as logged (asserts the rejection had the intended cause). */
function lastVerificationFailure(): string {
  const line = logs.findLast((l) => l.includes('oidc sign-in did not verify'))
  return line ? String((JSON.parse(line) as { detail?: string }).detail) : ''
}

function expectError(res: { statusCode: number; headers: Record<string, unknown> }, code: string) {
  const to = landing(res)
  expect(`${to.origin}${to.pathname}`).toBe(`${WEB}/signin`)
  expect(to.searchParams.get('error')).toBe(code)
  expect(to.searchParams.has('code')).toBe(false)
}

/** The whole browser journey: start → provider → callback → /signin/complete → exchange. */
async function signIn(login: string, returnTo = '/courses') {
  const { back } = await atProvider(login, returnTo)
  const res = await callback('test', back.search)
  const to = landing(res)
  expect(`${to.origin}${to.pathname}`).toBe(`${WEB}/signin/complete`)
  const code = to.searchParams.get('code')!
  secrets.add(code)
  const pair = await exchange(code)
  expect(pair.statusCode).toBe(200)
  const tokens = pair.json() as {
    accessToken: string
    refreshToken: string
    expiresIn: number
    tokenType: string
    sessionId: string
    returnTo: string
  }
  secrets.add(tokens.accessToken).add(tokens.refreshToken)
  return { code, returnTo: to.searchParams.get('returnTo'), tokens }
}

async function me(accessToken: string) {
  const res = await t.app.inject({ method: 'GET', url: '/me', headers: bearer(accessToken) })
  expect(res.statusCode).toBe(200)
  return res.json() as {
    user: { id: string; email: string; displayName: string; emailVerified: boolean }
    sessionId: string
  }
}

async function links(userId: string) {
  return t.database.query<{ provider: string; subject: string; email: string | null }>(
    sql`select provider, subject, email from identity.external_identities where user_id = ${userId} order by provider`,
  )
}

describe('happy', () => {
  it('lists the configured providers by id and label only', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/oidc/providers' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      providers: [
        { id: 'test', label: 'Test IdP' },
        { id: 'fake', label: 'fake' },
        { id: 'flaky', label: 'flaky' },
        { id: 'down', label: 'down' },
      ],
    })
  })

  it('start redirects to the provider with PKCE S256, state and nonce, and stores only the state hash', async () => {
    const { url, state, nonce } = await started('test', '/courses/c1?tab=reviews')
    expect(`${url.origin}${url.pathname}`).toBe(`${idp.issuer}/auth`)
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'learnmesh',
      response_type: 'code',
      redirect_uri: `${CALLBACK_BASE}/oidc/test/callback`,
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    })
    expect(state.length).toBeGreaterThanOrEqual(43)
    expect(nonce.length).toBeGreaterThanOrEqual(43)
    const rows = await t.database.query<{
      state_hash: string
      code_verifier: string
      nonce: string
      return_to: string
      expires_at: Date
    }>(sql`select * from identity.oidc_logins where state_hash = ${sha256(state)}`)
    expect(rows).toHaveLength(1)
    const row = rows[0]!
    expect(row.nonce).toBe(nonce)
    expect(row.return_to).toBe('/courses/c1?tab=reviews')
    expect(createHash('sha256').update(row.code_verifier).digest('base64url')).toBe(
      url.searchParams.get('code_challenge'),
    )
    const ttl = new Date(row.expires_at).getTime() - Date.now()
    expect(ttl).toBeGreaterThan(9 * 60_000)
    expect(ttl).toBeLessThanOrEqual(10 * 60_000)
    const plain = await t.database.query(sql`select 1 from identity.oidc_logins where state_hash = ${state}`)
    expect(plain).toHaveLength(0)
  })

  it('a first sign-in creates a verified user, links the identity and yields working tokens', async () => {
    const usersBefore = await t.count('users')
    const { tokens, returnTo } = await signIn('alice', '/courses/c1?tab=reviews')
    expect(returnTo).toBe('/courses/c1?tab=reviews')
    expect(tokens).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: expect.any(Number),
      returnTo: '/courses/c1?tab=reviews',
    })
    const profile = await me(tokens.accessToken)
    expect(profile.user).toMatchObject({
      email: 'alice@example.test',
      displayName: 'Alice Liddell',
      emailVerified: true,
    })
    expect(profile.sessionId).toBe(tokens.sessionId)
    expect(await t.count('users')).toBe(usersBefore + 1)
    expect(await links(profile.user.id)).toEqual([
      { provider: 'test', subject: 'alice', email: 'alice@example.test' },
    ])
    const [session] = await t.database.query<{ method: string; user_agent: string }>(
      sql`select method, user_agent from identity.sessions where id = ${tokens.sessionId}`,
    )
    expect(session).toEqual({ method: 'oidc:test', user_agent: 'lightMyRequest' })
    const registered = await t.events<{ userId: string; via: string }>('identity.user.registered')
    expect(registered.filter((e) => e.userId === profile.user.id)).toEqual([
      expect.objectContaining({ via: 'oidc' }),
    ])
    // The refresh token from the exchange is a real, rotating one.
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: tokens.refreshToken },
    })
    expect(refreshed.statusCode).toBe(200)
    secrets.add(refreshed.json().accessToken).add(refreshed.json().refreshToken)
  })

  it('the exchange in cookie transport sets the refresh cookie and leaves the token out of the body', async () => {
    const { back } = await atProvider('alice')
    const code = landing(await callback('test', back.search)).searchParams.get('code')!
    secrets.add(code)
    const res = await t.app.inject({
      method: 'POST',
      url: '/oidc/exchange',
      headers: { 'x-token-transport': 'cookie' },
      payload: { code },
    })
    expect(res.statusCode).toBe(200)
    const cookie = String(res.headers['set-cookie'])
    expect(cookie).toMatch(
      /^lm_refresh=[A-Za-z0-9_-]{43}; Path=\/api\/identity\/auth; Max-Age=\d+; HttpOnly; SameSite=Strict$/,
    )
    secrets.add(cookie.slice('lm_refresh='.length, cookie.indexOf(';')))
    secrets.add(res.json().accessToken)
    expect(res.json()).not.toHaveProperty('refreshToken')
    expect(res.json().returnTo).toBe('/courses')
  })

  it('signing in again lands on the same user without creating anything', async () => {
    const first = await me((await signIn('alice')).tokens.accessToken)
    const usersBefore = await t.count('users')
    const again = await signIn('alice', '/')
    const second = await me(again.tokens.accessToken)
    expect(second.user.id).toBe(first.user.id)
    expect(second.sessionId).not.toBe(first.sessionId)
    expect(again.returnTo).toBe('/')
    expect(await t.count('users')).toBe(usersBefore)
    expect(await links(first.user.id)).toHaveLength(1)
  })

  it('links an existing password account when the provider vouches for the email, keeping its password', async () => {
    const registered = await t.register({ email: 'pat@example.test' })
    secrets.add(registered.tokens.accessToken).add(registered.tokens.refreshToken)
    const token = await t.emailToken('verify_email', 'pat@example.test')
    expect(
      (await t.app.inject({ method: 'POST', url: '/auth/verify-email', payload: { token } })).statusCode,
    ).toBeLessThan(300)
    const { tokens } = await signIn('pat')
    const profile = await me(tokens.accessToken)
    expect(profile.user.id).toBe(registered.user.id)
    expect(profile.user.displayName).toBe('Test User')
    expect(await links(registered.user.id)).toEqual([
      { provider: 'test', subject: 'pat', email: 'pat@example.test' },
    ])
    expect((await t.login('pat@example.test', GOOD_PASSWORD)).statusCode).toBe(200)
  })

  it('reads the email from the ID token when the provider puts it there (no userinfo call)', async () => {
    const { state, nonce } = await started('fake', '/dash')
    fake.plan = {
      claims: {
        nonce,
        sub: 'fake-direct',
        email: 'Direct@Example.test',
        email_verified: true,
        name: 'Direct',
      },
    }
    const res = await callback('fake', `?code=any&state=${state}`)
    const to = landing(res)
    expect(to.pathname).toBe('/signin/complete')
    expect(to.searchParams.get('returnTo')).toBe('/dash')
    const pair = (await exchange(to.searchParams.get('code')!)).json()
    expect((await me(pair.accessToken)).user).toMatchObject({
      email: 'direct@example.test',
      emailVerified: true,
      displayName: 'Direct',
    })
    expect(fake.hits['/userinfo']).toBeUndefined()
  })

  it('documents its routes in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>
    }
    expect(Object.keys(doc.paths['/oidc/{provider}/start']!)).toEqual(['get'])
    expect(Object.keys(doc.paths['/oidc/{provider}/callback']!)).toEqual(['get'])
    expect(Object.keys(doc.paths['/oidc/exchange']!)).toEqual(['post'])
    expect(doc.paths['/oidc/providers']).toBeDefined()
  })

  it('retries a failed discovery once and caches the metadata', async () => {
    flaky.failDiscovery = 1
    expect((await start('flaky')).statusCode).toBe(302)
    expect((await start('flaky')).statusCode).toBe(302)
    expect(flaky.hits['/.well-known/openid-configuration']).toBe(2)
  })
})

describe('errors', () => {
  it('an unknown provider is a 404 at start and at callback', async () => {
    for (const res of [await start('nope'), await callback('nope', '?code=a&state=b')]) {
      expect(res.statusCode).toBe(404)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.json()).toMatchObject({ code: 'not_found' })
    }
  })

  it('a tampered, missing or foreign state is refused and creates nothing', async () => {
    const users = await t.count('users')
    const { back } = await atProvider('alice')
    const tampered = new URLSearchParams(back.search)
    tampered.set('state', `${tampered.get('state')}x`)
    expectError(await callback('test', `?${tampered}`), 'invalid_state')
    tampered.delete('state')
    expectError(await callback('test', `?${tampered}`), 'invalid_state')
    // The same state delivered to another provider's callback is not that provider's.
    expectError(await callback('fake', back.search), 'invalid_state')
    expect(await t.count('users')).toBe(users)
    // None of that burned the genuine state.
    expect(landing(await callback('test', back.search)).pathname).toBe('/signin/complete')
  })

  it('an expired state is refused', async () => {
    const { back, state } = await atProvider('alice')
    await t.database.query(
      sql`update identity.oidc_logins set expires_at = now() - interval '1 second' where state_hash = ${sha256(state)}`,
    )
    expectError(await callback('test', back.search), 'state_expired')
  })

  it('a replayed callback is refused and the first login code still works once', async () => {
    const { back } = await atProvider('alice')
    const first = landing(await callback('test', back.search))
    expectError(await callback('test', back.search), 'state_used')
    expect((await exchange(first.searchParams.get('code')!)).statusCode).toBe(200)
  })

  it('an ID token whose nonce does not match the stored one is rejected', async () => {
    const users = await t.count('users')
    const { back, state } = await atProvider('alice')
    await t.database.query(
      sql`update identity.oidc_logins set nonce = 'not-the-nonce-we-sent' where state_hash = ${sha256(state)}`,
    )
    expectError(await callback('test', back.search), 'verification_failed')
    expect(lastVerificationFailure()).toContain('"nonce"')
    expect(await t.count('users')).toBe(users)
  })

  it('a code redeemed with another PKCE verifier is rejected by the provider', async () => {
    const { back, state } = await atProvider('alice')
    await t.database.query(
      sql`update identity.oidc_logins set code_verifier = ${'v'.repeat(43)} where state_hash = ${sha256(state)}`,
    )
    expectError(await callback('test', back.search), 'verification_failed')
    expect(lastVerificationFailure()).toContain('invalid_grant')
  })

  it.each<[string, FakeIdTokenPlan, string]>([
    ['another audience', { claims: { aud: 'someone-else' } }, '"aud"'],
    ['another issuer', { claims: { iss: 'https://issuer.evil.example' } }, '"iss"'],
    [
      'a signature from a key the provider does not publish',
      { foreignKey: true },
      'signature verification failed',
    ],
    [
      'an expired token',
      { claims: { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 } },
      '"exp"',
    ],
  ])('an ID token with %s is rejected', async (_, plan, why) => {
    const users = await t.count('users')
    const { state, nonce } = await started('fake')
    fake.plan = {
      ...plan,
      claims: {
        nonce,
        sub: 'fake-victim',
        email: 'victim@example.test',
        email_verified: true,
        ...plan.claims,
      },
    }
    expectError(await callback('fake', `?code=any&state=${state}`), 'verification_failed')
    expect(lastVerificationFailure()).toContain(why)
    expect(await t.count('users')).toBe(users)
  })

  it('an authorization response from another issuer (RFC 9207 iss) is rejected', async () => {
    const { back } = await atProvider('alice')
    const wrong = new URLSearchParams(back.search)
    wrong.set('iss', fake.issuer)
    expectError(await callback('test', `?${wrong}`), 'verification_failed')
    expect(lastVerificationFailure()).toContain('"iss"')
  })

  it('declining at the provider lands on access_denied', async () => {
    const { url } = await started('test')
    const back = await idp.authorize(url.href, '', { abort: true })
    expect(back.searchParams.get('error')).toBe('access_denied')
    expectError(await callback('test', back.search), 'access_denied')
  })

  it('a provider account without an email cannot sign in', async () => {
    const { back } = await atProvider('noemail')
    expectError(await callback('test', back.search), 'email_required')
  })

  it('a login code works once, expires, and a forged one issues nothing', async () => {
    const { code } = await signIn('alice')
    const sessions = await t.count('sessions')
    const second = await exchange(code)
    expect(second.statusCode).toBe(400)
    expect(second.json()).toMatchObject({ code: 'bad_request' })
    expect((await exchange('v1.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA')).statusCode).toBe(400)
    expect((await exchange(code.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).statusCode).toBe(400)

    const { back } = await atProvider('alice')
    const late = landing(await callback('test', back.search)).searchParams.get('code')!
    secrets.add(late)
    await t.database.query(
      sql`update identity.oidc_logins set expires_at = now() - interval '1 second' where login_code_hash = ${sha256(late)}`,
    )
    expect((await exchange(late)).statusCode).toBe(400)
    expect(await t.count('sessions')).toBe(sessions + 1) // only the callback's session; no exchange opened one
  })

  it('rejects an exchange body with unknown fields', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/oidc/exchange',
      payload: { code: 'x', userId: 'usr_1' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'validation_failed' })
  })

  it('a provider that is down redirects with provider_unavailable', async () => {
    expectError(await start('down'), 'provider_unavailable')
  })

  it('a token endpoint slower than OIDC_HTTP_TIMEOUT_MS is cut off', async () => {
    const { state, nonce } = await started('fake')
    fake.plan = { claims: { nonce } }
    // Without the timeout the callback would wait the 3 s out and then succeed (the ID token is valid).
    fake.tokenDelayMs = 3000
    try {
      expectError(await callback('fake', `?code=any&state=${state}`), 'provider_unavailable')
    } finally {
      fake.tokenDelayMs = 0
    }
  })
})

describe('security', () => {
  it.each([
    'https://evil.example',
    '//evil.example',
    '/\\evil.example',
    '\\/evil.example',
    'https:evil.example',
    '/\t/evil.example',
  ])('start refuses returnTo %j (open redirect) and stores nothing', async (returnTo) => {
    const rows = await t.count('oidc_logins')
    const res = await start('test', returnTo)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'bad_request' })
    expect(await t.count('oidc_logins')).toBe(rows)
  })

  it('start binds the sign-in to the browser with an HttpOnly SameSite=Lax cookie on the callback path', async () => {
    const res = await start('test', '/')
    const state = new URL(res.headers.location as string).searchParams.get('state')!
    secrets.add(state)
    expect(res.headers['set-cookie']).toBe(
      `${STATE_COOKIE}=${state}; Path=/api/identity/oidc/test/callback; Max-Age=600; HttpOnly; SameSite=Lax`,
    )
  })

  it('a callback URL opened in another browser (login CSRF) is refused and burns nothing', async () => {
    const users = await t.count('users')
    const { back, state } = await atProvider('alice')
    expectError(await callback('test', back.search, null), 'state_mismatch')
    const other = await atProvider('alice')
    expectError(await callback('test', back.search, other.state), 'state_mismatch')
    expect(await t.count('users')).toBe(users)
    // The attacker's own browser could still finish it, so refusing it elsewhere must not have consumed it.
    const own = await callback('test', back.search, state)
    expect(landing(own).pathname).toBe('/signin/complete')
    expect(own.headers['set-cookie']).toBe(
      `${STATE_COOKIE}=; Path=/api/identity/oidc/test/callback; Max-Age=0; HttpOnly; SameSite=Lax`,
    )
    secrets.add(landing(own).searchParams.get('code')!)
  })

  it('the sign-in result only ever redirects into the web app', async () => {
    const { back } = await atProvider('alice', '/x?next=https://evil.example')
    const to = landing(await callback('test', back.search))
    expect(to.origin).toBe(WEB)
    expect(to.searchParams.get('returnTo')).toBe('/x?next=https://evil.example')
    secrets.add(to.searchParams.get('code')!)
  })

  it('does not link an existing account when the provider does not vouch for the email', async () => {
    const owner = await t.register({ email: 'una@example.test' })
    secrets.add(owner.tokens.accessToken).add(owner.tokens.refreshToken)
    const { back } = await atProvider('una')
    expectError(await callback('test', back.search), 'conflict')
    expect(await links(owner.user.id)).toEqual([])
    expect((await t.login('una@example.test', GOOD_PASSWORD)).statusCode).toBe(200)
    const [{ n }] = (await t.database.query<{ n: number }>(
      sql`select count(*)::int as n from identity.sessions where user_id = ${owner.user.id} and revoked_at is null`,
    )) as [{ n: number }]
    expect(n).toBeGreaterThanOrEqual(2)
  })

  it('a new account from an unverified provider email is created unverified', async () => {
    const { tokens } = await signIn('newbie')
    expect((await me(tokens.accessToken)).user).toMatchObject({
      email: 'newbie@example.test',
      emailVerified: false,
    })
  })

  it('the login code is not a refresh token and is stored only as a hash', async () => {
    const { back } = await atProvider('alice')
    const code = landing(await callback('test', back.search)).searchParams.get('code')!
    secrets.add(code)
    const asRefresh = await t.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: code },
    })
    expect(asRefresh.statusCode).toBeGreaterThanOrEqual(400)
    expect(asRefresh.statusCode).toBeLessThan(500)
    const [row] = await t.database.query<{ login_code_hash: string; user_id: string }>(
      sql`select login_code_hash, user_id from identity.oidc_logins where login_code_hash = ${sha256(code)}`,
    )
    expect(row?.user_id).toMatch(/^usr_/)
    const dump = JSON.stringify(await t.database.query(sql`select * from identity.oidc_logins`))
    expect(dump).not.toContain(code)
    expect((await exchange(code)).statusCode).toBe(200)
  })

  it('logs no codes, states, tokens or client secrets', () => {
    const text = logs.join('')
    expect(text).toContain('oidc sign-in completed')
    expect(text).toContain('oidc sign-in did not verify')
    expect(secrets.size).toBeGreaterThan(20)
    for (const secret of secrets)
      expect(text.includes(secret), `a secret of ${secret.length} chars reached the logs`).toBe(false)
  })
})
