import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedIdentity } from './seed.ts'
import { bearer, createTestIdentity, type TestIdentity } from './test-helpers.ts'

let t: TestIdentity
beforeAll(async () => {
  t = await createTestIdentity()
})
afterAll(() => t.close())

const argon2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 }
const users = [
  {
    email: 'Admin@Seed.test',
    password: 'demo-admin-passphrase',
    displayName: 'Ada',
    roles: ['org_admin'],
    platformAdmin: true,
  },
  { email: 'tutor@seed.test', password: 'demo-tutor-passphrase', displayName: 'Theo', roles: ['tutor'] },
]

describe('happy', () => {
  it('creates the organization and verified users with their roles, and is idempotent', async () => {
    const first = await seedIdentity(
      t.database,
      { orgSlug: 'seed-academy', orgName: 'Seed Academy', users },
      { argon2 },
    )
    expect(first.users.map((u) => u.created)).toEqual([true, true])
    const second = await seedIdentity(
      t.database,
      { orgSlug: 'seed-academy', orgName: 'Seed Academy', users },
      { argon2 },
    )
    expect(second.orgId).toBe(first.orgId)
    expect(second.users.map((u) => u.created)).toEqual([false, false])
    expect(second.users.map((u) => u.userId)).toEqual(first.users.map((u) => u.userId))
    const login = await t.login('admin@seed.test', 'demo-admin-passphrase')
    expect(login.statusCode).toBe(200)
    const me = (await t.app.inject({ url: '/me', headers: bearer(login.json().accessToken) })).json()
    expect(me).toMatchObject({
      orgId: first.orgId,
      roles: ['org_admin'],
      user: { emailVerified: true, platformAdmin: true },
    })
    const via = (await t.events<{ userId: string; via: string }>('identity.user.registered')).filter(
      (e) => e.via === 'seed',
    )
    expect(via).toHaveLength(2)
  })
})

describe('errors', () => {
  it('ignores unknown roles and falls back to learner', async () => {
    const res = await seedIdentity(
      t.database,
      {
        orgSlug: 'seed-academy',
        orgName: 'Seed Academy',
        users: [
          {
            email: 'odd@seed.test',
            password: 'odd-role-passphrase',
            displayName: 'Odd',
            roles: ['superuser'],
          },
        ],
      },
      { argon2 },
    )
    const rows = await t.database.pglite!.query<{ roles: string[] }>(
      `select roles from identity.memberships where user_id = $1`,
      [res.users[0]!.userId],
    )
    expect(rows.rows[0]!.roles).toEqual(['learner'])
  })
})

describe('security', () => {
  it('does not touch an existing account (no password overwrite)', async () => {
    const u = await t.register({ email: 'existing@seed.test' })
    await seedIdentity(
      t.database,
      {
        orgSlug: 'seed-academy',
        orgName: 'Seed Academy',
        users: [
          {
            email: 'existing@seed.test',
            password: 'attacker-chosen-passphrase',
            displayName: 'X',
            roles: ['org_admin'],
            platformAdmin: true,
          },
        ],
      },
      { argon2 },
    )
    expect((await t.login(u.email)).statusCode).toBe(200)
    expect((await t.login(u.email, 'attacker-chosen-passphrase')).statusCode).toBe(401)
  })
})
