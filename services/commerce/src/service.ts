import { fileURLToPath } from 'node:url'
import {
  startServiceRuntime,
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
  'tutoring.tutor.listed',
  'tutoring.booking.rejected',
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
    return startServiceRuntime<CommerceDeps>(ctx, {
      name: 'commerce',
      inbox,
      deps: (wakeRelay) => ({ database: ctx.database, config, logger: ctx.logger, wakeRelay }),
      handlers: commerceHandlers,
      jobs: commerceJobs,
      app: (deps) => buildApp(deps, { verifier: ctx.verifier }),
    })
  },
}
