import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createTestIdentity, type TestIdentity } from '../test-helpers.ts'

let t: TestIdentity
let adminToken: string
beforeAll(async () => {
  t = await createTestIdentity()
  adminToken = await t.platformAdminToken()
})
afterAll(() => t.close())

describe('happy', () => {
  it('GET /me shows the account, org, roles and session', async () => {
    const u = await t.register({ displayName: 'Mia' })
    const res = await t.app.inject({ url: '/me', headers: bearer(u.tokens.accessToken) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      user: { id: u.user.id, displayName: 'Mia', twoFactorEnabled: false },
      orgId: t.defaultOrgId,
      roles: ['learner'],
      sessionId: u.tokens.sessionId,
    })
    expect(res.json().user).not.toHaveProperty('passwordHash')
  })

  it('PATCH /me changes the display name', async () => {
    const u = await t.register()
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/me',
      headers: bearer(u.tokens.accessToken),
      payload: { displayName: '  New Name ' },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().displayName).toBe('New Name')
  })

  it('changing the password keeps this session and ends the others', async () => {
    const u = await t.register()
    const other = (await t.login(u.email)).json()
    const res = await t.app.inject({
      method: 'POST',
      url: '/me/password',
      headers: bearer(u.tokens.accessToken),
      payload: { currentPassword: u.password, newPassword: 'my shiny new passphrase' },
    })
    expect(res.statusCode).toBe(204)
    expect((await t.app.inject({ url: '/me', headers: bearer(u.tokens.accessToken) })).statusCode).toBe(200)
    expect((await t.app.inject({ url: '/me', headers: bearer(other.accessToken) })).statusCode).toBe(401)
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/auth/refresh',
          payload: { refreshToken: other.refreshToken },
        })
      ).statusCode,
    ).toBe(401)
    expect((await t.login(u.email, 'my shiny new passphrase')).statusCode).toBe(200)
    const mail = (await t.events<{ template: string; to: string }>('identity.email.requested'))
      .filter((e) => e.to === u.email.toLowerCase())
      .pop()
    expect(mail?.template).toBe('password_changed')
  })

  it('platform admins page through users with a cursor', async () => {
    for (let i = 0; i < 3; i++) await t.register()
    const first = await t.app.inject({ url: '/admin/users?limit=2', headers: bearer(adminToken) })
    expect(first.statusCode).toBe(200)
    expect(first.json().items).toHaveLength(2)
    const cursor = first.json().nextCursor as string
    expect(cursor).toBeTruthy()
    const second = await t.app.inject({
      url: `/admin/users?limit=2&after=${cursor}`,
      headers: bearer(adminToken),
    })
    const ids = [...first.json().items, ...second.json().items].map((u: { id: string }) => u.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual([...ids].sort())
  })
})

describe('errors', () => {
  it('a wrong current password or a weak new one changes nothing', async () => {
    const u = await t.register()
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/me/password',
      headers: bearer(u.tokens.accessToken),
      payload: { currentPassword: 'not my password', newPassword: 'my shiny new passphrase' },
    })
    expect(wrong.statusCode).toBe(401)
    const weak = await t.app.inject({
      method: 'POST',
      url: '/me/password',
      headers: bearer(u.tokens.accessToken),
      payload: { currentPassword: u.password, newPassword: 'password1234' },
    })
    expect(weak.statusCode).toBe(400)
    expect((await t.login(u.email)).statusCode).toBe(200)
  })

  it('anonymous calls are 401; empty display name is 400', async () => {
    expect((await t.app.inject({ url: '/me' })).statusCode).toBe(401)
    const u = await t.register()
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: '/me',
          headers: bearer(u.tokens.accessToken),
          payload: { displayName: '   ' },
        })
      ).statusCode,
    ).toBe(400)
  })
})

describe('security', () => {
  it('non-admins cannot list users', async () => {
    const u = await t.register()
    expect(
      (await t.app.inject({ url: '/admin/users', headers: bearer(u.tokens.accessToken) })).statusCode,
    ).toBe(403)
  })

  it('PATCH /me cannot change email or password hash', async () => {
    const u = await t.register()
    for (const extra of [{ email: 'evil@example.test' }, { passwordHash: 'x' }, { emailVerified: true }]) {
      expect(
        (
          await t.app.inject({
            method: 'PATCH',
            url: '/me',
            headers: bearer(u.tokens.accessToken),
            payload: extra,
          })
        ).statusCode,
      ).toBe(400)
    }
    expect(
      (await t.app.inject({ url: '/me', headers: bearer(u.tokens.accessToken) })).json().user,
    ).toMatchObject({ email: u.email.toLowerCase(), emailVerified: false })
  })
})
