import { describe, expect, it, vi } from 'vitest'
import { AppError, type Principal, type TokenVerifier } from '@learnmesh/kernel'
import { cachingVerifier } from './auth.ts'

function principal(userId: string, expSeconds: number): Principal {
  return {
    userId,
    orgId: 'org_1',
    roles: [],
    platformAdmin: false,
    sessionId: 'ses_1',
    claims: { exp: expSeconds },
  }
}

/** A verifier that accepts tokens named `ok:<user>:<exp>` and counts its calls. */
function countingVerifier() {
  const verify = vi.fn(async (token: string) => {
    const [kind, user, exp] = token.split(':')
    if (kind !== 'ok') throw new AppError('invalid_token', 'Token signature or format is not valid')
    return principal(user!, Number(exp))
  })
  return { verifier: { verify } satisfies TokenVerifier, verify }
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600

describe('happy', () => {
  it('verifies a token once and answers repeats from the cache, synchronously too', async () => {
    const { verifier, verify } = countingVerifier()
    const cached = cachingVerifier(verifier)
    const token = `ok:usr_1:${inAnHour()}`
    expect(cached.cached(token)).toBeUndefined()
    expect((await cached.verify(token)).userId).toBe('usr_1')
    expect((await cached.verify(token)).userId).toBe('usr_1')
    expect(cached.cached(token)?.userId).toBe('usr_1')
    expect(verify).toHaveBeenCalledTimes(1)
  })
})

describe('errors', () => {
  it('does not cache failures', async () => {
    const { verifier, verify } = countingVerifier()
    const cached = cachingVerifier(verifier)
    await expect(cached.verify('bad:x:1')).rejects.toMatchObject({ code: 'invalid_token' })
    await expect(cached.verify('bad:x:1')).rejects.toMatchObject({ code: 'invalid_token' })
    expect(verify).toHaveBeenCalledTimes(2)
  })
})

describe('security', () => {
  it('never serves a token from the cache past its expiry or past maxAgeMs', async () => {
    vi.useFakeTimers()
    try {
      const { verifier, verify } = countingVerifier()
      const cached = cachingVerifier(verifier, { maxAgeMs: 30_000 })
      const soon = Math.floor(Date.now() / 1000) + 10
      await cached.verify(`ok:usr_1:${soon}`)
      vi.advanceTimersByTime(11_000)
      expect(cached.cached(`ok:usr_1:${soon}`)).toBeUndefined()

      const later = inAnHour()
      await cached.verify(`ok:usr_2:${later}`)
      vi.advanceTimersByTime(31_000)
      expect(cached.cached(`ok:usr_2:${later}`)).toBeUndefined()
      await cached.verify(`ok:usr_2:${later}`)
      expect(verify).toHaveBeenCalledTimes(3)
    } finally {
      vi.useRealTimers()
    }
  })

  it('keeps at most maxEntries tokens, evicting the oldest', async () => {
    const { verifier } = countingVerifier()
    const cached = cachingVerifier(verifier, { maxEntries: 2 })
    const exp = inAnHour()
    for (const user of ['a', 'b', 'c']) await cached.verify(`ok:${user}:${exp}`)
    expect(cached.cached(`ok:a:${exp}`)).toBeUndefined()
    expect(cached.cached(`ok:b:${exp}`)?.userId).toBe('b')
    expect(cached.cached(`ok:c:${exp}`)?.userId).toBe('c')
  })
})
