import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyRequest } from 'fastify'

/**
 * The gateway's shared micro-cache (cluster mode): a service opts a response in with
 * `Cache-Control: public, s-maxage=N`, and the gateway then answers the same anonymous GET from
 * memory for up to N seconds (capped by `maxTtlMs`) without calling the service. Stricter than
 * RFC 9111's shared-cache rules, so nothing personal can be stored or served:
 * - requests: only `GET` without `Authorization` or `Cookie` (anonymous), without `Range`, and
 *   without `Cache-Control: no-cache`/`no-store` from the client (those go to the service);
 * - responses: only `200` with `public` and `s-maxage` > 0, no `private`/`no-store`/`no-cache`,
 *   no `Set-Cookie`, no `Vary`, and a `Content-Length` no larger than `maxEntryBytes`;
 * - the key is the request's raw path and query, per service; entries expire at their TTL and the
 *   oldest go first when `maxBytes` is reached.
 * A hit still goes through everything before dispatch (request id, token check, rate limit, access
 * log, security headers); it carries `Age` and the hit's own request id.
 */
export interface ResponseCache {
  /** The fresh entry for `key`, if any. */
  get(key: string): CachedResponse | undefined
  /** Stores a response (callers check `storableFor` first). */
  set(key: string, entry: CachedResponse): void
  /** Bytes held (bodies and headers, approximately). */
  bytes(): number
  /** Entries held. */
  size(): number
}

/** A stored response: status 200, the service's headers (hop-by-hop and per-request ones removed), body. */
export interface CachedResponse {
  /** Flat [name, value, …] list of the service's end-to-end headers. */
  headers: string[]
  body: Buffer
  /** Time stored and time it stops being fresh (ms, the cache's clock). */
  storedAt: number
  expiresAt: number
}

/** Response headers never stored: per request (request id, date, age) or per connection. */
export const UNSTORED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
  'date',
  'age',
  'x-request-id',
])

/** Creates an in-memory cache bounded by `maxBytes` (0 = off: nothing is stored). */
export function createResponseCache(options: {
  maxBytes: number
  /** Longest an entry is served, whatever s-maxage says. */
  maxTtlMs: number
  /** Largest body stored (default maxBytes ÷ 64). */
  maxEntryBytes?: number
  now?: () => number
}): ResponseCache & { maxTtlMs: number; maxEntryBytes: number; now: () => number } {
  const now = options.now ?? Date.now
  const entries = new Map<string, CachedResponse & { size: number }>()
  let bytes = 0
  const drop = (key: string) => {
    const old = entries.get(key)
    if (!old) return
    bytes -= old.size
    entries.delete(key)
  }
  return {
    maxTtlMs: options.maxTtlMs,
    maxEntryBytes: options.maxEntryBytes ?? Math.floor(options.maxBytes / 64),
    now,
    get(key) {
      const hit = entries.get(key)
      if (!hit) return undefined
      if (now() >= hit.expiresAt) {
        drop(key)
        return undefined
      }
      return hit
    },
    set(key, entry) {
      if (options.maxBytes <= 0) return
      const size = entry.body.length + key.length + entry.headers.reduce((n, h) => n + h.length, 0) + 64
      if (size > options.maxBytes) return
      drop(key)
      // Oldest first (a Map iterates in insertion order).
      while (bytes + size > options.maxBytes && entries.size) drop(entries.keys().next().value!)
      entries.set(key, { ...entry, size })
      bytes += size
    },
    bytes: () => bytes,
    size: () => entries.size,
  }
}

/** The cache key of a request the cache may answer, or null (not anonymous, not a plain GET, …). */
export function cacheKeyOf(request: FastifyRequest): string | null {
  if (request.method !== 'GET') return null
  const h = request.headers
  if (h.authorization !== undefined || h.cookie !== undefined || h.range !== undefined) return null
  const control = h['cache-control']
  if (control !== undefined && /no-cache|no-store/i.test(control)) return null
  if (h.pragma !== undefined && /no-cache/i.test(h.pragma)) return null
  return request.raw.url ?? null
}

/**
 * How long (ms) a shared cache may keep this response: `s-maxage` of a `public` 200 without
 * Set-Cookie or Vary, capped by `maxTtlMs`; 0 when it must not be stored.
 */
export function storableFor(statusCode: number, headers: IncomingHttpHeaders, maxTtlMs: number): number {
  if (statusCode !== 200) return 0
  const control = headers['cache-control']
  if (typeof control !== 'string') return 0
  if (headers['set-cookie'] !== undefined || headers.vary !== undefined) return 0
  if (typeof headers['content-length'] !== 'string') return 0
  const directives = control.toLowerCase().split(',')
  let isPublic = false
  let sMaxAge = 0
  for (const raw of directives) {
    const d = raw.trim()
    if (d === 'public') isPublic = true
    else if (d === 'private' || d === 'no-store' || d === 'no-cache' || d.startsWith('private=')) return 0
    else if (d.startsWith('no-cache=')) return 0
    else if (d.startsWith('s-maxage=')) {
      const value = d.slice(9)
      if (!/^\d{1,9}$/.test(value)) return 0
      sMaxAge = Number(value)
    }
  }
  if (!isPublic || sMaxAge <= 0) return 0
  return Math.min(sMaxAge * 1000, maxTtlMs)
}
