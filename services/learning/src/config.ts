import { ConfigError, loadConfig, Type, type Static } from '@learnmesh/kernel'

/** The learning secret used when none is configured: fine on a laptop, refused in production. */
export const DEV_LEARNING_SECRET = 'learnmesh-dev-learning-secret-do-not-use-in-production'

/** Learning's environment. Every variable has a description: the README's config table is generated from them. */
export const LearningConfigSchema = Type.Object({
  NODE_ENV: Type.String({
    default: 'development',
    description:
      'Runtime mode; `production` refuses development defaults such as the embedded LEARNING_SECRET.',
  }),
  PUBLIC_URL: Type.String({
    default: 'http://localhost:3000',
    description: 'Public URL of the web app; certificate verification links and credential ids point here.',
  }),
  LEARNING_SECRET: Type.String({
    default: DEV_LEARNING_SECRET,
    minLength: 32,
    description:
      'Secret (>= 32 chars) from which the key encrypting the credential-signing key is derived. Required in production.',
  }),
  PLATFORM_NAME: Type.String({
    default: 'learnmesh',
    description: 'Issuer name printed on certificates and in Open Badges credentials.',
  }),
  BODY_LIMIT_BYTES: Type.Integer({
    default: 1_048_576,
    minimum: 1024,
    description: 'Largest request body accepted (413 beyond).',
  }),
  TRUST_PROXY: Type.String({
    default: 'loopback',
    description:
      'Proxies whose X-Forwarded-For is trusted (Fastify `trustProxy`): `loopback`, `true`, or a list.',
  }),
  PUBLISH_REQUIRES_REVIEW: Type.Boolean({
    default: true,
    description:
      'When true an instructor submits a course for review and an org admin publishes it; when false instructors publish directly.',
  }),
  HEARTBEAT_FLUSH_MS: Type.Integer({
    default: 250,
    minimum: 10,
    maximum: 10_000,
    description: 'Video position heartbeats are buffered and written in one statement at most this often.',
  }),
  HEARTBEAT_BATCH_MAX: Type.Integer({
    default: 1000,
    minimum: 1,
    maximum: 10_000,
    description: 'A heartbeat buffer holding this many positions is written at once, before the timer.',
  }),
  VIDEO_COMPLETION_THRESHOLD: Type.Number({
    default: 0.9,
    minimum: 0.1,
    maximum: 1,
    description: 'Default share of a video a learner must watch for the lesson to complete.',
  }),
  QUIZ_GRACE_SECONDS: Type.Integer({
    default: 5,
    minimum: 0,
    maximum: 120,
    description:
      'Network grace after a timed quiz’s deadline during which answers and submissions are still accepted.',
  }),
  CATALOG_CACHE_TTL_MS: Type.Integer({
    default: 60_000,
    minimum: 0,
    maximum: 300_000,
    description:
      'How long catalog search results and facet counts are reused in process memory (freshness only; 0 turns the cache off).',
  }),
  CATALOG_CACHE_MAX_TTL_MS: Type.Integer({
    default: 300_000,
    minimum: 0,
    maximum: 3_600_000,
    description:
      'Expensive catalog results (≥ 50 ms to compute) are reused 200× their compute time, at most this long (never less than CATALOG_CACHE_TTL_MS).',
  }),
  CATALOG_CACHE_MAX_ENTRIES: Type.Integer({
    default: 5000,
    minimum: 1,
    maximum: 1_000_000,
    description: 'Most catalog query results kept by the in-process cache (oldest evicted first).',
  }),
  CATALOG_SHARED_MAX_AGE_S: Type.Integer({
    default: 5,
    minimum: 0,
    maximum: 300,
    description:
      'Anonymous catalog searches are sent with `Cache-Control: public, max-age=0, s-maxage=N`: the gateway (or a CDN) may answer repeats for N seconds without asking the service (0: `no-cache`, nothing shared).',
  }),
  CATALOG_SEARCH_BOUND: Type.Integer({
    default: 500,
    minimum: 1,
    maximum: 100_000,
    description:
      'Most matches a catalog text search reads to rank (relevance) and to count facets; beyond it, relevance ranks that many and counts are estimated.',
  }),
})

/** Learning's typed, frozen configuration. */
export type LearningConfig = Static<typeof LearningConfigSchema>

/** Reads and validates learning's config; a wrong value stops the service naming the variable. */
export function loadLearningConfig(env: Record<string, string | undefined>): LearningConfig {
  const config = loadConfig('learning', LearningConfigSchema, env)
  if (config.NODE_ENV === 'production' && config.LEARNING_SECRET === DEV_LEARNING_SECRET) {
    throw new ConfigError(
      [
        {
          variable: 'LEARNING_SECRET',
          message: 'must be set in production (the development default is public)',
        },
      ],
      'learning',
    )
  }
  return config
}

/** Fastify's `trustProxy` option from TRUST_PROXY (`true`, `false`, or addresses/CIDRs, comma-separated). */
export function trustProxyOption(value: string): boolean | string {
  if (value === 'true') return true
  if (value === 'false' || value === '') return false
  return value
}
