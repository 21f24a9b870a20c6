import { afterEach, describe, expect, it, vi } from 'vitest'
import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocket } from 'ws'
import { io as connect, type Socket } from 'socket.io-client'
import { createLogger } from '@learnmesh/kernel'
import { takeFrame, upgradeAnswer as upgradeAnswerAt } from '@learnmesh/kernel/testing'
import { ConnectionRefused, SocketServer, type Accepted, type Connection } from './socket-server.ts'

// The protocol server on its own, with socket.io-client (what the web app runs) and raw WebSocket
// frames for what a well-behaved client never sends. Chat over it: chat.socket.test.ts.

type Actor = { name: string }

interface Harness {
  io: SocketServer<Actor>
  http: HttpServer
  url: string
  logger: ReturnType<typeof createLogger>
  connected: Connection<Actor>[]
  clients: Socket[]
  raws: WebSocket[]
}

let h: Harness | undefined

/** Tokens the test server knows: `good-<name>` (rooms `r:<name>` and `all`), `expiring` (cut after 150 ms). */
async function authenticate(auth: unknown): Promise<Accepted<Actor>> {
  const token = (auth as { token?: unknown } | undefined)?.token
  if (token === 'boom') throw new Error('database down')
  if (token === 'expiring') return { actor: { name: 'exp' }, rooms: ['all'], expiresAt: Date.now() + 150 }
  if (typeof token !== 'string' || !token.startsWith('good-'))
    throw new ConnectionRefused('invalid_token', { code: 'invalid_token', status: 401, detail: 'no' })
  const name = token.slice(5)
  return { actor: { name }, rooms: [`r:${name}`, 'all'], expiresAt: null }
}

async function start(
  options: Partial<{
    pingIntervalMs: number
    pingTimeoutMs: number
    connectTimeoutMs: number
    linkPath: string
  }> = {},
) {
  const http = createServer((_req, res) => res.writeHead(404).end())
  const logger = createLogger('socket-server-test', 'silent')
  const connected: Connection<Actor>[] = []
  const io = new SocketServer<Actor>({
    server: http,
    path: '/socket.io/',
    maxPayload: 4096,
    logger,
    authenticate,
    connected: (conn) => {
      connected.push(conn)
      conn.emit('ready', { name: conn.actor.name, rooms: conn.rooms })
    },
    sweepMs: 20,
    ...options,
  })
  io.on('echo', (conn, input, ack) => ack?.({ from: conn.actor.name, input }))
  io.on('shout', (conn, input) => conn.broadcast('all', 'heard', { from: conn.actor.name, input }))
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  h = { io, http, url, logger, connected, clients: [], raws: [] }
  return h
}

afterEach(async () => {
  if (!h) return
  for (const c of h.clients) c.disconnect()
  for (const w of h.raws) w.terminate()
  await h.io.close()
  h.http.closeAllConnections()
  await new Promise<void>((resolve) => h!.http.close(() => resolve()))
  h = undefined
})

/** A socket.io-client connection with `token`; resolves with it and its `ready` payload. */
async function client(token: string | undefined, path = '/socket.io/') {
  const s = connect(h!.url, {
    path,
    transports: ['websocket'],
    auth: token === undefined ? {} : { token },
    reconnection: false,
    forceNew: true,
  })
  h!.clients.push(s)
  const ready = await new Promise<{ name: string; rooms: string[] }>((resolve, reject) => {
    s.once('ready', resolve)
    s.once('connect_error', reject)
  })
  return { s, ready }
}

/** A raw WebSocket at the Socket.IO path, with every text frame it receives collected. */
async function raw(query = 'EIO=4&transport=websocket') {
  const ws = new WebSocket(`${h!.url.replace('http', 'ws')}/socket.io/?${query}`)
  h!.raws.push(ws)
  const frames: string[] = []
  ws.on('message', (data) => frames.push(String(data)))
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  )
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  /** The next frame matching `test` (frames already received count), or a rejection after 2 s. */
  const frame = (test: (f: string) => boolean) => takeFrame(frames, test)
  return { ws, frames, frame, closed }
}

