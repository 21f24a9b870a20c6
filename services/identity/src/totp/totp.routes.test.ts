import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate } from 'otplib'
import { bearer, createTestIdentity, type TestIdentity } from '../test-helpers.ts'

let t: TestIdentity
beforeAll(async () => {
  t = await createTestIdentity({ env: { LOGIN_MAX_FAILURES_PER_ACCOUNT_HOUR: '20' } })
})
afterAll(() => t.close())

const now = () => Math.floor(Date.now() / 1000)
/** The code for the time step `offset` steps from now. */
const code = (secret: string, offset = 0) => generate({ secret, epoch: now() + offset * 30 })

/** A user with TOTP enabled: the secret, recovery codes and the step offsets already used. */
async function withTotp() {
  const u = await t.register()
  const enrol = await t.app.inject({
    method: 'POST',
    url: '/me/2fa/totp',
    headers: bearer(u.tokens.accessToken),
  })
  expect(enrol.statusCode).toBe(200)
  const { secret } = enrol.json() as { secret: string }
  const confirm = await t.app.inject({
    method: 'POST',
    url: '/me/2fa/totp/confirm',
    headers: bearer(u.tokens.accessToken),
    payload: { code: await code(secret, -1) },
  })
  expect(confirm.statusCode).toBe(200)
  return { ...u, secret, recoveryCodes: confirm.json().recoveryCodes as string[] }
}

async function mfaToken(email: string, password: string): Promise<string> {
  const res = await t.login(email, password)
  expect(res.statusCode).toBe(401)
  expect(res.json().code).toBe('mfa_required')
  return res.json().mfaToken as string
}

const loginMfa = (payload: Record<string, string>) =>
  t.app.inject({ method: 'POST', url: '/auth/login/mfa', payload })

