import { requireAuth, bearer, problems, traceparentOf, type App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { createHeartbeatBuffer, type HeartbeatBuffer } from './heartbeats.ts'
import { presentLesson, presentOutline } from './progress.presenter.ts'
import {
  CompletionSchema,
  HeartbeatAccepted,
  HeartbeatBody,
  LearnCourseParams,
  LearnLessonParams,
  LessonSchema,
  OutlineSchema,
} from './progress.schemas.ts'
import { createProgressService } from './progress.service.ts'

const tags = ['progress']
const security = bearer

const buffers = new WeakMap<App, HeartbeatBuffer>()

/** The heartbeat buffer of an app (tests flush it and read its counters). */
export function heartbeatBufferOf(app: App): HeartbeatBuffer | undefined {
  return buffers.get(app)
}

/** Learner progress: outline, lesson content, completion, video heartbeats. */
export function progressRoutes(app: App, deps: LearningDeps): void {
  const progress = createProgressService(deps)
  const heartbeats = createHeartbeatBuffer({
    database: deps.database,
    logger: deps.logger,
    flushMs: deps.config.HEARTBEAT_FLUSH_MS,
    batchMax: deps.config.HEARTBEAT_BATCH_MAX,
    defaultThreshold: deps.config.VIDEO_COMPLETION_THRESHOLD,
    wakeRelay: deps.wakeRelay,
  })
  buffers.set(app, heartbeats)
  // Positions still buffered are written before the database closes (service close, then database).
  app.addHook('onClose', async () => heartbeats.close())

  app.get(
    '/learn/courses/:courseId',
    {
      schema: {
        tags,
        security,
        summary: 'My course: the enrolled version’s outline, lesson states, percentage and resume point',
        params: LearnCourseParams,
        response: { 200: OutlineSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      return presentOutline(await progress.outline(principal, request.params.courseId))
    },
  )

  app.get(
    '/learn/courses/:courseId/lessons/:lessonId',
    {
      schema: {
        tags,
        security,
        summary: 'A lesson’s content (403 naming missing prerequisites while locked)',
        params: LearnLessonParams,
        response: { 200: LessonSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { courseId, lessonId } = request.params
      const { lesson, progress: row } = await progress.lesson(principal, courseId, lessonId)
      return presentLesson(lesson, row)
    },
  )

  app.post(
    '/learn/courses/:courseId/lessons/:lessonId/complete',
    {
      schema: {
        tags,
        security,
        summary: 'Mark a text or resource lesson complete (idempotent)',
        params: LearnLessonParams,
        response: { 200: CompletionSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { courseId, lessonId } = request.params
      const { result } = await progress.complete(principal, courseId, lessonId, {
        traceparent: traceparentOf(request),
      })
      return {
        lessonId,
        changed: result.changed,
        progressPercent: result.progressPercent,
        courseCompleted: result.courseCompleted,
      }
    },
  )

  app.post(
    '/progress/heartbeats',
    {
      schema: {
        tags,
        security,
        summary: 'Video position heartbeat (buffered; written in batches)',
        body: HeartbeatBody,
        response: { 202: HeartbeatAccepted, ...problems(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const principal = requireAuth(request)
      await heartbeats.accept(principal, request.body)
      reply.code(202)
      return { accepted: true as const }
    },
  )
}