/** A gateway's link to the server: raw link frames in and out (protocol: SOCKET_LINK_PATH in contracts). */
async function link() {
  const ws = new WebSocket(`${h!.url.replace('http', 'ws')}/socket.io-link`)
  h!.raws.push(ws)
  const frames: string[] = []
  ws.on('message', (data) => frames.push(String(data)))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  const frame = (test: (f: string) => boolean) => takeFrame(frames, test)
  /** Opens client `id` on the link and completes its handshake with `token`. */
  async function connectClient(id: number, token: string) {
    ws.send(`o${id}`)
    await frame((f) => f.startsWith(`s${id}|0{`))
    ws.send(`m${id}|40{"token":"${token}"}`)
    await frame((f) => f.startsWith(`s${id}|40{`))
    await frame((f) => f.startsWith(`s${id}|42["ready"`))
  }
  return { ws, frames, frame, connectClient }
}

/** Resolves true when `event` does not arrive on `s` within `ms`. */
function quiet(s: Socket, event: string, ms = 200): Promise<boolean> {
  return new Promise((resolve) => {
    const on = () => resolve(false)
    s.once(event, on)
    setTimeout(() => {
      s.off(event, on)
      resolve(true)
    }, ms)
  })
}

/** The HTTP answer to an upgrade request at `path`. */
function upgradeAnswer(path: string): Promise<{ status: number; body: string }> {
  return upgradeAnswerAt(`${h!.url}${path}`)
}

