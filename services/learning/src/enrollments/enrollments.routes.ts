import { requireAuth, bearer, problems, traceparentOf, type App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { createCohortsService } from './cohorts.service.ts'
import { presentCohort, presentEnrollment } from './enrollments.presenter.ts'
import {
  CohortList,
  CohortParams,
  CohortSchema,
  CourseParams,
  CreateCohortBody,
  EnrollBody,
  EnrollmentPage,
  EnrollmentParams,
  EnrollmentSchema,
  GrantBody,
  MyEnrollmentsQuery,
  RosterQuery,
  UpdateCohortBody,
  UpdateEnrollmentBody,
} from './enrollments.schemas.ts'
import { createEnrollmentsService } from './enrollments.service.ts'

const tags = ['enrollments']
const security = bearer

/** Enrollments (self, admin grants, roster) and cohorts. */
export function enrollmentsRoutes(app: App, deps: LearningDeps): void {
  const enrollments = createEnrollmentsService(deps)
  const cohorts = createCohortsService(deps)

  app.post(
    '/enrollments',
    {
      schema: {
        tags,
        security,
        summary: 'Enroll in a free course (200 with the existing enrollment when already enrolled)',
        body: EnrollBody,
        response: {
          200: EnrollmentSchema,
          201: EnrollmentSchema,
          ...problems(400, 401, 403, 404, 409, 410),
        },
      },
    },
    async (request, reply) => {
      const principal = requireAuth(request)
      const { enrollment, created } = await enrollments.enrollSelf(principal, request.body, {
        traceparent: traceparentOf(request),
      })
      reply.code(created ? 201 : 200)
      return presentEnrollment(enrollment)
    },
  )

  app.get(
    '/enrollments',
    {
      schema: {
        tags,
        security,
        summary: 'My enrollments (newest first) with progress, status and resume point',
        querystring: MyEnrollmentsQuery,
        response: { 200: EnrollmentPage, ...problems(400, 401) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { limit, before } = request.query
      const rows = await enrollments.listMine(principal, { limit: limit + 1, ...(before ? { before } : {}) })
      const items = rows.slice(0, limit)
      return {
        items: items.map((r) => presentEnrollment(r)),
        nextCursor: rows.length > limit ? items[items.length - 1]!.id : null,
      }
    },
  )

  app.get(
    '/enrollments/:enrollmentId',
    {
      schema: {
        tags,
        security,
        summary: 'One enrollment (mine, or any of my organization’s for an org admin)',
        params: EnrollmentParams,
        response: { 200: EnrollmentSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      return presentEnrollment(await enrollments.get(principal, request.params.enrollmentId))
    },
  )

  app.post(
    '/org/enrollments',
    {
      schema: {
        tags,
        security,
        summary: 'Grant a user access to a course of my organization (org_admin)',
        body: GrantBody,
        response: {
          200: EnrollmentSchema,
          201: EnrollmentSchema,
          ...problems(400, 401, 403, 404, 409, 410, 422),
        },
      },
    },
    async (request, reply) => {
      const principal = requireAuth(request)
      const { enrollment, created } = await enrollments.grant(principal, request.body, {
        traceparent: traceparentOf(request),
      })
      reply.code(created ? 201 : 200)
      return presentEnrollment(enrollment)
    },
  )

  app.patch(
    '/org/enrollments/:enrollmentId',
    {
      schema: {
        tags,
        security,
        summary: 'Change an enrollment’s expiry or cohort (org_admin)',
        params: EnrollmentParams,
        body: UpdateEnrollmentBody,
        response: { 200: EnrollmentSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      return presentEnrollment(await enrollments.update(principal, request.params.enrollmentId, request.body))
    },
  )

  app.post(
    '/org/enrollments/:enrollmentId/revoke',
    {
      schema: {
        tags,
        security,
        summary: 'Revoke an enrollment of my organization (org_admin; idempotent)',
        params: EnrollmentParams,
        response: { 200: EnrollmentSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      return presentEnrollment(
        await enrollments.revokeByAdmin(principal, request.params.enrollmentId, {
          traceparent: traceparentOf(request),
        }),
      )
    },
  )

  app.get(
    '/courses/:courseId/roster',
    {
      schema: {
        tags,
        security,
        summary: 'A course’s enrolled learners in my organization, with progress (instructors, org admins)',
        params: CourseParams,
        querystring: RosterQuery,
        response: { 200: EnrollmentPage, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { limit, after } = request.query
      const rows = await enrollments.roster(principal, request.params.courseId, {
        limit: limit + 1,
        ...(after ? { after } : {}),
      })
      const items = rows.slice(0, limit)
      return {
        items: items.map((r) => presentEnrollment(r)),
        nextCursor: rows.length > limit ? items[items.length - 1]!.id : null,
      }
    },
  )

  app.post(
    '/courses/:courseId/cohorts',
    {
      schema: {
        tags: ['cohorts'],
        security,
        summary: 'Create a cohort of a course (its instructors, org admins)',
        params: CourseParams,
        body: CreateCohortBody,
        response: { 201: CohortSchema, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const principal = requireAuth(request)
      const row = await cohorts.create(principal, request.params.courseId, request.body)
      reply.code(201)
      return presentCohort(row)
    },
  )

  app.get(
    '/courses/:courseId/cohorts',
    {
      schema: {
        tags: ['cohorts'],
        security,
        summary: 'A course’s cohorts with their taken seats',
        params: CourseParams,
        response: { 200: CohortList, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const rows = await cohorts.list(principal, request.params.courseId)
      return { items: rows.map(presentCohort) }
    },
  )

  app.patch(
    '/courses/:courseId/cohorts/:cohortId',
    {
      schema: {
        tags: ['cohorts'],
        security,
        summary: 'Change a cohort (its course’s instructors, org admins)',
        params: CohortParams,
        body: UpdateCohortBody,
        response: { 200: CohortSchema, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { courseId, cohortId } = request.params
      return presentCohort(await cohorts.update(principal, courseId, cohortId, request.body))
    },
  )
}
