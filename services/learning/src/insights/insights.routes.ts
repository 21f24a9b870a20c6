import { requireRole, bearer, problems, type App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { CourseInsightsSchema, CourseParams } from './insights.schemas.ts'
import { createInsightsService } from './insights.service.ts'

/** Course insights for instructors (GET /courses/:courseId/insights). */
export function insightsRoutes(app: App, deps: LearningDeps): void {
  const insights = createInsightsService(deps)
  app.get(
    '/courses/:courseId/insights',
    {
      schema: {
        tags: ['insights'],
        security: bearer,
        summary: 'How a course is doing: enrollments, lesson drop-off, quiz results, grading backlog',
        params: CourseParams,
        response: { 200: CourseInsightsSchema, ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'instructor', 'org_admin')
      return insights.forCourse(principal, request.params.courseId)
    },
  )
}