describe('socket server (Socket.IO protocol on ws)', () => {
  describe('happy', () => {
    it('accepts socket.io-client over WebSocket: handshake, rooms joined first, events with acks', async () => {
      await start()
      const { s, ready } = await client('good-ann')
      expect(ready).toEqual({ name: 'ann', rooms: ['r:ann', 'all'] })
      expect(s.connected).toBe(true)
      expect(await s.timeout(2000).emitWithAck('echo', { n: 1 })).toEqual({ from: 'ann', input: { n: 1 } })
      expect(h!.io.size).toBe(1)
    })

    it('opens with an Engine.IO v4 open packet announcing the heartbeat and the payload limit', async () => {
      await start({ pingIntervalMs: 1234, pingTimeoutMs: 567 })
      const r = await raw()
      const open = await r.frame((f) => f.startsWith('0'))
      expect(JSON.parse(open.slice(1))).toEqual({
        sid: expect.stringMatching(/^[\w-]{20}$/),
        upgrades: [],
        pingInterval: 1234,
        pingTimeout: 567,
        maxPayload: 4096,
      })
      r.ws.send('40{"token":"good-raw"}')
      expect(JSON.parse((await r.frame((f) => f.startsWith('40'))).slice(2))).toEqual({
        sid: expect.any(String),
      })
      expect(await r.frame((f) => f.startsWith('42'))).toBe(
        '42["ready",{"name":"raw","rooms":["r:raw","all"]}]',
      )
      r.ws.send('4217["echo","x"]')
      expect(await r.frame((f) => f.startsWith('43'))).toBe('4317[{"from":"raw","input":"x"}]')
    })

    it('sends a room emit once to each member, whatever the number of its rooms, and to nobody else', async () => {
      await start()
      const ann = await client('good-ann')
      const bob = await client('good-bob')
      const annGot: unknown[] = []
      ann.s.on('news', (d: unknown) => annGot.push(d))
      const bobHears = quiet(bob.s, 'news', 300)
      h!.io.to(['r:ann', 'all', 'nobody'], 'news', 1) // ann is in two of them, bob in one
      h!.io.to(['r:ann'], 'news', 2)
      await new Promise((r) => setTimeout(r, 300))
      expect(annGot).toEqual([1, 2])
      expect(await bobHears).toBe(false) // bob is in `all`
      const bobOnly = quiet(ann.s, 'only', 200)
      const bobGets = new Promise((resolve) => bob.s.once('only', resolve))
      h!.io.to(['r:bob'], 'only', { x: 1 })
      expect(await bobGets).toEqual({ x: 1 })
      expect(await bobOnly).toBe(true)
    })

    it('frames broadcasts of every size class (7-bit, 16-bit and 64-bit lengths) correctly', async () => {
      await start()
      const { s } = await client('good-ann')
      for (const size of [10, 300, 70_000]) {
        const got = new Promise<string>((resolve) => s.once('big', resolve))
        h!.io.to(['all'], 'big', 'é'.repeat(size))
        expect(await got).toBe('é'.repeat(size))
      }
    })

    it('relays a broadcast to the room but not back to its sender', async () => {
      await start()
      const ann = await client('good-ann')
      const bob = await client('good-bob')
      const annHearsSelf = quiet(ann.s, 'heard', 300)
      const bobHears = new Promise((resolve) => bob.s.once('heard', resolve))
      ann.s.emit('shout', 'hi')
      expect(await bobHears).toEqual({ from: 'ann', input: 'hi' })
      expect(await annHearsSelf).toBe(true)
    })

    it('joins and leaves rooms by the rooms connections are in', async () => {
      await start()
      const ann = await client('good-ann')
      const bob = await client('good-bob')
      h!.io.roomsJoin(['r:ann'], 'club')
      const annGets = new Promise((resolve) => ann.s.once('club', resolve))
      const bobOut = quiet(bob.s, 'club', 200)
      h!.io.to(['club'], 'club', 'welcome')
      expect(await annGets).toBe('welcome')
      expect(await bobOut).toBe(true)
      h!.io.roomsLeave(['r:ann'], 'club')
      const annOut = quiet(ann.s, 'club', 200)
      h!.io.to(['club'], 'club', 'again')
      expect(await annOut).toBe(true)
      expect(h!.connected.find((c) => c.actor.name === 'ann')!.rooms).toEqual(['r:ann', 'all'])
    })

    it('keeps a live client connected across many heartbeats (ping → pong)', async () => {
      await start({ pingIntervalMs: 60, pingTimeoutMs: 120 })
      const { s } = await client('good-ann')
      expect(await quiet(s, 'disconnect', 700)).toBe(true)
      expect(await s.timeout(1000).emitWithAck('echo', 'still')).toMatchObject({ input: 'still' })
    })

    it('answers a client ping with a pong carrying the same data', async () => {
      await start()
      const r = await raw()
      r.ws.send('2probe')
      expect(await r.frame((f) => f.startsWith('3'))).toBe('3probe')
    })

    it('lets the server end a connection: the client sees "io server disconnect" and the server forgets it', async () => {
      await start()
      const { s } = await client('good-ann')
      const reason = new Promise((resolve) => s.once('disconnect', resolve))
      h!.connected[0]!.disconnect()
      expect(await reason).toBe('io server disconnect')
      expect(h!.io.size).toBe(0)
      expect(h!.connected[0]!.rooms).toEqual([])
    })

    it('forgets a connection the client closes, rooms included', async () => {
      await start()
      const { s } = await client('good-ann')
      s.disconnect()
      await vi.waitFor(() => expect(h!.io.size).toBe(0))
      expect(h!.connected[0]!.rooms).toEqual([])
      h!.io.to(['all'], 'x', 1) // nobody there any more: nothing to send, nothing thrown
    })
  })

  describe('error', () => {
    it('refuses other protocol versions and transports with a 400 in Engine.IO form', async () => {
      await start()
      const old = await upgradeAnswer('/socket.io/?EIO=3&transport=websocket')
      expect(old.status).toBe(400)
      expect(JSON.parse(old.body)).toEqual({ code: 3, message: 'Unsupported protocol version' })
      const polling = await upgradeAnswer('/socket.io/?EIO=4&transport=polling')
      expect(polling.status).toBe(400)
      expect(JSON.parse(polling.body)).toMatchObject({ message: 'Transport unknown' })
    })

    it('leaves upgrades of other paths to the other listeners of the HTTP server', async () => {
      await start()
      h!.http.on('upgrade', (req, socket) => {
        if (req.url?.startsWith('/elsewhere'))
          socket.end('HTTP/1.1 418 Teapot\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok')
      })
      const answer = await upgradeAnswer('/elsewhere/socket.io/?EIO=4&transport=websocket')
      expect(answer).toEqual({ status: 418, body: 'ok' })
    })

    it('acknowledges an unknown event with a not_found problem and keeps the connection', async () => {
      await start()
      const { s } = await client('good-ann')
      const ack = (await s.timeout(2000).emitWithAck('nope', 1)) as { ok: boolean; error: { code: string } }
      expect(ack).toMatchObject({ ok: false, error: { code: 'not_found', status: 404 } })
      s.emit('nope-without-ack', 1)
      expect(await s.timeout(2000).emitWithAck('echo', 2)).toMatchObject({ input: 2 })
    })

    it('refuses another namespace with a connect error', async () => {
      await start()
      const s = connect(`${h!.url}/admin`, {
        transports: ['websocket'],
        auth: { token: 'good-ann' },
        reconnection: false,
        forceNew: true,
      })
      h!.clients.push(s)
      const err = await new Promise<Error>((resolve) => s.once('connect_error', resolve))
      expect(err.message).toBe('Invalid namespace')
    })

    it('answers a handshake that failed inside the server with "internal", and logs it', async () => {
      const { logger } = await start()
      const logged = vi.spyOn(logger, 'error')
      await expect(client('boom')).rejects.toMatchObject({
        message: 'internal',
        data: { code: 'internal', status: 500 },
      })
      expect(logged).toHaveBeenCalledOnce()
    })

    it('ignores events sent before the handshake is accepted', async () => {
      await start()
      const r = await raw()
      r.ws.send('421["echo","early"]')
      r.ws.send('40{"token":"good-raw"}')
      await r.frame((f) => f.startsWith('42["ready"'))
      r.ws.send('422["echo","late"]')
      expect(await r.frame((f) => f.startsWith('43'))).toBe('432[{"from":"raw","input":"late"}]')
      expect(r.frames.some((f) => f.startsWith('431'))).toBe(false)
    })

    it.each([
      ['a malformed packet', '42["echo",', 1002],
      ['a reserved event name', '42["connect",{}]', 1002],
      ['an unknown Engine.IO packet', '9', 1002],
      ['a binary Socket.IO packet', '451-["echo",{"_placeholder":true,"num":0}]', 1003],
    ])('closes the connection on %s', async (_what, frame, code) => {
      await start()
      const r = await raw()
      r.ws.send('40{"token":"good-raw"}')
      await r.frame((f) => f.startsWith('42["ready"'))
      r.ws.send(frame)
      expect((await r.closed).code).toBe(code)
      await vi.waitFor(() => expect(h!.io.size).toBe(0))
    })

    it('closes the connection on a binary frame and on a frame over the payload limit', async () => {
      await start()
      const a = await raw()
      a.ws.send(Buffer.from([1, 2, 3]))
      expect((await a.closed).code).toBe(1003)
      const b = await raw()
      b.ws.send(`42["echo","${'x'.repeat(5000)}"]`)
      expect((await b.closed).code).toBe(1009)
      await vi.waitFor(() => expect(h!.io.size).toBe(0))
    })

    it('cuts a client that stops answering pings', async () => {
      await start({ pingIntervalMs: 50, pingTimeoutMs: 100 })
      const r = await raw()
      r.ws.send('40{"token":"good-raw"}')
      await r.frame((f) => f.startsWith('42["ready"'))
      await r.frame((f) => f === '2') // pinged; no pong sent
      const started = Date.now()
      expect((await r.closed).code).toBe(1006) // terminated, no closing handshake
      expect(Date.now() - started).toBeGreaterThanOrEqual(60)
      expect(h!.io.size).toBe(0)
    })
  })

  describe('gateway links', () => {
    it('carries clients over a link: handshake, events with acks, one frame per broadcast for all of them', async () => {
      await start({ linkPath: '/socket.io-link' })
      const l = await link()
      await l.connectClient(1, 'good-ann')
      await l.connectClient(2, 'good-bob')
      const direct = await client('good-cid')
      expect(h!.io.size).toBe(3)
      l.ws.send('m1|427["echo","via link"]')
      expect(await l.frame((f) => f.startsWith('s1|43'))).toBe('s1|437[{"from":"ann","input":"via link"}]')
      const heard = new Promise((resolve) => direct.s.once('news', resolve))
      h!.io.to(['all'], 'news', { n: 1 })
      expect(await l.frame((f) => f.startsWith('b'))).toBe('b1,2|42["news",{"n":1}]')
      expect(await heard).toEqual({ n: 1 })
      expect(l.frames.filter((f) => f.includes('news'))).toEqual([])
    })

    it('pings linked clients and cuts one that stops answering', async () => {
      await start({ linkPath: '/socket.io-link', pingIntervalMs: 50, pingTimeoutMs: 100 })
      const l = await link()
      await l.connectClient(1, 'good-ann')
      await l.frame((f) => f === 's1|2')
      l.ws.send('m1|3')
      await l.frame((f) => f === 's1|2')
      expect(await l.frame((f) => f.startsWith('x1|'))).toBe('x1|0|')
      expect(h!.io.size).toBe(0)
    })

    it('forgets a client the gateway reports gone, and every client of a link that closes', async () => {
      await start({ linkPath: '/socket.io-link' })
      const l = await link()
      await l.connectClient(1, 'good-ann')
      await l.connectClient(2, 'good-bob')
      l.ws.send('c1')
      await vi.waitFor(() => expect(h!.io.size).toBe(1))
      l.ws.close()
      await vi.waitFor(() => expect(h!.io.size).toBe(0))
      expect(h!.connected.every((c) => c.rooms.length === 0)).toBe(true)
    })

    it('closes a linked client whose packet is over the payload limit, and ignores malformed link frames', async () => {
      await start({ linkPath: '/socket.io-link' })
      const l = await link()
      await l.connectClient(1, 'good-ann')
      l.ws.send('m0|40')
      l.ws.send('mx|40')
      l.ws.send('m77|40')
      l.ws.send('zzz')
      l.ws.send(`m1|42["echo","${'x'.repeat(4087)}"]`) // a 4,100-byte packet: over the 4,096 limit
      expect(await l.frame((f) => f.startsWith('x1|'))).toBe('x1|1009|too big')
      expect(h!.io.size).toBe(0)
    })

    it('closes a link that sends a frame bigger than any packet it may carry, with its clients', async () => {
      await start({ linkPath: '/socket.io-link' })
      const l = await link()
      await l.connectClient(1, 'good-ann')
      const closed = new Promise<number>((resolve) => l.ws.once('close', resolve))
      l.ws.send(`m1|${'x'.repeat(5000)}`)
      expect(await closed).toBe(1009)
      await vi.waitFor(() => expect(h!.io.size).toBe(0))
    })

    it('offers no link endpoint unless asked (embedded mode shares the public server)', async () => {
      await start()
      h!.http.on('upgrade', (req, socket) => {
        if (req.url === '/socket.io-link')
          socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      })
      expect((await upgradeAnswer('/socket.io-link')).status).toBe(404)
    })
  })

  describe('security', () => {
    it('refuses a bad token with the reason, and accepts a good one retried on the same connection', async () => {
      await start()
      await expect(client('forged')).rejects.toMatchObject({
        message: 'invalid_token',
        data: { code: 'invalid_token', status: 401 },
      })
      await expect(client(undefined)).rejects.toMatchObject({ message: 'invalid_token' })
      const r = await raw()
      r.ws.send('40{"token":"nope"}')
      expect(await r.frame((f) => f.startsWith('44'))).toMatch(/^44\{"message":"invalid_token"/)
      r.ws.send('40{"token":"good-raw"}')
      await r.frame((f) => f.startsWith('42["ready"'))
    })

    it('closes a connection that never completes its handshake', async () => {
      await start({ connectTimeoutMs: 100 })
      const r = await raw()
      r.ws.send('40{"token":"nope"}')
      expect((await r.closed).code).toBe(1008)
      expect(h!.io.size).toBe(0)
    })

    it('ends a connection when its credentials expire', async () => {
      await start()
      const { s } = await client('expiring')
      const reason = await new Promise((resolve) => s.once('disconnect', resolve))
      expect(reason).toBe('io server disconnect')
      expect(h!.io.size).toBe(0)
    })

    it('delivers nothing to a connection refused or not yet accepted', async () => {
      await start()
      const r = await raw()
      r.ws.send('40{"token":"nope"}')
      await r.frame((f) => f.startsWith('44'))
      h!.io.to(['all', 'r:nope'], 'secret', 1)
      await new Promise((resolve) => setTimeout(resolve, 150))
      expect(r.frames.filter((f) => f.includes('secret'))).toEqual([])
    })
  })
})
