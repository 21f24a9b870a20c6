import type { Database, DbOrTx, Jwks, Logger, Role } from '@learnmesh/kernel'
import type { IdentityConfig } from './config.ts'

/** Claims identity puts in every access token (what kernel `auth/verifier.ts` expects). */
export interface AccessClaims {
  /** User id (`usr_...`). */
  sub: string
  /** Organization the token is scoped to (`org_...`). */
  org: string
  /** Roles in that organization. */
  roles: Role[]
  /** Platform administrator flag. */
  padm: boolean
  /** Session id (`ses_...`). */
  sid: string
}

/** Ed25519 signing keys and the JWKS (src/keys/keys.service.ts). */
export interface KeyStore {
  /** Makes sure an active key exists; rotates it when older than SIGNING_KEY_MAX_AGE_DAYS. */
  ensureActiveKey(): Promise<void>
  /** Makes a new key active; the previous one stops signing and is unpublished after its last token expires. */
  rotateSigningKey(): Promise<{ kid: string; retiredKid: string | null }>
  /** The published public keys (active plus retired-but-not-yet-expired). */
  jwks(): Promise<Jwks>
  /**
   * Signs an access token with the active key; returns it and its lifetime in seconds. Inside a
   * transaction pass it as `db` (PGlite has a single connection: using the pool there deadlocks).
   */
  signAccessToken(claims: AccessClaims, db?: DbOrTx): Promise<{ token: string; expiresIn: number }>
  /** The active key (tests forge tokens with it). */
  activeKey(): Promise<{ kid: string; privateKey: CryptoKey }>
}

/** An access token plus its rotating refresh token. */
export interface TokenPair {
  /** EdDSA JWT, `typ: at+jwt`. */
  accessToken: string
  /** Opaque, single-use: send it to POST /auth/refresh to get the next pair. */
  refreshToken: string
  /** Seconds until the access token expires. */
  expiresIn: number
  tokenType: 'Bearer'
  /** The session (refresh-token family) these tokens belong to. */
  sessionId: string
}

/** What opening a session needs. */
export interface IssueTokenInput {
  userId: string
  orgId: string
  /** How the user proved who they are: `password`, `password+totp`, `oidc:<provider>`, `switch`, ... */
  method: string
  ip: string | null
  userAgent: string | null
}

/** Session and token issuing (src/sessions/sessions.service.ts). */
export interface TokenService {
  /**
   * Opens a session for a member of `orgId` and issues its first token pair. Pass `tx` to make the
   * session part of a larger transaction (the tokens are only valid once it commits).
   */
  issueTokenPair(input: IssueTokenInput, tx?: DbOrTx): Promise<TokenPair>
  /** Rotates a refresh token; a reused one revokes its whole session (family). */
  refresh(refreshToken: string, meta: { ip: string | null; userAgent: string | null }): Promise<TokenPair>
}

/** A user as identity presents it. */
export interface UserView {
  id: string
  email: string
  displayName: string
  emailVerified: boolean
  platformAdmin: boolean
  twoFactorEnabled: boolean
  defaultOrgId: string
  createdAt: string
}

/** An identity proven by an external OpenID Connect provider. */
export interface ExternalIdentityInput {
  /** Provider id from OIDC_PROVIDERS, e.g. `google`. */
  provider: string
  /** The provider's `sub` claim. */
  subject: string
  /** The provider's `email` claim (may be absent). */
  email: string | null
  /** The provider's `email_verified` claim: an existing account is linked by email only when true. */
  emailVerified: boolean
  displayName: string | null
  ip: string | null
  userAgent: string | null
  /** W3C traceparent of the request behind the sign-in (null outside one); carried by the events it causes. */
  traceparent: string | null
}

/** Tokens for a user signed in through an external provider. */
export interface ExternalSignInResult {
  accessToken: string
  refreshToken: string
  expiresIn: number
  user: UserView
  /** True when this sign-in created the account. */
  created: boolean
}

/** Signs a user in from an external identity (implemented by `createExternalSignIn` / `signInWithExternalIdentity` in src/sessions/sessions.service.ts). */
export type SignInWithExternalIdentity = (input: ExternalIdentityInput) => Promise<ExternalSignInResult>

/**
 * Everything identity's routes and services are built from. The OIDC routes
 * (`src/oidc/oidc.routes.ts`, default export `oidcRoutes`) receive it as `{ deps }`.
 */
export interface IdentityDeps {
  database: Database
  config: IdentityConfig
  logger: Logger
  /** Signing keys and JWKS. */
  keys: KeyStore
  /** Session + token issuing and refresh rotation. */
  tokens: TokenService
  /** Finds, links or creates the user behind an external identity and opens a session (method `oidc:<provider>`). */
  signInWithExternalIdentity: SignInWithExternalIdentity
  /** Nudges the outbox relay after a commit that wrote events (a no-op without a relay). */
  wakeRelay: () => void
}
