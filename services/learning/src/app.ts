import { authPlugin, createApp, type App, type TokenVerifier } from '@learnmesh/kernel'
import { trustProxyOption } from './config.ts'
import type { LearningDeps } from './deps.ts'
import { coursesRoutes } from './courses/courses.routes.ts'
import { catalogRoutes } from './catalog/catalog.routes.ts'
import { enrollmentsRoutes } from './enrollments/enrollments.routes.ts'
import { progressRoutes } from './progress/progress.routes.ts'
import { quizzesRoutes } from './quizzes/quizzes.routes.ts'
import { assignmentsRoutes } from './assignments/assignments.routes.ts'
import { certificatesRoutes } from './certificates/certificates.routes.ts'
import { insightsRoutes } from './insights/insights.routes.ts'
import { kpisRoutes } from './kpis/kpis.routes.ts'

/**
 * Builds learning's HTTP app: kernel chassis (problem+json, strict bodies, OpenAPI), the bearer
 * token plugin, then every route group. Tests call this with an in-memory database.
 */
export async function buildApp(deps: LearningDeps, options: { verifier: TokenVerifier }): Promise<App> {
  const { config, database } = deps
  const app = await createApp({
    name: 'learning',
    description:
      'Courses and their authoring, the catalog, enrollments, progress, quizzes, assignments and certificates.',
    logger: deps.logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    readyChecks: { database: () => database.ping() },
  })
  await app.register(authPlugin, { verifier: options.verifier })
  coursesRoutes(app, deps)
  catalogRoutes(app, deps)
  enrollmentsRoutes(app, deps)
  progressRoutes(app, deps)
  quizzesRoutes(app, deps)
  assignmentsRoutes(app, deps)
  certificatesRoutes(app, deps)
  insightsRoutes(app, deps)
  kpisRoutes(app, deps)
  return app
}
