import { sql } from 'drizzle-orm'
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { inboxTable, outboxTable } from '@learnmesh/kernel'

/** Everything identity owns lives in this schema; no other service reads it. */
export const identity = pgSchema('identity')

const ts = (name: string) => timestamp(name, { withTimezone: true })

/** A person who can sign in. */
export const users = identity.table(
  'users',
  {
    id: text('id').primaryKey(),
    /** Stored lower-cased; unique. */
    email: text('email').notNull(),
    displayName: text('display_name').notNull(),
    /** argon2id hash; null for accounts that only sign in through OIDC. */
    passwordHash: text('password_hash'),
    emailVerifiedAt: ts('email_verified_at'),
    platformAdmin: boolean('platform_admin').notNull().default(false),
    status: text('status').notNull().default('active'),
    /** Organization a sign-in lands in when none is asked for. */
    defaultOrgId: text('default_org_id').notNull(),
    /** TOTP secret, AES-256-GCM encrypted with the identity secret. */
    totpSecretEnc: text('totp_secret_enc'),
    totpEnabledAt: ts('totp_enabled_at'),
    /** Last accepted TOTP time step: a code is accepted once per step. */
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
    passwordChangedAt: ts('password_changed_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_email_key').on(t.email)],
)

/** A tenant. */
export const organizations = identity.table(
  'organizations',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    createdBy: text('created_by'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('organizations_slug_key').on(t.slug)],
)

/** A user's roles in an organization. */
export const memberships = identity.table(
  'memberships',
  {
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    roles: text('roles').array().notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index('memberships_user_idx').on(t.userId)],
)

/** An invitation to join an organization with given roles; the token is stored hashed. */
export const invitations = identity.table(
  'invitations',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    email: text('email').notNull(),
    roles: text('roles').array().notNull(),
    tokenHash: text('token_hash').notNull(),
    invitedBy: text('invited_by').notNull(),
    expiresAt: ts('expires_at').notNull(),
    acceptedAt: ts('accepted_at'),
    acceptedBy: text('accepted_by'),
    revokedAt: ts('revoked_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('invitations_token_key').on(t.tokenHash), index('invitations_org_idx').on(t.orgId)],
)

/** A signed-in device: one refresh-token family. */
export const sessions = identity.table(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    orgId: text('org_id').notNull(),
    userAgent: text('user_agent'),
    ip: text('ip'),
    /** How the session was opened: password, oidc:<provider>, ... */
    method: text('method').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastUsedAt: ts('last_used_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
)

/** Opaque refresh tokens, hashed; each is used once and replaced by the next. */
export const refreshTokens = identity.table(
  'refresh_tokens',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    usedAt: ts('used_at'),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_key').on(t.tokenHash),
    index('refresh_tokens_session_idx').on(t.sessionId),
  ],
)

/** Single-use, hashed, expiring tokens for email verification and password reset. */
export const emailTokens = identity.table(
  'email_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    purpose: text('purpose').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('email_tokens_hash_key').on(t.tokenHash),
    index('email_tokens_user_idx').on(t.userId, t.purpose),
  ],
)

/** TOTP recovery codes, hashed, single use. */
export const recoveryCodes = identity.table(
  'recovery_codes',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    codeHash: text('code_hash').notNull(),
    usedAt: ts('used_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('recovery_codes_user_idx').on(t.userId)],
)

/** A password was right but a second factor is still owed: the token finishes the sign-in. */
export const mfaChallenges = identity.table('mfa_challenges', {
  id: text('id').primaryKey(),
  tokenHash: text('token_hash').notNull().unique(),
  userId: text('user_id').notNull(),
  orgId: text('org_id').notNull(),
  method: text('method').notNull(),
  attempts: integer('attempts').notNull().default(0),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
})

/** Ed25519 signing keys. The newest active key signs; retired keys stay published until their tokens expire. */
export const signingKeys = identity.table('signing_keys', {
  kid: text('kid').primaryKey(),
  /** Private JWK, AES-256-GCM encrypted with the identity secret. */
  privateJwkEnc: text('private_jwk_enc').notNull(),
  publicJwk: jsonb('public_jwk').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  /** After this the key no longer signs. */
  retiredAt: ts('retired_at'),
  /** After this the key is no longer published in the JWKS. */
  unpublishAt: ts('unpublish_at'),
})

/**
 * Emails a person can make identity send again and again (password reset links, verification
 * resends), one row per email sent, for the per-account throttle (shared by all replicas; rows older
 * than a day are pruned).
 */
export const emailSends = identity.table(
  'email_sends',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: text('user_id').notNull(),
    /** `password_reset` or `verify_email`. */
    purpose: text('purpose').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('email_sends_user_idx').on(t.userId, t.purpose, t.at)],
)

/** Sign-in attempts, for brute-force limits per account and per IP (shared by all replicas). */
export const loginAttempts = identity.table(
  'login_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: text('user_id'),
    email: text('email').notNull(),
    ip: text('ip').notNull(),
    success: boolean('success').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [
    index('login_attempts_user_idx')
      .on(t.userId, t.at)
      .where(sql`success = false`),
    index('login_attempts_ip_idx')
      .on(t.ip, t.at)
      .where(sql`success = false`),
  ],
)

/** A user's account at an external OpenID Connect provider. */
export const externalIdentities = identity.table(
  'external_identities',
  {
    provider: text('provider').notNull(),
    subject: text('subject').notNull(),
    userId: text('user_id').notNull(),
    email: text('email'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.provider, t.subject] }),
    index('external_identities_user_idx').on(t.userId),
  ],
)

/**
 * One OIDC sign-in in flight: `state` (hashed) ties the callback to the start; after the callback a
 * one-time login code (hashed) lets the web app pick up its tokens without them passing through URLs.
 */
export const oidcLogins = identity.table('oidc_logins', {
  stateHash: text('state_hash').primaryKey(),
  provider: text('provider').notNull(),
  codeVerifier: text('code_verifier').notNull(),
  nonce: text('nonce').notNull(),
  returnTo: text('return_to').notNull(),
  expiresAt: ts('expires_at').notNull(),
  callbackAt: ts('callback_at'),
  userId: text('user_id'),
  loginCodeHash: text('login_code_hash').unique(),
  loginCodeUsedAt: ts('login_code_used_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
})

export const outbox = outboxTable(identity)
export const inbox = inboxTable(identity)
