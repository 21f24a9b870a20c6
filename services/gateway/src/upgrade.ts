import { request as httpRequest, type IncomingMessage, type Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Logger } from '@learnmesh/kernel'
import { upstreamPath } from './proxy.ts'

/** Request headers never relayed on an upgrade (the gateway sets its own forwarding headers). */
const DROPPED = new Set([
  'host',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'forwarded',
  'proxy-authorization',
  'proxy-connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
])

/** Options of `proxyUpgrades`. */
export interface UpgradeProxyOptions {
  /** Cluster services by name: their base URLs (several replicas: round-robin per connection). */
  upstreams: Record<string, string[]>
  /** Whether a client's X-Forwarded-For is kept (a trusted load balancer sits in front). */
  trustProxy: boolean
  /** How long the upstream may take to answer the upgrade request. */
  timeoutMs: number
  logger: Logger
  /** Paths another upgrade listener of the server answers (the socket mux): left alone. */
  skip?: (pathname: string) => boolean
}

/** Writes a short HTTP error on a raw socket that has not been upgraded, and closes it. */
export function refuse(
  socket: Duplex,
  status: number,
  reason: string,
  json: Record<string, unknown> = { status, code: reason },
) {
  if (!socket.writable) return socket.destroy()
  const body = JSON.stringify(json)
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

/** Raw header lines of a response, as received (repeated headers kept). */
function headerBlock(res: IncomingMessage): string {
  let out = ''
  for (let i = 0; i < res.rawHeaders.length; i += 2)
    out += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`
  return out
}

/**
 * WebSocket (HTTP upgrade) proxying for cluster mode: `/api/<service>/...` upgrades are relayed to one
 * of the service's replicas with the prefix stripped (as for HTTP) and X-Forwarded-* set, then bytes
 * are piped both ways until either side closes. Authentication stays at the service (Socket.IO checks
 * the token in its handshake). A refused upgrade (401, 404...) is relayed as is; an unreachable
 * upstream is a 502. Upgrades for other paths are left to other listeners on the server (embedded
 * mode mounts a service's Socket.IO on the gateway's server); one nobody answered within a second
 * is closed with a 404.
 */
export function proxyUpgrades(server: Server, options: UpgradeProxyOptions): void {
  const turn = new Map<string, number>()
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const url = req.url ?? '/'
    if (options.skip?.(url.split('?', 1)[0]!)) return
    const name = url.startsWith('/api/') ? url.slice(5).split(/[/?]/, 1)[0]! : ''
    const urls = options.upstreams[name]
    if (!urls || urls.length === 0) {
      setTimeout(() => {
        if (socket.writable && (socket as Socket).bytesWritten === 0) refuse(socket, 404, 'Not Found')
      }, 1000).unref()
      return
    }
    const i = turn.get(name) ?? 0
    turn.set(name, (i + 1) % urls.length)
    const target = new URL(urls[i % urls.length]!)
    const headers: Record<string, string | string[]> = {}
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined && !DROPPED.has(key)) headers[key] = value
    }
    const peer = req.socket.remoteAddress ?? ''
    const prior = req.headers['x-forwarded-for']
    headers['x-forwarded-for'] =
      options.trustProxy && typeof prior === 'string' && prior ? `${prior}, ${peer}` : peer
    headers['x-forwarded-host'] = req.headers.host ?? ''
    headers['x-forwarded-proto'] = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http'
    const upstream = httpRequest({
      host: target.hostname,
      port: target.port || 80,
      method: req.method,
      path: target.pathname.replace(/\/+$/, '') + upstreamPath(url),
      headers,
      timeout: options.timeoutMs,
      // Its own connection, never the keep-alive pool: an upgraded socket leaves HTTP for good.
      agent: false,
    })
    upstream.on('upgrade', (res, upstreamSocket, upstreamHead) => {
      upstream.setTimeout(0)
      upstreamSocket.setTimeout(0)
      upstreamSocket.on('error', () => socket.destroy())
      socket.on('error', () => upstreamSocket.destroy())
      socket.on('close', () => upstreamSocket.destroy())
      upstreamSocket.on('close', () => socket.destroy())
      socket.write(`HTTP/1.1 101 ${res.statusMessage ?? 'Switching Protocols'}\r\n${headerBlock(res)}\r\n`)
      if (upstreamHead.length) socket.write(upstreamHead)
      if (head.length) upstreamSocket.write(head)
      upstreamSocket.pipe(socket)
      socket.pipe(upstreamSocket)
    })
    upstream.on('response', (res) => {
      // The service refused the upgrade: relay its answer and close.
      socket.write(`HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n${headerBlock(res)}\r\n`)
      res.pipe(socket)
    })
    upstream.on('timeout', () =>
      upstream.destroy(Object.assign(new Error('upgrade timed out'), { code: 'ETIMEDOUT' })),
    )
    upstream.on('error', (err: Error & { code?: string }) => {
      options.logger.warn(
        { service: name, err: { message: err.message, code: err.code } },
        'upgrade proxy failed',
      )
      refuse(
        socket,
        err.code === 'ETIMEDOUT' ? 504 : 502,
        err.code === 'ETIMEDOUT' ? 'Gateway Timeout' : 'Bad Gateway',
      )
    })
    upstream.end()
  })
}
