import { fileURLToPath } from 'node:url'
import {
  startServiceRuntime,
  type RunningService,
  type ServiceContext,
  type ServiceDefinition,
} from '@learnmesh/kernel'
import { TutoringConfigSchema, loadTutoringConfig } from './config.ts'
import type { TutoringDeps } from './deps.ts'
import { buildApp } from './app.ts'
import { tutoringHandlers } from './consumers.ts'
import { tutoringJobs } from './jobs.ts'
import { inbox } from './db/schema.ts'

/** The event types tutoring consumes (for the generated catalogue and broker bindings). */
export const tutoringConsumes = [
  'identity.user.registered',
  'commerce.order.paid',
  'commerce.payment.refunded',
]

/**
 * The tutoring service: tutor profiles, availability, matching, bookings and the lesson
 * lifecycle. `start` loads config, starts the outbox relay, the event consumers and the job
 * runner (hold expiry, auto-confirmation), and builds the app; `close` stops them in reverse.
 */
export const tutoringService: ServiceDefinition = {
  name: 'tutoring',
  migrations: { service: 'tutoring', folder: fileURLToPath(new URL('../migrations', import.meta.url)) },
  configSchema: TutoringConfigSchema,
  consumes: tutoringConsumes,
  async start(ctx: ServiceContext): Promise<RunningService> {
    const config = loadTutoringConfig(ctx.env)
    return startServiceRuntime<TutoringDeps>(ctx, {
      name: 'tutoring',
      inbox,
      deps: (wakeRelay) => ({
        database: ctx.database,
        config,
        logger: ctx.logger,
        wakeRelay,
        now: () => new Date(),
      }),
      handlers: tutoringHandlers,
      jobs: tutoringJobs,
      app: (deps) => buildApp(deps, { verifier: ctx.verifier }),
    })
  },
}
