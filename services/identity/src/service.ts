import { fileURLToPath } from 'node:url'
import {
  createRelay,
  type RunningService,
  type ServiceContext,
  type ServiceDefinition,
} from '@learnmesh/kernel'
import { IdentityConfigSchema, loadIdentityConfig } from './config.ts'
import { createIdentity } from './wiring.ts'
import { buildApp } from './app.ts'
import { ensureDefaultOrg } from './seed.ts'

const HOUR_MS = 3_600_000

/**
 * The identity service: accounts, sessions, 2FA, organizations and signing keys. `start` loads
 * config from ctx.env, makes sure the default organization and an active signing key exist
 * (rotating an old one), starts the outbox relay and an hourly unref'd maintenance timer (key
 * rotation check, pruning of old login attempts), and builds the app.
 */
export const identityService: ServiceDefinition = {
  name: 'identity',
  migrations: { service: 'identity', folder: fileURLToPath(new URL('../migrations', import.meta.url)) },
  configSchema: IdentityConfigSchema,
  async start(ctx: ServiceContext): Promise<RunningService> {
    const config = loadIdentityConfig(ctx.env)
    const relay = createRelay({
      database: ctx.database,
      schema: 'identity',
      transport: ctx.transport,
      logger: ctx.logger,
    })
    const identity = createIdentity({
      database: ctx.database,
      config,
      logger: ctx.logger,
      wakeRelay: () => relay.wake(),
    })
    await ensureDefaultOrg(ctx.database, config.DEFAULT_ORG_SLUG, config.DEFAULT_ORG_NAME)
    await identity.keys.ensureActiveKey()
    const timer = setInterval(() => {
      identity.keys
        .rotateIfDue()
        .catch((err: unknown) => ctx.logger.error({ err }, 'signing key rotation check failed'))
      identity.limiter
        .prune()
        .catch((err: unknown) => ctx.logger.warn({ err }, 'pruning login attempts failed'))
      identity.emailThrottle
        .prune(ctx.database.db)
        .catch((err: unknown) => ctx.logger.warn({ err }, 'pruning email sends failed'))
    }, HOUR_MS)
    timer.unref()
    const app = await buildApp(identity, { verifier: ctx.verifier, logger: ctx.logger })
    return {
      name: 'identity',
      app,
      async close() {
        clearInterval(timer)
        await relay.stop()
        await app.close()
      },
    }
  },
}
