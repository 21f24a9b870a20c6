import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { App } from '@learnmesh/kernel'
import { createGateway } from './gateway.ts'
import {
  createEchoService,
  createTestAuth,
  silentLogger,
  testConfig,
  unsignedToken,
  type SeenRequest,
} from './test-support.ts'

const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/

// Both ways of reaching a service must behave the same for clients: every case runs in both modes.
describe.each(['embedded', 'cluster'] as const)('%s mode', (mode) => {
  let gateway: App
  let upstream: App
  let seen: SeenRequest[]
  let auth: Awaited<ReturnType<typeof createTestAuth>>

  beforeAll(async () => {
    auth = await createTestAuth()
    const echo = await createEchoService({ bodyLimit: 2048 })
    upstream = echo.app
    seen = echo.seen
    let target: { app?: App; url?: string } = { app: upstream }
    if (mode === 'cluster') {
      target = { url: await upstream.listen({ port: 0, host: '127.0.0.1' }) }
    }
    gateway = await createGateway({
      config: testConfig({ BODY_LIMIT_BYTES: '4096', UPSTREAM_TIMEOUT_MS: '300' }),
      logger: silentLogger,
      verifier: auth.verifier,
      upstreams: { echo: target },
    })
    await gateway.ready()
  })
  afterAll(async () => {
    await gateway?.close()
    await upstream?.close()
  })
  beforeEach(() => {
    seen.length = 0
  })

  describe('happy', () => {
    it('passes method, path, query, body, status and headers through', async () => {
      const res = await gateway.inject({
        method: 'POST',
        url: '/api/echo/echo?x=1&y=two',
        payload: { name: 'Ada' },
      })
      expect(res.statusCode).toBe(201)
      expect(res.headers['content-type']).toContain('application/json')
      expect(res.headers['x-upstream']).toBe('echo')
      expect(res.json()).toMatchObject({
        method: 'POST',
        url: '/echo?x=1&y=two',
        query: { x: '1', y: 'two' },
        name: 'Ada',
      })
      expect(seen).toHaveLength(1)
    })

    it('routes /api/<service> itself to the service root', async () => {
      const res = await gateway.inject('/api/echo')
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ service: 'echo' })
      expect(seen[0]!.url).toBe('/')
    })

    it('answers HEAD with the headers of GET and no body', async () => {
      const res = await gateway.inject({ method: 'HEAD', url: '/api/echo/cookie' })
      expect(res.statusCode).toBe(200)
      expect(res.body).toBe('')
      expect(res.headers['content-type']).toContain('application/json')
      expect(seen[0]!.method).toBe('HEAD')
    })

    it('keeps a well-formed request id end to end and makes one otherwise', async () => {
      const given = await gateway.inject({
        method: 'POST',
        url: '/api/echo/echo',
        payload: { name: 'a' },
        headers: { 'x-request-id': 'req-abc-1' },
      })
      expect(given.headers['x-request-id']).toBe('req-abc-1')
      expect(given.json().requestId).toBe('req-abc-1')
      expect(seen[0]!.headers['x-request-id']).toBe('req-abc-1')

      const made = await gateway.inject({ method: 'POST', url: '/api/echo/echo', payload: { name: 'a' } })
      const id = made.headers['x-request-id']
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      expect(made.json().requestId).toBe(id)
      expect(seen[1]!.headers['x-request-id']).toBe(id)
    })

    it('forwards a valid traceparent unchanged and starts a trace when there is none', async () => {
      await gateway.inject({ url: '/api/echo', headers: { traceparent: TRACE, tracestate: 'vendor=1' } })
      expect(seen[0]!.headers.traceparent).toBe(TRACE)
      expect(seen[0]!.headers.tracestate).toBe('vendor=1')

      await gateway.inject({ url: '/api/echo' })
      await gateway.inject({ url: '/api/echo' })
      expect(seen[1]!.headers.traceparent).toMatch(TRACEPARENT)
      expect(seen[2]!.headers.traceparent).toMatch(TRACEPARENT)
      expect(seen[1]!.headers.traceparent!.slice(3, 35)).not.toBe(
        (seen[2]!.headers.traceparent as string).slice(3, 35),
      )
    })

    it('passes problem documents, 204s and multiple set-cookie headers through', async () => {
      const conflict = await gateway.inject('/api/echo/conflict')
      expect(conflict.statusCode).toBe(409)
      expect(conflict.headers['content-type']).toContain('application/problem+json')
      expect(conflict.json()).toMatchObject({ code: 'conflict', detail: 'Already taken', status: 409 })

      const empty = await gateway.inject('/api/echo/empty')
      expect(empty.statusCode).toBe(204)
      expect(empty.body).toBe('')

      const cookie = await gateway.inject('/api/echo/cookie')
      expect(cookie.headers['set-cookie']).toEqual(['a=1; Path=/; HttpOnly', 'b=2; Path=/; HttpOnly'])
    })

    it('forwards the Cookie, Origin and token-transport headers a cookie refresh depends on', async () => {
      const res = await gateway.inject({
        method: 'POST',
        url: '/api/echo/echo',
        payload: { name: 'a' },
        headers: {
          cookie: 'lm_refresh=abc; theme=dark',
          origin: 'http://localhost:3000',
          'sec-fetch-site': 'same-origin',
          'x-token-transport': 'cookie',
        },
      })
      expect(res.statusCode).toBe(201)
      expect(seen[0]!.headers).toMatchObject({
        cookie: 'lm_refresh=abc; theme=dark',
        origin: 'http://localhost:3000',
        'sec-fetch-site': 'same-origin',
        'x-token-transport': 'cookie',
      })
    })

    it('leaves body limits and media types to the service: its own 413 and 415 reach the client', async () => {
      const big = await gateway.inject({
        method: 'POST',
        url: '/api/echo/echo',
        payload: { name: 'x'.repeat(3000) },
      })
      expect(big.statusCode).toBe(413)
      expect(big.json()).toMatchObject({ code: 'payload_too_large' })
      expect(seen).toHaveLength(1)

      const form = await gateway.inject({
        method: 'POST',
        url: '/api/echo/echo',
        payload: 'name=a',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      expect(form.statusCode).toBe(415)
      expect(form.json()).toMatchObject({ code: 'unsupported_media_type' })

      const invalid = await gateway.inject({
        method: 'POST',
        url: '/api/echo/echo',
        payload: { name: 'a', role: 'admin' },
      })
      expect(invalid.statusCode).toBe(400)
      expect(invalid.json()).toMatchObject({ code: 'validation_failed' })
    })

    it('lets a valid access token through, with its Authorization header for the service to verify again', async () => {
      const token = await auth.signer.sign({ sub: 'usr_1', org: 'org_1', roles: ['learner'] })
      const res = await gateway.inject({ url: '/api/echo', headers: { authorization: `Bearer ${token}` } })
      expect(res.statusCode).toBe(200)
      expect(seen[0]!.headers.authorization).toBe(`Bearer ${token}`)
    })

    it('serves its own health, readiness (checking the service) and metrics', async () => {
      expect((await gateway.inject('/health')).json()).toMatchObject({ status: 'ok', service: 'gateway' })
      const ready = await gateway.inject('/ready')
      expect(ready.statusCode).toBe(200)
      expect(ready.json()).toEqual({ status: 'ready', checks: { echo: 'ok' } })
      await gateway.inject('/api/echo')
      expect((await gateway.inject('/metrics')).body).toContain('route="/api/echo"')
    })
  })

  describe('errors', () => {
    it('answers an unknown service with a 404 problem', async () => {
      const res = await gateway.inject({ method: 'POST', url: '/api/nope/things', payload: { a: 1 } })
      expect(res.statusCode).toBe(404)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.json()).toMatchObject({ code: 'not_found', detail: "There is no 'nope' service" })
    })

    it('rejects a body over the gateway limit with 413 before the service sees it', async () => {
      const res = await gateway.inject({
        method: 'POST',
        url: '/api/echo/echo',
        payload: { name: 'x'.repeat(5000) },
      })
      expect(res.statusCode).toBe(413)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.json()).toMatchObject({ code: 'payload_too_large', limit: 4096 })
      expect(seen).toHaveLength(0)
    })

    it('answers a routing miss on an existing service with the service’s own 404', async () => {
      const res = await gateway.inject('/api/echo/does-not-exist')
      expect(res.statusCode).toBe(404)
      expect(res.json()).toMatchObject({ code: 'not_found' })
      expect(seen).toHaveLength(1)
    })
  })

  describe('security', () => {
    it.each([
      ['alg none', async () => unsignedToken()],
      [
        'wrong issuer',
        () => auth.signer.sign({ sub: 'usr_1', org: 'org_1' }, { issuer: 'https://evil.example' }),
      ],
      [
        'expired',
        () =>
          auth.signer.sign({ sub: 'usr_1', org: 'org_1' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
      ],
      ['garbage', async () => 'not.a.token'],
    ])('rejects an invalid access token (%s) with 401 and never calls the service', async (_name, make) => {
      const token = await make()
      const res = await gateway.inject({
        method: 'POST',
        url: '/api/echo/echo',
        payload: { name: 'a' },
        headers: { authorization: `Bearer ${token}` },
      })
      expect(res.statusCode).toBe(401)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.headers['www-authenticate']).toBe('Bearer')
      expect(res.json()).toMatchObject({ code: 'invalid_token' })
      expect(seen).toHaveLength(0)
    })

    it('rejects a non-Bearer Authorization header', async () => {
      const res = await gateway.inject({
        url: '/api/echo',
        headers: { authorization: 'Basic YWRtaW46YWRtaW4=' },
      })
      expect(res.statusCode).toBe(401)
      expect(seen).toHaveLength(0)
    })

    it('sets strict security headers on API responses, including those of the service', async () => {
      const res = await gateway.inject('/api/echo/conflict')
      expect(res.headers['content-security-policy']).toContain("default-src 'none'")
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'")
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['x-frame-options']).toBe('DENY')
      expect(res.headers['strict-transport-security']).toContain('max-age=')
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin')
      expect(res.headers['x-powered-by']).toBeUndefined()
      // The gateway's own answers carry them too.
      for (const own of [
        await gateway.inject({ url: '/api/echo', headers: { authorization: 'Bearer x.y.z' } }),
        await gateway.inject('/api/nope'),
        await gateway.inject('/api/openapi.json'),
      ]) {
        expect(own.headers['content-security-policy']).toContain("default-src 'none'")
        expect(own.headers['x-content-type-options']).toBe('nosniff')
      }
    })

    it('lets a service set its own CSP, keeping the other security headers', async () => {
      const res = await gateway.inject({ url: '/api/echo/page', headers: { 'x-request-id': 'once-1' } })
      expect(res.headers['x-request-id']).toBe('once-1')
      expect(res.headers['content-security-policy']).toBe("default-src 'self'")
      expect(res.headers['x-content-type-options']).toBe('nosniff')
    })

    it('replaces an invalid traceparent and drops its tracestate', async () => {
      await gateway.inject({
        url: '/api/echo',
        headers: {
          traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
          tracestate: 'x=1',
        },
      })
      expect(seen[0]!.headers.traceparent).toMatch(TRACEPARENT)
      expect(seen[0]!.headers.traceparent).not.toContain('00000000000000000000000000000000')
      expect(seen[0]!.headers.tracestate).toBeUndefined()
    })

    it('replaces a malformed request id instead of forwarding it', async () => {
      const res = await gateway.inject({ url: '/api/echo', headers: { 'x-request-id': 'bad id\twith tab' } })
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
      expect(seen[0]!.headers['x-request-id']).toBe(res.headers['x-request-id'])
    })
  })
})