describe('happy', () => {
  it('enrols with a secret, an otpauth URI and a QR PNG, and confirms with 10 recovery codes', async () => {
    const u = await t.register()
    const enrol = await t.app.inject({
      method: 'POST',
      url: '/me/2fa/totp',
      headers: bearer(u.tokens.accessToken),
    })
    const body = enrol.json()
    expect(body.secret).toMatch(/^[A-Z2-7]{16,}$/)
    expect(body.otpauthUri).toMatch(/^otpauth:\/\/totp\//)
    expect(body.otpauthUri).toContain(`secret=${body.secret}`)
    expect(body.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/)
    const confirm = await t.app.inject({
      method: 'POST',
      url: '/me/2fa/totp/confirm',
      headers: bearer(u.tokens.accessToken),
      payload: { code: await code(body.secret) },
    })
    expect(confirm.statusCode).toBe(200)
    const codes = confirm.json().recoveryCodes as string[]
    expect(codes).toHaveLength(10)
    expect(new Set(codes).size).toBe(10)
    const me = await t.app.inject({ url: '/me', headers: bearer(u.tokens.accessToken) })
    expect(me.json().user.twoFactorEnabled).toBe(true)
    const stored = await t.database.pglite!.query<{ totp_secret_enc: string }>(
      `select totp_secret_enc from identity.users where id = $1`,
      [u.user.id],
    )
    expect(stored.rows[0]!.totp_secret_enc).not.toContain(body.secret)
    const hashes = await t.database.pglite!.query<{ code_hash: string }>(
      `select code_hash from identity.recovery_codes where user_id = $1`,
      [u.user.id],
    )
    expect(hashes.rows.map((r) => r.code_hash)).not.toContain(codes[0])
  })

  it('signs in with password then a TOTP code', async () => {
    const u = await withTotp()
    const token = await mfaToken(u.email, u.password)
    const res = await loginMfa({ mfaToken: token, code: await code(u.secret) })
    expect(res.statusCode).toBe(200)
    const me = await t.app.inject({ url: '/me', headers: bearer(res.json().accessToken) })
    expect(me.statusCode).toBe(200)
  })

  it('signs in with a recovery code, once', async () => {
    const u = await withTotp()
    const first = await loginMfa({
      mfaToken: await mfaToken(u.email, u.password),
      recoveryCode: u.recoveryCodes[0]!.toUpperCase(),
    })
    expect(first.statusCode).toBe(200)
    const again = await loginMfa({
      mfaToken: await mfaToken(u.email, u.password),
      recoveryCode: u.recoveryCodes[0]!,
    })
    expect(again.statusCode).toBe(401)
  })

  it('regenerates recovery codes (old ones stop working) and disables 2FA with password and code', async () => {
    const u = await withTotp()
    const regen = await t.app.inject({
      method: 'POST',
      url: '/me/2fa/recovery-codes',
      headers: bearer(u.tokens.accessToken),
      payload: { code: await code(u.secret) },
    })
    expect(regen.statusCode).toBe(200)
    const fresh = regen.json().recoveryCodes as string[]
    expect(fresh).toHaveLength(10)
    expect(
      (await loginMfa({ mfaToken: await mfaToken(u.email, u.password), recoveryCode: u.recoveryCodes[1]! }))
        .statusCode,
    ).toBe(401)
    const disable = await t.app.inject({
      method: 'DELETE',
      url: '/me/2fa/totp',
      headers: bearer(u.tokens.accessToken),
      payload: { password: u.password, code: await code(u.secret, 1) },
    })
    expect(disable.statusCode).toBe(204)
    expect((await t.login(u.email, u.password)).statusCode).toBe(200)
  })
})

describe('errors', () => {
  it('a wrong confirmation code does not enable 2FA', async () => {
    const u = await t.register()
    await t.app.inject({ method: 'POST', url: '/me/2fa/totp', headers: bearer(u.tokens.accessToken) })
    const res = await t.app.inject({
      method: 'POST',
      url: '/me/2fa/totp/confirm',
      headers: bearer(u.tokens.accessToken),
      payload: { code: '000000' },
    })
    expect(res.statusCode).toBe(401)
    expect((await t.login(u.email, u.password)).statusCode).toBe(200)
  })

  it('confirm before enrol, enrol twice, and a non-numeric code are refused', async () => {
    const u = await t.register()
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/me/2fa/totp/confirm',
          headers: bearer(u.tokens.accessToken),
          payload: { code: '123456' },
        })
      ).statusCode,
    ).toBe(409)
    const v = await withTotp()
    expect(
      (await t.app.inject({ method: 'POST', url: '/me/2fa/totp', headers: bearer(v.tokens.accessToken) }))
        .statusCode,
    ).toBe(409)
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/me/2fa/totp/confirm',
          headers: bearer(v.tokens.accessToken),
          payload: { code: 'abcdef' },
        })
      ).statusCode,
    ).toBe(400)
  })

  it('disabling needs the right password and a valid code', async () => {
    const u = await withTotp()
    const wrongPassword = await t.app.inject({
      method: 'DELETE',
      url: '/me/2fa/totp',
      headers: bearer(u.tokens.accessToken),
      payload: { password: 'not my password!!', code: await code(u.secret) },
    })
    expect(wrongPassword.statusCode).toBe(401)
    const noCode = await t.app.inject({
      method: 'DELETE',
      url: '/me/2fa/totp',
      headers: bearer(u.tokens.accessToken),
      payload: { password: u.password },
    })
    expect(noCode.statusCode).toBe(400)
    const wrongCode = await t.app.inject({
      method: 'DELETE',
      url: '/me/2fa/totp',
      headers: bearer(u.tokens.accessToken),
      payload: { password: u.password, code: '000000' },
    })
    expect(wrongCode.statusCode).toBe(401)
    expect((await t.login(u.email, u.password)).json().code).toBe('mfa_required')
  })

  it('login/mfa needs exactly one factor and a live mfaToken', async () => {
    const u = await withTotp()
    const token = await mfaToken(u.email, u.password)
    expect((await loginMfa({ mfaToken: token })).statusCode).toBe(400)
    expect(
      (await loginMfa({ mfaToken: token, code: '123456', recoveryCode: 'abcde-fghij' })).statusCode,
    ).toBe(400)
    expect((await loginMfa({ mfaToken: 'A'.repeat(43), code: await code(u.secret) })).json().code).toBe(
      'invalid_token',
    )
    await t.database.pglite!.query(
      `update identity.mfa_challenges set expires_at = now() - interval '1 second' where user_id = $1`,
      [u.user.id],
    )
    expect((await loginMfa({ mfaToken: token, code: await code(u.secret) })).statusCode).toBe(401)
  })
})

