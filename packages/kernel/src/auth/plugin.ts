import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'
import type { Principal, Role, TokenVerifier } from './verifier.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request carried a valid access token. */
    principal?: Principal
  }
}

/**
 * Reads `Authorization: Bearer <jwt>` on every request. A valid token sets `request.principal`;
 * an invalid one is a 401 right away (a client that sends a bad token should learn so), and no
 * token leaves the request anonymous for routes that allow it.
 */
export const authPlugin = fp<{ verifier: TokenVerifier }>(
  async (app, { verifier }) => {
    app.decorateRequest('principal', undefined)
    app.addHook('onRequest', async (request) => {
      const header = request.headers.authorization
      if (!header) return
      const match = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header)
      if (!match) throw new AppError('invalid_token', 'Authorization header must be "Bearer <token>"')
      request.principal = await verifier.verify(match[1]!)
    })
  },
  { name: 'learnmesh-auth' },
)

/** The caller, or a 401 when the request is anonymous. */
export function requireAuth(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('unauthenticated', 'Sign in to do this')
  return request.principal
}

/** The caller if they hold one of `allowed` in their organization (platform admins always pass). */
export function requireRole(request: FastifyRequest, ...allowed: Role[]): Principal {
  const p = requireAuth(request)
  if (p.platformAdmin || p.roles.some((r) => allowed.includes(r))) return p
  throw new AppError('forbidden', `This needs one of the roles: ${allowed.join(', ')}`)
}

/** The caller if they are a platform administrator. */
export function requirePlatformAdmin(request: FastifyRequest): Principal {
  const p = requireAuth(request)
  if (!p.platformAdmin) throw new AppError('forbidden', 'This needs a platform administrator')
  return p
}

/**
 * The organization a query must be scoped to. Tenants only ever see their own rows: use this
 * value in every WHERE clause of tenant-owned data. A platform admin may name another org.
 */
export function orgScope(principal: Principal, requestedOrgId?: string): string {
  if (requestedOrgId && requestedOrgId !== principal.orgId) {
    if (!principal.platformAdmin) throw new AppError('not_found', 'Organization not found')
    return requestedOrgId
  }
  return principal.orgId
}
