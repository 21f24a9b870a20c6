import { fileURLToPath } from 'node:url'
import {
  consume,
  createJobRunner,
  createRelay,
  type RunningService,
  type ServiceContext,
  type ServiceDefinition,
} from '@learnmesh/kernel'
import { CommerceConfigSchema, loadCommerceConfig } from './config.ts'
import type { CommerceDeps } from './deps.ts'
import { buildApp } from './app.ts'
import { commerceHandlers } from './consumers.ts'
import { commerceJobs } from './jobs.ts'
import { inbox } from './db/schema.ts'

/** The event types commerce consumes (for the generated catalogue and broker bindings). */
export const commerceConsumes = [
  'learning.enrollment.rejected',
  'commerce.order.paid',
  'commerce.payment.refunded',
  'learning.course.published',
  'tutoring.lesson.completed',
  'tutoring.lesson.cancelled',
]

/**
 * The commerce service: products, carts, checkout, payments, the ledger, escrow, refunds and
 * payouts. `start` loads config, starts the outbox relay, the event consumers and the job runner
 * (payouts, payment expiry), and builds the app; `close` stops them in reverse.
 */
export const commerceService: ServiceDefinition = {
  name: 'commerce',
  migrations: { service: 'commerce', folder: fileURLToPath(new URL('../migrations', import.meta.url)) },
  configSchema: CommerceConfigSchema,
  consumes: commerceConsumes,
  async start(ctx: ServiceContext): Promise<RunningService> {
    const config = loadCommerceConfig(ctx.env)
    const relay = createRelay({
      database: ctx.database,
      schema: 'commerce',
      transport: ctx.transport,
      logger: ctx.logger,
    })
    const deps: CommerceDeps = {
      database: ctx.database,
      config,
      logger: ctx.logger,
      wakeRelay: () => relay.wake(),
    }
    consume({
      consumer: 'commerce',
      database: ctx.database,
      inbox,
      transport: ctx.transport,
      logger: ctx.logger,
      handlers: commerceHandlers(deps),
    })
    const runner = createJobRunner({
      database: ctx.database,
      schema: 'commerce',
      handlers: commerceJobs(deps),
      logger: ctx.logger,
    })
    const app = await buildApp(deps, { verifier: ctx.verifier })
    return {
      name: 'commerce',
      app,
      async close() {
        await runner.stop()
        await app.close()
        await relay.stop()
      },
    }
  },
}
