import type { Server as HttpServer } from 'node:http'
import { Server, type Socket } from 'socket.io'
import { createAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import type { TokenVerifier } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { createChatService } from '../chat/chat.service.ts'
import { createChatEvents } from '../chat/chat.socket.ts'
import { conversationRoom, userRoom } from './hub.ts'

/** Where Socket.IO is mounted, below the service's own base path. */
export const SOCKET_PATH = '/socket.io/'

/** A running Socket.IO server. */
export interface RealtimeServer {
  io: Server
  close(): Promise<void>
}

/** The handshake every connection shows once set up: chat reads nothing of it after the middleware. */
const RELEASED_HANDSHAKE = Object.freeze({
  headers: Object.freeze({}),
  time: '',
  address: '',
  xdomain: false,
  secure: false,
  issued: 0,
  url: '',
  query: Object.freeze({}),
  auth: Object.freeze({}),
})

/** The parts of an Engine.IO connection read here (not in its public types). */
interface EngineConnection {
  request: unknown
  transport?: {
    socket?: {
      listeners(event: 'error'): ((...args: unknown[]) => void)[]
      removeListener(event: 'error', listener: (...args: unknown[]) => void): unknown
    }
  }
}

/** Ends a connection whose access token expired (a shared function: no closure per connection). */
function expire(socket: Socket) {
  socket.disconnect(true)
}

/** `disconnect` listener: the connection's expiry timer is no longer needed. */
function forgetExpiry(this: Socket) {
  clearTimeout(this.data.expiry as NodeJS.Timeout)
}

/** The error a refused handshake carries (`connect_error` on the client: `err.message`, `err.data`). */
function refused(code: 'unauthenticated' | 'invalid_token', detail: string) {
  return Object.assign(new Error(code), { data: { code, status: 401, detail } })
}

/**
 * Attaches communication's Socket.IO server to an HTTP server at `<pathPrefix>/socket.io/`: the
 * service's own server in cluster mode, the gateway's in embedded mode (prefix `/api/communication`).
 * A connection authenticates with the access JWT in `auth.token` (verified like a bearer token; it is
 * cut when the token expires), joins its user's room and the rooms of its conversations. With
 * `redisUrl`, the Redis adapter fans every emit out to all replicas.
 */
export function attachRealtimeServer(options: {
  server: HttpServer
  pathPrefix: string
  deps: CommunicationDeps
  verifier: TokenVerifier
  redisUrl?: string
}): RealtimeServer {
  const { deps } = options
  const io = new Server(options.server, {
    path: `${options.pathPrefix.replace(/\/+$/, '')}${SOCKET_PATH}`,
    serveClient: false,
    // Other upgrade handlers (the gateway's proxy) share this server: leave their sockets alone.
    destroyUpgrade: false,
    maxHttpBufferSize: deps.config.BODY_LIMIT_BYTES,
  })
  let pub: Redis | undefined
  let sub: Redis | undefined
  if (options.redisUrl) {
    pub = new Redis(options.redisUrl, { connectionName: 'learnmesh-communication-socket-pub' })
    sub = pub.duplicate({ connectionName: 'learnmesh-communication-socket-sub' })
    for (const client of [pub, sub]) {
      client.on('error', (err: Error) =>
        deps.logger.warn({ err: { message: err.message } }, 'socket adapter Redis error'),
      )
    }
    io.adapter(createAdapter(pub, sub, { key: 'learnmesh:communication:socket.io' }))
  }
  const chat = createChatService(deps)
  /** What the handshake learned, kept only until the connection is set up (no `delete` on socket.data). */
  const accepted = new WeakMap<Socket, { expiresAt: number | null; conversationIds: string[] }>()
  const registerChatEvents = createChatEvents(chat, (socket) =>
    deps.logger.child({ userId: (socket.data.actor as { userId: string }).userId, socketId: socket.id }),
  )

  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) {
      return next(refused('unauthenticated', 'Send the access token as auth.token'))
    }
    options.verifier
      .verify(token)
      .then(
        async (principal) => {
          const actor = { userId: principal.userId, orgId: principal.orgId }
          socket.data.actor = actor
          // Loaded before the connection is accepted, so its rooms are joined before it can send.
          accepted.set(socket, {
            expiresAt: typeof principal.claims.exp === 'number' ? principal.claims.exp * 1000 : null,
            conversationIds: await chat.conversationIds(actor),
          })
          next()
        },
        () => next(refused('invalid_token', 'The access token is invalid or expired')),
      )
      .catch((err: unknown) => {
        deps.logger.error({ err }, 'socket handshake failed')
        next(Object.assign(new Error('internal'), { data: { code: 'internal', status: 500 } }))
      })
  })

  // Engine.IO and Socket.IO keep every connection's upgrade request (headers, URL) and the handshake
  // built from it (headers again, query, auth with the token) for the whole session. Chat needs none
  // of it once connected (the token was verified; `socket.data.actor` says who it is), so the request
  // is dropped and the handshake replaced by one shared empty record: less memory per idle connection.
  io.engine.on('connection', (raw: EngineConnection) => {
    raw.request = null
    // Engine.IO's "error before upgrade" listener closes over the upgrade request and stays on the
    // WebSocket for the connection's life once the transport's own error handling has taken over.
    const ws = raw.transport?.socket
    for (const listener of ws?.listeners('error') ?? [])
      if ((listener as { name?: string }).name === 'onUpgradeError') ws!.removeListener('error', listener)
  })
  io.on('connection', (socket) => {
    const actor = socket.data.actor as { userId: string; orgId: string }
    const { expiresAt, conversationIds: ids } = accepted.get(socket)!
    accepted.delete(socket)
    ;(socket as unknown as { handshake: unknown }).handshake = RELEASED_HANDSHAKE
    if (expiresAt) {
      // Tokens are short-lived: the connection ends with its token; the client reconnects with a new one.
      const t = setTimeout(expire, Math.max(0, expiresAt - Date.now()), socket)
      t.unref()
      socket.data.expiry = t
      socket.once('disconnect', forgetExpiry)
    }
    registerChatEvents(socket)
    void socket.join([userRoom(actor.userId), ...ids.map(conversationRoom)])
    socket.emit('ready', { conversationIds: ids })
  })

  deps.realtime.attach(io)
  return {
    io,
    async close() {
      // Not io.close(): that would also close the HTTP server, which belongs to Fastify or the gateway.
      io.disconnectSockets(true)
      io.engine.close()
      await io.of('/').adapter.close()
      pub?.disconnect()
      sub?.disconnect()
    },
  }
}
