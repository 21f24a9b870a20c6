import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '@learnmesh/kernel'
import { loadIdentityConfig } from '../config.ts'
import { sha256 } from '../shared/crypto.ts'
import { bearer, createTestIdentity, type TestIdentity } from '../test-helpers.ts'

// Refresh-token reuse grace (REFRESH_REUSE_GRACE_SECONDS): a reload or a second tab that lost the
// answer to a refresh presents the rotated token again; within the grace that keeps the session.

let t: TestIdentity
/** The same service with the grace turned off. */
let strict: TestIdentity
beforeAll(async () => {
  ;[t, strict] = await Promise.all([
    createTestIdentity(),
    createTestIdentity({ env: { REFRESH_REUSE_GRACE_SECONDS: '0' } }),
  ])
})
afterAll(async () => {
  await Promise.all([t.close(), strict.close()])
})

const refresh = (refreshToken: string, on: TestIdentity = t) =>
  on.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken } })

/** Moves a session's last rotation `seconds` into the past, as if that much time had gone by. */
async function ageRotation(sessionId: string, seconds: number, on: TestIdentity = t) {
  const interval = `${seconds} seconds`
  await on.database.pglite!.query(
    `update identity.refresh_tokens set used_at = used_at - $2::interval where session_id = $1`,
    [sessionId, interval],
  )
  await on.database.pglite!.query(
    `update identity.sessions set last_used_at = last_used_at - $2::interval where id = $1`,
    [sessionId, interval],
  )
}

/** How many refresh tokens of a session could still be exchanged. */
async function liveTokens(sessionId: string, on: TestIdentity = t): Promise<number> {
  const { rows } = await on.database.pglite!.query<{ n: number }>(
    `select count(*)::int as n from identity.refresh_tokens where session_id = $1 and used_at is null`,
    [sessionId],
  )
  return rows[0]!.n
}

/** True when this refresh token has not been used or superseded. */
async function isLive(refreshToken: string, on: TestIdentity = t): Promise<boolean> {
  const { rows } = await on.database.pglite!.query<{ used_at: Date | null }>(
    `select used_at from identity.refresh_tokens where token_hash = $1`,
    [sha256(refreshToken)],
  )
  return rows.length === 1 && rows[0]!.used_at === null
}

async function revokedReason(sessionId: string, on: TestIdentity = t): Promise<string | null> {
  const { rows } = await on.database.pglite!.query<{ revoked_reason: string | null }>(
    `select revoked_reason from identity.sessions where id = $1`,
    [sessionId],
  )
  return rows[0]?.revoked_reason ?? null
}

describe('happy', () => {
  it('defaults to 30 seconds, like Auth0’s reuse interval', () => {
    expect(loadIdentityConfig({}).REFRESH_REUSE_GRACE_SECONDS).toBe(30)
    expect(loadIdentityConfig({ REFRESH_REUSE_GRACE_SECONDS: '0' }).REFRESH_REUSE_GRACE_SECONDS).toBe(0)
  })

  it('a reload within the grace keeps the session and gets a working pair', async () => {
    const u = await t.register()
    const lost = await refresh(u.tokens.refreshToken) // the page reloaded before storing this answer
    expect(lost.statusCode).toBe(200)
    const again = await refresh(u.tokens.refreshToken)
    expect(again.statusCode).toBe(200)
    const pair = again.json()
    expect(pair.sessionId).toBe(u.tokens.sessionId)
    expect(pair.refreshToken).not.toBe(lost.json().refreshToken)
    expect(pair.refreshToken).not.toBe(u.tokens.refreshToken)
    expect((await t.app.inject({ url: '/me', headers: bearer(pair.accessToken) })).statusCode).toBe(200)
    expect(await liveTokens(u.tokens.sessionId)).toBe(1)
    const next = await refresh(pair.refreshToken)
    expect(next.statusCode).toBe(200)
    expect(next.json().sessionId).toBe(u.tokens.sessionId)
    expect(await revokedReason(u.tokens.sessionId)).toBeNull()
  })

  it('repeated reloads within the grace each get a pair; only the last one stays live', async () => {
    const u = await t.register()
    const issued: string[] = []
    for (let i = 0; i < 3; i++) {
      const res = await refresh(u.tokens.refreshToken)
      expect(res.statusCode).toBe(200)
      issued.push(res.json().refreshToken as string)
    }
    expect(await Promise.all(issued.map((r) => isLive(r)))).toEqual([false, false, true])
    expect((await refresh(issued[2]!)).statusCode).toBe(200)
  })
})

