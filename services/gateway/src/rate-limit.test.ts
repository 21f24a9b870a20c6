import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import type { App } from '@learnmesh/kernel'
import { createGateway } from './gateway.ts'
import {
  createEchoService,
  createTestAuth,
  silentLogger,
  testConfig,
  type SeenRequest,
} from './test-support.ts'

const REDIS_URL = 'redis://127.0.0.1:6379'

async function redisAvailable(): Promise<boolean> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  client.on('error', () => {})
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

const haveRedis = await redisAvailable()
if (!haveRedis) {
  if (process.env.REQUIRE_INFRA === '1')
    throw new Error(`REQUIRE_INFRA=1 but Redis is not reachable at ${REDIS_URL}`)
  console.warn(`skipping the Redis rate-limit tests: Redis is not reachable at ${REDIS_URL}`)
}

async function gatewayWith(overrides: Record<string, string>) {
  const echo = await createEchoService()
  const auth = await createTestAuth()
  const gateway = await createGateway({
    config: testConfig({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '60000', ...overrides }),
    logger: silentLogger,
    verifier: auth.verifier,
    upstreams: { echo: { app: echo.app } },
  })
  await gateway.ready()
  return { gateway, echo, auth }
}

/** Fires `count` requests from one client and returns the statuses. */
async function burst(
  gateway: App,
  count: number,
  headers: Record<string, string> = {},
  remoteAddress = '10.0.0.1',
) {
  const statuses: number[] = []
  for (let i = 0; i < count; i++)
    statuses.push((await gateway.inject({ url: '/api/echo', headers, remoteAddress })).statusCode)
  return statuses
}

describe.each([
  ['in memory', false],
  ['in Redis', true],
] as const)('rate limits %s', (_label, useRedis) => {
  let gateway: App
  let echoApp: App
  let seen: SeenRequest[]
  let auth: Awaited<ReturnType<typeof createTestAuth>>
  const skip = useRedis && !haveRedis

  beforeAll(async () => {
    if (skip) return
    if (useRedis) {
      // Counters of an earlier run (same test addresses, within the window) must not leak into this one.
      const redis = new Redis(REDIS_URL)
      const stale = await redis.keys('learnmesh:gateway:rate:ip:10.*')
      if (stale.length) await redis.del(...stale)
      redis.disconnect()
    }
    const built = await gatewayWith(useRedis ? { REDIS_URL } : {})
    gateway = built.gateway
    echoApp = built.echo.app
    seen = built.echo.seen
    auth = built.auth
  })
  afterAll(async () => {
    await gateway?.close()
    await echoApp?.close()
  })

  describe('happy', () => {
    it.skipIf(skip)('lets requests under the limit through and reports the budget', async () => {
      const ip = `10.1.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`
      const res = await gateway.inject({ url: '/api/echo', remoteAddress: ip })
      expect(res.statusCode).toBe(200)
      expect(res.headers['x-ratelimit-limit']).toBe('3')
      expect(res.headers['x-ratelimit-remaining']).toBe('2')
    })
  })

  describe('errors', () => {
    it.skipIf(skip)(
      'answers 429 problem+json with Retry-After once a client is over the limit, without calling the service',
      async () => {
        const ip = `10.2.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`
        expect(await burst(gateway, 3, {}, ip)).toEqual([200, 200, 200])
        const before = seen.length
        const res = await gateway.inject({ url: '/api/echo', remoteAddress: ip })
        expect(res.statusCode).toBe(429)
        expect(res.headers['content-type']).toContain('application/problem+json')
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60)
        expect(res.json()).toMatchObject({ code: 'rate_limited', status: 429 })
        expect(seen.length).toBe(before)
        if (useRedis) {
          // The counter lives in Redis, so every gateway replica sees it.
          const redis = new Redis(REDIS_URL)
          expect(await redis.get(`learnmesh:gateway:rate:ip:${ip}`)).toBe('4')
          redis.disconnect()
        }
      },
    )
  })

  describe('security', () => {
    it.skipIf(skip)('counts a signed-in user by user id, whatever address they come from', async () => {
      const user = `usr_${randomUUID()}`
      const token = await auth.signer.sign({ sub: user, org: 'org_1' })
      const headers = { authorization: `Bearer ${token}` }
      expect(await burst(gateway, 2, headers, '10.3.0.1')).toEqual([200, 200])
      expect(await burst(gateway, 2, headers, '10.3.0.2')).toEqual([200, 429])
      // Another user on the same address has their own budget; so has an anonymous client there.
      const other = await auth.signer.sign({ sub: `usr_${randomUUID()}`, org: 'org_1' })
      expect(await burst(gateway, 1, { authorization: `Bearer ${other}` }, '10.3.0.2')).toEqual([200])
      expect(await burst(gateway, 1, {}, '10.3.0.2')).toEqual([200])
    })

    it.skipIf(skip)('does not limit health checks or the web app', async () => {
      const ip = `10.4.${Math.floor(Math.random() * 250)}.1`
      for (let i = 0; i < 5; i++) {
        expect((await gateway.inject({ url: '/health', remoteAddress: ip })).statusCode).toBe(200)
        expect((await gateway.inject({ url: '/', remoteAddress: ip })).statusCode).toBe(200)
      }
    })
  })
})

describe('rate limits with Redis down', () => {
  it('lets requests through rather than failing them', async () => {
    const { gateway, echo } = await gatewayWith({ REDIS_URL: 'redis://127.0.0.1:1' })
    try {
      expect(await burst(gateway, 5)).toEqual([200, 200, 200, 200, 200])
    } finally {
      await gateway.close()
      await echo.app.close()
    }
  })
})

describe('rate limits disabled', () => {
  it('RATE_LIMIT_MAX=0 turns them off', async () => {
    const { gateway, echo } = await gatewayWith({ RATE_LIMIT_MAX: '0' })
    try {
      expect(await burst(gateway, 6)).toEqual([200, 200, 200, 200, 200, 200])
    } finally {
      await gateway.close()
      await echo.app.close()
    }
  })
})
