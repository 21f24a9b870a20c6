import { randomFillSync } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { Transform, type Readable } from 'node:stream'
import { BalancedPool, Pool, type Dispatcher } from 'undici'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError, sendProblem, type App } from '@learnmesh/kernel'
import {
  cacheKeyOf,
  storableFor,
  UNSTORED_HEADERS,
  type CachedResponse,
  type createResponseCache,
} from './response-cache.ts'

type SharedCache = ReturnType<typeof createResponseCache>

/**
 * Headers that describe one connection rather than the message (RFC 9110 §7.6.1), plus those the
 * gateway sets itself (host) or must not relay (expect: undici does not support 100-continue).
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
  'host',
  'expect',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'forwarded',
])

const RESPONSE_HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
])

const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/

/**
 * The W3C traceparent to forward: the caller's when it is valid (its trace id is kept), otherwise
 * a new one with a random trace id, sampled.
 */
export function traceparentFor(given: string | string[] | undefined): string {
  if (typeof given === 'string' && given.length === 55 && TRACEPARENT.test(given)) return given
  // Random bytes drawn and hex-encoded in batches: one getrandom call and one encoding per 256
  // traces instead of per request; each trace slices its 48 hex digits out of the batch.
  if (entropyOffset + 48 > entropyHex.length) {
    entropyHex = randomFillSync(entropy).toString('hex')
    entropyOffset = 0
  }
  const start = entropyOffset
  entropyOffset += 48
  return `00-${entropyHex.slice(start, start + 32)}-${entropyHex.slice(start + 32, start + 48)}-01`
}

const entropy = Buffer.alloc(24 * 256)
let entropyHex = ''
let entropyOffset = 0

/**
 * The path and query a service sees: `/api/identity/auth/login?x=1` → `/auth/login?x=1`. Works on the
 * raw URL, so an encoded service segment or a query right after it is handled.
 */
export function upstreamPath(rawUrl: string): string {
  const slash = rawUrl.indexOf('/', 5) // after '/api/'
  const query = rawUrl.indexOf('?')
  if (slash === -1 || (query !== -1 && query < slash)) return query === -1 ? '/' : `/${rawUrl.slice(query)}`
  return rawUrl.slice(slash)
}

/** Raised while streaming a request body that turns out larger than the gateway's limit. */
export class BodyLimitError extends Error {
  constructor() {
    super('request body exceeds the gateway limit')
    this.name = 'BodyLimitError'
  }
}

/** The body size problem, sent with `connection: close` so the rest of an oversized upload is not read. */
export function sendTooLarge(request: FastifyRequest, reply: FastifyReply, limit: number): void {
  reply.header('connection', 'close')
  sendProblem(
    request,
    reply,
    new AppError('payload_too_large', `The request body is larger than the ${limit} bytes the API accepts`, {
      limit,
    }),
  )
}

/** Maps a failed upstream call to the problem the client sees: never the upstream's own message. */
export function upstreamProblem(error: unknown, service: string): AppError {
  const code = (error as { code?: unknown } | undefined)?.code
  if (typeof code === 'string' && TIMEOUTS.has(code)) {
    return new AppError('gateway_timeout', `The ${service} service did not answer in time`)
  }
  if (typeof code === 'string' && UNREACHABLE.has(code)) {
    return new AppError('service_unavailable', `The ${service} service is unavailable; retry shortly`)
  }
  return new AppError('bad_gateway', `The ${service} service failed to answer`)
}

const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
])

/** The header names listed in a Connection header (themselves hop-by-hop). */
function listed(connection: string): string[] {
  return connection.split(',').map((name) => name.trim().toLowerCase())
}

/** Counts streamed bytes and fails once they pass `limit` (for chunked uploads without Content-Length). */
function limitedBody(source: Readable, limit: number): Readable {
  let seen = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length
      if (seen > limit) callback(new BodyLimitError())
      else callback(null, chunk)
    },
  })
  // Not `pipeline`: it would destroy the client socket on error, and the 413 must still be sent.
  source.on('error', (err) => counter.destroy(err))
  return source.pipe(counter)
}

/**
 * Streams one upstream response to the client. Until the first byte the Fastify reply is untouched,
 * so a failure can still become a problem document; at the response start the reply is hijacked
 * and the gateway's own headers (request id, CORS, rate limit) are moved onto the raw response.
 */
