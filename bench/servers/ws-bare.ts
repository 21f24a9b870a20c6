// The `sockets` and `socket-memory` baseline: a bare `ws` WebSocketServer on node:http, nothing else.
// A client joins a group by its URL (`/ws?g=<n>`); a text frame `{"send":{...}}` from any client is
// turned into the same message document communication broadcasts (id, conversationId, senderId,
// clientMessageId, body, attachments, createdAt, editedAt, deletedAt), serialized once and sent to
// every client of that group with ws.send. No auth, no persistence, no framing protocol.
import { createServer } from 'node:http'
import { WebSocketServer, type WebSocket } from 'ws'
import { childOptions, serveChild } from './child.ts'

childOptions<Record<string, never>>()
const server = createServer((_req, res) => res.writeHead(404).end())
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false })
const groups = new Map<string, Set<WebSocket>>()
let counter = 0

wss.on('connection', (ws, req) => {
  const group = new URL(req.url ?? '/', 'http://x').searchParams.get('g') ?? ''
  let members = groups.get(group)
  if (!members) groups.set(group, (members = new Set()))
  members.add(ws)
  ws.on('close', () => members.delete(ws))
  ws.on('error', () => ws.terminate())
  ws.on('message', (data) => {
    let input: { send?: { conversationId: string; senderId: string; clientMessageId: string; body: string } }
    try {
      input = JSON.parse(String(data)) as typeof input
    } catch {
      return
    }
    if (!input.send) return
    const payload = JSON.stringify({
      id: `msg_${(++counter).toString(16).padStart(32, '0')}`,
      conversationId: input.send.conversationId,
      senderId: input.send.senderId,
      clientMessageId: input.send.clientMessageId,
      body: input.send.body,
      attachments: [],
      createdAt: new Date().toISOString(),
      editedAt: null,
      deletedAt: null,
    })
    for (const member of members) member.send(payload)
  })
  ws.send('{"ready":true}')
})

await serveChild(
  () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server))),
  async () => {
    for (const ws of wss.clients) ws.terminate()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
    await new Promise<void>((resolve) => server.close(() => resolve()))
  },
)
