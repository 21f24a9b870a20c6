import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import {
  createInProcessTransport,
  createTokenVerifier,
  newId,
  type RunningService,
  type Transport,
} from '@learnmesh/kernel'
import { createTestDatabase, createTestSigner } from '@learnmesh/kernel/testing'
import { learningService } from './service.ts'

type Who = { userId: string; orgId: string; roles: string[] }

/**
 * The whole learning service as `npm start` runs it (relay, consumers, job runner, in-process
 * transport), driven only through its HTTP API: an instructor authors a course with every lesson
 * type, an admin publishes it, a learner enrolls, studies (text, video heartbeats, quiz,
 * assignment), completes the course and receives a certificate issued through the events.
 */
describe('a learner’s journey through a course', () => {
  let service: RunningService
  let transport: Transport
  let signer: Awaited<ReturnType<typeof createTestSigner>>
  let close: () => Promise<void>
  const orgId = newId('org')
  const instructor: Who = { userId: newId('usr'), orgId, roles: ['instructor'] }
  const admin: Who = { userId: newId('usr'), orgId, roles: ['org_admin'] }
  const learner: Who = { userId: newId('usr'), orgId, roles: ['learner'] }

  const call = async (who: Who | null, method: string, url: string, payload?: unknown) => {
    const token = who ? await signer.sign({ sub: who.userId, org: who.orgId, roles: who.roles }) : undefined
    const res = await service.app.inject({
      method: method as 'GET',
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    })
    return { status: res.statusCode, body: res.body ? res.json() : null }
  }
  const ok = async (who: Who | null, method: string, url: string, payload?: unknown) => {
    const res = await call(who, method, url, payload)
    if (res.status >= 300) throw new Error(`${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`)
    return res.body
  }
  const until = async <T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> => {
    const end = Date.now() + ms
    for (;;) {
      const value = await probe()
      if (value !== undefined) return value
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  beforeAll(async () => {
    const database = await createTestDatabase(learningService.migrations)
    transport = createInProcessTransport({})
    signer = await createTestSigner()
    const verifier = createTokenVerifier({
      jwks: signer.jwks,
      issuer: signer.issuer,
      audience: signer.audience,
      cooldownMs: 0,
    })
    service = await learningService.start({
      database,
      transport,
      verifier,
      logger: pino({ level: 'silent' }),
      env: { PUBLIC_URL: 'http://web.test', HEARTBEAT_FLUSH_MS: '20' },
    })
    close = async () => {
      await service.close()
      await transport.close()
      await database.close()
    }
  })
  afterAll(async () => close())

  it('authoring → review → catalog → enrollment → study → completion → certificate', async () => {
    // Authoring.
    const course = await ok(instructor, 'POST', '/courses', {
      title: 'Journey Course',
      subtitle: 'Every lesson type once',
      description: 'A course used to walk the whole learner journey.',
      level: 'beginner',
      language: 'en',
      visibility: 'public',
    })
    const sectionId = (
      await ok(instructor, 'POST', `/courses/${course.id}/sections`, { title: 'Only section' })
    ).id
    const lesson = async (body: Record<string, unknown>) =>
      (await ok(instructor, 'POST', `/courses/${course.id}/sections/${sectionId}/lessons`, body)).id as string
    const read = await lesson({ type: 'text', title: 'Read me', content: { type: 'text', markdown: '# Hi' } })
    const watch = await lesson({
      type: 'video',
      title: 'Watch me',
      durationSeconds: 20,
      content: { type: 'video', url: 'https://media.example.test/v.mp4', durationSeconds: 20 },
    })
    const q1 = (
      await ok(instructor, 'POST', `/courses/${course.id}/questions`, {
        type: 'true_false',
        prompt: 'Types are erased at runtime.',
        answer: { value: true },
      })
    ).id
    const q2 = (
      await ok(instructor, 'POST', `/courses/${course.id}/questions`, {
        type: 'numeric',
        prompt: '2 + 2?',
        answer: { value: 4, tolerance: 0 },
      })
    ).id
    const quiz = await ok(instructor, 'POST', `/courses/${course.id}/quizzes`, {
      title: 'Check',
      questionIds: [q1, q2],
      passPercent: 100,
      timeLimitSeconds: 300,
    })
    const quizLesson = await lesson({
      type: 'quiz',
      title: 'Quiz',
      prerequisiteIds: [read],
      content: { type: 'quiz', quizId: quiz.id },
    })
    const assignment = await ok(instructor, 'POST', `/courses/${course.id}/assignments`, {
      title: 'Essay',
      instructions: 'Write something.',
      latePolicy: 'accept',
      rubric: [{ id: 'content', title: 'Content', description: '', maxPoints: 10 }],
      passPoints: 5,
    })
    await lesson({
      type: 'assignment',
      title: 'Essay',
      content: { type: 'assignment', assignmentId: assignment.id },
    })

    // Review and publication.
    await ok(instructor, 'POST', `/courses/${course.id}/submit`, {})
    await ok(admin, 'POST', `/courses/${course.id}/approve`, {})

    // The catalog finds it, anonymously.
    const found = await ok(null, 'GET', '/catalog?q=journey')
    expect(found.items.map((c: { id: string }) => c.id)).toContain(course.id)

    // Enrollment, outline, prerequisites.
    await ok(learner, 'POST', '/enrollments', { courseId: course.id })
    const locked = await call(learner, 'GET', `/learn/courses/${course.id}/lessons/${quizLesson}`)
    expect(locked.status).toBe(403)
    await ok(learner, 'POST', `/learn/courses/${course.id}/lessons/${read}/complete`, {})

    // Video: heartbeats are batched; watching past the threshold completes the lesson.
    for (const position of [5, 10, 15, 19])
      expect(
        (
          await call(learner, 'POST', '/progress/heartbeats', {
            courseId: course.id,
            lessonId: watch,
            positionSeconds: position,
          })
        ).status,
      ).toBe(202)
    const outline = await until('the video to complete', async () => {
      const o = await ok(learner, 'GET', `/learn/courses/${course.id}`)
      const video = o.sections[0].lessons.find((l: { id: string }) => l.id === watch)
      return video.completed ? o : undefined
    })
    expect(outline.progressPercent).toBe(50) // 2 of 4 lessons
    expect(outline.resume).toMatchObject({ lessonId: watch })

    // Quiz: answers never reach the learner before submission.
    const attempt = await ok(learner, 'POST', `/quizzes/${quiz.id}/attempts`, {})
    expect(JSON.stringify(attempt)).not.toMatch(/"answer"|"tolerance"|"explanation"/)
    await ok(learner, 'PUT', `/attempts/${attempt.id}/answers/${q1}`, { answer: true })
    await ok(learner, 'PUT', `/attempts/${attempt.id}/answers/${q2}`, { answer: 4 })
    const graded = await ok(learner, 'POST', `/attempts/${attempt.id}/submit`, {})
    expect(graded.passed).toBe(true)

    // Assignment: submitted, graded by the instructor.
    const submission = await ok(learner, 'POST', `/assignments/${assignment.id}/submissions`, {
      text: 'My essay.',
    })
    await ok(instructor, 'PUT', `/submissions/${submission.id}/grade`, {
      scores: [{ criterionId: 'content', points: 8, comment: 'Good' }],
      feedback: 'Well done',
    })

    // Completion → learning.course.completed → (own consumer) certificate.
    const certificate = await until('the certificate', async () => {
      const mine = await ok(learner, 'GET', '/certificates/mine')
      return mine.items.find((c: { courseId: string }) => c.courseId === course.id)
    })
    const verified = await ok(null, 'GET', `/certificates/verify/${certificate.code}`)
    expect(verified).toMatchObject({ courseTitle: 'Journey Course', revoked: false })

    // The instructor's insights see the finished learner.
    const insights = await ok(instructor, 'GET', `/courses/${course.id}/insights`)
    expect(insights.enrollments).toMatchObject({ total: 1, completed: 1 })
  })
})
