import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { assignments, lessonProgress, quizAttempts, quizzes, submissions } from '../db/schema.ts'
import { createTestLearning, type TestLearning } from '../test-helpers.ts'

describe('course insights', () => {
  let t: TestLearning
  const url = (courseId: string) => `/courses/${courseId}/insights`
  let owner: ReturnType<TestLearning['user']>
  let courseId: string
  let lessonIds: string[]

  beforeAll(async () => {
    t = await createTestLearning()
    owner = t.user(['instructor'])
    const course = await t.publishedCourse(owner, {
      sections: [{ lessons: [{ type: 'text' }, { type: 'text' }, { type: 'video', durationSeconds: 60 }] }],
    })
    courseId = course.courseId
    lessonIds = course.lessonIds
    const week = 7 * 86_400_000
    // 4 learners: one completed everything, one half-way and active, one revoked, one expired.
    const [done, half, revoked, expired] = [t.user(), t.user(), t.user(), t.user()]
    const eDone = await t.enroll(done, courseId, {
      completedAt: new Date(),
      progressPercent: 100,
      lastActivityAt: new Date(),
    })
    const eHalf = await t.enroll(half, courseId, {
      progressPercent: 33,
      lastActivityAt: new Date(Date.now() - week / 2),
      source: 'order',
    })
    const eRevoked = await t.enroll(revoked, courseId, { status: 'revoked', progressPercent: 33 })
    await t.enroll(expired, courseId, { expiresAt: new Date(Date.now() - 1000), source: 'free' })
    const completedAt = new Date()
    const progress = (enrollmentId: string, userId: string, lessonId: string) => ({
      enrollmentId,
      lessonId,
      userId,
      orgId: t.orgA,
      completedAt,
    })
    await t.db
      .insert(lessonProgress)
      .values([
        ...lessonIds.map((l) => progress(eDone.id, done.userId, l)),
        progress(eHalf.id, half.userId, lessonIds[0]!),
        progress(eRevoked.id, revoked.userId, lessonIds[0]!),
      ])
    const quizId = newId('quz')
    await t.db.insert(quizzes).values({ id: quizId, courseId, orgId: t.orgA, title: 'Check-in' })
    const attempt = (userId: string, enrollmentId: string, no: number, score: number, passed: boolean) => ({
      id: newId('att'),
      orgId: t.orgA,
      quizId,
      courseId,
      enrollmentId,
      userId,
      attemptNo: no,
      questions: [],
      status: 'submitted',
      score,
      maxScore: 10,
      passed,
    })
    await t.db
      .insert(quizAttempts)
      .values([
        attempt(done.userId, eDone.id, 1, 4, false),
        attempt(done.userId, eDone.id, 2, 9, true),
        attempt(half.userId, eHalf.id, 1, 8, true),
        { ...attempt(half.userId, eHalf.id, 2, 0, false), status: 'in_progress', score: null, passed: null },
      ])
    const assignmentId = newId('asg')
    await t.db.insert(assignments).values({ id: assignmentId, courseId, orgId: t.orgA, title: 'Essay' })
    const submission = (userId: string, enrollmentId: string, no: number, extra = {}) => ({
      id: newId('sub'),
      assignmentId,
      courseId,
      orgId: t.orgA,
      enrollmentId,
      userId,
      attemptNo: no,
      ...extra,
    })
    await t.db
      .insert(submissions)
      .values([
        submission(done.userId, eDone.id, 1, { status: 'graded', score: 8 }),
        submission(half.userId, eHalf.id, 1, { late: true }),
      ])
  })
  afterAll(async () => t.close())

  describe('happy', () => {
    it('counts enrollments, drop-off per lesson, quiz results and the grading backlog', async () => {
      const res = await t.call(owner, 'GET', url(courseId))
      expect(res.statusCode).toBe(200)
      const body = res.json()
      expect(body.publishedVersion).toBe(1)
      expect(body.enrollments).toEqual({
        total: 4,
        active: 2,
        completed: 1,
        revoked: 1,
        activeLast7Days: 2,
        averageProgress: 44.3,
        completionRate: 0.333,
        bySource: { grant: 2, order: 1, free: 1 },
      })
      // Revoked learners do not count in the funnel; rates are over the 3 non-revoked enrollments.
      expect(body.lessons.map((l: { completed: number }) => l.completed)).toEqual([2, 1, 1])
      expect(body.lessons[0]).toMatchObject({ lessonId: lessonIds[0], type: 'text', completionRate: 0.667 })
      expect(body.quizzes).toEqual([
        expect.objectContaining({
          title: 'Check-in',
          attempts: 3,
          learners: 2,
          averageScore: 0.7,
          passRate: 0.667,
        }),
      ])
      expect(body.assignments).toEqual([
        expect.objectContaining({ title: 'Essay', submissions: 2, awaitingGrade: 1, late: 1 }),
      ])
    })

    it('a co-instructor and an org admin see it too', async () => {
      const admin = t.user(['org_admin'])
      expect((await t.call(admin, 'GET', url(courseId))).statusCode).toBe(200)
    })
  })

  describe('errors', () => {
    it('an unknown course is a 404', async () => {
      const res = await t.call(owner, 'GET', url(newId('crs')))
      expect(res.statusCode).toBe(404)
      expect(res.headers['content-type']).toContain('application/problem+json')
    })
    it('a malformed course id is a 400', async () => {
      expect((await t.call(owner, 'GET', url('crs_nope'))).statusCode).toBe(400)
    })
  })

  describe('security', () => {
    it('anonymous → 401, learners → 403', async () => {
      expect((await t.call(null, 'GET', url(courseId))).statusCode).toBe(401)
      expect((await t.call(t.user(['learner']), 'GET', url(courseId))).statusCode).toBe(403)
    })
    it('another instructor of the same org → 404', async () => {
      expect((await t.call(t.user(['instructor']), 'GET', url(courseId))).statusCode).toBe(404)
    })
    it('an org admin of another organization → 404', async () => {
      expect((await t.call(t.user(['org_admin'], t.orgB), 'GET', url(courseId))).statusCode).toBe(404)
    })
  })
})
