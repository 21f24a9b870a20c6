import type { Server as HttpServer } from 'node:http'
import { Redis } from 'ioredis'
import type { TokenVerifier } from '@learnmesh/kernel'
import { SOCKET_IO_PATH, SOCKET_LINK_PATH } from '@learnmesh/contracts'
import type { CommunicationDeps } from '../deps.ts'
import { createChatService, type ChatActor } from '../chat/chat.service.ts'
import { createChatEvents } from '../chat/chat.socket.ts'
import { conversationRoom, userRoom } from './hub.ts'
import { ConnectionRefused, SocketServer } from './socket-server.ts'

/** Where Socket.IO is mounted, below the service's own base path. */
export const SOCKET_PATH = SOCKET_IO_PATH

/** The Redis channel on which replicas share room emits, joins and leaves. */
export const FAN_OUT_CHANNEL = 'learnmesh:communication:socket'

/** A running Socket.IO server. */
export interface RealtimeServer {
  io: SocketServer<ChatActor>
  close(): Promise<void>
}

/** Ends a connection's handshake with the reason the client's `connect_error` shows. */
function refused(code: 'unauthenticated' | 'invalid_token', detail: string) {
  return new ConnectionRefused(code, { code, status: 401, detail })
}

/**
 * Attaches communication's Socket.IO server (`socket-server.ts`: the protocol on `ws`, WebSocket
 * transport) to an HTTP server at `<pathPrefix>/socket.io/`: the service's own server in cluster
 * mode, the gateway's in embedded mode (prefix `/api/communication`). A connection authenticates
 * with the access JWT in `auth.token` (verified like a bearer token; it is cut when the token
 * expires), joins its user's room and the rooms of its conversations, and is sent `ready`. With
 * `redisUrl`, room emits, joins and leaves reach every replica through Redis pub/sub.
 */
export function attachRealtimeServer(options: {
  server: HttpServer
  pathPrefix: string
  deps: CommunicationDeps
  verifier: TokenVerifier
  redisUrl?: string
  /** Accept the gateway's socket links (cluster mode, on the service's own server). */
  gatewayLinks?: boolean
}): RealtimeServer {
  const { deps } = options
  let pub: Redis | undefined
  let sub: Redis | undefined
  if (options.redisUrl) {
    pub = new Redis(options.redisUrl, { connectionName: 'learnmesh-communication-socket-pub' })
    sub = pub.duplicate({ connectionName: 'learnmesh-communication-socket-sub' })
    for (const client of [pub, sub]) {
      client.on('error', (err: Error) =>
        deps.logger.warn({ err: { message: err.message } }, 'socket fan-out Redis error'),
      )
    }
  }
  const chat = createChatService(deps)
  const io: SocketServer<ChatActor> = new SocketServer<ChatActor>({
    server: options.server,
    path: `${options.pathPrefix.replace(/\/+$/, '')}${SOCKET_PATH}`,
    ...(options.gatewayLinks ? { linkPath: SOCKET_LINK_PATH } : {}),
    maxPayload: deps.config.BODY_LIMIT_BYTES,
    logger: deps.logger,
    ...(pub && sub ? { redis: { pub, sub, channel: FAN_OUT_CHANNEL } } : {}),
    async authenticate(auth) {
      const token = (auth as { token?: unknown } | undefined)?.token
      if (typeof token !== 'string' || token.length === 0 || token.length > 8192)
        throw refused('unauthenticated', 'Send the access token as auth.token')
      // Verified once per connection: not remembered (the cache is for tokens repeated on every request).
      const principal = await options.verifier.verify(token, { remember: false }).catch(() => {
        throw refused('invalid_token', 'The access token is invalid or expired')
      })
      const actor = { userId: principal.userId, orgId: principal.orgId }
      // Loaded before the connection is accepted, so its rooms are joined before it can send.
      const ids = await chat.conversationIds(actor)
      return {
        actor,
        rooms: [userRoom(actor.userId), ...ids.map(conversationRoom)],
        // Tokens are short-lived: the connection ends with its token; the client reconnects with a new one.
        expiresAt: typeof principal.claims.exp === 'number' ? principal.claims.exp * 1000 : null,
      }
    },
    connected(conn) {
      conn.emit('ready', {
        conversationIds: conn.rooms.filter((r) => r.startsWith('cnv:')).map((r) => r.slice(4)),
      })
    },
  })
  createChatEvents(chat, io, (conn) => deps.logger.child({ userId: conn.actor.userId }))

  deps.realtime.attach(io)
  return {
    io,
    async close() {
      await io.close()
      pub?.disconnect()
      sub?.disconnect()
    },
  }
}
