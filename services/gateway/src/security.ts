import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet, { type HelmetOptions } from 'helmet'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

/**
 * Which Content-Security-Policy a response gets:
 * - `api`: JSON and problem documents; nothing may be loaded or framed (`default-src 'none'`).
 * - `docs`: the API reference page; scripts only from this origin (no inline script), inline styles
 *   (the reference injects them), same-origin fetches for "try it".
 * - `web`: the web app's static build (Vite): same-origin scripts, styles, images, fonts, media from
 *   blob: (HLS playback) and same-origin XHR/WebSocket; Stripe.js (script, Elements frames, API) for
 *   card payments when commerce uses Stripe.
 */
export type SecurityProfile = 'api' | 'docs' | 'web'

const directives: Record<'docs' | 'web', NonNullable<HelmetOptions['contentSecurityPolicy']>> = {
  docs: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      workerSrc: ["'self'", 'blob:'],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
    },
  },
  web: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      // Stripe.js and its Elements iframes, as Stripe documents for a CSP (used only when commerce's
      // provider is Stripe; nothing else is loaded from another origin).
      scriptSrc: ["'self'", 'https://js.stripe.com'],
      frameSrc: ['https://js.stripe.com', 'https://hooks.stripe.com'],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      fontSrc: ["'self'", 'data:'],
      mediaSrc: ["'self'", 'blob:'],
      connectSrc: ["'self'", 'https://api.stripe.com'],
      workerSrc: ["'self'", 'blob:'],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
    },
  },
}

/**
 * API responses (JSON, problem documents) get the OWASP REST Security Cheat Sheet set: a CSP that
 * forbids loading or framing anything, HSTS, nosniff, frame denial, and CORP so no other site can
 * embed them. helmet's other headers (DNS prefetch, download options, XSS filter, COOP, referrer
 * policy, origin-agent-cluster) govern HTML documents; on every proxied response they would only
 * cost bytes and work.
 */
const apiHeaders: [string, string][] = [
  ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
  ['strict-transport-security', 'max-age=31536000; includeSubDomains'],
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['cross-origin-resource-policy', 'same-origin'],
]

/**
 * The security headers of a profile, computed once by running helmet against a recording response.
 * helmet (and @fastify/helmet, which rebuilds the middleware on every request) would otherwise do
 * this work per request on the proxy's hot path; the result is the same list of headers.
 */
export function securityHeaders(profile: SecurityProfile): [name: string, value: string][] {
  if (profile === 'api') return apiHeaders.map(([name, value]) => [name, value])
  const headers = new Map<string, string>()
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name.toLowerCase(), String(value))
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase())
    },
    getHeader(name: string) {
      return headers.get(name.toLowerCase())
    },
  }
  const middleware = helmet({
    contentSecurityPolicy: directives[profile],
    // Same-origin by default; cross-origin API use goes through CORS (CORS_ORIGINS), not CORP.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  })
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err
  })
  return [...headers.entries()]
}

/** An onRequest hook setting a profile's precomputed security headers on the raw response. */
export function securityHeadersHook(profile: SecurityProfile) {
  const list = securityHeaders(profile)
  const names = list.map(([n]) => n)
  const values = list.map(([, v]) => v)
  const count = names.length
  return function applySecurityHeaders(
    _request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    // On the raw response: they survive `reply.hijack()` (in-process dispatch) and merge with
    // whatever headers the service writes.
    const raw = reply.raw
    for (let i = 0; i < count; i++) raw.setHeader(names[i]!, values[i]!)
    done()
  }
}

/**
 * An onSend hook setting a profile's security headers on responses the gateway itself sends
 * (problem documents, preflights, the merged OpenAPI). Proxied responses get the same headers in
 * their single writeHead instead (see proxy.ts), so the hot path does no per-header work here.
 */
export function securityHeadersOnSend(profile: SecurityProfile) {
  const list = securityHeaders(profile)
  return function applySecurityHeaders(
    _request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
    done: (err: Error | null, payload?: unknown) => void,
  ): void {
    const raw = reply.raw
    for (const [name, value] of list) raw.setHeader(name, value)
    done(null, payload)
  }
}
