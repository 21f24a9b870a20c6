import { createServer, request as nodeRequest, type OutgoingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { request } from 'undici'
import type { App } from '@learnmesh/kernel'
import { createGateway } from './gateway.ts'
import {
  createEchoService,
  createTestAuth,
  silentLogger,
  testConfig,
  type SeenRequest,
} from './test-support.ts'

// Cluster mode over real sockets: what only HTTP between processes can show (timeouts, refused
// connections, hop-by-hop headers, chunked uploads, client-supplied forwarding headers).
let gateway: App
let gatewayUrl: string
let upstream: App
let seen: SeenRequest[]
let refusedUrl: string
let raw: Server
let rawUrl: string
let rawSeen: { url: string; body: string; headers: Record<string, unknown> }[]

/** node:http, which sends headers exactly as given (undici normalizes Connection). */
function rawRequest(url: string, headers: OutgoingHttpHeaders): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = nodeRequest(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  const echo = await createEchoService({ bodyLimit: 1024 * 1024 })
  upstream = echo.app
  seen = echo.seen
  const echoUrl = await upstream.listen({ port: 0, host: '127.0.0.1' })

  // A port nobody listens on: take one, then free it.
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  refusedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`
  await new Promise<void>((resolve) => probe.close(() => resolve()))

  // A bare node:http upstream, to see exactly what arrives on the wire and send odd responses.
  rawSeen = []
  raw = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      rawSeen.push({
        url: req.url ?? '',
        body: Buffer.concat(chunks).toString(),
        headers: { ...req.headers },
      })
      if (req.url === '/reset') {
        req.socket.destroy()
        return
      }
      if (req.url === '/big') {
        // 2 MiB with Content-Length, in 64 KiB writes: several chunks and backpressure on the way out.
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': String(2 * 1024 * 1024),
        })
        for (let i = 0; i < 32; i++) res.write(Buffer.alloc(64 * 1024, i))
        res.end()
        return
      }
      if (req.url === '/stream') {
        // Chunked, no Content-Length: forwarded as it comes.
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.write('one,')
        setTimeout(() => res.write('two,'), 20)
        setTimeout(() => res.end('three'), 40)
        return
      }
      res.setHeader('content-type', 'text/plain')
      res.setHeader('x-hop', 'secret')
      res.setHeader('connection', 'keep-alive, x-hop')
      res.end(`got ${Buffer.concat(chunks).length} bytes`)
    })
  })
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve))
  rawUrl = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`

  const auth = await createTestAuth()
  gateway = await createGateway({
    config: testConfig({ BODY_LIMIT_BYTES: '65536', UPSTREAM_TIMEOUT_MS: '300' }),
    logger: silentLogger,
    verifier: auth.verifier,
    upstreams: { echo: { url: echoUrl }, down: { url: refusedUrl }, raw: { url: rawUrl } },
  })
  gatewayUrl = await gateway.listen({ port: 0, host: '127.0.0.1' })
})

afterAll(async () => {
  await gateway?.close()
  await upstream?.close()
  raw?.closeAllConnections()
  await new Promise<void>((resolve) => (raw ? raw.close(() => resolve()) : resolve()))
})

beforeEach(() => {
  seen.length = 0
  rawSeen.length = 0
})

describe('happy', () => {
  it('streams a chunked upload to the service', async () => {
    const body = Readable.from([Buffer.from('a'.repeat(30_000)), Buffer.from('b'.repeat(30_000))])
    const res = await request(`${gatewayUrl}/api/raw/upload`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
    })
    expect(res.statusCode).toBe(200)
    expect(await res.body.text()).toBe('got 60000 bytes')
    expect(rawSeen[0]!.body.length).toBe(60_000)
  })

  it('streams large and chunked responses back intact', async () => {
    const big = await request(`${gatewayUrl}/api/raw/big`)
    expect(big.statusCode).toBe(200)
    expect(big.headers['content-length']).toBe(String(2 * 1024 * 1024))
    const bytes = Buffer.from(await big.body.arrayBuffer())
    expect(bytes.length).toBe(2 * 1024 * 1024)
    expect(bytes[0]).toBe(0)
    expect(bytes[bytes.length - 1]).toBe(31)

    const stream = await request(`${gatewayUrl}/api/raw/stream`)
    expect(stream.headers['transfer-encoding']).toBe('chunked')
    expect(await stream.body.text()).toBe('one,two,three')
  })

  it('sets X-Forwarded-* for the service', async () => {
    const res = await request(`${gatewayUrl}/api/raw/where`, { headers: { host: 'learn.example:8080' } })
    await res.body.dump()
    const headers = rawSeen[0]!.headers
    expect(headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(headers['x-forwarded-proto']).toBe('http')
    expect(headers['x-forwarded-host']).toBe('learn.example:8080')
    expect(headers.host).toBe(new URL(rawUrl).host)
  })

  it('reuses keep-alive connections to a service', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await request(`${gatewayUrl}/api/echo`)
      await res.body.dump()
    }
    const ports = new Set(seen.map((s) => s.remotePort))
    expect(seen).toHaveLength(5)
    expect(ports.size).toBe(1)
  })
})

