import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate } from 'otplib'
import { bearer, createTestIdentity, GOOD_PASSWORD, type TestIdentity } from '../test-helpers.ts'
import { createRefreshCookies, readCookie, REFRESH_COOKIE } from '../shared/refresh-cookie.ts'

// The browser's refresh-token transport: X-Token-Transport: cookie puts the token in an HttpOnly
// cookie scoped to <PUBLIC_URL>/api/identity/auth and keeps it out of every JSON body.

let t: TestIdentity
beforeAll(async () => {
  t = await createTestIdentity()
})
afterAll(() => t.close())

const COOKIE_MODE = { 'x-token-transport': 'cookie' }
const WEB_ORIGIN = { origin: 'http://web.test' }
const TOKEN = /^[A-Za-z0-9_-]{43}$/

type Res = { statusCode: number; headers: Record<string, unknown>; json(): Record<string, unknown> }

/** The one lm_refresh Set-Cookie of a response (asserts there is exactly one). */
function setCookie(res: Res): string {
  const raw = res.headers['set-cookie']
  const all = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) as string[]
  const ours = all.filter((c) => c.startsWith(`${REFRESH_COOKIE}=`))
  expect(ours).toHaveLength(1)
  return ours[0]!
}

/** The token value a Set-Cookie carries. */
const valueOf = (header: string) => readCookie(header.split(';')[0], REFRESH_COOKIE)

const refreshWithCookie = (token: string, headers: Record<string, string> = WEB_ORIGIN) =>
  t.app.inject({
    method: 'POST',
    url: '/auth/refresh',
    headers: { ...COOKIE_MODE, ...headers, cookie: `theme=dark; ${REFRESH_COOKIE}=${token}` },
    payload: {},
  })

/** Signs a new user in with cookie transport and returns the cookie's token. */
async function cookieLogin() {
  const u = await t.register()
  const res = await t.login(u.email, GOOD_PASSWORD, { ...COOKIE_MODE, ...WEB_ORIGIN })
  expect(res.statusCode).toBe(200)
  return { ...u, res, cookie: valueOf(setCookie(res))!, pair: res.json() }
}

