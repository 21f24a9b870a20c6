import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import type { App } from '@learnmesh/kernel'
import { ConfigError } from '@learnmesh/kernel'
import { parseServiceUrls } from './config.ts'
import { createGateway } from './gateway.ts'
import {
  createEchoService,
  createTestAuth,
  silentLogger,
  testConfig,
  type SeenRequest,
} from './test-support.ts'

// Several replicas of one service behind one gateway entry: `identity=http://a|http://b`.
const replicas: { app: App; seen: SeenRequest[]; url: string }[] = []
let gateway: App
let gatewayUrl: string

beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    const echo = await createEchoService()
    replicas.push({ ...echo, url: await echo.app.listen({ port: 0, host: '127.0.0.1' }) })
  }
  const auth = await createTestAuth()
  const urls = replicas.map((r) => r.url).join('|')
  gateway = await createGateway({
    config: testConfig({ SERVICE_URLS: `echo=${urls}` }),
    logger: silentLogger,
    verifier: auth.verifier,
    upstreams: Object.fromEntries(
      Object.entries(parseServiceUrls(`echo=${urls}`)).map(([name, url]) => [name, { url }]),
    ),
  })
  gatewayUrl = await gateway.listen({ port: 0, host: '127.0.0.1' })
})

afterAll(async () => {
  await gateway?.close()
  for (const r of replicas) await r.app.close()
})

describe('happy', () => {
  it('spreads requests over every replica of a service', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await request(`${gatewayUrl}/api/echo/`)
      expect(res.statusCode).toBe(200)
      await res.body.json()
    }
    const counts = replicas.map((r) => r.seen.filter((s) => s.url === '/').length)
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20)
    for (const c of counts) expect(c).toBeGreaterThanOrEqual(5)
  })

  it('parses replica lists, trimming trailing slashes', () => {
    expect(parseServiceUrls('identity=http://a:1/|http://a:2, learning=http://b:2')).toEqual({
      identity: 'http://a:1|http://a:2',
      learning: 'http://b:2',
    })
  })
})

describe('errors', () => {
  it('rejects a replica that is not a URL, or replicas with different base paths', () => {
    expect(() => parseServiceUrls('identity=http://a:1|nope')).toThrow(ConfigError)
    expect(() => parseServiceUrls('identity=http://a:1/x|http://a:2/y')).toThrow(/base path/)
    expect(() => testConfig({ SERVICE_URLS: 'identity=http://a:1|http://a:2' })).not.toThrow()
  })
})

describe('security', () => {
  it('keeps answering through the live replica when one is down, never with a 5xx leak', async () => {
    const down = replicas[1]!
    await down.app.close()
    const statuses: number[] = []
    for (let i = 0; i < 10; i++) {
      const res = await request(`${gatewayUrl}/api/echo/`)
      statuses.push(res.statusCode)
      const body = await res.body.text()
      if (res.statusCode !== 200) expect(body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/)
    }
    // BalancedPool weights the dead upstream down: most requests reach the live one.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5)
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true)
  })
})
