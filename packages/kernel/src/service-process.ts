import Type from 'typebox'
import { ConfigError, loadConfig } from './config.ts'
import { createLogger, type Logger } from './logger.ts'
import { openDatabase, type Database } from './db/database.ts'
import { migrate } from './db/migrate.ts'
import { createRabbitTransport, type RabbitTransport } from './events/rabbit.ts'
import { createTokenVerifier, type Jwks } from './auth/verifier.ts'
import type { RunningService, ServiceDefinition } from './service.ts'

/**
 * What every service process reads in cluster mode (`services/<name>/src/main.ts`), on top of the
 * service's own config. The cluster runner (`npm run cluster`) sets all of them.
 */
export const serviceProcessConfigSchema = Type.Object({
  DATABASE_URL: Type.String({
    pattern: '^postgres(ql)?://',
    description:
      'Cluster mode: PostgreSQL URL with the service’s own least-privileged role (`learnmesh migrate --print-urls` shows it).',
  }),
  DATABASE_POOL_SIZE: Type.Integer({
    default: 10,
    minimum: 1,
    maximum: 200,
    description: 'Cluster mode: PostgreSQL connections per service process.',
  }),
  MIGRATE_ON_START: Type.Boolean({
    default: true,
    description:
      'Cluster mode: apply the service’s migrations at start. Set false when `learnmesh migrate` runs them as the admin (a least-privileged role cannot create tables).',
  }),
  BROKER_URL: Type.String({
    pattern: '^amqps?://',
    description: 'Cluster mode: RabbitMQ URL, e.g. `amqp://guest:guest@127.0.0.1:5672`.',
  }),
  BROKER_PREFIX: Type.String({
    default: '',
    pattern: '^[A-Za-z0-9_.-]*$',
    description:
      'Cluster mode: prefix of every exchange and queue name (isolates environments sharing one vhost).',
  }),
  JWKS_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^|\\s]+(\\|https?://[^|\\s]+)*$',
      description:
        'Cluster mode: identity’s JWKS, e.g. `http://127.0.0.1:4001/.well-known/jwks.json` (identity itself reads its own); one per identity replica separated by `|`, tried in turn.',
    }),
  ),
  JWT_ISSUER: Type.String({
    default: 'http://localhost:3000/api/identity',
    description: 'Expected `iss` of access tokens; must equal identity’s JWT_ISSUER.',
  }),
  JWT_AUDIENCE: Type.String({ default: 'learnmesh', description: 'Expected `aud` of access tokens.' }),
  PORT: Type.Integer({
    default: 8080,
    minimum: 0,
    maximum: 65535,
    description: 'Cluster mode: port the service listens on.',
  }),
  HOST: Type.String({
    default: '127.0.0.1',
    description: 'Cluster mode: interface the service listens on (0.0.0.0 in a container).',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level.' },
  ),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({
    default: 10_000,
    minimum: 100,
    description: 'Cluster mode: how long a graceful stop may take before the process exits with status 1.',
  }),
})

/** A service running as its own process. */
export interface ServiceProcess {
  /** `http://host:port` it listens on. */
  url: string
  port: number
  logger: Logger
  running: RunningService
  /** Stops accepting, drains requests and consumers, closes the transport, then the database. */
  close(): Promise<void>
}

/** Options of `startServiceProcess`. */
export interface ServiceProcessOptions {
  /** The environment (main.ts passes process.env). */
  env: Record<string, string | undefined>
  /**
   * Path of the service's own JWKS when it is the token issuer (identity: `/.well-known/jwks.json`):
   * without JWKS_URL its verifier reads its own app in-process instead of over HTTP.
   */
  selfJwksPath?: string
}

/**
 * Starts one service as its own process: config → PostgreSQL with the service's role → migrations
 * (unless MIGRATE_ON_START=false) → RabbitMQ transport → token verifier (JWKS_URL) → the service →
 * `/ready` checking database and broker → listen on PORT. Does not install signal handlers (see
 * `runServiceProcess`).
 */