class ResponseWriter implements Dispatcher.DispatchHandler {
  private started = false
  private ended = false
  /** Body bytes still expected when the service sent Content-Length (-1: unknown, streamed). */
  private remaining = -1

  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    /** Headers added to every proxied response, as a flat name/value list. */
    private readonly fixed: string[],
    private readonly onFailure: (request: FastifyRequest, reply: FastifyReply, err: Error) => void,
    /** Where to store the response when the service marks it shareable (an anonymous GET). */
    private readonly capture?: { cache: SharedCache; key: string },
  ) {}

  /** Body chunks of a response being stored, and how long it may be kept. */
  private chunks: Buffer[] | null = null
  private ttl = 0
  private stored: string[] = []

  // Its presence tells undici this is a (non-deprecated) controller-style handler.
  onRequestStart(): void {}

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return // 1xx informational: the final response follows
    this.started = true
    const reply = this.reply
    // One flat list for one writeHead, each name once: the gateway's per-request headers (request
    // id, CORS, rate limit) win over the service's; the service's win over the gateway's fixed
    // security headers (a service that renders a page knows its own CSP).
    const list: (string | string[])[] = []
    const own = replyHeaders(reply)
    reply.hijack()
    for (const name in own) {
      const value = own[name]
      if (value !== undefined)
        list.push(name, typeof value === 'number' ? String(value) : (value as string | string[]))
    }
    const connection = headers.connection
    const named =
      typeof connection === 'string' && connection !== 'keep-alive' && connection !== 'close'
        ? listed(connection)
        : undefined
    for (const name in headers) {
      const value = headers[name]
      if (
        value !== undefined &&
        own[name] === undefined &&
        !RESPONSE_HOP_BY_HOP.has(name) &&
        !named?.includes(name)
      ) {
        list.push(name, value)
      }
    }
    const fixed = this.fixed
    for (let i = 0; i < fixed.length; i += 2) {
      if (headers[fixed[i]!] === undefined) list.push(fixed[i]!, fixed[i + 1]!)
    }
    reply.raw.writeHead(statusCode, list as string[])
    const length = headers['content-length']
    if (typeof length === 'string') this.remaining = Number(length)
    const capture = this.capture
    if (capture && this.remaining >= 0 && this.remaining <= capture.cache.maxEntryBytes) {
      this.ttl = storableFor(statusCode, headers, capture.cache.maxTtlMs)
      if (this.ttl > 0) {
        this.chunks = []
        for (const name in headers) {
          const value = headers[name]
          if (value === undefined || UNSTORED_HEADERS.has(name) || named?.includes(name)) continue
          if (Array.isArray(value)) for (const v of value) this.stored.push(name, v)
          else this.stored.push(name, value)
        }
      }
    }
  }

  /** Stores a complete shareable response (called once its last byte arrived). */
  private store(): void {
    const capture = this.capture!
    const at = capture.cache.now()
    capture.cache.set(capture.key, {
      headers: this.stored,
      body: Buffer.concat(this.chunks!),
      storedAt: at,
      expiresAt: at + this.ttl,
    })
    this.chunks = null
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.reply.raw
    if (this.remaining >= 0) {
      this.remaining -= chunk.length
      if (this.chunks) this.chunks.push(chunk)
      if (this.remaining === 0) {
        // The last (often the only) chunk: headers and body leave in one write, with no extra
        // empty write for end().
        this.ended = true
        if (this.chunks) this.store()
        res.end(chunk)
        return
      }
    }
    if (res.write(chunk)) return
    if (res.destroyed) {
      controller.abort(new Error('client closed the connection'))
      return
    }
    controller.pause()
    const onDrain = () => {
      res.off('close', onClose)
      controller.resume()
    }
    const onClose = () => {
      res.off('drain', onDrain)
      controller.abort(new Error('client closed the connection'))
    }
    res.once('drain', onDrain)
    res.once('close', onClose)
  }

  onResponseEnd(): void {
    if (!this.ended) this.reply.raw.end()
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (!this.started) return this.onFailure(this.request, this.reply, err)
    // Mid-stream failure: the status line is gone, so the only honest signal left is a cut connection.
    this.request.log.warn({ err }, 'upstream response failed mid-stream')
    this.reply.raw.destroy()
  }
}

/**
 * Answers from the micro-cache as `ResponseWriter` would have written the service's response: the
 * gateway's per-request headers (request id, CORS, rate limit) first, then the stored ones, the
 * fixed security headers, and `Age` (whole seconds since it was stored).
 */
