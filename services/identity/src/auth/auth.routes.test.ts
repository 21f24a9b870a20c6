import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createTestIdentity, GOOD_PASSWORD, type TestIdentity } from '../test-helpers.ts'

let t: TestIdentity
const logs: string[] = []
beforeAll(async () => {
  t = await createTestIdentity({ logs })
})
afterAll(() => t.close())

describe('happy', () => {
  it('registers a learner in the default organization, asks for a verification email and signs them in', async () => {
    const email = t.email('Reg')
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email, password: GOOD_PASSWORD, displayName: 'Rita' },
    })
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(body.user).toMatchObject({
      email: email.toLowerCase(),
      displayName: 'Rita',
      emailVerified: false,
      platformAdmin: false,
      defaultOrgId: t.defaultOrgId,
    })
    expect(body.user.id).toMatch(/^usr_[0-9a-f]{32}$/)
    expect(body.tokens.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const me = await t.app.inject({ url: '/me', headers: bearer(body.tokens.accessToken) })
    expect(me.statusCode).toBe(200)
    expect(me.json()).toMatchObject({ orgId: t.defaultOrgId, roles: ['learner'] })
    const registered = await t.events<{ userId: string; via: string }>('identity.user.registered')
    expect(registered.find((e) => e.userId === body.user.id)?.via).toBe('password')
    const emails = await t.events<{ template: string; to: string; link: string }>('identity.email.requested')
    const mail = emails.find((e) => e.to === email.toLowerCase())!
    expect(mail.template).toBe('verify_email')
    expect(mail.link).toMatch(/^http:\/\/web\.test\/verify-email\?token=[A-Za-z0-9_-]{43}$/)
  })

  it('accepts long Unicode passwords and signs in with the NFC-equivalent form', async () => {
    const decomposed = 'cafe\u0301-ünïcødé-pässwörd'
    const u = await t.register({ password: decomposed })
    const res = await t.login(u.email, decomposed.normalize('NFC'))
    expect(res.statusCode).toBe(200)
  })

  it('signs in with email (any case) and password and returns a token pair', async () => {
    const u = await t.register()
    const res = await t.login(u.email.toUpperCase())
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 })
  })

  it('verifies the email once with the token from the link', async () => {
    const u = await t.register()
    const token = await t.emailToken('verify_email', u.email)
    expect(
      (await t.app.inject({ method: 'POST', url: '/auth/verify-email', payload: { token } })).statusCode,
    ).toBe(204)
    const me = await t.app.inject({ url: '/me', headers: bearer(u.tokens.accessToken) })
    expect(me.json().user.emailVerified).toBe(true)
    expect(
      (await t.events<{ userId: string }>('identity.user.verified')).some((e) => e.userId === u.user.id),
    ).toBe(true)
    const again = await t.app.inject({ method: 'POST', url: '/auth/verify-email', payload: { token } })
    expect(again.statusCode).toBe(410)
  })

  it('resends the verification email and only the newest link works', async () => {
    const u = await t.register()
    const first = await t.emailToken('verify_email', u.email)
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/verify-email/resend',
      headers: bearer(u.tokens.accessToken),
    })
    expect(res.statusCode).toBe(202)
    const second = await t.emailToken('verify_email', u.email)
    expect(second).not.toBe(first)
    expect(
      (await t.app.inject({ method: 'POST', url: '/auth/verify-email', payload: { token: first } }))
        .statusCode,
    ).toBe(410)
    expect(
      (await t.app.inject({ method: 'POST', url: '/auth/verify-email', payload: { token: second } }))
        .statusCode,
    ).toBe(204)
  })

  it('resets a forgotten password through the emailed link and ends every session', async () => {
    const u = await t.register()
    const forgot = await t.app.inject({
      method: 'POST',
      url: '/auth/password/forgot',
      payload: { email: u.email },
    })
    expect(forgot.statusCode).toBe(202)
    const token = await t.emailToken('password_reset', u.email)
    const link = (await t.events<{ template: string; link: string }>('identity.email.requested')).find(
      (e) => e.template === 'password_reset',
    )!.link
    expect(link.startsWith('http://web.test/reset-password?token=')).toBe(true)
    const newPassword = 'a brand new passphrase 42'
    const reset = await t.app.inject({
      method: 'POST',
      url: '/auth/password/reset',
      payload: { token, password: newPassword },
    })
    expect(reset.statusCode).toBe(204)
    expect((await t.app.inject({ url: '/me', headers: bearer(u.tokens.accessToken) })).statusCode).toBe(401)
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/auth/refresh',
          payload: { refreshToken: u.tokens.refreshToken },
        })
      ).statusCode,
    ).toBe(401)
    expect((await t.login(u.email)).statusCode).toBe(401)
    expect((await t.login(u.email, newPassword)).statusCode).toBe(200)
    const reused = await t.app.inject({
      method: 'POST',
      url: '/auth/password/reset',
      payload: { token, password: 'yet another passphrase 7' },
    })
    expect(reused.statusCode).toBe(410)
  })

  it('logs out with the access token or with the refresh token', async () => {
    const a = await t.register()
    const out = await t.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: bearer(a.tokens.accessToken),
    })
    expect(out.statusCode).toBe(204)
    expect((await t.app.inject({ url: '/me', headers: bearer(a.tokens.accessToken) })).statusCode).toBe(401)
    const b = await t.register()
    const out2 = await t.app.inject({
      method: 'POST',
      url: '/auth/logout',
      payload: { refreshToken: b.tokens.refreshToken },
    })
    expect(out2.statusCode).toBe(204)
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/auth/refresh',
          payload: { refreshToken: b.tokens.refreshToken },
        })
      ).statusCode,
    ).toBe(401)
  })
})

