import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createTestIdentity, GOOD_PASSWORD, type TestIdentity } from '../test-helpers.ts'

let t: TestIdentity
beforeAll(async () => {
  t = await createTestIdentity()
})
afterAll(() => t.close())

type Tokens = { accessToken: string; refreshToken: string; sessionId: string }

/** A verified user who created an organization, with tokens scoped to it. */
async function orgAdmin() {
  const u = await t.register()
  await t.app.inject({
    method: 'POST',
    url: '/auth/verify-email',
    payload: { token: await t.emailToken('verify_email', u.email) },
  })
  const slug = `org-${Math.random().toString(36).slice(2, 10)}`
  const created = await t.app.inject({
    method: 'POST',
    url: '/orgs',
    headers: bearer(u.tokens.accessToken),
    payload: { slug, name: 'Acme Academy' },
  })
  expect(created.statusCode).toBe(201)
  const orgId = created.json().id as string
  const switched = await t.app.inject({
    method: 'POST',
    url: `/orgs/${orgId}/switch`,
    headers: bearer(u.tokens.accessToken),
  })
  expect(switched.statusCode).toBe(200)
  return { ...u, orgId, slug, admin: switched.json() as Tokens }
}

/** Invites `email` with roles and returns the token from the invitation email. */
async function invite(admin: { orgId: string; admin: Tokens }, email: string, roles: string[]) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/orgs/${admin.orgId}/invitations`,
    headers: bearer(admin.admin.accessToken),
    payload: { email, roles },
  })
  expect(res.statusCode).toBe(201)
  return { invitation: res.json(), token: await t.emailToken('invitation', email) }
}

describe('happy', () => {
  it('a verified user creates an organization, becomes its org_admin and switches to it', async () => {
    const a = await orgAdmin()
    const me = await t.app.inject({ url: '/me', headers: bearer(a.admin.accessToken) })
    expect(me.json()).toMatchObject({ orgId: a.orgId, roles: ['org_admin'] })
    const orgs = (await t.app.inject({ url: '/orgs', headers: bearer(a.admin.accessToken) })).json()
      .items as { id: string; current: boolean; roles: string[] }[]
    expect(orgs.map((o) => o.id).sort()).toEqual([a.orgId, t.defaultOrgId].sort())
    expect(orgs.find((o) => o.current)?.id).toBe(a.orgId)
    // The refresh token issued before the switch no longer refreshes.
    const old = await t.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: a.tokens.refreshToken },
    })
    expect(old.json().code).toBe('invalid_token')
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/auth/refresh',
          payload: { refreshToken: a.admin.refreshToken },
        })
      ).statusCode,
    ).toBe(200)
    const joined = await t.events<{ userId: string; orgId: string; change: string; roles: string[] }>(
      'identity.membership.changed',
    )
    expect(joined.find((e) => e.orgId === a.orgId && e.userId === a.user.id)).toMatchObject({
      change: 'joined',
      roles: ['org_admin'],
    })
  })

  it('invites by email; the invitee accepts and gets the roles; the event and email go through the outbox', async () => {
    const a = await orgAdmin()
    const b = await t.register()
    const { token, invitation } = await invite(a, b.email, ['instructor'])
    expect(invitation).toMatchObject({ orgId: a.orgId, email: b.email.toLowerCase(), roles: ['instructor'] })
    expect(invitation).not.toHaveProperty('tokenHash')
    const mail = (
      await t.events<{ template: string; to: string; link: string; data: Record<string, string> }>(
        'identity.email.requested',
      )
    )
      .filter((e) => e.template === 'invitation')
      .pop()!
    expect(mail.link).toMatch(/^http:\/\/web\.test\/accept-invitation\?token=/)
    expect(mail.data.orgName).toBe('Acme Academy')
    const accept = await t.app.inject({
      method: 'POST',
      url: '/invitations/accept',
      headers: bearer(b.tokens.accessToken),
      payload: { token },
    })
    expect(accept.statusCode).toBe(200)
    expect(accept.json()).toMatchObject({ orgId: a.orgId, roles: ['instructor'] })
    const members = await t.app.inject({
      url: `/orgs/${a.orgId}/members`,
      headers: bearer(a.admin.accessToken),
    })
    expect(
      members
        .json()
        .items.map((m: { userId: string }) => m.userId)
        .sort(),
    ).toEqual([a.user.id, b.user.id].sort())
    const switched = await t.app.inject({
      method: 'POST',
      url: `/orgs/${a.orgId}/switch`,
      headers: bearer(b.tokens.accessToken),
    })
    expect(
      (await t.app.inject({ url: '/me', headers: bearer(switched.json().accessToken) })).json().roles,
    ).toEqual(['instructor'])
  })

  it('registers with an invitation token: joins that organization only, verified', async () => {
    const a = await orgAdmin()
    const email = t.email('invitee')
    const { token } = await invite(a, email, ['tutor'])
    const u = await t.register({ email, invitationToken: token })
    expect(u.user).toMatchObject({ defaultOrgId: a.orgId, emailVerified: true })
    const me = await t.app.inject({ url: '/me', headers: bearer(u.tokens.accessToken) })
    expect(me.json()).toMatchObject({ orgId: a.orgId, roles: ['tutor'] })
    const orgs = (await t.app.inject({ url: '/orgs', headers: bearer(u.tokens.accessToken) })).json().items
    expect(orgs).toHaveLength(1)
    const reg = (await t.events<{ userId: string; via: string }>('identity.user.registered')).find(
      (e) => e.userId === u.user.id,
    )
    expect(reg?.via).toBe('invitation')
  })

  it('changes roles (with an event), lists and revokes invitations, removes a member', async () => {
    const a = await orgAdmin()
    const b = await t.register()
    await t.app.inject({
      method: 'POST',
      url: '/invitations/accept',
      headers: bearer(b.tokens.accessToken),
      payload: { token: (await invite(a, b.email, ['learner'])).token },
    })
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/orgs/${a.orgId}/members/${b.user.id}`,
      headers: bearer(a.admin.accessToken),
      payload: { roles: ['instructor', 'tutor'] },
    })
    expect(patch.statusCode).toBe(200)
    expect(patch.json().roles).toEqual(['instructor', 'tutor'])
    const changed = (
      await t.events<{ userId: string; change: string; roles: string[]; changedBy: string }>(
        'identity.membership.changed',
      )
    ).pop()
    expect(changed).toMatchObject({
      userId: b.user.id,
      change: 'roles_changed',
      roles: ['instructor', 'tutor'],
      changedBy: a.user.id,
    })
    const pending = await invite(a, t.email('later'), ['learner'])
    const list = await t.app.inject({
      url: `/orgs/${a.orgId}/invitations`,
      headers: bearer(a.admin.accessToken),
    })
    expect(list.json().items.map((i: { id: string }) => i.id)).toContain(pending.invitation.id)
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: `/orgs/${a.orgId}/invitations/${pending.invitation.id}`,
          headers: bearer(a.admin.accessToken),
        })
      ).statusCode,
    ).toBe(204)
    const remove = await t.app.inject({
      method: 'DELETE',
      url: `/orgs/${a.orgId}/members/${b.user.id}`,
      headers: bearer(a.admin.accessToken),
    })
    expect(remove.statusCode).toBe(204)
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/orgs/${a.orgId}/switch`,
          headers: bearer(b.tokens.accessToken),
        })
      ).statusCode,
    ).toBe(404)
  })
})

describe('errors', () => {
  it('an unverified user cannot create an organization; a taken slug is a 409', async () => {
    const u = await t.register()
    const res = await t.app.inject({
      method: 'POST',
      url: '/orgs',
      headers: bearer(u.tokens.accessToken),
      payload: { slug: 'unverified-org', name: 'X' },
    })
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toBe('email_not_verified')
    const a = await orgAdmin()
    const dup = await t.app.inject({
      method: 'POST',
      url: '/orgs',
      headers: bearer(a.admin.accessToken),
      payload: { slug: a.slug, name: 'Again' },
    })
    expect(dup.statusCode).toBe(409)
  })

  it('cannot remove or demote the last org_admin', async () => {
    const a = await orgAdmin()
    const leave = await t.app.inject({
      method: 'DELETE',
      url: `/orgs/${a.orgId}/members/${a.user.id}`,
      headers: bearer(a.admin.accessToken),
    })
    expect(leave.statusCode).toBe(409)
    const b = await t.register()
    await t.app.inject({
      method: 'POST',
      url: '/invitations/accept',
      headers: bearer(b.tokens.accessToken),
      payload: { token: (await invite(a, b.email, ['org_admin'])).token },
    })
    const bAdmin = (
      await t.app.inject({
        method: 'POST',
        url: `/orgs/${a.orgId}/switch`,
        headers: bearer(b.tokens.accessToken),
      })
    ).json() as Tokens
    // Now there are two admins: b may demote a; then a (no longer admin) cannot demote b.
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/orgs/${a.orgId}/members/${a.user.id}`,
          headers: bearer(bAdmin.accessToken),
          payload: { roles: ['learner'] },
        })
      ).statusCode,
    ).toBe(200)
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/orgs/${a.orgId}/members/${b.user.id}`,
          headers: bearer(a.admin.accessToken),
          payload: { roles: ['learner'] },
        })
      ).statusCode,
    ).toBe(403)
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: `/orgs/${a.orgId}/members/${b.user.id}`,
          headers: bearer(bAdmin.accessToken),
        })
      ).statusCode,
    ).toBe(409)
  })

  it('expired, revoked, used and mis-addressed invitations are refused', async () => {
    const a = await orgAdmin()
    const b = await t.register()
    const c = await t.register()
    const { token, invitation } = await invite(a, b.email, ['learner'])
    const wrongPerson = await t.app.inject({
      method: 'POST',
      url: '/invitations/accept',
      headers: bearer(c.tokens.accessToken),
      payload: { token },
    })
    expect(wrongPerson.statusCode).toBe(403)
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/invitations/accept',
          headers: bearer(b.tokens.accessToken),
          payload: { token },
        })
      ).statusCode,
    ).toBe(200)
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/invitations/accept',
          headers: bearer(b.tokens.accessToken),
          payload: { token },
        })
      ).statusCode,
    ).toBe(410)
    const d = await t.register()
    const second = await invite(a, d.email, ['learner'])
    await t.app.inject({
      method: 'DELETE',
      url: `/orgs/${a.orgId}/invitations/${second.invitation.id}`,
      headers: bearer(a.admin.accessToken),
    })
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/invitations/accept',
          headers: bearer(d.tokens.accessToken),
          payload: { token: second.token },
        })
      ).statusCode,
    ).toBe(410)
    const third = await invite(a, t.email('late'), ['learner'])
    await t.database.pglite!.query(
      `update identity.invitations set expires_at = now() - interval '1 second' where id = $1`,
      [third.invitation.id],
    )
    const late = await t.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: {
        email: third.invitation.email,
        password: GOOD_PASSWORD,
        displayName: 'L',
        invitationToken: third.token,
      },
    })
    expect(late.statusCode).toBe(410)
    expect(invitation.id).toMatch(/^inv_/)
  })

  it('inviting an existing member is a 409; unknown member is a 404', async () => {
    const a = await orgAdmin()
    const res = await t.app.inject({
      method: 'POST',
      url: `/orgs/${a.orgId}/invitations`,
      headers: bearer(a.admin.accessToken),
      payload: { email: a.email, roles: ['learner'] },
    })
    expect(res.statusCode).toBe(409)
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/orgs/${a.orgId}/members/usr_nobody`,
          headers: bearer(a.admin.accessToken),
          payload: { roles: ['learner'] },
        })
      ).statusCode,
    ).toBe(404)
  })
})

