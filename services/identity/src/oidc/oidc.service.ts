import { AppError, type ErrorCode, type Logger } from '@learnmesh/kernel'
import type { IdentityDeps, TokenService } from '../deps.ts'
import { createSecretBox, safeEqual, sha256 } from '../shared/crypto.ts'
import { resolveOidcProviders, type OidcConfig, type OidcProviderSettings } from './oidc.config.ts'
import {
  createOidcClients,
  OidcVerificationError,
  ProviderUnavailableError,
  type OidcClients,
} from './oidc.client.ts'
import { createOidcRepository } from './oidc.repository.ts'

/** What the OIDC module needs from identity: a subset of `IdentityDeps`, so tests can pass fakes. */
export type OidcDeps = Pick<IdentityDeps, 'database' | 'signInWithExternalIdentity'> & {
  config: OidcConfig
  logger: Logger
  tokens: Pick<TokenService, 'refresh'>
}

/** How long a started sign-in may take at the provider. */
export const STATE_TTL_MS = 10 * 60 * 1000
/** How long the web app has to exchange the one-time login code. */
export const LOGIN_CODE_TTL_MS = 2 * 60 * 1000
/** Sealing purpose of login codes (associated data: a login code opens nothing else). */
const LOGIN_CODE_PURPOSE = 'oidc-login-code'

/**
 * Stable `error` values of the `/signin?error=` redirect: the web app maps them to messages.
 * `invalid_state`: unknown or tampered state; `state_expired`; `state_used`: the callback was replayed;
 * `state_mismatch`: the callback reached a browser that did not start this sign-in (login CSRF);
 * `access_denied`: the user declined at the provider; `provider_error`: the provider reported another error;
 * `provider_unavailable`; `verification_failed`: the code or ID token did not verify;
 * `email_required`: the provider shared no email; any identity error code (e.g. `conflict`,
 * `email_not_verified`, `forbidden`) when the account cannot be signed in or linked.
 */
export type OidcErrorCode =
  | 'invalid_state'
  | 'state_expired'
  | 'state_used'
  | 'state_mismatch'
  | 'access_denied'
  | 'provider_error'
  | 'provider_unavailable'
  | 'verification_failed'
  | 'email_required'
  | 'signin_failed'
  | ErrorCode

/** A public provider entry. */
export interface ProviderView {
  id: string
  label: string
}

/** Where `start` sends the browser and, when that is the provider, the state to bind the browser to. */
export interface StartResult {
  location: string
  /** Set as the browser-binding cookie (see `cookieScope`); absent on error redirects. */
  state?: string
}

/** Client facts recorded on the session. */
export interface RequestMeta {
  ip: string | null
  userAgent: string | null
  /** W3C traceparent of the request (see `traceparentOf`), or null; carried by the events it causes. */
  traceparent: string | null
}

/** Options for tests: a clock and the provider clients. */
export interface OidcServiceOptions {
  now?: () => Date
  clients?: OidcClients
}

/**
 * Only a same-site relative path may follow a sign-in: `/courses?x=1` passes; absolute URLs,
 * scheme-relative `//host`, backslashes (browsers read `/\host` as `//host`), whitespace and
 * control characters (stripped by URL parsers, turning `/\t/host` into `//host`) do not.
 * Returns the normalised path, or null when the value is unsafe.
 */
export function safeReturnTo(value: string | undefined): string | null {
  if (value === undefined || value === '') return '/'
  if (value.length > 1024 || !value.startsWith('/') || value.startsWith('//')) return null
  if (/[\\\s\p{Cc}]/u.test(value)) return null
  const base = new URL('https://return-to.invalid')
  const url = new URL(value, base)
  if (url.origin !== base.origin) return null
  return `${url.pathname}${url.search}${url.hash}`
}