describe('errors', () => {
  it('rejects short, overlong and commonly breached passwords (case-insensitively)', async () => {
    for (const password of ['short', 'x'.repeat(129), 'QAZWSXEDCRFV', '1q2w3e4r5t6y', 'PasswordPassword']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email: t.email(), password, displayName: 'X' },
      })
      expect(res.statusCode, password).toBe(400)
      expect(res.json().code).toBe('validation_failed')
    }
    // 12 code points even though it is 24 UTF-16 units.
    const emoji = '😀😁😂🤣😃😄😅😆😉😊😋😎'
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/auth/register',
          payload: { email: t.email(), password: emoji, displayName: 'X' },
        })
      ).statusCode,
    ).toBe(201)
  })

  it('refuses a taken email with 409', async () => {
    const u = await t.register()
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email: u.email.toUpperCase(), password: GOOD_PASSWORD, displayName: 'Y' },
    })
    expect(res.statusCode).toBe(409)
    expect(res.json().code).toBe('already_exists')
  })

  it('answers a wrong password and an unknown email identically', async () => {
    const u = await t.register()
    const wrong = await t.login(u.email, 'not the right password')
    const unknown = await t.login(t.email('ghost'), 'not the right password')
    expect(wrong.statusCode).toBe(401)
    expect(unknown.statusCode).toBe(401)
    expect(wrong.json().detail).toBe(unknown.json().detail)
    expect(wrong.headers['content-type']).toContain('application/problem+json')
  })

  it('forgot-password answers the same for unknown addresses and sends nothing', async () => {
    const before = await t.count('email_tokens')
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/password/forgot',
      payload: { email: t.email('nobody') },
    })
    expect(res.statusCode).toBe(202)
    expect(res.json()).toEqual({ status: 'accepted' })
    expect(await t.count('email_tokens')).toBe(before)
  })

  it('rejects unknown, expired and malformed email tokens', async () => {
    expect(
      (await t.app.inject({ method: 'POST', url: '/auth/verify-email', payload: { token: 'A'.repeat(43) } }))
        .statusCode,
    ).toBe(410)
    expect(
      (await t.app.inject({ method: 'POST', url: '/auth/verify-email', payload: { token: 'bad token!' } }))
        .statusCode,
    ).toBe(400)
    const u = await t.register()
    const token = await t.emailToken('verify_email', u.email)
    await t.database.pglite!.query(
      `update identity.email_tokens set expires_at = now() - interval '1 minute' where user_id = $1`,
      [u.user.id],
    )
    expect(
      (await t.app.inject({ method: 'POST', url: '/auth/verify-email', payload: { token } })).statusCode,
    ).toBe(410)
  })

  it('resending to an already verified address is a 409', async () => {
    const u = await t.register()
    await t.app.inject({
      method: 'POST',
      url: '/auth/verify-email',
      payload: { token: await t.emailToken('verify_email', u.email) },
    })
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/auth/verify-email/resend',
          headers: bearer(u.tokens.accessToken),
        })
      ).statusCode,
    ).toBe(409)
  })

  it('logout without any credential is a 401', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/auth/logout', payload: {} })).statusCode).toBe(401)
  })
})