describe('happy', () => {
  it('sign-in sets an HttpOnly, SameSite=Strict cookie scoped to the auth path and leaves the token out of the body', async () => {
    const { res, cookie, pair } = await cookieLogin()
    const header = setCookie(res)
    expect(cookie).toMatch(TOKEN)
    expect(header).toContain('HttpOnly')
    expect(header).toContain('SameSite=Strict')
    expect(header).toContain('Path=/api/identity/auth')
    expect(header).toContain(`Max-Age=${t.config.REFRESH_TOKEN_TTL_DAYS * 86_400}`)
    expect(header).not.toContain('Secure') // PUBLIC_URL is http here
    expect(pair).not.toHaveProperty('refreshToken')
    expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 })
    expect(JSON.stringify(pair)).not.toContain(cookie)
  })

  it('sign-up in cookie transport sets the cookie and returns tokens without the refresh token', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/register',
      headers: COOKIE_MODE,
      payload: { email: t.email('Cookie'), password: GOOD_PASSWORD, displayName: 'Cora' },
    })
    expect(res.statusCode).toBe(201)
    expect(valueOf(setCookie(res))).toMatch(TOKEN)
    expect(res.json().tokens).not.toHaveProperty('refreshToken')
  })

  it('refresh reads the cookie, rotates it into a new cookie and keeps the session', async () => {
    const { cookie, pair } = await cookieLogin()
    const res = await refreshWithCookie(cookie)
    expect(res.statusCode).toBe(200)
    const next = valueOf(setCookie(res))!
    expect(next).toMatch(TOKEN)
    expect(next).not.toBe(cookie)
    expect(res.json()).not.toHaveProperty('refreshToken')
    expect(res.json().sessionId).toBe(pair.sessionId)
    const again = await refreshWithCookie(next)
    expect(again.statusCode).toBe(200)
  })

  it('a body token with cookie transport is moved into the cookie (migrating a stored token)', async () => {
    const u = await t.register()
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      headers: COOKIE_MODE,
      payload: { refreshToken: u.tokens.refreshToken },
    })
    expect(res.statusCode).toBe(200)
    expect(valueOf(setCookie(res))).toMatch(TOKEN)
    expect(res.json()).not.toHaveProperty('refreshToken')
  })

  it('sign-out with the cookie alone ends the session and clears the cookie', async () => {
    const { cookie, pair } = await cookieLogin()
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { ...COOKIE_MODE, ...WEB_ORIGIN, cookie: `${REFRESH_COOKIE}=${cookie}` },
      payload: {},
    })
    expect(res.statusCode).toBe(204)
    const cleared = setCookie(res)
    expect(cleared).toMatch(/^lm_refresh=;/)
    expect(cleared).toContain('Max-Age=0')
    expect(cleared).toContain('Path=/api/identity/auth')
    const me = await t.app.inject({ url: '/me', headers: bearer(pair.accessToken as string) })
    expect(me.statusCode).toBe(401)
    expect((await refreshWithCookie(cookie)).statusCode).toBe(401)
  })

  it('sign-out with an access token also clears the cookie', async () => {
    const { cookie, pair } = await cookieLogin()
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: {
        ...COOKIE_MODE,
        ...bearer(pair.accessToken as string),
        cookie: `${REFRESH_COOKIE}=${cookie}`,
      },
    })
    expect(res.statusCode).toBe(204)
    expect(setCookie(res)).toContain('Max-Age=0')
    expect((await refreshWithCookie(cookie)).statusCode).toBe(401)
  })

  it('finishing a 2FA sign-in sets the cookie', async () => {
    const u = await t.register()
    const enrol = await t.app.inject({
      method: 'POST',
      url: '/me/2fa/totp',
      headers: bearer(u.tokens.accessToken),
    })
    const { secret } = enrol.json() as { secret: string }
    const step = Math.floor(Date.now() / 1000)
    const confirm = await t.app.inject({
      method: 'POST',
      url: '/me/2fa/totp/confirm',
      headers: bearer(u.tokens.accessToken),
      payload: { code: await generate({ secret, epoch: step - 30 }) },
    })
    expect(confirm.statusCode).toBe(200)
    const challenge = (await t.login(u.email)).json().mfaToken as string
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/login/mfa',
      headers: COOKIE_MODE,
      payload: { mfaToken: challenge, code: await generate({ secret, epoch: step }) },
    })
    expect(res.statusCode).toBe(200)
    expect(valueOf(setCookie(res))).toMatch(TOKEN)
    expect(res.json()).not.toHaveProperty('refreshToken')
  })

  it('switching organization replaces the cookie', async () => {
    const u = await t.register()
    const verify = await t.emailToken('verify_email', u.email)
    await t.app.inject({ method: 'POST', url: '/auth/verify-email', payload: { token: verify } })
    const created = await t.app.inject({
      method: 'POST',
      url: '/orgs',
      headers: bearer(u.tokens.accessToken),
      payload: { slug: `org-${Math.random().toString(36).slice(2, 10)}`, name: 'Cookie Academy' },
    })
    expect(created.statusCode).toBe(201)
    const res = await t.app.inject({
      method: 'POST',
      url: `/orgs/${created.json().id as string}/switch`,
      headers: { ...COOKIE_MODE, ...bearer(u.tokens.accessToken) },
    })
    expect(res.statusCode).toBe(200)
    const cookie = valueOf(setCookie(res))!
    expect(res.json()).not.toHaveProperty('refreshToken')
    expect((await refreshWithCookie(cookie)).statusCode).toBe(200)
  })

  it('marks the cookie Secure and scopes it under the path of an https PUBLIC_URL', () => {
    const cookies = createRefreshCookies({
      PUBLIC_URL: 'https://learn.example/app/',
      REFRESH_TOKEN_TTL_DAYS: 2,
    })
    const headers: string[] = []
    const body = cookies.issue(
      { headers: COOKIE_MODE },
      { header: (_name: string, value: string) => headers.push(value) },
      { refreshToken: 'r'.repeat(43), accessToken: 'a' },
    )
    expect(body).toEqual({ accessToken: 'a' })
    expect(headers[0]).toBe(
      `lm_refresh=${'r'.repeat(43)}; Path=/app/api/identity/auth; Max-Age=172800; HttpOnly; SameSite=Strict; Secure`,
    )
  })
})

