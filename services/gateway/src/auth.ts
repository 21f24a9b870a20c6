import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { AppError, type Principal, type TokenVerifier } from '@learnmesh/kernel'

/** A verifier that can also answer synchronously from its cache. */
export interface CachingVerifier extends TokenVerifier {
  /** The principal of a token verified recently and not yet expired, without any async work. */
  cached(token: string): Principal | undefined
}

/**
 * Remembers successful verifications for a short while, so a client sending the same access token on
 * every call costs one signature check per `maxAgeMs` instead of one per request. An entry never
 * outlives the token's `exp`; failures are not cached. The services verify the token again anyway:
 * the gateway's check only keeps invalid tokens out and keys rate limits by user.
 */
export function cachingVerifier(
  verifier: TokenVerifier,
  options: { maxEntries?: number; maxAgeMs?: number } = {},
): CachingVerifier {
  const maxEntries = options.maxEntries ?? 10_000
  const maxAgeMs = options.maxAgeMs ?? 30_000
  const cache = new Map<string, { principal: Principal; until: number }>()
  function cached(token: string): Principal | undefined {
    const hit = cache.get(token)
    if (!hit) return undefined
    if (hit.until > Date.now()) return hit.principal
    cache.delete(token)
    return undefined
  }
  return {
    cached,
    async verify(token) {
      const hit = cached(token)
      if (hit) return hit
      const now = Date.now()
      const principal = await verifier.verify(token)
      const exp = typeof principal.claims.exp === 'number' ? principal.claims.exp * 1000 : now
      const until = Math.min(exp, now + maxAgeMs)
      if (until > now) {
        // Oldest first: a Map iterates in insertion order.
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!)
        cache.set(token, { principal, until })
      }
      return principal
    },
  }
}

const BEARER = /^Bearer ([A-Za-z0-9_\-.]+)$/

/**
 * The gateway's token check, an onRequest hook (same rules as the kernel's authPlugin): no
 * Authorization header leaves the request anonymous; a valid bearer token sets `request.principal`
 * (the rate-limit key); anything else is a 401 that never reaches a service. A token seen recently
 * is answered from the cache without a promise, which matters on the proxy's hot path.
 */
export function authenticateHook(verifier: CachingVerifier) {
  return function authenticate(
    request: FastifyRequest,
    _reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    const header = request.headers.authorization
    if (!header) return done()
    // Only well-formed tokens that verified are cached, so a hit needs no format check: the common
    // case (a client repeating its token) costs one prefix test and one Map lookup.
    if (header.startsWith('Bearer ')) {
      const principal = verifier.cached(header.slice(7))
      if (principal) {
        request.principal = principal
        return done()
      }
    }
    const match = BEARER.exec(header)
    if (!match) return done(new AppError('invalid_token', 'Authorization header must be "Bearer <token>"'))
    const token = match[1]!
    verifier.verify(token).then(
      (verified) => {
        request.principal = verified
        done()
      },
      (err: unknown) => done(err as Error),
    )
  }
}
