import * as client from 'openid-client'
import type { OidcProviderSettings } from './oidc.config.ts'

/** What a verified authorization response tells us about the person. */
export interface ExternalClaims {
  /** The provider's stable `sub`. */
  subject: string
  email: string | null
  emailVerified: boolean
  name: string | null
}

/** The parameters a sign-in start must remember until the callback. */
export interface AuthorizationRequest {
  url: URL
  state: string
  nonce: string
  codeVerifier: string
}

/** Thrown when a provider cannot be reached (discovery failed twice); the caller maps it to a stable error. */
export class ProviderUnavailableError extends Error {
  constructor(provider: string, cause: unknown) {
    super(`OpenID provider "${provider}" is unavailable`, { cause })
    this.name = 'ProviderUnavailableError'
  }
}

/** Thrown when the authorization response or the ID token does not check out. */
export class OidcVerificationError extends Error {
  constructor(
    message: string,
    /** openid-client / oauth4webapi error code, safe to log (never contains token material). */
    readonly reason: string,
  ) {
    super(message)
    this.name = 'OidcVerificationError'
  }
}

/** Options of `createOidcClients`. */
export interface OidcClientsOptions {
  /** Timeout of each outbound call in milliseconds. */
  timeoutMs: number
  /** How long discovered metadata is reused before it is fetched again (default 1 hour). */
  metadataTtlMs?: number
  /** Pause before the one retry of a failed discovery (default 300 ms). */
  retryDelayMs?: number
}

