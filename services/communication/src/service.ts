import { fileURLToPath } from 'node:url'
import {
  startServiceRuntime,
  type RunningService,
  type ServiceContext,
  type ServiceDefinition,
} from '@learnmesh/kernel'
import { CommunicationConfigSchema, loadCommunicationConfig } from './config.ts'
import type { CommunicationDeps } from './deps.ts'
import { buildApp } from './app.ts'
import { communicationHandlers } from './consumers.ts'
import { communicationJobs } from './jobs.ts'
import { inbox } from './db/schema.ts'
import { createMailer } from './email/mailer.ts'

/** The event types communication consumes (for the generated catalogue and broker bindings). */
export const communicationConsumes = [
  'identity.user.registered',
  'identity.email.requested',
  'learning.course.published',
  'learning.enrollment.created',
  'learning.course.completed',
  'learning.certificate.issued',
  'learning.quiz.graded',
  'learning.submission.graded',
  'commerce.order.paid',
  'commerce.payment.refunded',
  'commerce.payout.sent',
  'tutoring.lesson.booked',
  'tutoring.lesson.rescheduled',
  'tutoring.lesson.cancelled',
  'tutoring.lesson.completed',
]

/**
 * The communication service: notifications and emails triggered by every other service's events,
 * lesson reminders, daily digests. `start` loads config, starts the outbox relay, the consumers and
 * the job runner (email sending, reminders, digests), and builds the app; `close` stops them and
 * the SMTP pool.
 */
export const communicationService: ServiceDefinition = {
  name: 'communication',
  migrations: { service: 'communication', folder: fileURLToPath(new URL('../migrations', import.meta.url)) },
  configSchema: CommunicationConfigSchema,
  consumes: communicationConsumes,
  async start(ctx: ServiceContext): Promise<RunningService> {
    const config = loadCommunicationConfig(ctx.env)
    const mailer = createMailer(config)
    const running = await startServiceRuntime<CommunicationDeps>(ctx, {
      name: 'communication',
      inbox,
      deps: (wakeRelay) => ({
        database: ctx.database,
        config,
        logger: ctx.logger,
        wakeRelay,
        mailer,
        now: () => new Date(),
      }),
      handlers: communicationHandlers,
      jobs: communicationJobs,
      app: (deps) => buildApp(deps, { verifier: ctx.verifier }),
    })
    return {
      ...running,
      async close() {
        await running.close()
        mailer.close()
      },
    }
  },
}
