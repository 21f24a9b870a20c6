import { ConfigError, Type, loadConfig } from '@learnmesh/kernel'

/** Settings of the embedded runner (`npm start`): where data lives and what to print. */
export const embeddedConfigSchema = Type.Object({
  DATA_DIR: Type.String({
    default: '.data',
    description: 'Embedded mode: folder for the PGlite database and the dev mailbox.',
  }),
  DATABASE_URL: Type.Optional(
    Type.String({
      description:
        'PostgreSQL URL. Unset: embedded PGlite under DATA_DIR. Set: every service uses its own schema in this database.',
    }),
  ),
  PORT: Type.Integer({
    default: 3000,
    minimum: 0,
    maximum: 65535,
    description: 'Port of the gateway: web app and API.',
  }),
  HOST: Type.String({
    default: '127.0.0.1',
    description: 'Interface the gateway listens on (0.0.0.0 to expose it).',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level of every service.' },
  ),
  SEED_DEMO: Type.Boolean({
    default: true,
    description: 'Seed the demo organization and users on first start.',
  }),
})

/** Parsed embedded runner config. */
export type EmbeddedConfig = ReturnType<typeof loadEmbeddedConfig>

/** Loads the runner's config from the environment. */
export function loadEmbeddedConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig('learnmesh', embeddedConfigSchema, env)
}

/** The secret service-role passwords are derived from when none is configured: laptops only. */
export const DEV_CLUSTER_SECRET = 'learnmesh-dev-cluster-secret-do-not-use-in-production'

/** How `learnmesh migrate` names and authenticates the per-service PostgreSQL roles. */
export const rolesConfigSchema = Type.Object({
  NODE_ENV: Type.String({
    default: 'development',
    description: 'Runtime mode; `production` refuses the development CLUSTER_SECRET.',
  }),
  CLUSTER_SECRET: Type.String({
    default: DEV_CLUSTER_SECRET,
    minLength: 32,
    description:
      'Secret (>= 32 chars) from which each service role’s password is derived (HMAC-SHA256) unless LEARNMESH_ROLE_PASSWORD_<SERVICE> sets it. Required in production.',
  }),
  LEARNMESH_ROLE_PREFIX: Type.String({
    default: 'lm_',
    pattern: '^[a-z_][a-z0-9_]{0,30}$',
    description:
      'Prefix of the per-service PostgreSQL roles (`lm_identity`); roles are server-wide, so two installs on one server need different prefixes.',
  }),
})

/** Loads the role settings; refuses the development secret in production unless every password is given. */
export function loadRolesConfig(env: Record<string, string | undefined>, services: string[]) {
  const config = loadConfig('migrate', rolesConfigSchema, env)
  const derived = services.filter(
    (s) => !env[`LEARNMESH_ROLE_PASSWORD_${s.toUpperCase().replaceAll('-', '_')}`],
  )
  if (config.NODE_ENV === 'production' && config.CLUSTER_SECRET === DEV_CLUSTER_SECRET && derived.length) {
    throw new ConfigError(
      [
        {
          variable: 'CLUSTER_SECRET',
          message: 'must be set in production (the development default is public)',
        },
      ],
      'migrate',
    )
  }
  return config
}

/** `npm run cluster`: every service as its own process on the PostgreSQL, RabbitMQ and Redis of this machine. */
export const clusterConfigSchema = Type.Object({
  DATABASE_URL: Type.String({
    default: 'postgres://postgres@127.0.0.1:5432/learnmesh',
    pattern: '^postgres(ql)?://',
    description:
      'Cluster: admin PostgreSQL URL (migrations, roles); the database is created if missing. Services get their own role’s URL.',
  }),
  BROKER_URL: Type.String({
    default: 'amqp://guest:guest@127.0.0.1:5672',
    pattern: '^amqps?://',
    description: 'Cluster: RabbitMQ URL.',
  }),
  BROKER_PREFIX: Type.String({
    default: '',
    pattern: '^[A-Za-z0-9_.-]*$',
    description: 'Cluster: prefix of exchange and queue names.',
  }),
  REDIS_URL: Type.String({
    default: 'redis://127.0.0.1:6379',
    pattern: '^rediss?://',
    description: 'Cluster: Redis URL (gateway rate limits).',
  }),
  PORT: Type.Integer({
    default: 3000,
    minimum: 1,
    maximum: 65535,
    description: 'Cluster: port of the gateway.',
  }),
  HOST: Type.String({ default: '127.0.0.1', description: 'Cluster: interface the gateway listens on.' }),
  CLUSTER_BASE_PORT: Type.Integer({
    default: 4000,
    minimum: 1,
    maximum: 65000,
    description: 'Cluster: replicas listen on 127.0.0.1 at CLUSTER_BASE_PORT+1, +2, … in service order.',
  }),
  CLUSTER_DEV_MAILBOX: Type.Boolean({
    default: true,
    description:
      'Cluster: write account emails (identity.email.requested events) to <DATA_DIR>/mailbox.jsonl and print their links.',
  }),
  DATA_DIR: Type.String({ default: '.data', description: 'Cluster: folder of the dev mailbox.' }),
  SEED_DEMO: Type.Boolean({
    default: true,
    description: 'Cluster: seed the demo organization and users (if missing) before the services start.',
  }),
  CLUSTER_RESTART: Type.Boolean({
    default: true,
    description: 'Cluster: restart a replica that crashes, with back-off.',
  }),
  CLUSTER_STOP_TIMEOUT_MS: Type.Integer({
    default: 15_000,
    minimum: 100,
    description: 'Cluster: how long each process may take to stop after SIGTERM before it gets SIGKILL.',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level of every process.' },
  ),
})

/** Parsed cluster runner config. */
export type ClusterConfig = ReturnType<typeof loadClusterConfig>

/** Loads the cluster runner's config from the environment. */
export function loadClusterConfig(env: Record<string, string | undefined>) {
  return loadConfig('cluster', clusterConfigSchema, env)
}

/** `learnmesh dlq`: where the broker is. */
export const dlqConfigSchema = Type.Object({
  BROKER_URL: Type.String({
    default: 'amqp://guest:guest@127.0.0.1:5672',
    pattern: '^amqps?://',
    description: 'dlq: RabbitMQ URL.',
  }),
  BROKER_PREFIX: Type.String({
    default: '',
    pattern: '^[A-Za-z0-9_.-]*$',
    description: 'dlq: prefix of exchange and queue names (as the services use).',
  }),
})

/** Loads the dlq command's config. */
export function loadDlqConfig(env: Record<string, string | undefined>) {
  return loadConfig('dlq', dlqConfigSchema, env)
}
