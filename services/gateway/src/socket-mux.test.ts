import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { SOCKET_LINK_PATH } from '@learnmesh/contracts'
import type { App } from '@learnmesh/kernel'
import { takeFrame, upgradeAnswer as upgradeAnswerAt } from '@learnmesh/kernel/testing'
import { createGateway } from './gateway.ts'
import { createTestAuth, silentLogger, testConfig } from './test-support.ts'

// The gateway's end of the socket link (cluster mode), against a fake communication replica that
// speaks the link protocol and records what arrives. Communication's end and the two together:
// services/communication/src/realtime/socket-server.test.ts and packages/cli/src/cluster.realtime.test.ts.

/** A fake replica: accepts links at SOCKET_LINK_PATH and records every link frame. */
async function fakeReplica() {
  const http: HttpServer = createServer((_req, res) => res.writeHead(404).end())
  const wss = new WebSocketServer({ noServer: true })
  const frames: string[] = []
  const links: WebSocket[] = []
  const upgrades: string[] = []
  http.on('upgrade', (req, socket, head) => {
    upgrades.push(req.url ?? '')
    if (req.url !== SOCKET_LINK_PATH) return socket.destroy()
    wss.handleUpgrade(req, socket, head, (ws) => {
      links.push(ws)
      ws.on('message', (data) => frames.push(String(data)))
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    frames,
    links,
    upgrades,
    /** The next recorded frame matching `test`. */
    frame: (test: (f: string) => boolean) => takeFrame(frames, test),
    async close() {
      for (const l of links) l.terminate()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}

type Replica = Awaited<ReturnType<typeof fakeReplica>>

let gateway: App | undefined
const replicas: Replica[] = []
const clients: WebSocket[] = []

async function start(count = 1) {
  for (let i = 0; i < count; i++) replicas.push(await fakeReplica())
  const { verifier } = await createTestAuth()
  gateway = await createGateway({
    config: testConfig({ BODY_LIMIT_BYTES: '4096' }),
    logger: silentLogger,
    verifier,
    upstreams: { communication: { url: replicas.map((r) => r.url).join('|') } },
  })
  return (await gateway.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws')
}

/** A client WebSocket at the gateway, with its received frames and its close. */
async function client(base: string, path = '/api/communication/socket.io/?EIO=4&transport=websocket') {
  const ws = new WebSocket(`${base}${path}`)
  clients.push(ws)
  const got: string[] = []
  ws.on('message', (d) => got.push(String(d)))
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  )
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return { ws, got, closed }
}

/** The status and body answering an upgrade at `path`. */
const upgradeAnswer = (base: string, path: string) => upgradeAnswerAt(`${base}${path}`)

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate()
  await gateway?.close()
  gateway = undefined
  for (const r of replicas.splice(0)) await r.close()
})

describe('socket mux: communication sockets over one link per replica (cluster mode)', () => {
  describe('happy', () => {
    it('opens one link per replica and carries every client over it, both ways', async () => {
      const base = await start()
      const r = replicas[0]!
      const a = await client(base)
      const b = await client(base)
      const oa = await r.frame((f) => f.startsWith('o'))
      const ob = await r.frame((f) => f.startsWith('o'))
      expect(r.links).toHaveLength(1)
      expect(r.upgrades).toEqual([SOCKET_LINK_PATH])
      const [ida, idb] = [oa.slice(1), ob.slice(1)]
      expect(ida).not.toBe(idb)
      a.ws.send('40{"token":"t"}')
      expect(await r.frame((f) => f.startsWith('m'))).toBe(`m${ida}|40{"token":"t"}`)
      r.links[0]!.send(`s${idb}|42["hello",1]`)
      await vi.waitFor(() => expect(b.got).toEqual(['42["hello",1]']))
      expect(a.got).toEqual([])
    })

    it('writes one broadcast frame to each named client, in any size class', async () => {
      const base = await start()
      const r = replicas[0]!
      const cs = [await client(base), await client(base), await client(base)]
      const ids = []
      for (let i = 0; i < 3; i++) ids.push((await r.frame((f) => f.startsWith('o'))).slice(1))
      for (const body of ['42["x",1]', `42["x","${'é'.repeat(200)}"]`, `42["x","${'y'.repeat(70_000)}"]`]) {
        r.links[0]!.send(`b${ids[0]},${ids[2]}|${body}`)
        await vi.waitFor(() => expect(cs[2]!.got.at(-1)).toBe(body))
        expect(cs[0]!.got.at(-1)).toBe(body)
      }
      expect(cs[1]!.got).toEqual([])
    })

    it('spreads clients over replicas round-robin', async () => {
      const base = await start(2)
      await client(base)
      await client(base)
      await replicas[0]!.frame((f) => f.startsWith('o'))
      await replicas[1]!.frame((f) => f.startsWith('o'))
    })

    it('tells the replica when a client leaves, and closes a client when the replica says so', async () => {
      const base = await start()
      const r = replicas[0]!
      const a = await client(base)
      const b = await client(base)
      const ida = (await r.frame((f) => f.startsWith('o'))).slice(1)
      const idb = (await r.frame((f) => f.startsWith('o'))).slice(1)
      a.ws.close()
      expect(await r.frame((f) => f.startsWith('c'))).toBe(`c${ida}`)
      r.links[0]!.send(`x${idb}|1008|no accepted CONNECT in time`)
      expect(await b.closed).toEqual({ code: 1008, reason: 'no accepted CONNECT in time' })
    })
  })

  describe('error', () => {
    it('refuses other protocol versions and transports with a 400 in Engine.IO form', async () => {
      const base = await start()
      const old = await upgradeAnswer(base, '/api/communication/socket.io/?EIO=3&transport=websocket')
      expect(old.status).toBe(400)
      expect(JSON.parse(old.body)).toEqual({ code: 3, message: 'Unsupported protocol version' })
      const polling = await upgradeAnswer(base, '/api/communication/socket.io/?EIO=4&transport=polling')
      expect(polling.status).toBe(400)
      expect(replicas[0]!.links).toHaveLength(0)
    })

    it('closes a client that sends a binary frame or one over the payload limit', async () => {
      const base = await start()
      const a = await client(base)
      a.ws.send(Buffer.from([1, 2]))
      expect((await a.closed).code).toBe(1003)
      const b = await client(base)
      b.ws.send('x'.repeat(5000))
      expect((await b.closed).code).toBe(1009)
      expect(replicas[0]!.frames.filter((f) => f.startsWith('m'))).toEqual([])
    })

    it('closes the clients of a replica whose link drops (1012), and opens a new link for the next', async () => {
      const base = await start()
      const r = replicas[0]!
      const a = await client(base)
      await r.frame((f) => f.startsWith('o'))
      r.links[0]!.terminate()
      expect((await a.closed).code).toBe(1012)
      await client(base)
      await r.frame((f) => f.startsWith('o'))
      expect(r.links).toHaveLength(2)
    })

    it('closes clients with 1012 when the replica cannot be reached', async () => {
      const base = await start()
      await replicas[0]!.close()
      const a = await client(base)
      expect((await a.closed).code).toBe(1012)
    })
  })

  describe('security', () => {
    it('never opens the link path to clients', async () => {
      const base = await start()
      const answer = await upgradeAnswer(base, `/api/communication${SOCKET_LINK_PATH}`)
      expect(answer.status).toBe(404)
      expect(replicas[0]!.upgrades).toEqual([])
    })

    it('ignores link frames for clients it does not carry, and invalid close codes end the client', async () => {
      const base = await start()
      const r = replicas[0]!
      const a = await client(base)
      const id = (await r.frame((f) => f.startsWith('o'))).slice(1)
      r.links[0]!.send('s999|42["x"]')
      r.links[0]!.send('nonsense')
      r.links[0]!.send(`x${id}|1005|`) // 1005 may not be sent: the socket is ended at once
      expect((await a.closed).code).toBe(1006)
      expect(a.got).toEqual([])
    })
  })
})