describe('security', () => {
  it('accepts a TOTP code only once per time step (replay is refused)', async () => {
    const u = await withTotp()
    const c = await code(u.secret)
    expect((await loginMfa({ mfaToken: await mfaToken(u.email, u.password), code: c })).statusCode).toBe(200)
    const replay = await loginMfa({ mfaToken: await mfaToken(u.email, u.password), code: c })
    expect(replay.statusCode).toBe(401)
    expect(replay.json().code).toBe('invalid_credentials')
  })

  it('accepts ±1 step of skew but not 2', async () => {
    const u = await withTotp()
    // Forget the step used at confirmation so only the skew rule decides.
    await t.database.pglite!.query(`update identity.users set totp_last_step = null where id = $1`, [
      u.user.id,
    ])
    expect(
      (await loginMfa({ mfaToken: await mfaToken(u.email, u.password), code: await code(u.secret, -2) }))
        .statusCode,
    ).toBe(401)
    expect(
      (await loginMfa({ mfaToken: await mfaToken(u.email, u.password), code: await code(u.secret, 3) }))
        .statusCode,
    ).toBe(401)
    expect(
      (await loginMfa({ mfaToken: await mfaToken(u.email, u.password), code: await code(u.secret, 1) }))
        .statusCode,
    ).toBe(200)
  })

  it('an mfaToken dies after MFA_MAX_ATTEMPTS wrong codes, and wrong codes count towards the account limit', async () => {
    const u = await withTotp()
    const token = await mfaToken(u.email, u.password)
    for (let i = 0; i < t.config.MFA_MAX_ATTEMPTS; i++)
      expect((await loginMfa({ mfaToken: token, code: '000000' })).statusCode).toBe(401)
    const dead = await loginMfa({ mfaToken: token, code: await code(u.secret) })
    expect(dead.json().code).toBe('invalid_token')
    const failures = await t.database.pglite!.query<{ n: number }>(
      `select count(*)::int as n from identity.login_attempts where user_id = $1 and not success`,
      [u.user.id],
    )
    expect(failures.rows[0]!.n).toBe(t.config.MFA_MAX_ATTEMPTS)
  })

  it('the mfa_required answer carries no tokens, and a password alone never yields them', async () => {
    const u = await withTotp()
    const res = await t.login(u.email, u.password)
    expect(res.json()).not.toHaveProperty('accessToken')
    expect(res.json()).not.toHaveProperty('refreshToken')
    expect(res.json().mfaToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })
})

describe('security (logs)', () => {
  it('never logs TOTP secrets, codes, mfa tokens or recovery codes', async () => {
    const logs: string[] = []
    const l = await createTestIdentity({ logs })
    try {
      const u = await l.register()
      const enrol = (
        await l.app.inject({ method: 'POST', url: '/me/2fa/totp', headers: bearer(u.tokens.accessToken) })
      ).json()
      const c1 = await code(enrol.secret, -1)
      const confirm = await l.app.inject({
        method: 'POST',
        url: '/me/2fa/totp/confirm',
        headers: bearer(u.tokens.accessToken),
        payload: { code: c1 },
      })
      const recovery = confirm.json().recoveryCodes as string[]
      const challenge = (await l.login(u.email, u.password)).json().mfaToken as string
      const c2 = await code(enrol.secret)
      await l.app.inject({
        method: 'POST',
        url: '/auth/login/mfa',
        payload: { mfaToken: challenge, code: c2 },
      })
      await l.app.inject({
        method: 'POST',
        url: '/auth/login/mfa',
        payload: { mfaToken: challenge, recoveryCode: recovery[0]! },
      })
      const all = logs.join('')
      expect(all).toContain('request completed')
      for (const s of [enrol.secret, challenge, recovery[0]!, `"${c1}"`, `"${c2}"`])
        expect(all).not.toContain(s)
    } finally {
      await l.close()
    }
  })
})