describe('security', () => {
  it('non-admins cannot list members, invite or change roles; non-members see 404', async () => {
    const a = await orgAdmin()
    const b = await t.register()
    await t.app.inject({
      method: 'POST',
      url: '/invitations/accept',
      headers: bearer(b.tokens.accessToken),
      payload: { token: (await invite(a, b.email, ['learner'])).token },
    })
    const bIn = (
      await t.app.inject({
        method: 'POST',
        url: `/orgs/${a.orgId}/switch`,
        headers: bearer(b.tokens.accessToken),
      })
    ).json() as Tokens
    expect(
      (await t.app.inject({ url: `/orgs/${a.orgId}/members`, headers: bearer(bIn.accessToken) })).statusCode,
    ).toBe(403)
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/orgs/${a.orgId}/invitations`,
          headers: bearer(bIn.accessToken),
          payload: { email: t.email(), roles: ['org_admin'] },
        })
      ).statusCode,
    ).toBe(403)
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/orgs/${a.orgId}/members/${a.user.id}`,
          headers: bearer(bIn.accessToken),
          payload: { roles: ['learner'] },
        })
      ).statusCode,
    ).toBe(403)
    const outsider = await t.register()
    expect(
      (await t.app.inject({ url: `/orgs/${a.orgId}/members`, headers: bearer(outsider.tokens.accessToken) }))
        .statusCode,
    ).toBe(404)
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/orgs/${a.orgId}/switch`,
          headers: bearer(outsider.tokens.accessToken),
        })
      ).statusCode,
    ).toBe(404)
  })

  it('nobody can set their own roles, and role/orgId/platformAdmin in PATCH /me are a 400 that changes nothing', async () => {
    const a = await orgAdmin()
    const self = await t.app.inject({
      method: 'PATCH',
      url: `/orgs/${a.orgId}/members/${a.user.id}`,
      headers: bearer(a.admin.accessToken),
      payload: { roles: ['org_admin', 'instructor'] },
    })
    expect(self.statusCode).toBe(403)
    const u = await t.register()
    for (const extra of [
      { role: 'org_admin' },
      { roles: ['org_admin'] },
      { orgId: a.orgId },
      { platformAdmin: true },
    ]) {
      const res = await t.app.inject({
        method: 'PATCH',
        url: '/me',
        headers: bearer(u.tokens.accessToken),
        payload: { displayName: 'Hacker', ...extra },
      })
      expect(res.statusCode).toBe(400)
      expect(res.json().code).toBe('validation_failed')
    }
    const me = (await t.app.inject({ url: '/me', headers: bearer(u.tokens.accessToken) })).json()
    expect(me.user).toMatchObject({
      displayName: 'Test User',
      platformAdmin: false,
      defaultOrgId: t.defaultOrgId,
    })
    expect(me.roles).toEqual(['learner'])
    const rows = await t.database.pglite!.query<{ org_id: string; roles: string[] }>(
      `select org_id, roles from identity.memberships where user_id = $1`,
      [u.user.id],
    )
    expect(rows.rows).toEqual([{ org_id: t.defaultOrgId, roles: ['learner'] }])
  })

  it('an invited role cannot be escalated in the accept body', async () => {
    const a = await orgAdmin()
    const b = await t.register()
    const { token } = await invite(a, b.email, ['learner'])
    const res = await t.app.inject({
      method: 'POST',
      url: '/invitations/accept',
      headers: bearer(b.tokens.accessToken),
      payload: { token, roles: ['org_admin'] },
    })
    expect(res.statusCode).toBe(400)
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/invitations/accept',
          headers: bearer(b.tokens.accessToken),
          payload: { token },
        })
      ).json().roles,
    ).toEqual(['learner'])
  })
})
