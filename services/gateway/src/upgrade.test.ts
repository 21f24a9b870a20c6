import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Server } from 'socket.io'
import { io as connect, type Socket } from 'socket.io-client'
import type { App } from '@learnmesh/kernel'
import { createGateway } from './gateway.ts'
import { createTestAuth, silentLogger, testConfig } from './test-support.ts'

/** A Socket.IO "service" at `/socket.io/` that accepts the token `good` and echoes with an ack. */
async function socketService() {
  const http: HttpServer = createServer()
  const io = new Server(http, { path: '/socket.io/', serveClient: false })
  const seen: { forwardedFor: unknown; url: string | undefined }[] = []
  io.use((socket, next) => {
    seen.push({ forwardedFor: socket.handshake.headers['x-forwarded-for'], url: socket.request.url })
    if (socket.handshake.auth.token === 'good') next()
    else next(Object.assign(new Error('invalid_token'), { data: { code: 'invalid_token' } }))
  })
  io.on('connection', (socket) => {
    socket.on('echo', (data: unknown, ack: (x: unknown) => void) => ack({ echoed: data }))
    socket.on('push-me', () => socket.emit('pushed', { n: 1 }))
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      io.disconnectSockets(true)
      io.engine.close()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}

function open(base: string, path: string, token: string): Promise<Socket> {
  const s = connect(base, {
    path,
    transports: ['websocket'],
    auth: { token },
    reconnection: false,
    forceNew: true,
  })
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s))
    s.once('connect_error', (err) => {
      s.disconnect()
      reject(err)
    })
  })
}

describe('WebSocket upgrades through the gateway (cluster mode)', () => {
  let service: Awaited<ReturnType<typeof socketService>>
  let gateway: App
  let gatewayUrl: string
  let deadPort: number
  const sockets: Socket[] = []
  beforeAll(async () => {
    service = await socketService()
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    deadPort = (probe.address() as AddressInfo).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const { verifier } = await createTestAuth()
    gateway = await createGateway({
      config: testConfig(),
      logger: silentLogger,
      verifier,
      upstreams: { tutoring: { url: service.url }, gone: { url: `http://127.0.0.1:${deadPort}` } },
    })
    gatewayUrl = await gateway.listen({ port: 0, host: '127.0.0.1' })
  })
  afterAll(async () => {
    for (const s of sockets) s.disconnect()
    await gateway?.close()
    await service?.close()
  })

  describe('happy', () => {
    it('relays a Socket.IO connection at /api/<service>/socket.io/ to the service, both ways', async () => {
      const s = await open(gatewayUrl, '/api/tutoring/socket.io/', 'good')
      sockets.push(s)
      expect(await s.timeout(3000).emitWithAck('echo', { hi: 1 })).toEqual({ echoed: { hi: 1 } })
      const pushed = new Promise((resolve) => s.once('pushed', resolve))
      s.emit('push-me')
      expect(await pushed).toEqual({ n: 1 })
      const last = service.seen.at(-1)!
      expect(last.url).toMatch(/^\/socket\.io\/\?/)
      expect(last.forwardedFor).toBe('127.0.0.1')
    })
  })

  describe('errors', () => {
    it('answers 502 when the service is unreachable', async () => {
      await expect(open(gatewayUrl, '/api/gone/socket.io/', 'good')).rejects.toBeInstanceOf(Error)
    })

    it('closes an upgrade to an unknown path with a 404', async () => {
      await expect(open(gatewayUrl, '/api/nobody/socket.io/', 'good')).rejects.toBeInstanceOf(Error)
    })
  })

  describe('security', () => {
    it('leaves authentication to the service: a bad token is refused there', async () => {
      await expect(open(gatewayUrl, '/api/tutoring/socket.io/', 'bad')).rejects.toMatchObject({
        message: 'invalid_token',
      })
    })
  })
})