describe('security', () => {
  it('rejects role, roles, orgId and platformAdmin in the registration body and creates nothing', async () => {
    const before = { users: await t.count('users'), memberships: await t.count('memberships') }
    for (const extra of [
      { role: 'org_admin' },
      { roles: ['org_admin'] },
      { orgId: 'org_x' },
      { platformAdmin: true },
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email: t.email(), password: GOOD_PASSWORD, displayName: 'M', ...extra },
      })
      expect(res.statusCode).toBe(400)
      expect(res.json().code).toBe('validation_failed')
    }
    expect(await t.count('users')).toBe(before.users)
    expect(await t.count('memberships')).toBe(before.memberships)
  })

  it('answers malformed JSON, a wrong content type and an oversized body with 4xx problem+json and changes nothing', async () => {
    const before = await t.count('users')
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: '{"email":',
      headers: { 'content-type': 'application/json' },
    })
    expect(malformed.statusCode).toBe(400)
    expect(malformed.json().code).toBe('malformed_json')
    const form = await t.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: 'email=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(form.statusCode).toBe(415)
    const big = await t.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email: t.email(), password: GOOD_PASSWORD, displayName: 'x'.repeat(70_000) },
    })
    expect(big.statusCode).toBe(413)
    for (const r of [malformed, form, big])
      expect(r.headers['content-type']).toContain('application/problem+json')
    expect(await t.count('users')).toBe(before)
  })

  it('limits failed sign-ins per account with 429 and Retry-After, counting by account across IPs', async () => {
    const limited = await createTestIdentity({
      env: {
        LOGIN_MAX_FAILURES_PER_ACCOUNT_HOUR: '3',
        LOGIN_MAX_FAILURES_PER_IP_HOUR: '1000',
        TRUST_PROXY: 'true',
      },
    })
    try {
      const u = await limited.register()
      for (let i = 0; i < 3; i++) {
        const res = await limited.login(u.email, 'wrong password here', { 'x-forwarded-for': `10.0.0.${i}` })
        expect(res.statusCode).toBe(401)
      }
      const blocked = await limited.login(u.email)
      expect(blocked.statusCode).toBe(429)
      expect(blocked.json().code).toBe('rate_limited')
      expect(blocked.headers['content-type']).toContain('application/problem+json')
      const retry = Number(blocked.headers['retry-after'])
      expect(retry).toBeGreaterThan(3500)
      expect(retry).toBeLessThanOrEqual(3600)
      // Another account is not affected.
      const other = await limited.register()
      expect((await limited.login(other.email)).statusCode).toBe(200)
    } finally {
      await limited.close()
    }
  })

  it('with the default config an account gets 100 failures per rolling hour, then 429 even for the right password', async () => {
    expect(t.config.LOGIN_MAX_FAILURES_PER_ACCOUNT_HOUR).toBe(100)
    const u = await t.register()
    const seed = (n: number, age: string) =>
      t.database.pglite!.query(
        `insert into identity.login_attempts (user_id, email, ip, success, at) select $1, $2, '198.51.100.' || g, false, now() - $3::interval from generate_series(1, ${n}) g`,
        [u.user.id, u.email.toLowerCase(), age],
      )
    await seed(150, '61 minutes') // outside the window: ignored
    await seed(98, '10 minutes')
    expect((await t.login(u.email, 'wrong password here')).statusCode).toBe(401) // 99th
    expect((await t.login(u.email, 'wrong password here')).statusCode).toBe(401) // 100th
    const blocked = await t.login(u.email)
    expect(blocked.statusCode).toBe(429)
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('limits failed sign-ins per IP across accounts', async () => {
    const limited = await createTestIdentity({
      env: { LOGIN_MAX_FAILURES_PER_IP_HOUR: '2', TRUST_PROXY: 'true' },
    })
    try {
      const u = await limited.register()
      const ip = { 'x-forwarded-for': '203.0.113.9' }
      await limited.login(limited.email('a'), 'wrong password here', ip)
      await limited.login(limited.email('b'), 'wrong password here', ip)
      const blocked = await limited.login(u.email, GOOD_PASSWORD, ip)
      expect(blocked.statusCode).toBe(429)
      expect(
        (await limited.login(u.email, GOOD_PASSWORD, { 'x-forwarded-for': '203.0.113.10' })).statusCode,
      ).toBe(200)
    } finally {
      await limited.close()
    }
  })

  it('never writes passwords, refresh tokens or email-link tokens to the logs', async () => {
    const secret = 'a very secret passphrase 31337'
    const u = await t.register({ password: secret })
    await t.login(u.email, secret)
    await t.login(u.email, 'wrong but secret-ish 999')
    await t.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: u.tokens.refreshToken },
    })
    await t.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: u.tokens.refreshToken },
    })
    const verify = await t.emailToken('verify_email', u.email)
    await t.app.inject({
      method: 'POST',
      url: `/auth/verify-email?token=${verify}`,
      payload: { token: verify },
    })
    await t.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: '{"password":"' + secret,
      headers: { 'content-type': 'application/json' },
    })
    const all = logs.join('')
    expect(all.length).toBeGreaterThan(0)
    expect(all).toContain('request completed')
    for (const s of [secret, 'wrong but secret-ish 999', u.tokens.refreshToken, u.tokens.accessToken, verify])
      expect(all).not.toContain(s)
  })
})
