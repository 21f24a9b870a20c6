import { ConfigError, loadConfig, Type, type Static } from '@learnmesh/kernel'

/**
 * The gateway's environment. Every variable has a description: the README's configuration table is
 * generated from them. Defaults suit a laptop: listen on 127.0.0.1 only, so `npm start` never exposes
 * the platform to the network by accident (set HOST=0.0.0.0 in a container).
 */
export const gatewayConfigSchema = Type.Object({
  PORT: Type.Integer({
    default: 3000,
    minimum: 0,
    maximum: 65535,
    description: 'Port the gateway listens on: web app and API on one port.',
  }),
  HOST: Type.String({
    default: '127.0.0.1',
    description:
      'Interface to listen on. 127.0.0.1 (default) keeps a laptop install private; use 0.0.0.0 in containers.',
  }),
  SERVICE_URLS: Type.String({
    default: '',
    pattern: '^(\\s*[a-z][a-z0-9-]*=https?://[^,\\s]+\\s*)?(,\\s*[a-z][a-z0-9-]*=https?://[^,\\s]+\\s*)*$',
    description:
      'Cluster mode: base URL of each service, e.g. `identity=http://127.0.0.1:4001,learning=http://127.0.0.1:4002`; ' +
      'replicas of one service separated by `|` (`identity=http://127.0.0.1:4001|http://127.0.0.1:4002`) are balanced round-robin. ' +
      'Requests to /api/<service>/... go there. Unused in embedded mode (services run in-process).',
  }),
  JWT_ISSUER: Type.String({
    default: 'http://localhost:3000/api/identity',
    description: 'Expected `iss` of access tokens; must equal identity’s JWT_ISSUER.',
  }),
  JWT_AUDIENCE: Type.String({
    default: 'learnmesh',
    description: 'Expected `aud` of access tokens; must equal identity’s JWT_AUDIENCE.',
  }),
  JWKS_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^|\\s]+(\\|https?://[^|\\s]+)*$',
      description:
        'Cluster mode: identity’s JWKS, one URL per replica separated by `|`, tried in turn. Default: `<identity URL>/.well-known/jwks.json` for every identity replica in SERVICE_URLS.',
    }),
  ),
  RATE_LIMIT_MAX: Type.Integer({
    default: 300,
    minimum: 0,
    description:
      'Requests per client (user id when signed in, else IP) per RATE_LIMIT_WINDOW on /api. 0 disables rate limiting.',
  }),
  RATE_LIMIT_WINDOW: Type.Integer({
    default: 60_000,
    minimum: 1000,
    description: 'Rate-limit window in milliseconds (default one minute).',
  }),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      description:
        'Redis for shared rate-limit counters across gateway replicas. Unset: counters live in this process.',
    }),
  ),
  CORS_ORIGINS: Type.String({
    default: '',
    description:
      'Comma-separated origins allowed to call the API from a browser (e.g. `https://app.example.com`). Empty: same origin only.',
  }),
  BODY_LIMIT_BYTES: Type.Integer({
    default: 10 * 1024 * 1024,
    minimum: 1024,
    description:
      'Largest request body the gateway forwards, in bytes; larger is a 413 before any service sees it. Services apply their own, smaller limits.',
  }),
  UPSTREAM_TIMEOUT_MS: Type.Integer({
    default: 30_000,
    minimum: 100,
    description:
      'How long a service may take to start answering (and may pause while streaming) before the gateway answers 504.',
  }),
  UPSTREAM_CONNECTIONS: Type.Integer({
    default: 128,
    minimum: 1,
    description: 'Cluster mode: keep-alive connections per service (undici pool, no pipelining).',
  }),
  RESPONSE_CACHE_MAX_BYTES: Type.Integer({
    default: 32 * 1024 * 1024,
    minimum: 0,
    description:
      'Cluster mode: memory for the micro-cache of anonymous GETs a service marks `Cache-Control: public, s-maxage=N` (per service; one response at most 1/64 of it). 0 turns it off.',
  }),
  RESPONSE_CACHE_MAX_TTL_MS: Type.Integer({
    default: 10_000,
    minimum: 0,
    description:
      'Longest the gateway serves a cached response, whatever its s-maxage (0 turns the micro-cache off).',
  }),
  TRUST_PROXY: Type.Boolean({
    default: false,
    description:
      'Set when a load balancer sits in front of the gateway: client IPs (rate limits, X-Forwarded-For) are then read from X-Forwarded-For.',
  }),
  WEB_ROOT: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Folder of the web app’s static build served at /. Default: apps/web/dist when built, else a placeholder page.',
    }),
  ),
})

/** The gateway's validated, frozen configuration. */
export type GatewayConfig = Readonly<Static<typeof gatewayConfigSchema>>

/** Loads the gateway's configuration from `env`; a wrong value stops the boot naming the variable. */
export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const config = loadConfig('gateway', gatewayConfigSchema, env)
  parseServiceUrls(config.SERVICE_URLS)
  return config
}

/**
 * `identity=http://a:1,learning=http://b:2` → `{ identity: 'http://a:1', learning: 'http://b:2' }`;
 * replicas stay joined by `|` (`identity=http://a:1|http://a:2` → `{ identity: 'http://a:1|http://a:2' }`).
 */
export function parseServiceUrls(value: string): Record<string, string> {
  const result: Record<string, string> = {}
  for (const part of value.split(',')) {
    const entry = part.trim()
    if (!entry) continue
    const eq = entry.indexOf('=')
    const name = entry.slice(0, eq)
    // Replicas: `identity=http://a:1|http://b:2` (the gateway balances requests over them).
    const replicas = entry
      .slice(eq + 1)
      .split('|')
      .map((u) => u.trim().replace(/\/+$/, ''))
    if (result[name]) {
      throw new ConfigError(
        [{ variable: 'SERVICE_URLS', message: `service '${name}' is listed twice` }],
        'gateway',
      )
    }
    const paths = new Set<string>()
    for (const url of replicas) {
      try {
        if (!/^https?:\/\//.test(url)) throw new Error('not http')
        paths.add(new URL(url).pathname.replace(/\/+$/, ''))
      } catch {
        throw new ConfigError([{ variable: 'SERVICE_URLS', message: `'${url}' is not a URL` }], 'gateway')
      }
    }
    if (paths.size > 1) {
      throw new ConfigError(
        [{ variable: 'SERVICE_URLS', message: `replicas of '${name}' must share one base path` }],
        'gateway',
      )
    }
    result[name] = replicas.join('|')
  }
  return result
}

/** Comma-separated CORS origins → list (empty: CORS off, same-origin only). */
export function parseOrigins(value: string): string[] {
  return value
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean)
}
