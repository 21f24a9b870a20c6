import { createServer, type Server } from 'node:http'
import pino from 'pino'
import { loggerOptions, withFastRedaction } from '@learnmesh/kernel'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { request } from 'undici'
import type { App } from '@learnmesh/kernel'
import type { FastifyRequest } from 'fastify'
import { createGateway } from './gateway.ts'
import { cacheKeyOf, createResponseCache, storableFor } from './response-cache.ts'
import { createTestAuth, silentLogger, testConfig } from './test-support.ts'

// The gateway's micro-cache of anonymous GETs a service marks `public, s-maxage`: what is stored,
// what is served, and that nothing personal (tokens, cookies, private answers) is ever shared.

describe('storableFor', () => {
  const ok = { 'cache-control': 'public, max-age=0, s-maxage=5', 'content-length': '2' }
  it('keeps a public 200 with s-maxage for s-maxage, capped', () => {
    expect(storableFor(200, ok, 60_000)).toBe(5000)
    expect(storableFor(200, ok, 2000)).toBe(2000)
  })
  it.each([
    ['another status', 201, ok],
    ['no cache-control', 200, { 'content-length': '2' }],
    ['max-age only', 200, { 'cache-control': 'public, max-age=60', 'content-length': '2' }],
    ['not public', 200, { 'cache-control': 's-maxage=5', 'content-length': '2' }],
    ['private', 200, { 'cache-control': 'public, private, s-maxage=5', 'content-length': '2' }],
    ['no-store', 200, { 'cache-control': 'public, no-store, s-maxage=5', 'content-length': '2' }],
    ['no-cache', 200, { 'cache-control': 'public, no-cache, s-maxage=5', 'content-length': '2' }],
    ['s-maxage=0', 200, { 'cache-control': 'public, s-maxage=0', 'content-length': '2' }],
    ['bad s-maxage', 200, { 'cache-control': 'public, s-maxage=-1', 'content-length': '2' }],
    ['set-cookie', 200, { ...ok, 'set-cookie': ['a=1'] }],
    ['vary', 200, { ...ok, vary: 'authorization' }],
    ['no content-length', 200, { 'cache-control': ok['cache-control'] }],
  ])('never stores %s', (_name, status, headers) => {
    expect(storableFor(status, headers, 60_000)).toBe(0)
  })
})

describe('cacheKeyOf', () => {
  const req = (method: string, headers: Record<string, string>, url = '/api/x/a?b=1') =>
    ({ method, headers, raw: { url } }) as unknown as FastifyRequest
  it('keys an anonymous GET by its raw path and query', () => {
    expect(cacheKeyOf(req('GET', {}))).toBe('/api/x/a?b=1')
  })
  it.each([
    ['a POST', req('POST', {})],
    ['a HEAD', req('HEAD', {})],
    ['a bearer token', req('GET', { authorization: 'Bearer x' })],
    ['a cookie', req('GET', { cookie: 'sid=1' })],
    ['a range', req('GET', { range: 'bytes=0-1' })],
    ['cache-control: no-cache', req('GET', { 'cache-control': 'no-cache' })],
    ['pragma: no-cache', req('GET', { pragma: 'no-cache' })],
  ])('does not use the cache for %s', (_name, r) => {
    expect(cacheKeyOf(r)).toBeNull()
  })
})

describe('createResponseCache', () => {
  const entry = (body: string, at: number, ttl: number) => ({
    headers: ['content-type', 'text/plain'],
    body: Buffer.from(body),
    storedAt: at,
    expiresAt: at + ttl,
  })
  it('expires entries at their TTL', () => {
    let t = 1000
    const cache = createResponseCache({ maxBytes: 10_000, maxTtlMs: 5000, now: () => t })
    cache.set('a', entry('x', t, 100))
    expect(cache.get('a')?.body.toString()).toBe('x')
    t += 100
    expect(cache.get('a')).toBeUndefined()
    expect(cache.size()).toBe(0)
  })
  it('evicts the oldest entries past maxBytes and never stores more', () => {
    const cache = createResponseCache({ maxBytes: 1000, maxTtlMs: 5000, now: () => 0 })
    for (let i = 0; i < 20; i++) cache.set(`k${i}`, entry('y'.repeat(100), 0, 1000))
    expect(cache.bytes()).toBeLessThanOrEqual(1000)
    expect(cache.get('k0')).toBeUndefined()
    expect(cache.get('k19')).toBeDefined()
    cache.set('huge', entry('z'.repeat(2000), 0, 1000))
    expect(cache.get('huge')).toBeUndefined()
  })
  it('stores nothing when off', () => {
    const cache = createResponseCache({ maxBytes: 0, maxTtlMs: 5000 })
    cache.set('a', entry('x', 0, 1000))
    expect(cache.size()).toBe(0)
  })
})

