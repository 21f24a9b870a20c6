import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createTestIdentity, type TestIdentity } from '../test-helpers.ts'
import type { ExternalIdentityInput } from '../deps.ts'
import { signInWithExternalIdentity } from './sessions.service.ts'

let t: TestIdentity
beforeAll(async () => {
  t = await createTestIdentity()
})
afterAll(() => t.close())

const input = (over: Partial<ExternalIdentityInput> = {}): ExternalIdentityInput => ({
  provider: 'acme',
  subject: `sub-${Math.random().toString(36).slice(2)}`,
  email: t.email('oidc'),
  emailVerified: true,
  displayName: 'Olive Oidc',
  ip: '127.0.0.1',
  userAgent: 'test',
  traceparent: null,
  ...over,
})

describe('happy', () => {
  it('creates a verified learner on first sign-in and finds the same user next time', async () => {
    const i = input()
    const first = await t.identity.deps.signInWithExternalIdentity(i)
    expect(first.created).toBe(true)
    expect(first.user).toMatchObject({
      email: i.email!.toLowerCase(),
      displayName: 'Olive Oidc',
      emailVerified: true,
      defaultOrgId: t.defaultOrgId,
    })
    const me = await t.app.inject({ url: '/me', headers: bearer(first.accessToken) })
    expect(me.json()).toMatchObject({ roles: ['learner'] })
    const registered = (await t.events<{ userId: string; via: string }>('identity.user.registered')).find(
      (e) => e.userId === first.user.id,
    )
    expect(registered?.via).toBe('oidc')
    const sessions = await t.database.pglite!.query<{ method: string }>(
      `select method from identity.sessions where user_id = $1`,
      [first.user.id],
    )
    expect(sessions.rows[0]!.method).toBe('oidc:acme')
    const again = await signInWithExternalIdentity(t.identity.deps, { ...i, email: 'changed@example.test' })
    expect(again.created).toBe(false)
    expect(again.user.id).toBe(first.user.id)
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: again.refreshToken },
    })
    expect(refreshed.statusCode).toBe(200)
  })

  it('links to an existing account with the same verified email', async () => {
    const u = await t.register()
    await t.app.inject({
      method: 'POST',
      url: '/auth/verify-email',
      payload: { token: await t.emailToken('verify_email', u.email) },
    })
    const res = await t.identity.deps.signInWithExternalIdentity(input({ email: u.email.toUpperCase() }))
    expect(res.created).toBe(false)
    expect(res.user.id).toBe(u.user.id)
    // The password still works: the account was verified, nothing to fear.
    expect((await t.login(u.email)).statusCode).toBe(200)
  })

  it('creates an unverified account when the provider does not vouch for the email', async () => {
    const res = await t.identity.deps.signInWithExternalIdentity(input({ emailVerified: false }))
    expect(res.created).toBe(true)
    expect(res.user.emailVerified).toBe(false)
  })
})

describe('errors', () => {
  it('does not link by an unverified email and needs an email to create an account', async () => {
    const u = await t.register()
    await expect(
      t.identity.deps.signInWithExternalIdentity(input({ email: u.email, emailVerified: false })),
    ).rejects.toMatchObject({ code: 'conflict' })
    await expect(t.identity.deps.signInWithExternalIdentity(input({ email: null }))).rejects.toMatchObject({
      code: 'bad_request',
    })
  })
})

describe('security', () => {
  it('claiming an unverified local account by verified email removes its password and sessions (pre-hijacking)', async () => {
    const squatter = await t.register()
    const res = await t.identity.deps.signInWithExternalIdentity(input({ email: squatter.email }))
    expect(res.user.id).toBe(squatter.user.id)
    expect(res.user.emailVerified).toBe(true)
    expect((await t.login(squatter.email)).statusCode).toBe(401)
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/auth/refresh',
          payload: { refreshToken: squatter.tokens.refreshToken },
        })
      ).statusCode,
    ).toBe(401)
  })
})
