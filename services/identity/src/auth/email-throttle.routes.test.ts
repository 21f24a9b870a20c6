import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createTestIdentity } from '../test-helpers.ts'

// The production defaults: 60 s between two emails of a kind, 5 per account and hour.
let t: Awaited<ReturnType<typeof createTestIdentity>>
// No gap, 2 an hour: the hourly cap on its own.
let capped: Awaited<ReturnType<typeof createTestIdentity>>
beforeAll(async () => {
  t = await createTestIdentity({ env: { EMAIL_MIN_INTERVAL_SECONDS: '60', EMAIL_MAX_PER_ACCOUNT_HOUR: '5' } })
  capped = await createTestIdentity({
    env: { EMAIL_MIN_INTERVAL_SECONDS: '0', EMAIL_MAX_PER_ACCOUNT_HOUR: '2' },
  })
})
afterAll(async () => {
  await t.close()
  await capped.close()
})

type Email = { template: string; to: string; link: string | null }
const emailsTo = async (k: typeof t, template: string, to: string) =>
  (await k.events<Email>('identity.email.requested')).filter((e) => e.template === template && e.to === to)
const forgot = (k: typeof t, email: string) =>
  k.app.inject({ method: 'POST', url: '/auth/password/forgot', payload: { email } })

describe('email throttle: happy path', () => {
  it('sends a reset link once, answers a quick second request the same and keeps the first link working', async () => {
    const u = await t.register()
    const first = await forgot(t, u.email)
    const second = await forgot(t, u.email)
    expect(first.statusCode).toBe(202)
    expect(second.statusCode).toBe(202)
    expect(second.json()).toEqual(first.json())
    expect(await emailsTo(t, 'password_reset', u.email)).toHaveLength(1)
    const token = await t.emailToken('password_reset', u.email)
    const reset = await t.app.inject({
      method: 'POST',
      url: '/auth/password/reset',
      payload: { token, password: 'a brand new passphrase 42' },
    })
    expect(reset.statusCode).toBe(204)
  })

  it('counts each account and each kind apart', async () => {
    const a = await t.register()
    const b = await t.register()
    await forgot(t, a.email)
    await forgot(t, b.email)
    expect(await emailsTo(t, 'password_reset', b.email)).toHaveLength(1)
    // a's verification email (sent at registration) and reset link do not hold each other back.
    expect(await emailsTo(t, 'verify_email', a.email)).toHaveLength(1)
    expect(await emailsTo(t, 'password_reset', a.email)).toHaveLength(1)
  })

  it('sends again once the gap has passed', async () => {
    const u = await t.register()
    await forgot(t, u.email)
    await t.database.pglite!.query(
      `update identity.email_sends set at = at - interval '61 seconds' where user_id = $1`,
      [u.user.id],
    )
    await forgot(t, u.email)
    expect(await emailsTo(t, 'password_reset', u.email)).toHaveLength(2)
  })
})

describe('email throttle: errors', () => {
  it('refuses a verification resend right after registration with 429 and Retry-After, sending nothing', async () => {
    const u = await t.register()
    const before = await t.emailToken('verify_email', u.email)
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/verify-email/resend',
      headers: bearer(u.tokens.accessToken),
    })
    expect(res.statusCode).toBe(429)
    expect(res.headers['content-type']).toContain('application/problem+json')
    expect(res.json()).toMatchObject({ code: 'rate_limited' })
    const retryAfter = Number(res.headers['retry-after'])
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(await emailsTo(t, 'verify_email', u.email)).toHaveLength(1)
    expect(await t.emailToken('verify_email', u.email)).toBe(before)
  })

  it('stops at the hourly cap without a gap, and frees the oldest slot an hour later', async () => {
    const u = await capped.register()
    for (let i = 0; i < 4; i++) expect((await forgot(capped, u.email)).statusCode).toBe(202)
    expect(await emailsTo(capped, 'password_reset', u.email)).toHaveLength(2)
    const resend = await capped.app.inject({
      method: 'POST',
      url: '/auth/verify-email/resend',
      headers: bearer(u.tokens.accessToken),
    })
    expect(resend.statusCode).toBe(202) // the registration email was one; this is the second
    const over = await capped.app.inject({
      method: 'POST',
      url: '/auth/verify-email/resend',
      headers: bearer(u.tokens.accessToken),
    })
    expect(over.statusCode).toBe(429)
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(3000)
    await capped.database.pglite!.query(
      `update identity.email_sends set at = at - interval '61 minutes' where user_id = $1`,
      [u.user.id],
    )
    await forgot(capped, u.email)
    expect(await emailsTo(capped, 'password_reset', u.email)).toHaveLength(3)
  })
})

describe('email throttle: security', () => {
  it('records nothing for an address without an account, so the answer reveals nothing', async () => {
    const before = await t.count('email_sends')
    const unknown = await forgot(t, t.email('nobody'))
    expect(unknown.statusCode).toBe(202)
    expect(unknown.json()).toEqual({ status: 'accepted' })
    expect(await t.count('email_sends')).toBe(before)
  })
})
