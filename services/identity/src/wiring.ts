import type { Database, Logger } from '@learnmesh/kernel'
import type { IdentityConfig } from './config.ts'
import type { IdentityDeps } from './deps.ts'
import { createSecretBox } from './shared/crypto.ts'
import { createPasswordHasher } from './shared/passwords.ts'
import { createKeyStore } from './keys/keys.service.ts'
import { createExternalSignIn, createTokenService } from './sessions/sessions.service.ts'
import { createEmailThrottle, createLoginLimiter } from './auth/limits.ts'
import { createTotpService } from './totp/totp.service.ts'
import { createAuthService } from './auth/auth.service.ts'
import { createUsersService } from './users/users.service.ts'
import { createOrgsService } from './orgs/orgs.service.ts'
import { createAdminService } from './admin/admin.service.ts'

/**
 * Builds identity's services from its database and config: plain factories, no container.
 * `deps` is what the OIDC routes receive; the rest is what identity's own routes use.
 */
export function createIdentity(options: {
  database: Database
  config: IdentityConfig
  logger: Logger
  wakeRelay?: () => void
}) {
  const { database, config, logger } = options
  const wakeRelay = options.wakeRelay ?? (() => {})
  const secrets = createSecretBox(config.IDENTITY_SECRET)
  const passwords = createPasswordHasher({
    memoryCost: config.ARGON2_MEMORY_COST_KIB,
    timeCost: config.ARGON2_TIME_COST,
    parallelism: config.ARGON2_PARALLELISM,
  })
  const keys = createKeyStore({ database, config, secrets, logger })
  const tokens = createTokenService({ database, config, keys })
  const limiter = createLoginLimiter({ database, config })
  const totp = createTotpService({ database, config, secrets, passwords, limiter })
  const emailThrottle = createEmailThrottle({ config })
  const auth = createAuthService({
    database,
    config,
    passwords,
    tokens,
    limiter,
    emailThrottle,
    totp,
    wakeRelay,
  })
  const users = createUsersService({ database, passwords, limiter, tokens, wakeRelay })
  const orgs = createOrgsService({ database, config, wakeRelay })
  const admin = createAdminService({ database })
  const deps: IdentityDeps = {
    database,
    config,
    logger,
    keys,
    tokens,
    signInWithExternalIdentity: createExternalSignIn({ database, config, tokens, wakeRelay }),
    wakeRelay,
  }
  return { deps, keys, tokens, limiter, emailThrottle, totp, auth, users, orgs, admin, passwords, secrets }
}

/** Identity's wired services. */
export type Identity = ReturnType<typeof createIdentity>
