import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createTestIdentity, type TestIdentity } from '../test-helpers.ts'

let t: TestIdentity
let adminToken: string
let adminId: string
beforeAll(async () => {
  t = await createTestIdentity()
  adminToken = await t.platformAdminToken()
  adminId = (await t.app.inject({ url: '/me', headers: bearer(adminToken) })).json().user.id
})
afterAll(() => t.close())

const post = (url: string, token: string) => t.app.inject({ method: 'POST', url, headers: bearer(token) })

describe('happy', () => {
  it('shows one account with status, live sessions and memberships', async () => {
    const u = await t.register()
    const res = await t.app.inject({ url: `/admin/users/${u.user.id}`, headers: bearer(adminToken) })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ status: 'active', liveSessions: 1, user: { id: u.user.id, email: u.email } })
    expect(body.memberships).toHaveLength(1)
    // Organizations are named, not just ids.
    expect(body.memberships[0]).toMatchObject({ orgId: expect.stringMatching(/^org_/), roles: ['learner'] })
    expect(body.memberships[0].orgName).toEqual(expect.any(String))
    expect(body.memberships[0].orgName).not.toBe(body.memberships[0].orgId)
    expect(body.memberships[0].orgName.length).toBeGreaterThan(0)
    expect(body.user).not.toHaveProperty('passwordHash')
  })

  it('disabling ends every session and refuses sign-in; enabling lets the person back in', async () => {
    const u = await t.register()
    const res = await post(`/admin/users/${u.user.id}/disable`, adminToken)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'disabled', liveSessions: 0 })
    expect((await t.app.inject({ url: '/me', headers: bearer(u.tokens.accessToken) })).statusCode).toBe(401)
    expect((await t.login(u.email)).statusCode).toBe(401)
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: u.tokens.refreshToken },
    })
    expect(refreshed.statusCode).toBe(401)

    expect((await post(`/admin/users/${u.user.id}/enable`, adminToken)).json().status).toBe('active')
    expect((await t.login(u.email)).statusCode).toBe(200)
  })

  it('counts sign-ups per UTC day, every day of the range present', async () => {
    await t.register()
    const res = await t.app.inject({ url: '/admin/kpis?days=7', headers: bearer(adminToken) })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.daily).toHaveLength(7)
    expect(body.to).toBe(new Date().toISOString().slice(0, 10))
    expect(body.daily.at(-1).signups).toBeGreaterThanOrEqual(1)
    expect(body.totalUsers).toBeGreaterThanOrEqual(body.daily.at(-1).signups)
  })
})

describe('errors', () => {
  it('404 for an unknown user; 400 for a bad range', async () => {
    expect(
      (await t.app.inject({ url: '/admin/users/usr_nope', headers: bearer(adminToken) })).statusCode,
    ).toBe(404)
    expect((await post('/admin/users/usr_nope/disable', adminToken)).statusCode).toBe(404)
    const bad = await t.app.inject({ url: '/admin/kpis?days=999', headers: bearer(adminToken) })
    expect(bad.statusCode).toBe(400)
    expect(bad.headers['content-type']).toContain('application/problem+json')
  })

  it('a platform admin cannot disable themself (409)', async () => {
    const res = await post(`/admin/users/${adminId}/disable`, adminToken)
    expect(res.statusCode).toBe(409)
  })
})

describe('security', () => {
  it('only platform admins: anonymous 401, an ordinary member (even org_admin of their own org) 403', async () => {
    const u = await t.register()
    const victim = await t.register()
    expect((await t.app.inject({ url: '/admin/kpis' })).statusCode).toBe(401)
    for (const res of [
      await t.app.inject({ url: '/admin/kpis', headers: bearer(u.tokens.accessToken) }),
      await t.app.inject({ url: `/admin/users/${victim.user.id}`, headers: bearer(u.tokens.accessToken) }),
      await post(`/admin/users/${victim.user.id}/disable`, u.tokens.accessToken),
    ]) {
      expect(res.statusCode).toBe(403)
    }
    expect((await t.login(victim.email)).statusCode).toBe(200)
  })
})
