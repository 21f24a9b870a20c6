import { requireAuth, bearer, problems, traceparentOf, type App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import {
  presentAssignment,
  presentGraderSubmission,
  presentQueueItem,
  presentSubmission,
} from './assignments.presenter.ts'
import {
  AssignmentListSchema,
  AssignmentParams,
  AssignmentSchema,
  CourseParams,
  CreateAssignmentBody,
  GradeBody,
  GradingQueuePageSchema,
  GradingQueueQuery,
  MySubmissionsSchema,
  SubmissionPageSchema,
  SubmissionParams,
  SubmissionSchema,
  SubmissionsQuery,
  SubmitBody,
  UpdateAssignmentBody,
} from './assignments.schemas.ts'
import { createAssignmentsService } from './assignments.service.ts'

const tags = ['assignments']

/** Assignments: authoring (editors), submissions (learners), grading (editors of the course). */
export function assignmentsRoutes(app: App, deps: LearningDeps): void {
  const s = createAssignmentsService(deps)

  app.post(
    '/courses/:courseId/assignments',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Create an assignment (course editors)',
        params: CourseParams,
        body: CreateAssignmentBody,
        response: { 201: AssignmentSchema, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const principal = requireAuth(request)
      const row = await s.create(principal, request.params.courseId, request.body)
      reply.code(201)
      return presentAssignment(row)
    },
  )

  app.get(
    '/courses/:courseId/assignments',
    {
      schema: {
        tags,
        security: bearer,
        summary: "A course's assignments (course editors)",
        params: CourseParams,
        response: { 200: AssignmentListSchema, ...problems(401, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const rows = await s.list(principal, request.params.courseId)
      return { items: rows.map(presentAssignment) }
    },
  )

  app.get(
    '/assignments/:assignmentId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'An assignment (course editors, or learners whose enrolled version has it)',
        params: AssignmentParams,
        response: { 200: AssignmentSchema, ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      return presentAssignment(await s.get(principal, request.params.assignmentId))
    },
  )

  app.patch(
    '/assignments/:assignmentId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Change an assignment (course editors)',
        params: AssignmentParams,
        body: UpdateAssignmentBody,
        response: { 200: AssignmentSchema, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      return presentAssignment(await s.update(principal, request.params.assignmentId, request.body))
    },
  )

  app.post(
    '/assignments/:assignmentId/submissions',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Submit (or resubmit) text and links',
        params: AssignmentParams,
        body: SubmitBody,
        response: { 201: SubmissionSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = requireAuth(request)
      const { submission, assignment } = await s.submit(principal, request.params.assignmentId, request.body)
      reply.code(201)
      return presentSubmission(submission, assignment)
    },
  )

  app.get(
    '/assignments/:assignmentId/submissions/mine',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My submissions, with grades and feedback',
        params: AssignmentParams,
        response: { 200: MySubmissionsSchema, ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { items, assignment } = await s.listMine(principal, request.params.assignmentId)
      return { items: items.map((r) => presentSubmission(r, assignment)) }
    },
  )

  app.get(
    '/assignments/:assignmentId/submissions',
    {
      schema: {
        tags,
        security: bearer,
        summary: "An assignment's submissions, oldest first (graders)",
        params: AssignmentParams,
        querystring: SubmissionsQuery,
        response: { 200: SubmissionPageSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const page = await s.listSubmissions(principal, request.params.assignmentId, request.query)
      return {
        items: page.items.map((r) => presentGraderSubmission(r, page.assignment)),
        nextCursor: page.nextCursor,
      }
    },
  )

  app.get(
    '/submissions',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'My grading queue across courses, oldest first (courses I own or co-teach; org admins: scope=org for all)',
        querystring: GradingQueueQuery,
        response: { 200: GradingQueuePageSchema, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const page = await s.queue(principal, request.query)
      return { items: page.items.map(presentQueueItem), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/submissions/:submissionId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'A submission (its learner, or graders)',
        params: SubmissionParams,
        response: { 200: SubmissionSchema, ...problems(401, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { submission, assignment } = await s.getSubmission(principal, request.params.submissionId)
      return presentSubmission(submission, assignment)
    },
  )

  app.put(
    '/submissions/:submissionId/grade',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Grade or regrade a submission (graders)',
        params: SubmissionParams,
        body: GradeBody,
        response: { 200: SubmissionSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { submission, assignment } = await s.grade(principal, request.params.submissionId, request.body, {
        traceparent: traceparentOf(request),
      })
      return presentSubmission(submission, assignment)
    },
  )
}
