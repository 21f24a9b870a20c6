import { Type, loadConfig } from '@learnmesh/kernel'

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
