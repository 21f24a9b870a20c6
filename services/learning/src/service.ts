import { fileURLToPath } from 'node:url'
import {
  startServiceRuntime,
  type RunningService,
  type ServiceContext,
  type ServiceDefinition,
} from '@learnmesh/kernel'
import { LearningConfigSchema, loadLearningConfig } from './config.ts'
import type { LearningDeps } from './deps.ts'
import { buildApp } from './app.ts'
import { learningHandlers } from './consumers.ts'
import { learningJobs } from './jobs.ts'
import { inbox } from './db/schema.ts'

/** The event types learning consumes (for the generated catalogue and broker bindings). */
export const learningConsumes = [
  'identity.user.registered',
  'identity.membership.changed',
  'commerce.order.paid',
  'commerce.payment.refunded',
  'commerce.subscription.activated',
  'commerce.subscription.renewed',
  'commerce.subscription.past_due',
  'commerce.subscription.cancelled',
  'learning.course.completed',
]

/**
 * The learning service: authoring, catalog, enrollments, progress, quizzes, assignments and
 * certificates. `start` loads config, starts the outbox relay, the event consumers and the job
 * runner (timed quizzes), and builds the app; `close` stops them in reverse.
 */
export const learningService: ServiceDefinition = {
  name: 'learning',
  migrations: { service: 'learning', folder: fileURLToPath(new URL('../migrations', import.meta.url)) },
  configSchema: LearningConfigSchema,
  consumes: learningConsumes,
  async start(ctx: ServiceContext): Promise<RunningService> {
    const config = loadLearningConfig(ctx.env)
    return startServiceRuntime<LearningDeps>(ctx, {
      name: 'learning',
      inbox,
      deps: (wakeRelay) => ({ database: ctx.database, config, logger: ctx.logger, wakeRelay }),
      handlers: learningHandlers,
      jobs: learningJobs,
      app: (deps) => buildApp(deps, { verifier: ctx.verifier }),
    })
  },
}