/** Talks to the OpenID providers through openid-client: discovery, authorization URLs, code exchange. */
export interface OidcClients {
  /** Builds the authorization URL with fresh PKCE (S256), state and nonce. */
  authorizationRequest(provider: OidcProviderSettings): Promise<AuthorizationRequest>
  /**
   * Redeems the authorization code from `callbackQuery` and verifies the ID token (signature, iss,
   * aud, exp, nonce) and the response's state/iss; reads email from the ID token, else from userinfo.
   */
  redeem(
    provider: OidcProviderSettings,
    callbackQuery: URLSearchParams,
    expected: { state: string; nonce: string; codeVerifier: string },
  ): Promise<ExternalClaims>
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost'])

/**
 * Creates the provider clients. Each provider's metadata is discovered once and cached (a failed
 * discovery is retried once, then not cached, so the next sign-in tries again); every outbound
 * call (discovery, token, JWKS, userinfo) has `timeoutMs`.
 */
export function createOidcClients(options: OidcClientsOptions): OidcClients {
  const ttl = options.metadataTtlMs ?? 60 * 60 * 1000
  const retryDelay = options.retryDelayMs ?? 300
  const timeout = options.timeoutMs / 1000
  const cache = new Map<string, { config: Promise<client.Configuration>; at: number }>()

  async function discover(p: OidcProviderSettings): Promise<client.Configuration> {
    const issuer = new URL(p.issuer)
    // Plain http is accepted only on loopback (local development and tests); config validation enforces it.
    const execute: ((config: client.Configuration) => void)[] = [
      // TLS alone would authenticate the token endpoint; checking the ID token's signature against the
      // provider's JWKS as well costs one cached fetch and also covers plain-http loopback providers.
      client.enableNonRepudiationChecks,
    ]
    if (issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname))
      execute.push(client.allowInsecureRequests)
    const metadata: Partial<client.ClientMetadata> = {
      redirect_uris: [p.redirectUri],
      response_types: ['code'],
      ...(p.clientSecret ? { client_secret: p.clientSecret } : {}),
    }
    const auth = p.clientSecret ? client.ClientSecretBasic(p.clientSecret) : client.None()
    let lastError: unknown
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        return await client.discovery(issuer, p.clientId, metadata, auth, { timeout, execute })
      } catch (error) {
        lastError = error
        if (attempt === 0) await new Promise((resolve) => setTimeout(resolve, retryDelay))
      }
    }
    throw new ProviderUnavailableError(p.id, lastError)
  }

  function configuration(p: OidcProviderSettings): Promise<client.Configuration> {
    const cached = cache.get(p.id)
    if (cached && Date.now() - cached.at < ttl) return cached.config
    const entry = { config: discover(p), at: Date.now() }
    cache.set(p.id, entry)
    entry.config.catch(() => {
      if (cache.get(p.id) === entry) cache.delete(p.id)
    })
    return entry.config
  }

  return {
    async authorizationRequest(p) {
      const config = await configuration(p)
      const codeVerifier = client.randomPKCECodeVerifier()
      const state = client.randomState()
      const nonce = client.randomNonce()
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: p.redirectUri,
        scope: p.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      })
      return { url, state, nonce, codeVerifier }
    },

    async redeem(p, callbackQuery, expected) {
      const config = await configuration(p)
      // The redirect URI the provider saw, with the response parameters: openid-client derives
      // redirect_uri from it, so it must be the configured one, not whatever Host the request had.
      const currentUrl = new URL(p.redirectUri)
      currentUrl.search = callbackQuery.toString()
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>
      try {
        tokens = await client.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: expected.codeVerifier,
          expectedState: expected.state,
          expectedNonce: expected.nonce,
          idTokenExpected: true,
        })
      } catch (error) {
        if (isUnreachable(error)) throw new ProviderUnavailableError(p.id, error)
        throw asVerificationError(error, 'the authorization code could not be redeemed')
      }
      const idClaims = tokens.claims()
      if (!idClaims) throw new OidcVerificationError('the provider returned no ID token', 'no_id_token')
      let email = stringClaim(idClaims.email)
      let emailVerified = booleanClaim(idClaims.email_verified)
      let name = stringClaim(idClaims.name)
      // Providers that follow the spec strictly put profile claims only in userinfo for the code flow.
      if (
        (email === null || idClaims.email_verified === undefined || name === null) &&
        config.serverMetadata().userinfo_endpoint
      ) {
        try {
          const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)
          if (email === null) {
            email = stringClaim(info.email)
            emailVerified = booleanClaim(info.email_verified)
          } else if (idClaims.email_verified === undefined && stringClaim(info.email) === email) {
            emailVerified = booleanClaim(info.email_verified)
          }
          name ??= stringClaim(info.name)
        } catch (error) {
          if (isUnreachable(error)) throw new ProviderUnavailableError(p.id, error)
          throw asVerificationError(error, 'the userinfo request failed')
        }
      }
      return { subject: idClaims.sub, email: email?.toLowerCase() ?? null, emailVerified, name }
    },
  }
}

function stringClaim(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null
}

/** Some providers send `"true"` as a string; anything else but true is "not verified". */
function booleanClaim(value: unknown): boolean {
  return value === true || value === 'true'
}

/** A timeout or a connection failure somewhere in the cause chain (not a bad answer). */
function isUnreachable(error: unknown): boolean {
  let e = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown } | undefined
  for (let depth = 0; e && depth < 5; depth++) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true
    if (e.name === 'TypeError' && e.message === 'fetch failed') return true
    if (
      typeof e.code === 'string' &&
      /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|UND_ERR_)/.test(e.code)
    )
      return true
    e = e.cause as typeof e
  }
  return false
}

function asVerificationError(error: unknown, fallback: string): OidcVerificationError {
  if (error instanceof OidcVerificationError) return error
  const e = error as {
    message?: unknown
    code?: unknown
    name?: unknown
    cause?: { message?: unknown; error?: unknown }
  }
  // openid-client and oauth4webapi messages are fixed strings naming the failed check (e.g. unexpected
  // JWT "aud" claim value); the values compared, which may be token material, sit in properties we drop.
  const parts = [e?.message, e?.cause?.message, e?.cause?.error].filter(
    (x): x is string => typeof x === 'string',
  )
  const reason = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'unknown'
  return new OidcVerificationError(parts.length ? parts.join(': ').slice(0, 300) : fallback, reason)
}