function sendCached(reply: FastifyReply, hit: CachedResponse, now: number, fixed: string[]): void {
  const list: (string | string[])[] = []
  const own = replyHeaders(reply)
  reply.hijack()
  for (const name in own) {
    const value = own[name]
    if (value !== undefined)
      list.push(name, typeof value === 'number' ? String(value) : (value as string | string[]))
  }
  const stored = hit.headers
  const present = new Set<string>()
  for (let i = 0; i < stored.length; i += 2) {
    const name = stored[i]!
    present.add(name)
    if (own[name] === undefined) list.push(name, stored[i + 1]!)
  }
  for (let i = 0; i < fixed.length; i += 2) {
    if (!present.has(fixed[i]!)) list.push(fixed[i]!, fixed[i + 1]!)
  }
  list.push('age', String(Math.max(0, Math.floor((now - hit.storedAt) / 1000))))
  reply.raw.writeHead(200, list as string[])
  reply.raw.end(hit.body)
}

let replyHeadersKey: symbol | null | undefined
/**
 * The headers set on a Fastify reply (request id, CORS, rate limit). `reply.getHeaders()` merges
 * them with the raw response's into two new objects per call; the reply keeps its own under an
 * internal symbol, read directly when present (falls back to getHeaders on any other Fastify).
 * Headers set on the raw response are not lost either way: writeHead merges them.
 */
function replyHeaders(reply: FastifyReply): Record<string, unknown> {
  if (replyHeadersKey === undefined) {
    replyHeadersKey =
      Object.getOwnPropertySymbols(reply).find((s) => s.description === 'fastify.reply.headers') ?? null
  }
  if (replyHeadersKey !== null) {
    const own = (reply as unknown as Record<symbol, unknown>)[replyHeadersKey]
    if (own && typeof own === 'object') return own as Record<string, unknown>
  }
  return reply.getHeaders()
}

/** Options shared by both ways of reaching a service. */
export interface ForwardOptions {
  /** Headers the gateway adds to every proxied response (security headers). */
  responseHeaders: [name: string, value: string][]
  /** Largest request body in bytes. */
  bodyLimit: number
  /** Whether X-Forwarded-For from the client is kept (a trusted load balancer sits in front). */
  trustProxy: boolean
}

/** Forwards one request (already authenticated and rate limited) to a service. */
export type Forward = (request: FastifyRequest, reply: FastifyReply) => void

/** A service reachable over HTTP (cluster mode) through a keep-alive undici pool. */
export interface HttpUpstream {
  forward: Forward
  /** GETs a path of the service and parses JSON (OpenAPI, health); fails on non-2xx. */
  getJson(path: string, timeoutMs: number): Promise<unknown>
  close(): Promise<void>
}

/**
 * Cluster dispatch: one undici Pool per service (keep-alive, no pipelining, `connections` sockets;
 * a BalancedPool over several `|`-separated replica URLs),
 * request and response bodies streamed, hop-by-hop headers stripped, X-Forwarded-*, x-request-id
 * and traceparent set. Timeouts become 504, refused connections 503, anything else 502.
 */