describe('errors', () => {
  it('the successor issued before the replay no longer works', async () => {
    const u = await t.register()
    const lost = (await refresh(u.tokens.refreshToken)).json()
    const pair = (await refresh(u.tokens.refreshToken)).json()
    expect(await isLive(lost.refreshToken)).toBe(false)
    expect(await isLive(pair.refreshToken)).toBe(true)
    // Whoever presents it raced the client that replayed: that is a reuse, and ends the family.
    const res = await refresh(lost.refreshToken)
    expect(res.statusCode).toBe(401)
    expect(res.json().code).toBe('token_reused')
    expect((await refresh(pair.refreshToken)).statusCode).toBe(401)
    expect(await revokedReason(u.tokens.sessionId)).toBe('refresh_token_reused')
  })

  it('a replay within the grace does not revive a session that was signed out', async () => {
    const u = await t.register()
    const rotated = (await refresh(u.tokens.refreshToken)).json()
    const out = await t.app.inject({
      method: 'POST',
      url: '/auth/logout',
      payload: { refreshToken: rotated.refreshToken },
    })
    expect(out.statusCode).toBe(204)
    const res = await refresh(u.tokens.refreshToken)
    expect(res.statusCode).toBe(401)
    expect(res.json().code).toBe('invalid_token')
  })

  it('refuses a negative or an over-long grace', () => {
    expect(() => loadIdentityConfig({ REFRESH_REUSE_GRACE_SECONDS: '-1' })).toThrow(ConfigError)
    expect(() => loadIdentityConfig({ REFRESH_REUSE_GRACE_SECONDS: '3600' })).toThrow(
      /REFRESH_REUSE_GRACE_SECONDS/,
    )
  })
})

