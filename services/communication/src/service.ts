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
import { Redis } from 'ioredis'
import { createRealtimeHub } from './realtime/hub.ts'
import { attachRealtimeServer, type RealtimeServer } from './realtime/server.ts'

/** The event types communication consumes (for the generated catalogue and broker bindings). */
export const communicationConsumes = [
  'identity.user.registered',
  'identity.email.requested',
  'identity.membership.changed',
  'learning.course.published',
  'learning.enrollment.created',
  'learning.enrollment.revoked',
  'learning.course.completed',
  'learning.certificate.issued',
  'learning.quiz.graded',
  'learning.submission.graded',
  'commerce.order.paid',
  'commerce.payment.refunded',
  'commerce.refund.failed',
  'commerce.payout.sent',
  'tutoring.lesson.booked',
  'tutoring.lesson.rescheduled',
  'tutoring.lesson.cancelled',
  'tutoring.lesson.completed',
  'tutoring.tutor.listed',
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
    // Chat rate limits shared by replicas; commands fail fast while Redis is down (limits then open).
    const redis = config.REDIS_URL
      ? new Redis(config.REDIS_URL, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: 1000,
          connectionName: 'learnmesh-communication-rate-limit',
        })
      : undefined
    redis?.on('error', () => {}) // reported by the limiter when a take fails
    const realtime = createRealtimeHub({
      database: ctx.database,
      logger: ctx.logger,
      rate: { burst: config.CHAT_RATE_BURST, perSecond: config.CHAT_RATE_PER_SECOND },
      ...(redis ? { redis } : {}),
    })
    let deps: CommunicationDeps | undefined
    let socketServer: RealtimeServer | undefined
    const running = await startServiceRuntime<CommunicationDeps>(ctx, {
      name: 'communication',
      inbox,
      deps: (wakeRelay) =>
        (deps = {
          database: ctx.database,
          config,
          logger: ctx.logger,
          wakeRelay,
          mailer,
          now: () => new Date(),
          realtime,
        }),
      handlers: communicationHandlers,
      jobs: communicationJobs,
      app: (deps) => buildApp(deps, { verifier: ctx.verifier }),
    })
    return {
      ...running,
      attachRealtime(server, options) {
        socketServer = attachRealtimeServer({
          server,
          pathPrefix: options.pathPrefix,
          deps: deps!,
          verifier: ctx.verifier,
          ...(config.REDIS_URL ? { redisUrl: config.REDIS_URL } : {}),
          ...(options.behindGateway ? { gatewayLinks: true } : {}),
        })
      },
      async close() {
        await socketServer?.close()
        realtime.close()
        await running.close()
        mailer.close()
        redis?.disconnect()
      },
    }
  },
}
