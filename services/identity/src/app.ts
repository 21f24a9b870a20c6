import { authPlugin, createApp, type App, type Logger, type TokenVerifier } from '@learnmesh/kernel'
import { trustProxyOption } from './config.ts'
import type { Identity } from './wiring.ts'
import { authRoutes } from './auth/auth.routes.ts'
import { sessionsRoutes } from './sessions/sessions.routes.ts'
import { usersRoutes } from './users/users.routes.ts'
import { totpRoutes } from './totp/totp.routes.ts'
import { orgsRoutes } from './orgs/orgs.routes.ts'
import { keysRoutes } from './keys/keys.routes.ts'
import { adminRoutes } from './admin/admin.routes.ts'
import oidcRoutes from './oidc/oidc.routes.ts'
import { createRefreshCookies } from './shared/refresh-cookie.ts'

/**
 * Builds identity's HTTP app: kernel chassis (problem+json, strict bodies, OpenAPI), the bearer
 * token plugin, then every route group. Tests call this with an in-memory database.
 */
export async function buildApp(
  identity: Identity,
  options: { verifier: TokenVerifier; logger?: Logger; logLevel?: string },
): Promise<App> {
  const { config, database } = identity.deps
  const app = await createApp({
    name: 'identity',
    description: 'Accounts, sessions, 2FA, organizations, roles and the signing keys of learnmesh.',
    ...(options.logger ? { logger: options.logger } : { logLevel: options.logLevel ?? 'info' }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    readyChecks: { database: () => database.ping() },
  })
  await app.register(authPlugin, { verifier: options.verifier })
  // Browsers ask for the refresh token in an HttpOnly cookie (X-Token-Transport: cookie).
  const cookies = createRefreshCookies(config)
  authRoutes(app, { auth: identity.auth, tokens: identity.tokens, cookies })
  sessionsRoutes(app, identity)
  usersRoutes(app, identity)
  totpRoutes(app, identity)
  orgsRoutes(app, { orgs: identity.orgs, tokens: identity.tokens, cookies })
  keysRoutes(app, { keys: identity.keys, isLive: identity.tokens.isLive })
  adminRoutes(app, { admin: identity.admin, isLive: identity.tokens.isLive })
  await app.register(oidcRoutes, { deps: identity.deps, cookies }) // OIDC plug-in point (src/oidc/, owned by the OIDC work)
  return app
}
