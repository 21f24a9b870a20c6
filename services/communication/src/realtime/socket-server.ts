import type { IncomingMessage, Server as HttpServer } from 'node:http'
import type { Duplex } from 'node:stream'
import { randomBytes, randomUUID } from 'node:crypto'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser'
import type { Redis } from 'ioredis'
import { problem, webSocketTextFrame, writeWebSocketFrame, type Logger } from '@learnmesh/kernel'

// A Socket.IO server of our own, on `ws`: the Engine.IO v4 / Socket.IO v5 wire protocol over the
// WebSocket transport only, the default namespace only, text packets only. Clients are the
// unchanged `socket.io-client` with `transports: ['websocket']`. Packets are encoded and decoded by
// the protocol's own `socket.io-parser`; what is ours is the connection, rooms and heartbeat
// bookkeeping, built for a small idle footprint (docs/chat.md, "Socket server"):
// - one small object per connection (no EventEmitter, no per-connection timers or closures: the
//   heartbeat, handshake deadline and token expiry are one sweep per server every second);
// - the upgrade request is never kept; rooms are one shared Map of Sets plus a short array per
//   connection;
// - a broadcast is encoded once into one Buffer that every member's socket writes.
// Long-polling is not offered: a cluster has no sticky sessions, which polling needs.

/** Engine.IO packet types (the first character of every WebSocket text frame). */
const EIO_OPEN = '0'
const EIO_CLOSE = '1'
const EIO_PING = '2'
const EIO_PONG = '3'
const EIO_MESSAGE = '4'
const EIO_NOOP = '6'

/** A handshake refused on purpose: the client's `connect_error` gets `message` and `data`. */
export class ConnectionRefused extends Error {
  constructor(
    message: string,
    readonly data: Record<string, unknown>,
  ) {
    super(message)
  }
}

/** What `authenticate` grants a connection. */
export interface Accepted<A> {
  /** Who the connection is (`conn.actor`). */
  actor: A
  /** Rooms joined before the client learns it is connected (so it cannot send before it is in them). */
  rooms: string[]
  /** When to cut the connection (ms since the epoch; its token's expiry), or null. */
  expiresAt: number | null
}

/** An event handler, shared by every connection; `ack` is set when the client asked for an answer. */
export type EventHandler<A> = (
  conn: Connection<A>,
  input: unknown,
  ack: ((response: unknown) => void) | undefined,
) => void

export interface SocketServerOptions<A> {
  server: HttpServer
  /** The Socket.IO path, e.g. `/socket.io/` or `/api/communication/socket.io/`. */
  path: string
  /** Where gateways open their links (cluster mode, the service's own server); unset: no links. */
  linkPath?: string
  /** Largest accepted frame, in bytes (bigger ones close the connection, code 1009). */
  maxPayload: number
  /** Checks a CONNECT packet's `auth`; throw ConnectionRefused to refuse it. */
  authenticate(auth: unknown): Promise<Accepted<A>>
  /** Called once a connection is accepted, in its rooms, and told so. */
  connected?(conn: Connection<A>): void
  logger: Logger
  /** With Redis: room emits, joins and leaves reach every replica on `channel`. */
  redis?: { pub: Redis; sub: Redis; channel: string }
  pingIntervalMs?: number
  pingTimeoutMs?: number
  /** How long a new connection may take to send an accepted CONNECT. */
  connectTimeoutMs?: number
  /** How often deadlines are checked. */
  sweepMs?: number
}

const OPENING = 0
const AUTHENTICATING = 1
const OPEN = 2
const CLOSED = 3

const CONN = Symbol('learnmesh.socket.connection')
type TaggedSocket = WebSocket & { [CONN]: Connection<unknown> }

/** One client connection. */
export class Connection<A = unknown> {
  /** Who it is; set when the handshake is accepted (before `connected`). */
  actor!: A
  /** The rooms it is in. */
  rooms: string[] = []
  /** A per-connection throttle mark for its owner's use (chat: the last relayed typing indicator). */
  throttledAt = 0
  /** @internal */ state = OPENING
  /** @internal when the connection must be cut (server clock, ms), 0 for never */ expiresAt = 0
  /** @internal when the next ping is due, or the CONNECT deadline while opening (ms) */ due: number
  /** @internal when the pending pong is due (ms), 0 when none is pending */ pongDue = 0

