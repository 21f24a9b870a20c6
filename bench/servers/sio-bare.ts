// The `socket-memory` reference: a bare Socket.IO server on node:http with its defaults (in-memory
// adapter, Engine.IO over `ws`, per-message deflate off), WebSocket transport only, as communication
// serves it. It speaks the same handshake the bench clients speak to communication: `40{"token"}`,
// then a `ready` event listing the conversations joined. The token is not verified: its `sub` names
// the user, whose room is joined, and the course channel comes from the `g` query parameter, whose
// room is joined too. Nothing else: no auth, no persistence, no handlers, no timers of its own. It
// shows what Socket.IO itself costs per idle connection over a bare `ws` server, so communication's
// own share of the gap can be read off (as bare Fastify does in the `http` scenario).
import { createServer } from 'node:http'
import { Server } from 'socket.io'
import { childOptions, serveChild } from './child.ts'
import { channelId } from '../sockets/ids.ts'

childOptions<Record<string, never>>()
const server = createServer((_req, res) => res.writeHead(404).end())
const io = new Server(server, { transports: ['websocket'], serveClient: false })

function subject(token: unknown): string {
  if (typeof token !== 'string') return ''
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      sub?: string
    }
    return payload.sub ?? ''
  } catch {
    return ''
  }
}

io.on('connection', (socket) => {
  const group = Number(socket.handshake.query.g ?? -1)
  const conversationIds = group >= 0 ? [channelId(group)] : []
  void socket.join([
    `user:${subject((socket.handshake.auth as { token?: unknown }).token)}`,
    ...conversationIds,
  ])
  socket.emit('ready', { conversationIds })
})

await serveChild(
  () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server))),
  async () => {
    await new Promise<void>((resolve) => void io.close(() => resolve()))
  },
)