describe('micro-cache in the gateway (cluster mode)', () => {
  let service: Server
  let gateway: App
  let base: string
  let calls: { url: string; authorization: string | undefined }[]
  let counter = 0

  async function startGateway(
    overrides: Record<string, string> = {},
    lines?: Record<string, unknown>[],
  ): Promise<[App, string]> {
    const auth = await createTestAuth()
    const url = `http://127.0.0.1:${(service.address() as AddressInfo).port}`
    const logger = lines
      ? withFastRedaction(
          pino(loggerOptions('gateway', 'info'), {
            write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
          }),
        )
      : silentLogger
    const app = await createGateway({
      config: testConfig({ RESPONSE_CACHE_MAX_TTL_MS: '60000', ...overrides }),
      logger,
      verifier: auth.verifier,
      upstreams: { svc: { url } },
    })
    return [app, await app.listen({ port: 0, host: '127.0.0.1' })]
  }

  beforeAll(async () => {
    // A bare upstream: every answer carries a counter, so a cached answer is recognizable.
    service = createServer((req, res) => {
      calls.push({ url: req.url ?? '', authorization: req.headers.authorization })
      const body = JSON.stringify({ n: ++counter, url: req.url })
      const path = (req.url ?? '').split('?')[0]
      const control: Record<string, string> = {
        '/shared': 'public, max-age=0, s-maxage=30',
        '/short': 'public, s-maxage=1',
        '/private': 'private, no-cache',
        '/cookie': 'public, s-maxage=30',
        '/created': 'public, s-maxage=30',
      }
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'x-request-id': req.headers['x-request-id'] as string,
      }
      if (control[path!]) headers['cache-control'] = control[path!]!
      if (path === '/cookie') headers['set-cookie'] = 'sid=secret; HttpOnly'
      res.writeHead(path === '/created' ? 201 : 200, headers)
      res.end(body)
    })
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve))
    ;[gateway, base] = await startGateway()
  })

  afterAll(async () => {
    await gateway?.close()
    service?.closeAllConnections()
    await new Promise<void>((resolve) => service.close(() => resolve()))
  })

  beforeEach(() => {
    calls = []
  })

  const get = async (path: string, headers: Record<string, string> = {}, url = base) => {
    const res = await request(`${url}/api/svc${path}`, { headers })
    return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as { n: number } }
  }

  it('answers a repeated anonymous GET from memory, with Age, its own request id and the security headers', async () => {
    const first = await get('/shared?q=python')
    const second = await get('/shared?q=python')
    expect(calls).toHaveLength(1)
    expect(second.body).toEqual(first.body)
    expect(second.status).toBe(200)
    expect(second.headers.age).toBe('0')
    expect(first.headers.age).toBeUndefined()
    expect(second.headers['cache-control']).toBe('public, max-age=0, s-maxage=30')
    expect(second.headers['x-request-id']).toBeTruthy()
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id'])
    expect(second.headers['content-security-policy']).toBe(first.headers['content-security-policy'])
    expect(second.headers['x-content-type-options']).toBe('nosniff')
    expect(second.headers['content-type']).toBe('application/json')
  })

  it('keys by path and query', async () => {
    const a = await get('/shared?q=a')
    const b = await get('/shared?q=b')
    expect(a.body.n).not.toBe(b.body.n)
    expect(calls).toHaveLength(2)
  })

  it('never serves or stores for a request with a token or a cookie', async () => {
    await get('/shared?q=tok')
    // A token (even an invalid one: 401 before anything) never gets the shared answer.
    const bad = await request(`${base}/api/svc/shared?q=tok`, { headers: { authorization: 'Bearer x.y.z' } })
    expect(bad.statusCode).toBe(401)
    await bad.body.dump()
    const cookie = await get('/shared?q=tok', { cookie: 'sid=1' })
    expect(cookie.headers.age).toBeUndefined()
    expect(calls).toHaveLength(2)
  })

  it('goes to the service when the client asks for a fresh answer', async () => {
    await get('/shared?q=fresh')
    const again = await get('/shared?q=fresh', { 'cache-control': 'no-cache' })
    expect(again.headers.age).toBeUndefined()
    expect(calls).toHaveLength(2)
  })

  it.each(['/private', '/cookie', '/created', '/plain'])('does not store %s', async (path) => {
    const a = await request(`${base}/api/svc${path}`)
    await a.body.dump()
    const b = await request(`${base}/api/svc${path}`)
    await b.body.dump()
    expect(b.headers.age).toBeUndefined()
    expect(calls).toHaveLength(2)
    if (path === '/cookie') expect(b.headers['set-cookie']).toBeDefined()
  })

  it('serves an entry no longer than its s-maxage', async () => {
    await get('/short?x=1')
    await get('/short?x=1')
    expect(calls).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 1050))
    await get('/short?x=1')
    expect(calls).toHaveLength(2)
  })

  it('still rate-limits cache hits', async () => {
    const [limited, url] = await startGateway({ RATE_LIMIT_MAX: '2' })
    try {
      expect((await get('/shared?q=rl', {}, url)).status).toBe(200)
      expect((await get('/shared?q=rl', {}, url)).status).toBe(200)
      const third = await request(`${url}/api/svc/shared?q=rl`)
      expect(third.statusCode).toBe(429)
      await third.body.dump()
    } finally {
      await limited.close()
    }
  })

  it('writes the access-log line of a hit like any other request', async () => {
    const lines: Record<string, unknown>[] = []
    const [logged, url] = await startGateway({}, lines)
    try {
      const miss = await get('/shared?q=log', {}, url)
      const hit = await get('/shared?q=log', {}, url)
      expect(hit.headers.age).toBe('0')
      const completed = lines.filter((l) => l.msg === 'request completed')
      expect(completed.map((l) => [l.reqId, l.status])).toEqual([
        [miss.headers['x-request-id'], 200],
        [hit.headers['x-request-id'], 200],
      ])
    } finally {
      await logged.close()
    }
  })

  it('is off with RESPONSE_CACHE_MAX_BYTES=0', async () => {
    const [off, url] = await startGateway({ RESPONSE_CACHE_MAX_BYTES: '0' })
    try {
      await get('/shared?q=off', {}, url)
      const again = await get('/shared?q=off', {}, url)
      expect(again.headers.age).toBeUndefined()
      expect(calls).toHaveLength(2)
    } finally {
      await off.close()
    }
  })
})
