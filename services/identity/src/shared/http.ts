import { AppError, traceparentOf, type Principal } from '@learnmesh/kernel'

/** The parts of a request these helpers read (kept structural so no Fastify types leak below routes). */
interface RequestLike {
  ip: string
  headers: Record<string, string | string[] | undefined>
  principal?: Principal
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