export async function startServiceProcess(
  definition: ServiceDefinition,
  options: ServiceProcessOptions,
): Promise<ServiceProcess> {
  const config = loadConfig(definition.name, serviceProcessConfigSchema, options.env)
  if (!config.JWKS_URL && !options.selfJwksPath) {
    throw new ConfigError(
      [
        {
          variable: 'JWKS_URL',
          message: 'required: identity’s JWKS, e.g. http://127.0.0.1:4001/.well-known/jwks.json',
        },
      ],
      definition.name,
    )
  }
  const logger = createLogger(definition.name, config.LOG_LEVEL)
  const database: Database = await openDatabase({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: `learnmesh-${definition.name}`,
  })
  let transport: RabbitTransport | undefined
  try {
    await database.ping()
    if (config.MIGRATE_ON_START) {
      const applied = await migrate(database, definition.migrations)
      if (applied.length) logger.info({ applied }, 'migrations applied')
    }
    transport = createRabbitTransport({
      url: config.BROKER_URL,
      prefix: config.BROKER_PREFIX,
      logger,
      connectionName: `learnmesh-${definition.name}`,
    })
    const self: { service?: RunningService } = {}
    const jwks =
      config.JWKS_URL?.split('|') ??
      (async (): Promise<Jwks> => {
        if (!self.service) throw new Error(`${definition.name} is not started yet`)
        const res = await self.service.app.inject({ method: 'GET', url: options.selfJwksPath! })
        if (res.statusCode !== 200) throw new Error(`own JWKS answered ${res.statusCode}`)
        return res.json()
      })
    const verifier = createTokenVerifier({ jwks, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE })
    const running = await definition.start({ database, transport, verifier, logger, env: options.env })
    self.service = running
    const broker = transport
    running.app.readyChecks.database ??= () => database.ping()
    running.app.readyChecks.broker = async () => {
      await broker.check?.()
    }
    try {
      await broker.ready(15_000)
    } catch {
      logger.warn('broker not reachable yet; the transport keeps retrying and /ready reports it')
    }
    running.attachRealtime?.(running.app.server, { pathPrefix: '', behindGateway: true })
    const address = await running.app.listen({ port: config.PORT, host: config.HOST })
    const port = Number(new URL(address).port)
    logger.info({ url: address, migrate: config.MIGRATE_ON_START }, `${definition.name} listening`)
    let closing: Promise<void> | undefined
    return {
      url: address,
      port,
      logger,
      running,
      close() {
        closing ??= (async () => {
          await running.close() // stops accepting (503), drains requests, stops relay, consumers and jobs
          await broker.close() // lets running handlers finish and ack
          await database.close()
        })()
        return closing
      },
    }
  } catch (err) {
    await transport?.close().catch(() => {})
    await database.close().catch(() => {})
    throw err
  }
}

/**
 * The whole of a service's `main.ts`: starts the process, and on SIGTERM or SIGINT stops it
 * gracefully (exit 0), or exits 1 if that takes longer than SHUTDOWN_TIMEOUT_MS or start fails.
 */
export function runServiceProcess(definition: ServiceDefinition, options: ServiceProcessOptions): void {
  const timeoutMs =
    Number(options.env.SHUTDOWN_TIMEOUT_MS) > 0 ? Number(options.env.SHUTDOWN_TIMEOUT_MS) : 10_000
  let started: ServiceProcess | undefined
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    if (!started) process.exit(0) // still starting: nothing served yet, an open migration rolls back
    started.logger.info({ signal }, 'shutting down')
    setTimeout(() => {
      started?.logger.error(`shutdown took longer than ${timeoutMs} ms; exiting`)
      process.exit(1)
    }, timeoutMs).unref()
    started.close().then(
      () => process.exit(0),
      (err: unknown) => {
        started?.logger.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
  // Started by a supervisor with an IPC channel (`npm run cluster`): stop when it goes away, even
  // if it was killed without the chance to signal us, so no replica outlives its cluster.
  if (process.send) process.once('disconnect', () => stop('supervisor gone'))
  startServiceProcess(definition, options).then(
    (p) => {
      started = p
    },
    (err: unknown) => {
      process.stderr.write(
        `${err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      )
      process.exit(1)
    },
  )
}
