import { bearer, problems, traceparentOf, type App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { categoriesRoutes } from '../categories/categories.routes.ts'
import { createCoursesRepository } from './courses.repository.ts'
import { createDraftAccess } from './draft.ts'
import { createCoursesService } from './courses.service.ts'
import { createPublishingService } from './publishing.service.ts'
import { createStructureService } from './structure.service.ts'
import { structureRoutes } from './structure.routes.ts'
import {
  presentCourse,
  presentInstructor,
  presentTree,
  presentVersion,
  presentVersionSummary,
} from './courses.presenter.ts'
import {
  CourseParams,
  CourseSchema,
  CoursesPage,
  CourseTreeSchema,
  CreateCourseBody,
  InstructorParams,
  InstructorsResponse,
  ListCoursesQuery,
  RejectBody,
  UpdateCourseBody,
  UserBody,
  VersionParams,
  VersionSchema,
  VersionsResponse,
  WorkflowBody,
} from './courses.schemas.ts'
import { rejectNulBytes, requireAuthor, revisionOf, withEtag } from './route-helpers.ts'

const tags = ['courses']
const security = bearer

/**
 * Course authoring: courses, their workflow (submit, review, publish, archive), co-instructors,
 * version history; sections and lessons (structure.routes.ts); categories (categories/).
 */
export function coursesRoutes(app: App, deps: LearningDeps): void {
  const repo = createCoursesRepository()
  const access = createDraftAccess(deps.database, repo)
  const courses = createCoursesService(deps, { repo, access })
  const publishing = createPublishingService(deps, { repo, access })
  const structure = createStructureService(deps, { repo, access })
  const meta = (request: { headers: Record<string, string | string[] | undefined> }) => ({
    traceparent: traceparentOf(request),
  })

  app.post(
    '/courses',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Create a draft course (instructor, org_admin)',
        body: CreateCourseBody,
        response: { 201: CourseSchema, ...problems(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const { course, role } = await courses.create(principal, request.body)
      withEtag(reply, course.revision)
      reply.code(201)
      return presentCourse(course, role)
    },
  )

  app.get(
    '/courses',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'My courses (owner or co-instructor; org admins: all of the organization)',
        querystring: ListCoursesQuery,
        response: { 200: CoursesPage, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const principal = requireAuthor(request)
      const { limit, after, status, review } = request.query
      const page = await courses.list(principal, {
        limit,
        ...(after ? { after } : {}),
        ...(status ? { status } : {}),
        ...(review === 'pending' ? { reviewPending: true } : {}),
      })
      return { items: page.items.map((v) => presentCourse(v.course, v.role)), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/courses/:courseId',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'The full draft: metadata, instructors, sections → lessons with content (editors)',
        params: CourseParams,
        response: { 200: CourseTreeSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const tree = await courses.tree(principal, request.params.courseId)
      withEtag(reply, tree.course.revision)
      return presentTree(tree)
    },
  )

  app.patch(
    '/courses/:courseId',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Update metadata (If-Match or revision: stale → 409)',
        params: CourseParams,
        body: UpdateCourseBody,
        response: { 200: CourseSchema, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const { revision: _revision, ...input } = request.body
      const { course, role } = await courses.update(
        principal,
        request.params.courseId,
        input,
        revisionOf(request, request.body),
      )
      withEtag(reply, course.revision)
      return presentCourse(course, role)
    },
  )

  app.delete(
    '/courses/:courseId',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Delete a never-published course (owner, org_admin); published ones are archived',
        params: CourseParams,
        response: { 204: { type: 'null' }, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      await courses.remove(principal, request.params.courseId, revisionOf(request))
      reply.code(204)
    },
  )

  // --- workflow -----------------------------------------------------------------------------------

  const workflow = (
    path: string,
    summary: string,
    run: (
      principal: ReturnType<typeof requireAuthor>,
      courseId: string,
      expected: number | undefined,
      request: { headers: Record<string, string | string[] | undefined> },
    ) => Promise<{ course: Parameters<typeof presentCourse>[0]; role: Parameters<typeof presentCourse>[1] }>,
  ) =>
    app.post(
      `/courses/:courseId/${path}`,
      {
        // The body is optional (only `revision`): validate an absent one as {}.
        preValidation: async (request) => {
          request.body ??= {}
          await rejectNulBytes(request)
        },
        schema: {
          tags,
          security,
          summary,
          params: CourseParams,
          body: WorkflowBody,
          response: { 200: CourseSchema, ...problems(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const principal = requireAuthor(request)
        const { course, role } = await run(
          principal,
          request.params.courseId,
          revisionOf(request, request.body),
          request,
        )
        withEtag(reply, course.revision)
        return presentCourse(course, role)
      },
    )

  workflow('submit', 'Submit the draft for review (editors)', (p, id, rev) => publishing.submit(p, id, rev))
  workflow('withdraw', 'Withdraw a pending review (editors)', (p, id, rev) => publishing.withdraw(p, id, rev))
  workflow('approve', 'Approve a pending review: publish it (org_admin)', (p, id, rev, r) =>
    publishing.approve(p, id, rev, meta(r)),
  )
  workflow(
    'publish',
    'Publish the draft as the next version (org_admin; editors when PUBLISH_REQUIRES_REVIEW=false)',
    (p, id, rev, r) => publishing.publish(p, id, rev, meta(r)),
  )
  workflow(
    'archive',
    'Archive: leaves the catalog, enrolled learners keep access (owner, org_admin)',
    (p, id, rev, r) => publishing.archive(p, id, rev, meta(r)),
  )
  workflow('unarchive', 'Unarchive: back in the catalog (owner, org_admin)', (p, id, rev, r) =>
    publishing.unarchive(p, id, rev, meta(r)),
  )

  app.post(
    '/courses/:courseId/reject',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Reject a pending review with a note (org_admin)',
        params: CourseParams,
        body: RejectBody,
        response: { 200: CourseSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const { course, role } = await publishing.reject(
        principal,
        request.params.courseId,
        request.body.note,
        revisionOf(request, request.body),
      )
      withEtag(reply, course.revision)
      return presentCourse(course, role)
    },
  )

  // --- versions -----------------------------------------------------------------------------------

  app.get(
    '/courses/:courseId/versions',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Published versions, newest first (editors)',
        params: CourseParams,
        response: { 200: VersionsResponse, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = requireAuthor(request)
      const rows = await courses.versions(principal, request.params.courseId)
      return { items: rows.map(presentVersionSummary) }
    },
  )

  app.get(
    '/courses/:courseId/versions/:version',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: "One published version's snapshot (editors)",
        params: VersionParams,
        response: { 200: VersionSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = requireAuthor(request)
      return presentVersion(await courses.version(principal, request.params.courseId, request.params.version))
    },
  )

  // --- instructors --------------------------------------------------------------------------------

  app.get(
    '/courses/:courseId/instructors',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Owner and co-instructors (editors)',
        params: CourseParams,
        response: { 200: InstructorsResponse, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = requireAuthor(request)
      return { items: (await courses.instructors(principal, request.params.courseId)).map(presentInstructor) }
    },
  )

  app.post(
    '/courses/:courseId/instructors',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Add a co-instructor of the organization (owner, org_admin)',
        params: CourseParams,
        body: UserBody,
        response: { 201: InstructorsResponse, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const rows = await courses.addInstructor(principal, request.params.courseId, request.body.userId)
      reply.code(201)
      return { items: rows.map(presentInstructor) }
    },
  )

  app.delete(
    '/courses/:courseId/instructors/:userId',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Remove a co-instructor (owner, org_admin; never the owner)',
        params: InstructorParams,
        response: { 204: { type: 'null' }, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      await courses.removeInstructor(principal, request.params.courseId, request.params.userId)
      reply.code(204)
    },
  )

  app.put(
    '/courses/:courseId/owner',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Transfer ownership to a person of the organization (org_admin)',
        params: CourseParams,
        body: UserBody,
        response: { 200: CourseSchema, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const { course, role } = await courses.transferOwnership(
        principal,
        request.params.courseId,
        request.body.userId,
      )
      withEtag(reply, course.revision)
      return presentCourse(course, role)
    },
  )

  structureRoutes(app, structure)
  categoriesRoutes(app, deps)
}
