import { bearer, problems, type App } from '@learnmesh/kernel'
import { rejectNulBytes, requireAuthor, revisionOf, withEtag } from './route-helpers.ts'
import { presentLesson, presentSection } from './courses.presenter.ts'
import {
  CourseParams,
  CreateLessonBody,
  LessonChangedSchema,
  LessonParams,
  MoveLessonBody,
  OrderSchema,
  ReorderLessonsBody,
  ReorderSectionsBody,
  SectionBody,
  SectionChangedSchema,
  SectionParams,
  UpdateLessonBody,
} from './courses.schemas.ts'
import type { StructureService } from './structure.service.ts'

const tags = ['courses']
const security = bearer

/**
 * Sections and lessons of a draft. Every write accepts If-Match (or a `revision` field), answers
 * with the course's new revision (`courseRevision` and the ETag header) and 409s when stale.
 */
export function structureRoutes(app: App, structure: StructureService): void {
  app.post(
    '/courses/:courseId/sections',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Add a section at the end',
        params: CourseParams,
        body: SectionBody,
        response: { 201: SectionChangedSchema, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const { value, course } = await structure.createSection(
        principal,
        request.params.courseId,
        request.body.title,
        revisionOf(request, request.body),
      )
      withEtag(reply, course.revision)
      reply.code(201)
      return { ...presentSection(value.section, value.lessons), courseRevision: course.revision }
    },
  )

  app.put(
    '/courses/:courseId/sections/order',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Reorder sections (send every section id of the course exactly once)',
        params: CourseParams,
        body: ReorderSectionsBody,
        response: { 200: OrderSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const { value, course } = await structure.reorderSections(
        principal,
        request.params.courseId,
        request.body.sectionIds,
        revisionOf(request, request.body),
      )
      withEtag(reply, course.revision)
      return { ids: value, courseRevision: course.revision }
    },
  )

  app.patch(
    '/courses/:courseId/sections/:sectionId',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Rename a section',
        params: SectionParams,
        body: SectionBody,
        response: { 200: SectionChangedSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const { value, course } = await structure.renameSection(
        principal,
        request.params.courseId,
        request.params.sectionId,
        request.body.title,
        revisionOf(request, request.body),
      )
      withEtag(reply, course.revision)
      return { ...presentSection(value.section, value.lessons), courseRevision: course.revision }
    },
  )

  app.delete(
    '/courses/:courseId/sections/:sectionId',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Delete a section and its lessons (the new revision is in the ETag header)',
        params: SectionParams,
        response: { 204: { type: 'null' }, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const { course } = await structure.deleteSection(
        principal,
        request.params.courseId,
        request.params.sectionId,
        revisionOf(request),
      )
      withEtag(reply, course.revision)
      reply.code(204)
    },
  )

  app.post(
    '/courses/:courseId/sections/:sectionId/lessons',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Add a lesson at the end of a section',
        params: SectionParams,
        body: CreateLessonBody,
        response: { 201: LessonChangedSchema, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const { revision: _revision, ...input } = request.body
      const { value, course } = await structure.createLesson(
        principal,
        request.params.courseId,
        request.params.sectionId,
        input,
        revisionOf(request, request.body),
      )
      withEtag(reply, course.revision)
      reply.code(201)
      return { ...presentLesson(value), courseRevision: course.revision }
    },
  )

  app.put(
    '/courses/:courseId/sections/:sectionId/lessons/order',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: "Reorder a section's lessons (send every lesson id of the section exactly once)",
        params: SectionParams,
        body: ReorderLessonsBody,
        response: { 200: OrderSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const { value, course } = await structure.reorderLessons(
        principal,
        request.params.courseId,
        request.params.sectionId,
        request.body.lessonIds,
        revisionOf(request, request.body),
      )
      withEtag(reply, course.revision)
      return { ids: value, courseRevision: course.revision }
    },
  )

  app.patch(
    '/courses/:courseId/lessons/:lessonId',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Update a lesson: title, duration, content (same type), prerequisites, preview flag',
        params: LessonParams,
        body: UpdateLessonBody,
        response: { 200: LessonChangedSchema, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const { revision: _revision, ...input } = request.body
      const { value, course } = await structure.updateLesson(
        principal,
        request.params.courseId,
        request.params.lessonId,
        input,
        revisionOf(request, request.body),
      )
      withEtag(reply, course.revision)
      return { ...presentLesson(value), courseRevision: course.revision }
    },
  )

  app.delete(
    '/courses/:courseId/lessons/:lessonId',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Delete a lesson (the new revision is in the ETag header)',
        params: LessonParams,
        response: { 204: { type: 'null' }, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const { course } = await structure.deleteLesson(
        principal,
        request.params.courseId,
        request.params.lessonId,
        revisionOf(request),
      )
      withEtag(reply, course.revision)
      reply.code(204)
    },
  )

  app.post(
    '/courses/:courseId/lessons/:lessonId/move',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Move a lesson to a position of a section of the same course',
        params: LessonParams,
        body: MoveLessonBody,
        response: { 200: LessonChangedSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = requireAuthor(request)
      const { revision: _revision, ...target } = request.body
      const { value, course } = await structure.moveLesson(
        principal,
        request.params.courseId,
        request.params.lessonId,
        target,
        revisionOf(request, request.body),
      )
      withEtag(reply, course.revision)
      return { ...presentLesson(value), courseRevision: course.revision }
    },
  )
}