export function createHttpUpstream(
  service: string,
  baseUrl: string,
  options: ForwardOptions & {
    timeoutMs: number
    connections: number
    /** Shared micro-cache for anonymous GETs the service marks `public, s-maxage` (see response-cache.ts). */
    cache?: SharedCache
  },
): HttpUpstream {
  const urls = baseUrl.split('|').map((u) => new URL(u))
  const basePath = urls[0]!.pathname.replace(/\/+$/, '')
  const poolOptions = {
    connections: options.connections,
    pipelining: 1,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connectTimeout: Math.min(options.timeoutMs, 10_000),
    keepAliveTimeout: 30_000,
  }
  // Replicas (`http://a|http://b`): undici's BalancedPool, round-robin over healthy upstreams,
  // weighting down one that fails to connect.
  const pool: Pool | BalancedPool =
    urls.length > 1
      ? new BalancedPool(
          urls.map((u) => u.origin),
          poolOptions,
        )
      : new Pool(urls[0]!.origin, poolOptions)
  const { bodyLimit, trustProxy, cache } = options
  const responseHeaders = options.responseHeaders.flat()

  function requestHeaders(request: FastifyRequest): Record<string, string | string[]> {
    const incoming: IncomingHttpHeaders = request.headers
    const out: Record<string, string | string[]> = {}
    for (const name in incoming) {
      const value = incoming[name]
      if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
    }
    // Headers named in Connection are hop-by-hop too.
    const connection = incoming.connection
    if (connection && connection !== 'keep-alive' && connection !== 'close') {
      for (const name of listed(connection)) delete out[name]
    }
    const peer = request.raw.socket.remoteAddress ?? ''
    const prior = incoming['x-forwarded-for']
    out['x-forwarded-for'] = trustProxy && typeof prior === 'string' && prior ? `${prior}, ${peer}` : peer
    out['x-forwarded-proto'] = request.protocol
    out['x-forwarded-host'] = request.host
    out['x-request-id'] = request.id
    const traceparent = traceparentFor(incoming.traceparent)
    out.traceparent = traceparent
    if (traceparent !== incoming.traceparent) {
      delete out.tracestate
      // As in embedded mode: the gateway's own log lines for this request carry the forwarded trace id.
      incoming.traceparent = traceparent
    }
    return out
  }

  // The hot path: `dispatch` with a handler that writes the service's response straight onto the
  // client's socket (no body stream objects, no promises), with backpressure both ways.
  function forward(request: FastifyRequest, reply: FastifyReply): void {
    const raw = request.raw
    const key = cache ? cacheKeyOf(request) : null
    if (key !== null) {
      const hit = cache!.get(key)
      if (hit) return sendCached(reply, hit, cache!.now(), responseHeaders)
    }
    const length = raw.headers['content-length']
    const chunked = raw.headers['transfer-encoding'] !== undefined
    const body = chunked ? limitedBody(raw, bodyLimit) : length !== undefined && length !== '0' ? raw : null
    pool.dispatch(
      {
        path: basePath + upstreamPath(raw.url ?? '/'),
        method: request.method as 'GET',
        headers: requestHeaders(request),
        body,
      },
      new ResponseWriter(
        request,
        reply,
        responseHeaders,
        failed,
        key !== null ? { cache: cache!, key } : undefined,
      ),
    )
  }

  function failed(request: FastifyRequest, reply: FastifyReply, err: Error): void {
    const raw = request.raw
    if (raw.destroyed && !raw.complete) {
      // The client went away mid-request: nobody to answer.
      request.log.debug({ service }, 'client aborted a proxied request')
      reply.hijack()
      reply.raw.destroy()
      return
    }
    if (err instanceof BodyLimitError || (err as { cause?: unknown }).cause instanceof BodyLimitError) {
      return sendTooLarge(request, reply, bodyLimit)
    }
    const problem = upstreamProblem(err, service)
    request.log.warn({ service, err, status: problem.status }, 'upstream request failed')
    sendProblem(request, reply, problem)
  }

  async function getJson(path: string, timeoutMs: number): Promise<unknown> {
    const response = await pool.request({
      path: basePath + path,
      method: 'GET',
      headers: { accept: 'application/json' },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    })
    if (response.statusCode < 200 || response.statusCode >= 300) {
      await response.body.dump()
      throw new Error(`${service} answered ${response.statusCode} to GET ${path}`)
    }
    return response.body.json()
  }

  return { forward, getJson, close: () => pool.close() }
}

/**
 * Embedded dispatch: the request is handed to the service's Fastify instance in this process, with
 * no socket in between. The gateway has not read the body (its proxy routes have no body parser), so
 * the service parses and validates it as if it had received the request itself, and writes its
 * response straight to the client. Headers the gateway already set (CORS, rate limit, security)
 * are moved onto the raw response so they survive the hijack.
 */
export function createInProcessUpstream(app: App, responseHeaders: [name: string, value: string][]): Forward {
  return function forward(request, reply) {
    const raw = request.raw
    const out = reply.raw
    for (const [name, value] of responseHeaders) out.setHeader(name, value)
    const pending = reply.getHeaders()
    for (const name in pending) {
      const value = pending[name]
      if (value !== undefined) out.setHeader(name, value as string)
    }
    reply.hijack()
    raw.headers['x-request-id'] = request.id
    const traceparent = traceparentFor(raw.headers.traceparent)
    if (traceparent !== raw.headers.traceparent) {
      raw.headers.traceparent = traceparent
      delete raw.headers.tracestate
    }
    raw.url = upstreamPath(raw.url ?? '/')
    app.routing(raw, out)
  }
}
