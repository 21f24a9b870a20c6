import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { SOCKET_IO_PATH, SOCKET_LINK_PATH } from '@learnmesh/contracts'
import { webSocketTextFrame, writeWebSocketFrame, type Logger } from '@learnmesh/kernel'
import { refuse } from './upgrade.ts'

// Cluster mode: the gateway accepts communication's Socket.IO WebSockets itself and carries them to a
// replica over one link per replica (the protocol: SOCKET_LINK_PATH in @learnmesh/contracts). A room
// emit then reaches the gateway as one frame naming its members, and the gateway writes each member's
// copy, instead of relaying one frame per member from a TCP connection per client. The service
// still speaks Socket.IO end to end (handshake, tokens, heartbeats, events): the gateway only moves
// Engine.IO packets.

export interface SocketMuxOptions {
  /** The service whose Socket.IO is carried (`/api/<service>/socket.io/`). */
  service: string
  /** Its replicas' base URLs; connections go round-robin, a link per replica. */
  urls: string[]
  /** Largest frame a client may send (bigger ones close it, code 1009). */
  maxPayload: number
  /** How long a link may take to open. */
  connectTimeoutMs: number
  logger: Logger
}

export interface SocketMux {
  /** Whether an upgrade at this path is the mux's (the generic upgrade proxy leaves it alone). */
  handles(pathname: string): boolean
  /** Closes every link and client socket. */
  close(): void
  /** Client sockets carried now. */
  readonly size: number
}

const CLIENT = Symbol('learnmesh.mux.client')
type Client = WebSocket & { [CLIENT]: { link: Link; id: number } }

/** One replica's link and the clients it carries. */
class Link {
  readonly clients = new Map<number, Client>()
  #ws: WebSocket
  #open = false
  #closed = false
  #queue: string[] = []
  #nextId = 1

  constructor(
    url: string,
    private readonly options: SocketMuxOptions,
    private readonly dropped: (link: Link) => void,
  ) {
    this.#ws = new WebSocket(`${url.replace(/^http/, 'ws').replace(/\/+$/, '')}${SOCKET_LINK_PATH}`, {
      perMessageDeflate: false,
      handshakeTimeout: options.connectTimeoutMs,
    })
    this.#ws.on('open', () => {
      this.#open = true
      for (const text of this.#queue) this.#ws.send(text)
      this.#queue = []
    })
    this.#ws.on('message', (data: RawData) => this.#received(data.toString()))
    this.#ws.on('error', (err: Error) => {
      options.logger.warn({ service: options.service, err: { message: err.message } }, 'socket link failed')
      this.#ws.terminate()
    })
    this.#ws.on('close', () => this.close(1012, 'service restart'))
  }

  /** Carries a client's socket. */
  attach(socket: WebSocket): void {
    const client = socket as Client
    const id = this.#nextId++
    client[CLIENT] = { link: this, id }
    this.clients.set(id, client)
    client.on('message', onClientMessage)
    client.on('close', onClientClose)
    client.on('error', () => {}) // ws closes it after a protocol error; `close` follows
    this.send(`o${id}`)
  }

  send(text: string): void {
    if (this.#closed) return
    if (this.#open) this.#ws.send(text)
    else this.#queue.push(text)
  }

  /** Ends the link and every client on it (they reconnect, to another replica if this one is gone). */
  close(code: number, reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#queue = []
    this.dropped(this)
    for (const client of this.clients.values()) client.close(code, reason)
    this.clients.clear()
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(1001)
    else this.#ws.terminate()
  }

  #received(frame: string): void {
    const bar = frame.indexOf('|')
    if (bar < 0) return
    const op = frame.charAt(0)
    const data = frame.slice(bar + 1)
    if (op === 's') {
      const client = this.clients.get(Number(frame.slice(1, bar)))
      if (client?.readyState === WebSocket.OPEN) client.send(data)
    } else if (op === 'b') {
      let built: Buffer | undefined
      for (const id of frame.slice(1, bar).split(',')) {
        const client = this.clients.get(Number(id))
        if (client?.readyState === WebSocket.OPEN)
          writeWebSocketFrame(client, (built ??= webSocketTextFrame(data)))
      }
    } else if (op === 'x') {
      const id = Number(frame.slice(1, bar))
      const client = this.clients.get(id)
      if (!client) return
      this.clients.delete(id)
      const second = data.indexOf('|')
      const code = Number(second < 0 ? data : data.slice(0, second))
      try {
        if (code === 0) client.terminate()
        else client.close(code, second < 0 ? '' : data.slice(second + 1))
      } catch {
        client.terminate() // not a valid close code or reason
      }
    }
  }
}

function onClientMessage(this: WebSocket, data: RawData, isBinary: boolean) {
  const { link, id } = (this as Client)[CLIENT]
  if (isBinary) return void this.close(1003, 'binary frames are not accepted')
  link.send(`m${id}|${data.toString()}`)
}

function onClientClose(this: WebSocket) {
  const { link, id } = (this as Client)[CLIENT]
  if (link.clients.get(id) !== this) return
  link.clients.delete(id)
  link.send(`c${id}`)
}

/**
 * Mounts the mux on the gateway's HTTP server for `/api/<service>/socket.io/`. The link path itself
 * is refused (404): only the gateway opens links.
 */
export function muxSockets(server: Server, options: SocketMuxOptions): SocketMux {
  const base = `/api/${options.service}`
  const path = `${base}${SOCKET_IO_PATH}`.replace(/\/+$/, '')
  const linkPath = `${base}${SOCKET_LINK_PATH}`
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: options.maxPayload,
  })
  const links = new Map<string, Link>()
  let turn = 0
  let closed = false

  function linkFor(url: string): Link {
    let link = links.get(url)
    if (!link) {
      link = new Link(url, options, (gone) => {
        if (links.get(url) === gone) links.delete(url)
      })
      links.set(url, link)
    }
    return link
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = req.url ?? ''
    const q = url.indexOf('?')
    const pathname = (q < 0 ? url : url.slice(0, q)).replace(/\/+$/, '')
    if (pathname === linkPath) return refuse(socket, 404, 'Not Found', { message: 'Not found' })
    if (pathname !== path) return
    if (closed || options.urls.length === 0)
      return refuse(socket, 503, 'Service Unavailable', { message: 'Shutting down' })
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1))
    if (query.get('EIO') !== '4')
      return refuse(socket, 400, 'Bad Request', { code: 3, message: 'Unsupported protocol version' })
    if (query.get('transport') !== 'websocket')
      return refuse(socket, 400, 'Bad Request', { code: 3, message: 'Transport unknown' })
    const link = linkFor(options.urls[turn++ % options.urls.length]!)
    wss.handleUpgrade(req, socket, head, (client) => link.attach(client))
  }
  server.on('upgrade', onUpgrade)

  return {
    handles: (pathname) => {
      const p = pathname.replace(/\/+$/, '')
      return p === path || p === linkPath
    },
    get size() {
      let n = 0
      for (const link of links.values()) n += link.clients.size
      return n
    },
    close() {
      closed = true
      server.off('upgrade', onUpgrade)
      for (const link of [...links.values()]) link.close(1001, 'going away')
    },
  }
}