describe('errors', () => {
  it('answers 503 when the service refuses connections, without upstream details', async () => {
    const res = await gateway.inject({ url: '/api/down/anything', headers: { 'x-request-id': 'down-1' } })
    expect(res.statusCode).toBe(503)
    expect(res.headers['content-type']).toContain('application/problem+json')
    expect(res.json()).toMatchObject({ code: 'service_unavailable', requestId: 'down-1' })
    expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|undici/i)
  })

  it('answers 504 when the service is too slow', async () => {
    const res = await gateway.inject('/api/echo/slow?ms=1500')
    expect(res.statusCode).toBe(504)
    expect(res.json()).toMatchObject({
      code: 'gateway_timeout',
      detail: 'The echo service did not answer in time',
    })
  })

  it('answers 502 when the service drops the connection', async () => {
    const res = await gateway.inject('/api/raw/reset')
    expect(res.statusCode).toBe(502)
    expect(res.json()).toMatchObject({ code: 'bad_gateway' })
    expect(res.body).not.toMatch(/socket|ECONNRESET|other side/i)
  })

  it('reports the unreachable service in /ready', async () => {
    const res = await gateway.inject('/ready')
    expect(res.statusCode).toBe(503)
    expect(res.json().checks).toMatchObject({ echo: 'ok', down: 'failing' })
  })

  it('stops a chunked upload at the limit with 413', async () => {
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < 20; i++) yield Buffer.alloc(8192, 'x')
      })(),
    )
    const res = await request(`${gatewayUrl}/api/raw/upload`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
    })
    expect(res.statusCode).toBe(413)
    expect(await res.body.json()).toMatchObject({ code: 'payload_too_large' })
    expect(rawSeen.every((r) => r.body.length <= 65536)).toBe(true)
  })
})

describe('security', () => {
  it('strips hop-by-hop request headers, including those named in Connection', async () => {
    const res = await rawRequest(`${gatewayUrl}/api/raw/hop`, {
      connection: 'keep-alive, x-private',
      'x-private': 'internal',
      'proxy-authorization': 'Basic c2VjcmV0',
      te: 'trailers',
      'x-kept': 'yes',
    })
    expect(res.status).toBe(200)
    const headers = rawSeen[0]!.headers
    expect(headers['x-private']).toBeUndefined()
    expect(headers['proxy-authorization']).toBeUndefined()
    expect(headers.te).toBeUndefined()
    expect(headers['x-kept']).toBe('yes')
  })

  it('strips hop-by-hop response headers, including those named in Connection', async () => {
    const res = await request(`${gatewayUrl}/api/raw/hop`)
    expect(await res.body.text()).toBe('got 0 bytes')
    expect(res.headers['x-hop']).toBeUndefined()
    const echo = await gateway.inject({ method: 'POST', url: '/api/echo/echo', payload: { name: 'a' } })
    expect(echo.headers['x-upstream']).toBe('echo')
    expect(echo.headers['proxy-authenticate']).toBeUndefined()
  })

  it('sends each response header once on the wire (gateway and service both set some)', async () => {
    const res = await request(`${gatewayUrl}/api/echo/page`, { headers: { 'x-request-id': 'once-1' } })
    await res.body.dump()
    // undici turns a repeated header into an array.
    expect(res.headers['x-request-id']).toBe('once-1')
    expect(res.headers['content-security-policy']).toBe("default-src 'self'")
    for (const [name, value] of Object.entries(res.headers)) expect(Array.isArray(value), name).toBe(false)
  })

  it('does not trust X-Forwarded-For sent by the client', async () => {
    const res = await request(`${gatewayUrl}/api/raw/ip`, {
      headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.example' },
    })
    await res.body.dump()
    expect(rawSeen[0]!.headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(rawSeen[0]!.headers['x-forwarded-host']).not.toBe('evil.example')
  })
})
