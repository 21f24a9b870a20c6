import { ConfigError, loadConfig, Type, type Static } from '@learnmesh/kernel'
import { oidcConfigSchema } from './oidc/oidc.config.ts'

/** The identity secret used when none is configured: fine on a laptop, refused in production. */
export const DEV_IDENTITY_SECRET = 'learnmesh-dev-identity-secret-do-not-use-in-production'

/** Identity's environment. Every variable has a description: the README's config table is generated from them. */
export const IdentityConfigSchema = Type.Object({
  NODE_ENV: Type.String({
    default: 'development',
    description:
      'Runtime mode; `production` refuses development defaults such as the embedded IDENTITY_SECRET.',
  }),
  PUBLIC_URL: Type.String({
    default: 'http://localhost:3000',
    description:
      'Public URL of the web app; email links point here (`/verify-email`, `/reset-password`, `/accept-invitation`).',
  }),
  JWT_ISSUER: Type.String({
    default: 'http://localhost:3000/api/identity',
    description: 'The `iss` claim of access tokens; verifiers must expect the same value.',
  }),
  JWT_AUDIENCE: Type.String({ default: 'learnmesh', description: 'The `aud` claim of access tokens.' }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({
    default: 900,
    minimum: 60,
    maximum: 3600,
    description: 'Lifetime of an access JWT in seconds.',
  }),
  REFRESH_TOKEN_TTL_DAYS: Type.Integer({
    default: 30,
    minimum: 1,
    maximum: 365,
    description: 'A session ends after this many days without a refresh (sliding).',
  }),
  REFRESH_REUSE_GRACE_SECONDS: Type.Integer({
    default: 30,
    minimum: 0,
    maximum: 300,
    description:
      'A refresh token presented again within this many seconds of its rotation (and before its successor was used) gets a new pair for the same session instead of revoking it, e.g. after a reload during a refresh; the unreceived successor is invalidated. 0 disables the grace: every reuse revokes the session.',
  }),
  CLOCK_SKEW_SECONDS: Type.Integer({
    default: 60,
    minimum: 0,
    maximum: 600,
    description:
      'Clock skew allowed between services; a retired signing key stays published this much longer than its last token.',
  }),
  IDENTITY_SECRET: Type.String({
    default: DEV_IDENTITY_SECRET,
    minLength: 32,
    description:
      'Secret (>= 32 chars) from which the AES-256-GCM key encrypting TOTP secrets and signing keys is derived. Required in production.',
  }),
  SIGNING_KEY_MAX_AGE_DAYS: Type.Integer({
    default: 30,
    minimum: 1,
    description:
      'The active signing key is rotated automatically once it is older than this (checked at start and hourly).',
  }),
  LOGIN_MAX_FAILURES_PER_ACCOUNT_HOUR: Type.Integer({
    default: 100,
    minimum: 1,
    description: 'Failed sign-in or second-factor attempts allowed per account per rolling hour before 429.',
  }),
  EMAIL_MAX_PER_ACCOUNT_HOUR: Type.Integer({
    default: 5,
    minimum: 1,
    description:
      'Password reset and verification emails sent per account per rolling hour, each kind counted apart; beyond it a reset request is answered as usual and sends nothing, a verification resend is a 429.',
  }),
  EMAIL_MIN_INTERVAL_SECONDS: Type.Integer({
    default: 60,
    minimum: 0,
    description: 'Shortest time between two password reset (or two verification) emails to one account.',
  }),
  LOGIN_MAX_FAILURES_PER_IP_HOUR: Type.Integer({
    default: 300,
    minimum: 1,
    description:
      'Failed sign-in or second-factor attempts allowed per client IP per rolling hour before 429.',
  }),
  MFA_CHALLENGE_TTL_SECONDS: Type.Integer({
    default: 300,
    minimum: 30,
    description: 'How long the `mfaToken` returned by a password sign-in stays usable.',
  }),
  MFA_MAX_ATTEMPTS: Type.Integer({
    default: 5,
    minimum: 1,
    description: 'Wrong codes allowed on one `mfaToken` before it is void.',
  }),
  EMAIL_TOKEN_TTL_MINUTES: Type.Integer({
    default: 1440,
    minimum: 5,
    description: 'Lifetime of an email-verification link in minutes.',
  }),
  PASSWORD_RESET_TTL_MINUTES: Type.Integer({
    default: 30,
    minimum: 5,
    description: 'Lifetime of a password-reset link in minutes.',
  }),
  INVITATION_TTL_DAYS: Type.Integer({
    default: 7,
    minimum: 1,
    description: 'Lifetime of an organization invitation in days.',
  }),
  DEFAULT_ORG_SLUG: Type.String({
    default: 'demo',
    pattern: '^[a-z0-9][a-z0-9-]{1,62}$',
    description: 'Slug of the organization new accounts join as learners (created at first start).',
  }),
  DEFAULT_ORG_NAME: Type.String({
    default: 'Demo Academy',
    minLength: 1,
    description: 'Display name of the default organization when it is created.',
  }),
  TOTP_ISSUER: Type.String({
    default: 'learnmesh',
    description: 'Issuer label shown in authenticator apps.',
  }),
  ARGON2_MEMORY_COST_KIB: Type.Integer({
    default: 19456,
    minimum: 1024,
    description: 'argon2id memory cost in KiB (OWASP: 19456).',
  }),
  ARGON2_TIME_COST: Type.Integer({ default: 2, minimum: 1, description: 'argon2id iterations (OWASP: 2).' }),
  ARGON2_PARALLELISM: Type.Integer({ default: 1, minimum: 1, description: 'argon2id lanes (OWASP: 1).' }),
  TRUST_PROXY: Type.String({
    default: 'false',
    description:
      "Fastify trustProxy: 'true', 'false', a hop count or a comma-separated list of proxy addresses (the gateway sets X-Forwarded-For).",
  }),
  BODY_LIMIT_BYTES: Type.Integer({
    default: 65536,
    minimum: 1024,
    description: 'Largest accepted request body in bytes.',
  }),
  // OpenID Connect sign-in (OIDC_PROVIDERS, GOOGLE_CLIENT_ID/SECRET, ...): see src/oidc/oidc.config.ts.
  ...oidcConfigSchema,
})

/** Identity's validated, frozen configuration. */
export type IdentityConfig = Readonly<Static<typeof IdentityConfigSchema>>

/**
 * Loads identity's configuration from `env`. Refuses the embedded development IDENTITY_SECRET when
 * NODE_ENV=production, so a deployment never encrypts keys with a secret published in the source.
 */
export function loadIdentityConfig(env: Record<string, string | undefined> = process.env): IdentityConfig {
  const config = loadConfig('identity', IdentityConfigSchema, env)
  if (config.NODE_ENV === 'production' && config.IDENTITY_SECRET === DEV_IDENTITY_SECRET) {
    throw new ConfigError(
      [
        {
          variable: 'IDENTITY_SECRET',
          message: 'must be set in production (the development default is public)',
        },
      ],
      'identity',
    )
  }
  return config
}

/** TRUST_PROXY as Fastify expects it. */
export function trustProxyOption(value: string): boolean | string {
  if (value === 'true') return true
  if (value === 'false' || value === '') return false
  return value
}
