import pino from 'pino'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { withFastRedaction, loggerOptions, type App } from '@learnmesh/kernel'
import { createGateway } from './gateway.ts'
import { createEchoService, createTestAuth, testConfig, type SeenRequest } from './test-support.ts'

const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

// The gateway is the platform's access log: one line per request, in both ways of reaching a service.
describe.each(['embedded', 'cluster'] as const)('access log, %s mode', (mode) => {
  let gateway: App
  let upstream: App
  let seen: SeenRequest[]
  let token: string
  const lines: Record<string, unknown>[] = []
  const raw: string[] = []
  const completed = () => lines.filter((l) => l.msg === 'request completed')

  beforeAll(async () => {
    const auth = await createTestAuth()
    token = await auth.signer.sign({ sub: 'usr_log', org: 'org_log', roles: ['learner'] })
    const echo = await createEchoService()
    upstream = echo.app
    seen = echo.seen
    const target =
      mode === 'cluster' ? { url: await upstream.listen({ port: 0, host: '127.0.0.1' }) } : { app: upstream }
    const stream = {
      write(line: string) {
        raw.push(line)
        lines.push(JSON.parse(line) as Record<string, unknown>)
      },
    }
    gateway = await createGateway({
      config: testConfig(),
      logger: withFastRedaction(pino(loggerOptions('gateway', 'info'), stream)),
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
    lines.length = 0
    raw.length = 0
    seen.length = 0
  })

  describe('happy', () => {
    it('writes one line per proxied request with the request id and the forwarded trace id', async () => {
      const res = await gateway.inject({ url: '/api/echo', headers: { 'x-request-id': 'req-log-1' } })
      expect(res.statusCode).toBe(200)
      const forwarded = seen[0]!.headers.traceparent as string
      expect(completed()).toEqual([
        expect.objectContaining({
          service: 'gateway',
          reqId: 'req-log-1',
          traceId: forwarded.split('-')[1],
          method: 'GET',
          url: '/api/echo',
          status: 200,
          level: 30,
        }),
      ])
      expect(typeof completed()[0]!.ms).toBe('number')
    })

    it("keeps the caller's trace id", async () => {
      await gateway.inject({ url: '/api/echo', headers: { traceparent: TRACE } })
      expect(completed()).toEqual([expect.objectContaining({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736' })])
    })

    it('does not log health checks', async () => {
      await gateway.inject('/health')
      expect(completed()).toEqual([])
    })
  })

  describe('errors', () => {
    it('logs a failed request exactly once, with its status', async () => {
      await gateway.inject({ url: '/api/nowhere', headers: { 'x-request-id': 'req-log-404' } })
      await gateway.inject({ url: '/api/echo/conflict', headers: { 'x-request-id': 'req-log-409' } })
      expect(completed()).toEqual([
        expect.objectContaining({ reqId: 'req-log-404', status: 404 }),
        expect.objectContaining({ reqId: 'req-log-409', status: 409 }),
      ])
    })
  })

  describe('security', () => {
    it('never writes the access token or the query string', async () => {
      await gateway.inject({
        url: '/api/echo?code=secret-code',
        headers: { authorization: `Bearer ${token}` },
      })
      await gateway.inject({ url: '/api/echo', headers: { authorization: 'Bearer not-a-token' } })
      expect(completed()).toHaveLength(2)
      const output = raw.join('')
      expect(output).not.toContain(token)
      expect(output).not.toContain('not-a-token')
      expect(output).not.toContain('secret-code')
    })
  })
})