describe('error', () => {
  it('a cookie refresh without a cookie is a 401 problem', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      headers: { ...COOKIE_MODE, ...WEB_ORIGIN },
    })
    expect(res.statusCode).toBe(401)
    expect(res.headers['content-type']).toContain('application/problem+json')
    expect(res.json().code).toBe('unauthenticated')
  })

  it('an unknown cookie is a 401 problem and sets no cookie (a newer one from another tab stays)', async () => {
    const res = await refreshWithCookie('A'.repeat(43))
    expect(res.statusCode).toBe(401)
    expect(res.headers['content-type']).toContain('application/problem+json')
    expect(res.json().code).toBe('invalid_token')
    expect(res.headers['set-cookie']).toBeUndefined()
  })

  it('a malformed cookie is refused without a 5xx', async () => {
    for (const bad of ['%', 'x'.repeat(5000), '"quoted"']) {
      const res = await refreshWithCookie(bad)
      expect(res.statusCode).toBe(401)
    }
  })

  it('without the transport header the cookie is ignored and the body token stays required', async () => {
    const { cookie } = await cookieLogin()
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      headers: { cookie: `${REFRESH_COOKIE}=${cookie}` },
      payload: {},
    })
    expect(res.statusCode).toBe(400)
    expect(res.headers['set-cookie']).toBeUndefined()
    // The cookie was not spent.
    expect((await refreshWithCookie(cookie)).statusCode).toBe(200)
  })

  it('sign-out without an access token or any refresh token is a 401 that still clears the cookie', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/auth/logout', headers: COOKIE_MODE })
    expect(res.statusCode).toBe(401)
    expect(setCookie(res)).toContain('Max-Age=0')
  })
})

describe('security', () => {
  it('refuses a cookie refresh from a foreign Origin with a 403 problem and spends nothing', async () => {
    const { cookie } = await cookieLogin()
    const foreign: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
    ]
    for (const headers of foreign) {
      const res = await refreshWithCookie(cookie, headers)
      expect(res.statusCode).toBe(403)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.headers['set-cookie']).toBeUndefined()
    }
    expect((await refreshWithCookie(cookie)).statusCode).toBe(200)
  })

  it('accepts the addressed host as origin (the dev server proxying /api)', async () => {
    const { cookie } = await cookieLogin()
    const res = await refreshWithCookie(cookie, { origin: 'http://localhost:5173', host: 'localhost:5173' })
    expect(res.statusCode).toBe(200)
  })

  it('refuses a cookie sign-out from a foreign Origin', async () => {
    const { cookie } = await cookieLogin()
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { ...COOKIE_MODE, origin: 'https://evil.example', cookie: `${REFRESH_COOKIE}=${cookie}` },
    })
    expect(res.statusCode).toBe(403)
    expect((await refreshWithCookie(cookie)).statusCode).toBe(200)
  })

  it('detects reuse through the cookie: a rotated cookie presented again ends the session', async () => {
    const db = t.database.pglite!
    const { cookie, pair } = await cookieLogin()
    const next = valueOf(setCookie(await refreshWithCookie(cookie)))!
    // Past the reuse grace: the replay is theft, not a reload.
    await db.query(
      `update identity.refresh_tokens set used_at = used_at - interval '1 hour' where session_id = $1`,
      [pair.sessionId],
    )
    const replay = await refreshWithCookie(cookie)
    expect(replay.statusCode).toBe(401)
    expect(replay.json().code).toBe('token_reused')
    expect((await refreshWithCookie(next)).statusCode).toBe(401)
  })

  it('never returns the refresh token in any body of the cookie transport', async () => {
    const { res, cookie } = await cookieLogin()
    const rotated = await refreshWithCookie(cookie)
    for (const r of [res, rotated]) {
      const body = JSON.stringify(r.json())
      expect(body).not.toMatch(/refreshToken/)
      expect(body).not.toContain(cookie)
      expect(body).not.toContain(valueOf(setCookie(rotated))!)
    }
  })

  it('body transport is unchanged: no cookie is set and the token is in the body', async () => {
    const u = await t.register()
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: u.tokens.refreshToken },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().refreshToken).toMatch(TOKEN)
    expect(res.headers['set-cookie']).toBeUndefined()
  })
})
