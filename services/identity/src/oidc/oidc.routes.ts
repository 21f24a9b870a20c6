import { problems, type App } from '@learnmesh/kernel'
import { clientMeta } from '../shared/http.ts'
import { readCookie, type RefreshCookies } from '../shared/refresh-cookie.ts'
import { createOidcService, type OidcDeps } from './oidc.service.ts'
import {
  CallbackQuery,
  ExchangeBody,
  ExchangeResponse,
  ProviderListSchema,
  ProviderParams,
  RedirectSchema,
  StartQuery,
} from './oidc.schemas.ts'

/** Options of the `oidcRoutes` plugin. */
export interface OidcRoutesOptions {
  /** Identity's dependencies (`IdentityDeps` satisfies this). */
  deps: OidcDeps
  /** Refresh-cookie transport for POST /oidc/exchange (identity's app passes it; without it, body only). */
  cookies?: RefreshCookies
}

const tags = ['oidc']

/** Name of the cookie binding a sign-in to the browser that started it (scoped to the callback path). */
export const STATE_COOKIE = 'lm_oidc_state'

function stateCookie(scope: { path: string; secure: boolean }, value: string, maxAge: number): string {
  return [
    `${STATE_COOKIE}=${value}`,
    `Path=${scope.path}`,
    `Max-Age=${maxAge}`,
    'HttpOnly',
    // Lax: sent on the provider's top-level redirect back, not on cross-site subrequests.
    'SameSite=Lax',
    ...(scope.secure ? ['Secure'] : []),
  ].join('; ')
}

/**
 * OpenID Connect sign-in routes: GET /oidc/providers, GET /oidc/{provider}/start,
 * GET /oidc/{provider}/callback and POST /oidc/exchange. Register without a prefix:
 * `await app.register(oidcRoutes, { deps })`. Reads the providers at registration, so a malformed
 * OIDC_PROVIDERS fails the boot with a ConfigError.
 */
export default async function oidcRoutes(app: App, options: OidcRoutesOptions): Promise<void> {
  const oidc = createOidcService(options.deps)

  app.get(
    '/oidc/providers',
    {
      schema: {
        tags,
        summary: 'List the external sign-in providers',
        response: { 200: ProviderListSchema },
      },
    },
    async () => ({ providers: oidc.listProviders() }),
  )

  app.get(
    '/oidc/:provider/start',
    {
      schema: {
        tags,
        summary: 'Start signing in with a provider',
        description:
          'Redirects the browser to the provider with PKCE (S256), state and nonce, and binds the sign-in to this browser ' +
          'with an HttpOnly SameSite=Lax cookie scoped to the callback path. `returnTo` must be a relative path; ' +
          'when the provider cannot be reached, redirects to `/signin?error=provider_unavailable` of the web app.',
        params: ProviderParams,
        querystring: StartQuery,
        response: { 302: RedirectSchema, ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      const { location, state } = await oidc.start(request.params.provider, request.query.returnTo)
      if (state) {
        const scope = oidc.cookieScope(request.params.provider)
        reply.header('set-cookie', stateCookie(scope, state, scope.maxAgeSeconds))
      }
      return reply.header('cache-control', 'no-store').redirect(location, 302)
    },
  )

  app.get(
    '/oidc/:provider/callback',
    {
      schema: {
        tags,
        summary: "The provider's redirect back after sign-in",
        description:
          'Verifies state, code and ID token, signs the user in (creating or linking the account) and redirects to the web app: ' +
          '`/signin/complete?code=<one-time login code>&returnTo=<path>` on success, `/signin?error=<code>` otherwise ' +
          '(invalid_state, state_expired, state_used, state_mismatch, access_denied, provider_error, provider_unavailable, ' +
          'verification_failed, email_required, signin_failed, or an identity error code such as conflict).',
        params: ProviderParams,
        querystring: CallbackQuery,
        response: { 302: RedirectSchema, ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      const query = new URLSearchParams()
      for (const [key, value] of Object.entries(request.query))
        if (typeof value === 'string') query.set(key, value)
      const browserState = readCookie(request.headers.cookie, STATE_COOKIE)
      const location = await oidc.callback(request.params.provider, query, browserState, clientMeta(request))
      // The binding is spent once its state was presented (a forged callback leaves the browser's own in place).
      if (browserState && browserState === query.get('state')) {
        reply.header('set-cookie', stateCookie(oidc.cookieScope(request.params.provider), '', 0))
      }
      return reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .redirect(location, 302)
    },
  )

  app.post(
    '/oidc/exchange',
    {
      schema: {
        tags,
        summary: 'Trade the one-time login code for tokens',
        description:
          'Single use and valid for 2 minutes; an invalid, expired or used code is a 400 and issues nothing. ' +
          'With `X-Token-Transport: cookie` the refresh token is set as the HttpOnly cookie `lm_refresh` instead of returned.',
        body: ExchangeBody,
        response: { 200: ExchangeResponse, ...problems(400) },
      },
    },
    async (request, reply) => {
      const pair = await oidc.exchange(request.body.code, clientMeta(request))
      reply.header('cache-control', 'no-store')
      return options.cookies ? options.cookies.issue(request, reply, pair) : pair
    },
  )
}
