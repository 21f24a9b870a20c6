import { ConfigError, Type } from '@learnmesh/kernel'

/**
 * Environment variables of OpenID Connect sign-in. Spread into identity's config schema
 * (`Type.Object({ ...identityVars, ...oidcConfigSchema })`) so `loadConfig` reads and documents them.
 * All are empty by default: with no provider configured the /oidc routes list none and start none.
 */
export const oidcConfigSchema = {
  /** External sign-in providers, as a JSON array or the compact `id|issuer|clientId|clientSecret|label` form. */
  OIDC_PROVIDERS: Type.String({
    default: '',
    description:
      'OpenID Connect providers users may sign in with. JSON array of {id, issuer, clientId, clientSecret?, label?, scopes?} ' +
      '(e.g. [{"id":"acme","issuer":"https://login.acme.example","clientId":"…","clientSecret":"…","label":"Acme"}]) ' +
      'or compact entries "id|issuer|clientId|clientSecret|label" separated by ";". Empty: none.',
  }),
  /** OAuth client id from Google Cloud; setting it (with the secret) enables "Sign in with Google". */
  GOOGLE_CLIENT_ID: Type.String({
    default: '',
    description:
      'OAuth client id of a Google Cloud web client; with GOOGLE_CLIENT_SECRET enables the "google" provider.',
  }),
  /** OAuth client secret matching GOOGLE_CLIENT_ID. */
  GOOGLE_CLIENT_SECRET: Type.String({
    default: '',
    description: 'OAuth client secret matching GOOGLE_CLIENT_ID.',
  }),
  /** Public URL prefix of identity's /oidc routes, from which redirect_uri is built. */
  OIDC_CALLBACK_BASE_URL: Type.String({
    default: '',
    description:
      "Public URL under which browsers reach identity's /oidc routes (through the gateway); the redirect URI registered " +
      'at each provider is <this>/oidc/<provider id>/callback. Empty: PUBLIC_URL + "/api/identity".',
  }),
  /** Timeout of each call to a provider (discovery, token, userinfo, JWKS). */
  OIDC_HTTP_TIMEOUT_MS: Type.Integer({
    default: 5000,
    minimum: 100,
    maximum: 60_000,
    description: 'Timeout in milliseconds of each outbound call to an OpenID Connect provider.',
  }),
}

/** The part of identity's config the OIDC module reads. */
export interface OidcConfig {
  /** Where the web app lives: the sign-in result lands on `${PUBLIC_URL}/signin/complete`. */
  PUBLIC_URL: string
  /** Login codes are sealed with a key derived from it. */
  IDENTITY_SECRET: string
  OIDC_PROVIDERS: string
  GOOGLE_CLIENT_ID: string
  GOOGLE_CLIENT_SECRET: string
  OIDC_CALLBACK_BASE_URL: string
  OIDC_HTTP_TIMEOUT_MS: number
}

/** One configured provider, validated. */
export interface OidcProviderSettings {
  /** Path segment and stored provider name, e.g. `google`. */
  id: string
  /** Name shown on the sign-in button. */
  label: string
  /** Issuer identifier; metadata is discovered from `<issuer>/.well-known/openid-configuration`. */
  issuer: string
  clientId: string
  /** Absent for a public client (PKCE only, no client authentication). */
  clientSecret?: string
  /** Space-separated scopes; always includes `openid`. */
  scopes: string
  /** The redirect URI registered at the provider. */
  redirectUri: string
}

/** The Google preset: issuer and scopes Google documents for OpenID Connect. */
export const googlePreset = {
  id: 'google',
  label: 'Google',
  issuer: 'https://accounts.google.com',
  scopes: 'openid email profile',
}

const ID = /^[a-z0-9][a-z0-9-]{0,31}$/
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost'])

interface RawProvider {
  id?: unknown
  issuer?: unknown
  clientId?: unknown
  clientSecret?: unknown
  label?: unknown
  scopes?: unknown
}

/**
 * Turns the OIDC variables into the list of providers, failing with a ConfigError that names the
 * variable when an entry is malformed (bad JSON, missing field, duplicate id, an http issuer that is
 * not loopback). Called at boot, so a typo stops the service instead of breaking sign-in later.
 */
export function resolveOidcProviders(config: OidcConfig): OidcProviderSettings[] {
  const fail = (variable: string, message: string): never => {
    throw new ConfigError([{ variable, message }], 'identity')
  }
  const callbackBase = (
    config.OIDC_CALLBACK_BASE_URL || `${config.PUBLIC_URL.replace(/\/+$/, '')}/api/identity`
  ).replace(/\/+$/, '')
  if (!URL.canParse(callbackBase))
    fail('OIDC_CALLBACK_BASE_URL', `must be an absolute URL (got "${callbackBase}")`)

  const raw: (RawProvider & { variable?: string })[] = parseProviderList(config.OIDC_PROVIDERS, fail)
  if (config.GOOGLE_CLIENT_ID || config.GOOGLE_CLIENT_SECRET) {
    if (!config.GOOGLE_CLIENT_ID || !config.GOOGLE_CLIENT_SECRET) {
      fail(
        config.GOOGLE_CLIENT_ID ? 'GOOGLE_CLIENT_SECRET' : 'GOOGLE_CLIENT_ID',
        'GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET go together',
      )
    }
    raw.push({
      ...googlePreset,
      clientId: config.GOOGLE_CLIENT_ID,
      clientSecret: config.GOOGLE_CLIENT_SECRET,
      variable: 'GOOGLE_CLIENT_ID',
    })
  }

  const seen = new Set<string>()
  return raw.map((p, i) => {
    const where = `entry ${i + 1}`
    const variable = p.variable ?? 'OIDC_PROVIDERS'
    const str = (v: unknown): string | undefined =>
      typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined
    const id = str(p.id)
    if (!id || !ID.test(id)) return fail(variable, `${where}: id must match ${ID.source}`)
    if (seen.has(id)) return fail(variable, `${where}: provider id "${id}" is configured twice`)
    seen.add(id)
    const issuer = str(p.issuer)
    if (!issuer || !URL.canParse(issuer))
      return fail(variable, `${where} (${id}): issuer must be an absolute URL`)
    const url = new URL(issuer)
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      return fail(variable, `${where} (${id}): issuer must use https (plain http only on a loopback address)`)
    }
    const clientId = str(p.clientId)
    if (!clientId) return fail(variable, `${where} (${id}): clientId is required`)
    const scopes = new Set((str(p.scopes) ?? 'openid email profile').split(/\s+/))
    scopes.add('openid')
    const clientSecret = str(p.clientSecret)
    return {
      id,
      label: str(p.label) ?? id,
      issuer,
      clientId,
      ...(clientSecret ? { clientSecret } : {}),
      scopes: [...scopes].join(' '),
      redirectUri: `${callbackBase}/oidc/${id}/callback`,
    }
  })
}

function parseProviderList(value: string, fail: (variable: string, message: string) => never): RawProvider[] {
  const text = value.trim()
  if (!text) return []
  if (text.startsWith('[')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return fail('OIDC_PROVIDERS', 'is not valid JSON')
    }
    if (
      !Array.isArray(parsed) ||
      !parsed.every((e) => e !== null && typeof e === 'object' && !Array.isArray(e))
    ) {
      return fail('OIDC_PROVIDERS', 'must be a JSON array of objects')
    }
    return parsed as RawProvider[]
  }
  return text
    .split(/[;\n]/)
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [id, issuer, clientId, clientSecret, label] = entry.split('|').map((f) => f.trim())
      return { id, issuer, clientId, clientSecret, label }
    })
}