describe('security', () => {
  it('a reuse after the grace still revokes the family with token_reused', async () => {
    const u = await t.register()
    const rotated = (await refresh(u.tokens.refreshToken)).json()
    await ageRotation(u.tokens.sessionId, t.config.REFRESH_REUSE_GRACE_SECONDS + 1)
    const res = await refresh(u.tokens.refreshToken)
    expect(res.statusCode).toBe(401)
    expect(res.json().code).toBe('token_reused')
    expect((await refresh(rotated.refreshToken)).statusCode).toBe(401)
    expect(await revokedReason(u.tokens.sessionId)).toBe('refresh_token_reused')
  })

  it('the grace window starts at the rotation and does not slide with replays', async () => {
    const u = await t.register()
    await refresh(u.tokens.refreshToken)
    const replayed = (await refresh(u.tokens.refreshToken)).json()
    await ageRotation(u.tokens.sessionId, t.config.REFRESH_REUSE_GRACE_SECONDS + 1)
    expect((await refresh(u.tokens.refreshToken)).json().code).toBe('token_reused')
    expect((await refresh(replayed.refreshToken)).statusCode).toBe(401)
  })

  it('a token whose successor was already used is a reuse, even within the grace', async () => {
    const u = await t.register()
    const first = (await refresh(u.tokens.refreshToken)).json()
    const second = (await refresh(first.refreshToken)).json()
    const res = await refresh(u.tokens.refreshToken)
    expect(res.statusCode).toBe(401)
    expect(res.json().code).toBe('token_reused')
    expect((await refresh(second.refreshToken)).statusCode).toBe(401)
  })

  it('a token rotated before an org switch is a reuse, even within the grace', async () => {
    const u = await t.register()
    const rotated = (await refresh(u.tokens.refreshToken)).json()
    const switched = await t.app.inject({
      method: 'POST',
      url: `/orgs/${t.defaultOrgId}/switch`,
      headers: bearer(rotated.accessToken),
    })
    expect(switched.statusCode).toBe(200)
    const res = await refresh(u.tokens.refreshToken)
    expect(res.json().code).toBe('token_reused')
    expect((await refresh(switched.json().refreshToken)).statusCode).toBe(401)
  })

  it('with the grace at 0 every reuse revokes the family at once', async () => {
    const u = await strict.register()
    const rotated = (await refresh(u.tokens.refreshToken, strict)).json()
    const res = await refresh(u.tokens.refreshToken, strict)
    expect(res.statusCode).toBe(401)
    expect(res.json().code).toBe('token_reused')
    expect((await refresh(rotated.refreshToken, strict)).statusCode).toBe(401)
    expect(await revokedReason(u.tokens.sessionId, strict)).toBe('refresh_token_reused')
  })

  it('two concurrent refreshes with the same token leave exactly one live refresh token', async () => {
    const u = await t.register()
    const [a, b] = await Promise.all([refresh(u.tokens.refreshToken), refresh(u.tokens.refreshToken)])
    expect([a.statusCode, b.statusCode]).toEqual([200, 200])
    expect(a.json().sessionId).toBe(u.tokens.sessionId)
    expect(b.json().sessionId).toBe(u.tokens.sessionId)
    expect(await liveTokens(u.tokens.sessionId)).toBe(1)
    const live = [a.json().refreshToken as string, b.json().refreshToken as string]
    const states = await Promise.all(live.map((r) => isLive(r)))
    expect(states.filter(Boolean)).toHaveLength(1)
    const winner = live[states.indexOf(true)]!
    const next = await refresh(winner)
    expect(next.statusCode).toBe(200)
    expect(await liveTokens(u.tokens.sessionId)).toBe(1)
  })

  it('without the grace, two concurrent refreshes: one wins and the family is revoked', async () => {
    const u = await strict.register()
    const [a, b] = await Promise.all([
      refresh(u.tokens.refreshToken, strict),
      refresh(u.tokens.refreshToken, strict),
    ])
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 401])
    const winner = a.statusCode === 200 ? a.json() : b.json()
    expect((await refresh(winner.refreshToken, strict)).statusCode).toBe(401)
  })

  it('a replay only ever touches the session its token belongs to', async () => {
    const u = await t.register()
    const other = (await t.login(u.email, u.password)).json()
    const stranger = await t.register()
    const mine = (await refresh(u.tokens.refreshToken)).json()
    const theirs = (await refresh(stranger.tokens.refreshToken)).json()
    const replay = (await refresh(u.tokens.refreshToken)).json()
    expect(replay.sessionId).toBe(u.tokens.sessionId)
    expect(mine.sessionId).toBe(u.tokens.sessionId)
    // The other session of the same user and another user's session keep their one live token.
    expect(await isLive(other.refreshToken)).toBe(true)
    expect(await isLive(theirs.refreshToken)).toBe(true)
    const me = (await t.app.inject({ url: '/me', headers: bearer(replay.accessToken) })).json()
    expect(me.user.id).toBe(u.user.id)
    // Another session's spent token gets that session's pair, never this one's.
    const strangerReplay = (await refresh(stranger.tokens.refreshToken)).json()
    expect(strangerReplay.sessionId).toBe(stranger.tokens.sessionId)
    expect(await isLive(replay.refreshToken)).toBe(true)
    expect((await refresh(other.refreshToken)).json().sessionId).toBe(other.sessionId)
  })
})
