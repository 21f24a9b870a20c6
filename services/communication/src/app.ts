import { authPlugin, createApp, type App, type TokenVerifier } from '@learnmesh/kernel'
import { trustProxyOption } from './config.ts'
import type { CommunicationDeps } from './deps.ts'
import { notificationsRoutes } from './notifications/notifications.routes.ts'
import { mailboxRoutes } from './email/mailbox.routes.ts'
import { pushRoutes } from './push/push.routes.ts'
import { sequencesRoutes } from './sequences/sequences.routes.ts'
import { leadsRoutes } from './leads/leads.routes.ts'
import { chatRoutes } from './chat/chat.routes.ts'

/**
 * Builds communication's HTTP app: kernel chassis, the bearer token plugin, then every route
 * group. Tests call this with an in-memory database.
 */
export async function buildApp(deps: CommunicationDeps, options: { verifier: TokenVerifier }): Promise<App> {
  const { config, database } = deps
  const app = await createApp({
    name: 'communication',
    description:
      'Notifications (in-app and email) with preferences, quiet hours and a daily digest; email templates and delivery; lesson reminders; the dev mailbox.',
    logger: deps.logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    readyChecks: { database: () => database.ping() },
  })
  await app.register(authPlugin, { verifier: options.verifier })
  await notificationsRoutes(app, deps)
  await mailboxRoutes(app, deps)
  await pushRoutes(app, deps)
  await sequencesRoutes(app, deps)
  await leadsRoutes(app, deps)
  await chatRoutes(app, deps)
  return app
}