  constructor(
    /** @internal */ readonly server: SocketServer<A>,
    /** @internal its own WebSocket, or null when it comes through a gateway link */
    readonly ws: WebSocket | null,
    due: number,
    /** @internal the gateway link it comes through, and its id there */
    readonly link: Link<A> | null = null,
    readonly lid = 0,
  ) {
    this.due = due
  }

  /** Whether it is in `room`. */
  in(room: string): boolean {
    return this.rooms.includes(room)
  }

  /** Sends an event to this connection alone. */
  emit(event: string, data: unknown): void {
    this.send(this.server.encode({ type: PacketType.EVENT, nsp: '/', data: [event, data] }))
  }

  /** Puts it in rooms (this process only: the connection lives here). */
  join(rooms: string | string[]): void {
    if (this.state === CLOSED) return
    for (const room of typeof rooms === 'string' ? [rooms] : rooms) this.server.addToRoom(this, room)
  }

  /** Takes it out of a room. */
  leave(room: string): void {
    this.server.removeFromRoom(this, room)
  }

  /** Emits to everyone in `room` on every replica except this connection. */
  broadcast(room: string, event: string, data: unknown): void {
    this.server.to([room], event, data, this)
  }

  /** Ends it from the server side: the client sees `disconnect` with "io server disconnect". */
  disconnect(): void {
    if (this.state === CLOSED) return
    if (this.state === OPEN) this.send('1')
    this.end(1000)
    this.server.forget(this)
  }

  /** @internal sends one Socket.IO packet (already encoded) as an Engine.IO message. */
  send(packet: string): void {
    this.write(EIO_MESSAGE + packet)
  }

  /** @internal sends one Engine.IO packet. */
  write(text: string): void {
    if (this.ws) {
      if (this.ws.readyState === 1) this.ws.send(text)
    } else this.link!.write(this.lid, text)
  }

  /** @internal closes the WebSocket (code 0: at once, no closing handshake: the peer is gone). */
  end(code: number, reason?: string): void {
    if (!this.ws) this.link!.end(this.lid, code, reason)
    else if (code === 0) this.ws.terminate()
    else this.ws.close(code, reason)
  }

  /** @internal writes a complete WebSocket frame built once for a broadcast (one write per member). */
  sendFrame(frame: Buffer): void {
    writeWebSocketFrame(this.ws!, frame)
  }
}

/**
 * A gateway's link (cluster mode): one WebSocket from the gateway carrying many client connections,
 * so a room emit costs the service one write per gateway instead of one per member, and the gateway
 * writes each member's frame. The protocol: `SOCKET_LINK_PATH` in @learnmesh/contracts; the
 * gateway's end: services/gateway/src/socket-mux.ts.
 */
export class Link<A = unknown> {
  /** @internal */ readonly conns = new Map<number, Connection<A>>()
  constructor(readonly ws: WebSocket) {}

  write(id: number, text: string): void {
    if (this.ws.readyState === 1) this.ws.send(`s${id}|${text}`)
  }

  writeMany(ids: number[], text: string): void {
    if (this.ws.readyState === 1) this.ws.send(`b${ids.join(',')}|${text}`)
  }

  end(id: number, code: number, reason = ''): void {
    if (this.ws.readyState === 1) this.ws.send(`x${id}|${code}|${reason}`)
  }
}

/** What services and consumers use of the server: room emits, joins and leaves on every replica. */
export interface RoomEmitter {
  to(rooms: string[], event: string, data: unknown): void
  roomsJoin(rooms: string[], room: string): void
  roomsLeave(rooms: string[], room: string): void
}

