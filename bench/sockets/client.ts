// A load-generating client process of the socket benchmarks: holds its share of the WebSocket
// connections (several of these run side by side so the client side is never the bottleneck) and
// answers the runner's calls over IPC. The same code drives both variants, over the `ws` client:
//
// - `ws` (the bare baseline): a plain WebSocket to `/ws?g=<group>`; a send is one JSON text frame.
// - `sio` (communication's Socket.IO): the Engine.IO v4 / Socket.IO v5 wire protocol spoken over the
//   same `ws` client (`/socket.io/?EIO=4&transport=websocket`, `40{"token"}` to connect with the access
//   token, `2` → `3` heartbeats, `42[...]` events, `42<n>[...]` / `43<n>[...]` for acks), so each
//   received frame costs the client exactly what it costs in the baseline: one indexOf for the marker.
//   The first chat frame of every connection is also parsed in full and checked to be
//   `message:new` for the channel (a misrouted or malformed event counts as invalid).
//
// A message carries `#bench-<seq>#` in its body. For every seq, the process counts the frames its
// channel members received and the latest arrival (wall clock: performance.timeOrigin + now(),
// comparable between processes on one machine); when all its members have it, it reports
// `{ event: 'received', seq, last, count }` to the runner.
import WebSocket from 'ws'
import type { RpcReply, RpcRequest } from '../lib/rpc-child.ts'

export interface ClientSpec {
  userId: string
  /** Channel number: 0 is the measured 1,000-member channel. */
  group: number
  /** Access token (Socket.IO variant only). */
  token?: string
}

export interface ConnectArgs {
  kind: 'ws' | 'sio'
  /** ws://host:port/path (without the query). */
  url: string
  specs: ClientSpec[]
  /** Handshakes in flight at once. */
  concurrency: number
  /** The measured channel's conversation id (Socket.IO: checked in `ready` and in the first message). */
  conversationId: string
}

export interface SendArgs {
  /** Index of the sending connection in this process's specs. */
  index: number
  conversationId: string
  clientMessageId: string
  body: string
}

export type ClientRequest = RpcRequest
export type ClientReply = RpcReply | { event: 'received'; seq: number; last: number; count: number }

const now = (): number => performance.timeOrigin + performance.now()
const MARK = Buffer.from('#bench-')

interface Conn {
  ws: WebSocket
  spec: ClientSpec
  checked: boolean
}

let kind: 'ws' | 'sio' = 'ws'
let conns: Conn[] = []
let members = 0
let channelId = ''
const bySeq = new Map<number, { count: number; last: number }>()
let invalid = 0
let acksOk = 0
let acksFailed: string[] = []
let closedEarly = 0
let nextAck = 1

function post(message: ClientReply): void {
  process.send?.(message)
}

function seqOf(data: Buffer): number {
  const at = data.indexOf(MARK)
  if (at < 0) return -1
  let seq = 0
  for (let i = at + MARK.length; i < data.length; i++) {
    const c = data[i]!
    if (c < 48 || c > 57) break
    seq = seq * 10 + c - 48
  }
  return seq
}

function received(conn: Conn, data: Buffer): void {
  const t = now()
  const seq = seqOf(data)
  if (seq < 0 || conn.spec.group !== 0) return
  if (!conn.checked && kind === 'sio') {
    conn.checked = true
    try {
      const [event, message] = JSON.parse(data.toString('utf8', 2)) as [string, { conversationId?: string }]
      if (event !== 'message:new' || message.conversationId !== channelId) invalid++
    } catch {
      invalid++
    }
  }
  let s = bySeq.get(seq)
  if (!s) bySeq.set(seq, (s = { count: 0, last: 0 }))
  s.count++
  if (t > s.last) s.last = t
  if (s.count === members) post({ event: 'received', seq, last: s.last, count: s.count })
}