/**
 * OpenID Connect sign-in: start (PKCE + state + nonce, stored hashed), callback (one-time state,
 * code redemption, ID token checks, account get/link/create through `signInWithExternalIdentity`)
 * and the one-time login code exchange. The login code is the session's first refresh token sealed
 * with the identity secret, stored only as a hash: tokens never travel in URLs and nothing usable sits
 * in the database, and the exchange rotates that refresh token so what the web app gets is fresh.
 */
export function createOidcService(deps: OidcDeps, options: OidcServiceOptions = {}) {
  const now = options.now ?? (() => new Date())
  const providers = resolveOidcProviders(deps.config)
  const byId = new Map(providers.map((p) => [p.id, p]))
  const clients = options.clients ?? createOidcClients({ timeoutMs: deps.config.OIDC_HTTP_TIMEOUT_MS })
  const repo = createOidcRepository(deps.database.db)
  const box = createSecretBox(deps.config.IDENTITY_SECRET)
  const publicUrl = deps.config.PUBLIC_URL.replace(/\/+$/, '')
  const log = deps.logger

  function provider(id: string): OidcProviderSettings {
    const p = byId.get(id)
    if (!p) throw new AppError('not_found', `Sign-in provider "${id}" is not configured`)
    return p
  }

  function errorRedirect(code: OidcErrorCode): string {
    return `${publicUrl}/signin?${new URLSearchParams({ error: code })}`
  }

  return {
    /** Providers users may sign in with, in configuration order. */
    listProviders(): ProviderView[] {
      return providers.map((p) => ({ id: p.id, label: p.label }))
    },

    /**
     * Where the browser-binding cookie lives for a provider: the public path of its callback, Secure
     * when that is https. The routes put the state in an HttpOnly SameSite=Lax cookie there at the
     * start, and the callback accepts a state only from the browser holding it (RFC 6749 §10.12):
     * otherwise whoever obtains a callback URL could sign a victim's browser into their account.
     */
    cookieScope(providerId: string): { path: string; secure: boolean; maxAgeSeconds: number } {
      const callbackUrl = new URL(provider(providerId).redirectUri)
      return {
        path: callbackUrl.pathname,
        secure: callbackUrl.protocol === 'https:',
        maxAgeSeconds: STATE_TTL_MS / 1000,
      }
    },

    /** Starts a sign-in: returns the provider URL to redirect to (or the sign-in page with an error). */
    async start(providerId: string, returnTo: string | undefined): Promise<StartResult> {
      const p = provider(providerId)
      const target = safeReturnTo(returnTo)
      if (target === null)
        throw new AppError('bad_request', 'returnTo must be a relative path on this site, such as /courses')
      let request
      try {
        request = await clients.authorizationRequest(p)
      } catch (error) {
        if (!(error instanceof ProviderUnavailableError)) throw error
        log.warn(
          { provider: p.id, reason: (error.cause as Error | undefined)?.message },
          'oidc provider discovery failed',
        )
        return { location: errorRedirect('provider_unavailable') }
      }
      const at = now()
      await repo.insert({
        stateHash: sha256(request.state),
        provider: p.id,
        codeVerifier: request.codeVerifier,
        nonce: request.nonce,
        returnTo: target,
        expiresAt: new Date(at.getTime() + STATE_TTL_MS),
      })
      // Housekeeping: rows expired for a day serve nothing; one small delete per start keeps the table short.
      await repo.purgeExpired(new Date(at.getTime() - 24 * 60 * 60 * 1000))
      return { location: request.url.href, state: request.state }
    },

    /**
     * Finishes a sign-in at the provider's redirect; `browserState` is the binding cookie the browser
     * sent. Returns where to send the browser: the web app's `/signin/complete?code=…&returnTo=…`, or
     * `/signin?error=<stable code>`. Throws only for an unknown provider (404).
     */
    async callback(
      providerId: string,
      query: URLSearchParams,
      browserState: string | undefined,
      meta: RequestMeta,
    ): Promise<string> {
      const p = provider(providerId)
      const state = query.get('state')
      if (!state)
        return errorRedirect(query.get('error') === 'access_denied' ? 'access_denied' : 'invalid_state')
      // Checked before the state is claimed, so a forged callback in someone else's browser burns nothing.
      if (!browserState || !safeEqual(browserState, state)) return errorRedirect('state_mismatch')
      const stateHash = sha256(state)
      const at = now()
      const claimed = await repo.claimState(stateHash, p.id, at)
      if (claimed.status === 'unknown') return errorRedirect('invalid_state')
      if (claimed.status === 'used') return errorRedirect('state_used')
      const login = claimed.login
      if (login.expiresAt.getTime() <= at.getTime()) return errorRedirect('state_expired')
      const providerError = query.get('error')
      if (providerError) {
        log.info({ provider: p.id, error: providerError.slice(0, 64) }, 'oidc provider returned an error')
        return errorRedirect(providerError === 'access_denied' ? 'access_denied' : 'provider_error')
      }

      let claims
      try {
        claims = await clients.redeem(p, query, {
          state,
          nonce: login.nonce,
          codeVerifier: login.codeVerifier,
        })
      } catch (error) {
        if (error instanceof ProviderUnavailableError) {
          log.warn(
            { provider: p.id, reason: (error.cause as Error | undefined)?.name },
            'oidc provider unreachable at callback',
          )
          return errorRedirect('provider_unavailable')
        }
        if (error instanceof OidcVerificationError) {
          log.warn(
            { provider: p.id, reason: error.reason, detail: error.message },
            'oidc sign-in did not verify',
          )
          return errorRedirect('verification_failed')
        }
        throw error
      }
      if (!claims.email) return errorRedirect('email_required')

      let signedIn
      try {
        signedIn = await deps.signInWithExternalIdentity({
          provider: p.id,
          subject: claims.subject,
          email: claims.email,
          emailVerified: claims.emailVerified,
          displayName: claims.name,
          ip: meta.ip,
          userAgent: meta.userAgent,
          traceparent: meta.traceparent,
        })
      } catch (error) {
        if (error instanceof AppError && error.status < 500) {
          log.info({ provider: p.id, errorCode: error.code, detail: error.message }, 'oidc sign-in refused')
          return errorRedirect(error.code)
        }
        log.error({ provider: p.id, err: error }, 'oidc sign-in failed')
        return errorRedirect('signin_failed')
      }

      const loginCode = box.seal(signedIn.refreshToken, LOGIN_CODE_PURPOSE)
      await repo.attachLoginCode(stateHash, {
        userId: signedIn.user.id,
        loginCodeHash: sha256(loginCode),
        expiresAt: new Date(at.getTime() + LOGIN_CODE_TTL_MS),
      })
      log.info(
        { provider: p.id, userId: signedIn.user.id, created: signedIn.created },
        'oidc sign-in completed',
      )
      return `${publicUrl}/signin/complete?${new URLSearchParams({ code: loginCode, returnTo: login.returnTo })}`
    },

    /** Trades a login code for a token pair (and the returnTo of the start), once. Any invalid, expired or used code is the same 400. */
    async exchange(code: string, meta: RequestMeta) {
      const invalid = () =>
        new AppError('bad_request', 'This sign-in code is invalid, expired or already used; sign in again')
      const login = await repo.useLoginCode(sha256(code), now())
      if (!login) throw invalid()
      let refreshToken: string
      try {
        refreshToken = box.open(code, LOGIN_CODE_PURPOSE)
      } catch {
        throw invalid()
      }
      try {
        // returnTo comes from the row (validated at the start), so the web app need not trust the one in its URL.
        return { ...(await deps.tokens.refresh(refreshToken, meta)), returnTo: login.returnTo }
      } catch (error) {
        // The session may have been revoked between callback and exchange: that is the client's 400/401, not ours.
        if (error instanceof AppError && error.status < 500) throw invalid()
        throw error
      }
    },
  }
}

/** The service's type. */
export type OidcService = ReturnType<typeof createOidcService>
