import { AppError, type Principal } from '@learnmesh/kernel'

/** The parts of a request these helpers read (kept structural so no Fastify types leak below routes). */
interface RequestLike {
  ip: string
  headers: Record<string, string | string[] | undefined>
  principal?: Principal
}

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/

/**
 * The request's W3C `traceparent` header (version 00, lowercase hex), or null when absent or
 * malformed: a bad header is ignored, never an error. Events the request causes carry it.
 */
export function traceparentOf(request: Pick<RequestLike, 'headers'>): string | null {
  const value = request.headers.traceparent
  return typeof value === 'string' && TRACEPARENT.test(value) ? value : null
}

/**
 * Where a request comes from: client IP (through trusted proxies), user agent, and the trace
 * context (`traceparent`) the events it causes carry.
 */
export function clientMeta(request: RequestLike): {
  ip: string
  userAgent: string | null
  traceparent: string | null
} {
  const ua = request.headers['user-agent']
  return {
    ip: request.ip || 'unknown',
    userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null,
    traceparent: traceparentOf(request),
  }
}

/**
 * The caller, whose session must still be live: identity's own routes honour logout, session
 * revocation and password resets immediately rather than when the access token expires.
 */
export async function requireSession(
  request: RequestLike,
  isLive: (sessionId: string, userId: string) => Promise<boolean>,
): Promise<Principal> {
  const principal = request.principal
  if (!principal) throw new AppError('unauthenticated', 'Sign in to do this')
  if (!(await isLive(principal.sessionId, principal.userId)))
    throw new AppError('invalid_token', 'This session has ended; sign in again')
  return principal
}
