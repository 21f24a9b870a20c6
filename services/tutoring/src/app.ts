import { authPlugin, createApp, type App, type TokenVerifier } from '@learnmesh/kernel'
import { trustProxyOption } from './config.ts'
import type { TutoringDeps } from './deps.ts'
import { profilesRoutes } from './profiles/profiles.routes.ts'
import { availabilityRoutes } from './availability/availability.routes.ts'
import { matchingRoutes } from './matching/matching.routes.ts'
import { bookingsRoutes } from './bookings/bookings.routes.ts'
import { calendarRoutes } from './calendar/calendar.routes.ts'
import { kpisRoutes } from './kpis/kpis.routes.ts'

/**
 * Builds tutoring's HTTP app: kernel chassis, the bearer token plugin, then every route group.
 * Tests call this with an in-memory database.
 */
export async function buildApp(deps: TutoringDeps, options: { verifier: TokenVerifier }): Promise<App> {
  const { config, database } = deps
  const app = await createApp({
    name: 'tutoring',
    description:
      'Tutor profiles, subjects and service areas, weekly availability, matching, bookings and the lesson lifecycle, calendar feeds.',
    logger: deps.logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    readyChecks: { database: () => database.ping() },
  })
  await app.register(authPlugin, { verifier: options.verifier })
  await profilesRoutes(app, deps)
  await availabilityRoutes(app, deps)
  await matchingRoutes(app, deps)
  await bookingsRoutes(app, deps)
  await calendarRoutes(app, deps)
  kpisRoutes(app, deps)
  return app
}
