import { AppError } from '@learnmesh/kernel'
import type { IdentityConfig } from '../config.ts'

/**
 * Cookie transport of the refresh token, for browsers. A client opts in per request with the header
 * `X-Token-Transport: cookie`: every response that issues a refresh token then sets it as an HttpOnly
 * cookie and leaves it out of the JSON body, and POST /auth/refresh and /auth/logout read it from
 * the cookie when the body carries none. Without the header nothing changes (API clients keep the
 * token in the body). The header doubles as the CSRF guard: it is not a CORS-safelisted header, so a
 * cross-site page cannot send it without a preflight, on top of SameSite=Strict and an Origin check.
 */
export const TOKEN_TRANSPORT_HEADER = 'x-token-transport'

/** Name of the refresh-token cookie. */
export const REFRESH_COOKIE = 'lm_refresh'

/** The parts of a request the cookie transport reads (structural, no Fastify types below routes). */
interface RequestLike {
  headers: Record<string, string | string[] | undefined>
  /** Host the client addressed (Fastify's `request.host`, X-Forwarded-Host behind a trusted proxy). */
  host?: string
}

/** The part of a reply the cookie transport writes. */
interface ReplyLike {
  header(name: string, value: string): unknown
}

/** Anything carrying a refresh token in its body. */
interface WithRefreshToken {
  refreshToken?: string | undefined
}

/** The value of one cookie in a Cookie header, or undefined. */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join(';') : header
  for (const part of text?.split(';') ?? []) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined
  }
  return undefined
}

/** The refresh-cookie transport for identity's config (see TOKEN_TRANSPORT_HEADER). */
export function createRefreshCookies(config: Pick<IdentityConfig, 'PUBLIC_URL' | 'REFRESH_TOKEN_TTL_DAYS'>) {
  const publicUrl = new URL(config.PUBLIC_URL)
  // The browser reaches identity at <PUBLIC_URL>/api/identity; the cookie goes to /auth/* only
  // (refresh and logout read it), never to the other APIs or pages.
  const path = `${publicUrl.pathname.replace(/\/+$/, '')}/api/identity/auth`
  const secure = publicUrl.protocol === 'https:'
  const maxAge = config.REFRESH_TOKEN_TTL_DAYS * 86_400

  const cookie = (value: string, seconds: number) =>
    [
      `${REFRESH_COOKIE}=${value}`,
      `Path=${path}`,
      `Max-Age=${seconds}`,
      'HttpOnly',
      'SameSite=Strict',
      ...(secure ? ['Secure'] : []),
    ].join('; ')

  /** True when the request asked for cookie transport. */
  const wanted = (request: RequestLike) => {
    const value = request.headers[TOKEN_TRANSPORT_HEADER]
    return typeof value === 'string' && value.trim().toLowerCase() === 'cookie'
  }

  /** True for PUBLIC_URL's origin or the addressed host's own (e.g. the Vite dev server's). */
  const ownOrigin = (origin: string, host: string | undefined) => {
    try {
      const given = new URL(origin)
      return given.origin === publicUrl.origin || (!!host && given.host === host)
    } catch {
      return false // "null" (sandboxed or opaque origins) or garbage
    }
  }

  /**
   * Refuses a cookie-authenticated request a browser sent from another site: the Origin (when sent)
   * must be PUBLIC_URL's or the addressed host's own, and Sec-Fetch-Site must not say cross-site.
   */
  function assertSameOrigin(request: RequestLike): void {
    const origin = request.headers.origin
    const foreign =
      request.headers['sec-fetch-site'] === 'cross-site' ||
      (origin !== undefined && (typeof origin !== 'string' || !ownOrigin(origin, request.host)))
    if (foreign)
      throw new AppError('forbidden', 'The refresh cookie is only accepted from the web app itself')
  }

  return {
    /** The cookie's path (the browser-visible prefix of /auth/refresh and /auth/logout). */
    path,
    wanted,
    /**
     * In cookie transport, moves the refresh token of `body` into the cookie and returns the body
     * without it; otherwise returns `body` unchanged.
     */
    issue<T extends WithRefreshToken>(request: RequestLike, reply: ReplyLike, body: T): T {
      if (!wanted(request) || !body.refreshToken) return body
      reply.header('set-cookie', cookie(body.refreshToken, maxAge))
      const { refreshToken: _moved, ...rest } = body
      return rest as T
    },
    /**
     * The refresh token in the cookie when the request asked for cookie transport (after the
     * same-origin check: 403 from a foreign site), else undefined.
     */
    read(request: RequestLike): string | undefined {
      if (!wanted(request)) return undefined
      const value = readCookie(request.headers.cookie, REFRESH_COOKIE)
      if (value !== undefined) assertSameOrigin(request)
      return value
    },
    /** Expires the cookie (sign-out) when in cookie transport. */
    clear(request: RequestLike, reply: ReplyLike): void {
      if (wanted(request)) reply.header('set-cookie', cookie('', 0))
    },
  }
}

/** The refresh-cookie transport (see createRefreshCookies). */
export type RefreshCookies = ReturnType<typeof createRefreshCookies>