/** The Socket.IO server. */
export class SocketServer<A = unknown> implements RoomEmitter {
  readonly #options: SocketServerOptions<A>
  readonly #wss: WebSocketServer
  /** Gateway links: a frame carries one client packet (at most `maxPayload`) and its header. */
  readonly #links: WebSocketServer
  readonly #conns = new Set<Connection<A>>()
  /** Room → its members: one connection alone, or a Set once there are two (most user rooms hold one). */
  readonly #rooms = new Map<string, Connection<A> | Set<Connection<A>>>()
  /** Deadlines are kept in ms since this instant: small integers, stored unboxed in each connection. */
  readonly #t0 = Date.now()
  readonly #events = new Map<string, EventHandler<A>>()
  readonly #encoder = new Encoder()
  readonly #decoder = new Decoder()
  readonly #origin = randomUUID()
  readonly #openSuffix: string
  readonly #pingInterval: number
  readonly #pingTimeout: number
  readonly #connectTimeout: number
  readonly #sweep: NodeJS.Timeout
  readonly #onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  #decoded: Packet | undefined
  #closed = false
  /** Resolves once the Redis subscription is in place (at once without Redis). */
  readonly ready: Promise<void>

  constructor(options: SocketServerOptions<A>) {
    this.#options = options
    this.#pingInterval = options.pingIntervalMs ?? 25_000
    this.#pingTimeout = options.pingTimeoutMs ?? 20_000
    this.#connectTimeout = options.connectTimeoutMs ?? 45_000
    this.#openSuffix = `","upgrades":[],"pingInterval":${this.#pingInterval},"pingTimeout":${this.#pingTimeout},"maxPayload":${options.maxPayload}}`
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxPayload,
    })
    this.#links = new WebSocketServer({
      noServer: true,
      clientTracking: true,
      perMessageDeflate: false,
      maxPayload: options.maxPayload + 32,
    })
    this.#decoder.on('decoded', (packet) => {
      this.#decoded = packet
    })
    const path = options.path.replace(/\/+$/, '')
    const linkPath = options.linkPath?.replace(/\/+$/, '')
    this.#onUpgrade = (req, socket, head) => {
      const url = req.url ?? ''
      const q = url.indexOf('?')
      const pathname = (q < 0 ? url : url.slice(0, q)).replace(/\/+$/, '')
      if (linkPath && pathname === linkPath)
        return this.#links.handleUpgrade(req, socket, head, (ws) => this.#acceptLink(ws))
      if (pathname !== path) return // another listener's (the gateway's proxy shares the server)
      const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1))
      if (query.get('EIO') !== '4') return refuse(socket, 'Unsupported protocol version')
      if (query.get('transport') !== 'websocket') return refuse(socket, 'Transport unknown')
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws))
    }
    options.server.on('upgrade', this.#onUpgrade)
    this.#sweep = setInterval(() => this.#sweepAll(), options.sweepMs ?? 1000)
    this.#sweep.unref()
    this.ready = options.redis ? this.#subscribe(options.redis) : Promise.resolve()
  }

  /** Registers the handler of a client event (one per event name, shared by every connection). */
  on(event: string, handler: EventHandler<A>): void {
    this.#events.set(event, handler)
  }

  /** Connections of this process. */
  get size(): number {
    return this.#conns.size
  }

  /** Emits to everyone in any of `rooms`, on every replica (`except`: a connection of this process). */
  to(rooms: string[], event: string, data: unknown, except?: Connection<A>): void {
    const packet = this.encode({ type: PacketType.EVENT, nsp: '/', data: [event, data] })
    this.#deliver(rooms, packet, except)
    this.#publish({ k: 'e', r: rooms, p: packet })
  }

  /** Puts every connection in any of `rooms` into `room`, on every replica. */
  roomsJoin(rooms: string[], room: string): void {
    this.#joinLocal(rooms, room)
    this.#publish({ k: 'j', r: rooms, t: room })
  }

  /** Takes every connection in any of `rooms` out of `room`, on every replica. */
  roomsLeave(rooms: string[], room: string): void {
    this.#leaveLocal(rooms, room)
    this.#publish({ k: 'l', r: rooms, t: room })
  }

  /** Disconnects every connection of this process, stops accepting new ones, leaves Redis. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#sweep)
    this.#options.server.off('upgrade', this.#onUpgrade)
    for (const conn of [...this.#conns]) conn.disconnect()
    for (const link of this.#links.clients) link.close(1001)
    const redis = this.#options.redis
    if (redis) await redis.sub.unsubscribe(redis.channel).catch(() => {})
  }

  /** @internal a Socket.IO packet as text (the protocol's encoder; chat sends no binary). */
  encode(packet: Packet): string {
    return this.#encoder.encode(packet)[0] as string
  }

  /** @internal */
  addToRoom(conn: Connection<A>, room: string): void {
    if (conn.rooms.includes(room)) return
    conn.rooms.push(room)
    this.#addMember(conn, room)
  }

  #addMember(conn: Connection<A>, room: string): void {
    const members = this.#rooms.get(room)
    if (!members) this.#rooms.set(room, conn)
    else if (members instanceof Set) members.add(conn)
    else this.#rooms.set(room, new Set([members, conn]))
  }

  /** @internal */
  removeFromRoom(conn: Connection<A>, room: string): void {
    const i = conn.rooms.indexOf(room)
    if (i < 0) return
    conn.rooms.splice(i, 1)
    this.#leaveRoom(conn, room)
  }

  #leaveRoom(conn: Connection<A>, room: string): void {
    const members = this.#rooms.get(room)
    if (members === conn) this.#rooms.delete(room)
    else if (members instanceof Set && members.delete(conn) && members.size === 0) this.#rooms.delete(room)
  }

  /** A room's members (an empty list for none). */
  #members(room: string): Iterable<Connection<A>> {
    const members = this.#rooms.get(room)
    return members === undefined ? [] : members instanceof Set ? members : [members]
  }

  #now(): number {
    return Date.now() - this.#t0
  }

  /** @internal the connection is gone: out of every room and the registry. */
  forget(conn: Connection<A>): void {
    if (conn.state === CLOSED) return
    conn.state = CLOSED
    for (const room of conn.rooms) this.#leaveRoom(conn, room)
    conn.rooms = []
    this.#conns.delete(conn)
    conn.link?.conns.delete(conn.lid)
  }

  #accept(ws: WebSocket): void {
    if (this.#closed) return void ws.close(1001)
    const conn = new Connection<A>(this, ws, this.#now() + this.#connectTimeout)
    ;(ws as TaggedSocket)[CONN] = conn as Connection<unknown>
    this.#conns.add(conn)
    ws.on('message', onMessage)
    ws.on('close', onClose)
    ws.on('error', onError)
    ws.send(`${EIO_OPEN}{"sid":"${newSid()}${this.#openSuffix}`)
  }

  /** @internal one WebSocket frame from a client. */
  received(conn: Connection<A>, data: RawData, isBinary: boolean): void {
    if (conn.state === CLOSED) return
    if (isBinary) return this.#violation(conn, 1003, 'binary frames are not accepted')
    this.#text(conn, data.toString())
  }

  #acceptLink(ws: WebSocket): void {
    if (this.#closed) return void ws.close(1001)
    const link = new Link<A>(ws)
    const open = this.#openSuffix
    ws.on('error', () => ws.terminate())
    ws.on('close', () => {
      for (const conn of [...link.conns.values()]) this.forget(conn)
    })
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return
      const frame = data.toString()
      const bar = frame.indexOf('|')
      const id = Number(frame.slice(1, bar < 0 ? undefined : bar))
      if (!Number.isSafeInteger(id) || id <= 0) return
      const op = frame.charAt(0)
      if (op === 'm') {
        const conn = link.conns.get(id)
        if (!conn || conn.state === CLOSED) return
        const text = frame.slice(bar + 1)
        // The gateway enforces the payload limit on its sockets; the service checks again.
        if (Buffer.byteLength(text) > this.#options.maxPayload) return this.#violation(conn, 1009, 'too big')
        this.#text(conn, text)
      } else if (op === 'o') {
        if (link.conns.has(id) || this.#closed) return
        const conn = new Connection<A>(this, null, this.#now() + this.#connectTimeout, link, id)
        link.conns.set(id, conn)
        this.#conns.add(conn)
        conn.write(`${EIO_OPEN}{"sid":"${newSid()}${open}`)
      } else if (op === 'c') {
        const conn = link.conns.get(id)
        if (conn) this.forget(conn)
      }
    })
  }

  /** One Engine.IO packet from a client. */
  #text(conn: Connection<A>, text: string): void {
    const type = text.charAt(0)
    if (type === EIO_MESSAGE) return this.#packet(conn, text.slice(1))
    if (type === EIO_PONG) {
      conn.pongDue = 0
    } else if (type === EIO_PING) {
      conn.write(EIO_PONG + text.slice(1))
    } else if (type === EIO_CLOSE) {
      conn.end(1000)
      this.forget(conn)
    } else if (type !== EIO_NOOP) {
      this.#violation(conn, 1002, 'not an Engine.IO packet')
    }
  }

  #packet(conn: Connection<A>, text: string): void {
    // Binary packets (5, 6) would put the shared decoder into a reconstruction state: refused first.
    const type = text.charCodeAt(0) - 48
    if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK)
      return this.#violation(conn, 1003, 'binary packets are not accepted')
    const packet = this.#decode(text)
    if (!packet) return this.#violation(conn, 1002, 'not a Socket.IO packet')
    if (packet.nsp !== '/') {
      if (packet.type === PacketType.CONNECT)
        conn.send(
          this.encode({
            type: PacketType.CONNECT_ERROR,
            nsp: packet.nsp,
            data: { message: 'Invalid namespace' },
          }),
        )
      return
    }
    if (packet.type === PacketType.EVENT) return this.#event(conn, packet)
    if (packet.type === PacketType.CONNECT) return this.#connect(conn, packet.data)
    if (packet.type === PacketType.DISCONNECT) {
      conn.end(1000)
      this.forget(conn)
    }
    // ACK and CONNECT_ERROR from a client: the server asks for no acks and sends the errors; ignored
  }

  /** One text packet through the protocol's decoder (which emits it synchronously), or undefined. */
  #decode(text: string): Packet | undefined {
    this.#decoded = undefined
    try {
      this.#decoder.add(text)
    } catch {
      return undefined
    }
    return this.#decoded as Packet | undefined
  }

  #connect(conn: Connection<A>, auth: unknown): void {
    if (conn.state !== OPENING) return
    conn.state = AUTHENTICATING
    let accepted: Accepted<A>
    this.#options.authenticate(auth).then(
      (result) => {
        accepted = result
        if (conn.state !== AUTHENTICATING) return // closed meanwhile
        conn.actor = accepted.actor
        if (new Set(accepted.rooms).size === accepted.rooms.length) {
          conn.rooms = accepted.rooms.slice() // an array of exactly its size (pushes would over-allocate)
          for (const room of conn.rooms) this.#addMember(conn, room)
        } else conn.join(accepted.rooms)
        conn.expiresAt = accepted.expiresAt === null ? 0 : Math.max(1, accepted.expiresAt - this.#t0)
        conn.state = OPEN
        conn.due = this.#now() + this.#pingInterval
        conn.send(this.encode({ type: PacketType.CONNECT, nsp: '/', data: { sid: newSid() } }))
        this.#options.connected?.(conn)
      },
      (err: unknown) => {
        if (conn.state !== AUTHENTICATING) return
        conn.state = OPENING // a client may try again on the same connection, until the deadline
        const refused =
          err instanceof ConnectionRefused
            ? { message: err.message, data: err.data }
            : { message: 'internal', data: { code: 'internal', status: 500 } }
        if (!(err instanceof ConnectionRefused))
          this.#options.logger.error({ err }, 'socket handshake failed')
        conn.send(this.encode({ type: PacketType.CONNECT_ERROR, nsp: '/', data: refused }))
      },
    )
  }

  #event(conn: Connection<A>, packet: Packet): void {
    if (conn.state !== OPEN) return // nothing before the handshake is accepted
    const [name, input] = packet.data as [string, unknown]
    const id = packet.id
    const ack =
      id === undefined
        ? undefined
        : (response: unknown) =>
            conn.send(this.encode({ type: PacketType.ACK, nsp: '/', id, data: [response] }))
    const handler = this.#events.get(name)
    if (!handler) {
      ack?.({ ok: false, error: problem('not_found', `No event ${JSON.stringify(name.slice(0, 64))}`) })
      return
    }
    try {
      handler(conn, input, ack)
    } catch (err) {
      this.#options.logger.error({ err, event: name }, 'socket event handler threw')
    }
  }

  #violation(conn: Connection<A>, code: number, reason: string): void {
    conn.end(code, reason)
    this.forget(conn)
  }

  #sweepAll(): void {
    const now = this.#now()
    for (const conn of this.#conns) {
      if (conn.state !== OPEN) {
        if (now >= conn.due) this.#violation(conn, 1008, 'no accepted CONNECT in time')
        continue
      }
      if (conn.expiresAt !== 0 && now >= conn.expiresAt) {
        conn.disconnect() // its token expired: the client reconnects with a fresh one
        continue
      }
      if (conn.pongDue !== 0) {
        if (now >= conn.pongDue) {
          conn.end(0) // no pong: the peer is gone
          this.forget(conn)
        }
      } else if (now >= conn.due) {
        conn.due = now + this.#pingInterval
        conn.pongDue = now + this.#pingTimeout
        conn.write(EIO_PING)
      }
    }
  }

  #deliver(rooms: string[], packet: string, except?: Connection<A>): void {
    let frame: Buffer | undefined
    let viaLinks: Map<Link<A>, number[]> | undefined
    const send = (conn: Connection<A>) => {
      if (conn === except || conn.state !== OPEN) return
      if (conn.ws) return conn.sendFrame((frame ??= webSocketTextFrame(EIO_MESSAGE + packet)))
      const ids = (viaLinks ??= new Map()).get(conn.link!)
      if (ids) ids.push(conn.lid)
      else viaLinks.set(conn.link!, [conn.lid])
    }
    const flush = () => {
      if (viaLinks) for (const [link, ids] of viaLinks) link.writeMany(ids, EIO_MESSAGE + packet)
    }
    if (rooms.length === 1) {
      for (const conn of this.#members(rooms[0]!)) send(conn)
      return flush()
    }
    const seen = new Set<Connection<A>>()
    for (const room of rooms) {
      for (const conn of this.#members(room)) {
        if (seen.has(conn)) continue
        seen.add(conn)
        send(conn)
      }
    }
    flush()
  }

  #joinLocal(rooms: string[], room: string): void {
    for (const conn of this.#inRooms(rooms)) if (conn.state === OPEN) this.addToRoom(conn, room)
  }

  #leaveLocal(rooms: string[], room: string): void {
    for (const conn of this.#inRooms(rooms)) this.removeFromRoom(conn, room)
  }

  #inRooms(rooms: string[]): Set<Connection<A>> {
    const found = new Set<Connection<A>>()
    for (const r of rooms) for (const conn of this.#members(r)) found.add(conn)
    return found
  }

  #publish(message: { k: 'e'; r: string[]; p: string } | { k: 'j' | 'l'; r: string[]; t: string }): void {
    const redis = this.#options.redis
    if (!redis || this.#closed) return
    redis.pub.publish(redis.channel, JSON.stringify({ o: this.#origin, ...message })).catch((err: Error) => {
      this.#options.logger.warn({ err: { message: err.message } }, 'socket fan-out publish failed')
    })
  }

  async #subscribe(redis: { sub: Redis; channel: string }): Promise<void> {
    redis.sub.on('message', (channel: string, raw: string) => {
      if (channel !== redis.channel || this.#closed) return
      let m: { o?: unknown; k?: unknown; r?: unknown; p?: unknown; t?: unknown }
      try {
        m = JSON.parse(raw) as typeof m
      } catch {
        return
      }
      if (m.o === this.#origin || !Array.isArray(m.r) || !m.r.every((r) => typeof r === 'string')) return
      const rooms = m.r as string[]
      if (m.k === 'e' && typeof m.p === 'string') this.#deliver(rooms, m.p)
      else if (m.k === 'j' && typeof m.t === 'string') this.#joinLocal(rooms, m.t)
      else if (m.k === 'l' && typeof m.t === 'string') this.#leaveLocal(rooms, m.t)
    })
    await redis.sub.subscribe(redis.channel)
  }
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean) {
  const conn = (this as TaggedSocket)[CONN]
  conn.server.received(conn, data, isBinary)
}

function onClose(this: WebSocket) {
  const conn = (this as TaggedSocket)[CONN]
  conn.server.forget(conn)
}

function onError(this: WebSocket) {
  // ws closes the connection after a protocol error (e.g. a frame over maxPayload); `close` follows.
}

/** A random Engine.IO / Socket.IO session id (the client shows it; the server keeps none). */
function newSid(): string {
  return randomBytes(15).toString('base64url')
}

/** Answers an upgrade this server will not take with a 400 in Engine.IO's error format. */
function refuse(socket: Duplex, message: string) {
  const body = JSON.stringify({ code: 3, message })
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}