/** Opens one connection; resolves when it is usable (Socket.IO: `ready` received). */
function open(args: ConnectArgs, spec: ClientSpec): Promise<Conn> {
  return new Promise<Conn>((resolve, reject) => {
    // `g` (the course channel's group) is read by the bare servers only; communication ignores it.
    const url =
      args.kind === 'ws'
        ? `${args.url}?g=${spec.group}`
        : `${args.url}?EIO=4&transport=websocket&g=${spec.group}`
    const ws = new WebSocket(url, { perMessageDeflate: false })
    const conn: Conn = { ws, spec, checked: false }
    let ready = false
    const timer = setTimeout(() => {
      ws.terminate()
      reject(new Error('handshake took over 30 s'))
    }, 30_000)
    const done = (error?: Error) => {
      if (ready) return
      ready = true
      clearTimeout(timer)
      if (error) {
        ws.terminate()
        reject(error)
      } else resolve(conn)
    }
    ws.on('error', (err) => done(err))
    ws.on('close', (code) => {
      if (!ready) done(new Error(`closed during the handshake (${code})`))
      else closedEarly++
    })
    ws.on('message', (raw: Buffer, isBinary) => {
      if (isBinary) return
      if (ready) {
        if (args.kind === 'sio') {
          if (raw.length === 1 && raw[0] === 50 /* '2' */) return ws.send('3')
          if (raw[0] === 52 && raw[1] === 51 /* '43' ack */) return acked(raw)
        }
        return received(conn, raw)
      }
      const text = raw.toString()
      if (args.kind === 'ws') {
        if (text === '{"ready":true}') done()
        return
      }
      // Engine.IO open → Socket.IO connect with the token → connected → `ready` event.
      if (text.startsWith('0{')) ws.send(`40${JSON.stringify({ token: spec.token })}`)
      else if (text.startsWith('44')) done(new Error(`connect refused: ${text.slice(2, 200)}`))
      else if (text === '2') ws.send('3')
      else if (text.startsWith('42["ready"')) {
        const [, payload] = JSON.parse(text.slice(2)) as [string, { conversationIds: string[] }]
        if (spec.group === 0 && !payload.conversationIds.includes(args.conversationId))
          done(new Error('ready without the channel'))
        else done()
      }
    })
  })
}

function acked(raw: Buffer): void {
  const text = raw.toString()
  const start = text.indexOf('[')
  try {
    const [answer] = JSON.parse(text.slice(start)) as [{ ok: boolean; error?: { code?: string } }]
    if (answer.ok) acksOk++
    else if (acksFailed.length < 20) acksFailed.push(JSON.stringify(answer.error).slice(0, 200))
    else acksFailed.push('…')
  } catch {
    acksFailed.push(`unparsable ack ${text.slice(0, 100)}`)
  }
}

const methods: Record<string, (args: Record<string, unknown>) => Promise<unknown> | unknown> = {
  ready: () => ({ pid: process.pid }),
  /** CPU time this process used so far (user + system, µs). */
  cpu: () => {
    const { user, system } = process.cpuUsage()
    return user + system
  },

  async connect(raw) {
    const args = raw as unknown as ConnectArgs
    kind = args.kind
    channelId = args.conversationId
    conns = new Array<Conn>(args.specs.length)
    members = args.specs.filter((s) => s.group === 0).length
    bySeq.clear()
    invalid = 0
    acksOk = 0
    acksFailed = []
    closedEarly = 0
    const errors: string[] = []
    let next = 0
    const started = performance.now()
    const lane = async () => {
      while (next < args.specs.length) {
        const i = next++
        try {
          conns[i] = await open(args, args.specs[i]!)
        } catch (error) {
          errors.push((error as Error).message)
        }
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, args.concurrency) }, lane))
    return {
      connected: args.specs.length - errors.length,
      failed: errors.length,
      errors: [...new Set(errors)].slice(0, 5),
      ms: performance.now() - started,
    }
  },

  send(raw) {
    const args = raw as unknown as SendArgs
    const conn = conns[args.index]
    if (!conn) throw new Error(`no connection ${args.index}`)
    const t0 = now()
    if (kind === 'ws') {
      conn.ws.send(
        JSON.stringify({
          send: {
            conversationId: args.conversationId,
            senderId: conn.spec.userId,
            clientMessageId: args.clientMessageId,
            body: args.body,
          },
        }),
      )
    } else {
      const payload = {
        conversationId: args.conversationId,
        body: args.body,
        clientMessageId: args.clientMessageId,
      }
      conn.ws.send(`42${nextAck++}${JSON.stringify(['message:send', payload])}`)
    }
    return { t0 }
  },

  /** What arrived for each seq (also the incomplete ones), and the acks. */
  stats() {
    return {
      members,
      seqs: [...bySeq].map(([seq, s]) => ({ seq, count: s.count, last: s.last })),
      invalid,
      acksOk,
      acksFailed,
      closedEarly,
    }
  },

  async close() {
    const open = conns.filter(Boolean)
    await Promise.all(
      open.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.ws.readyState === WebSocket.CLOSED) return resolve()
            const t = setTimeout(() => {
              c.ws.terminate()
              resolve()
            }, 5000)
            c.ws.once('close', () => {
              clearTimeout(t)
              resolve()
            })
            c.ws.close()
          }),
      ),
    )
    conns = []
    return { closed: open.length }
  },
}

process.on('message', (message: ClientRequest) => {
  if (message.method === 'stop') {
    for (const c of conns) c?.ws.terminate()
    process.exit(0)
  }
  const method = methods[message.method]
  if (!method) {
    post({ id: message.id, ok: false, error: `unknown method ${message.method}` })
    return
  }
  Promise.resolve()
    .then(() => method(message.args))
    .then(
      (result) => post({ id: message.id, ok: true, result }),
      (error: unknown) => post({ id: message.id, ok: false, error: (error as Error).message }),
    )
})
// The runner died or closed the channel: never outlive it.
process.on('disconnect', () => process.exit(0))
