import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { newId, sql } from '@learnmesh/kernel'
import { createTestLearning, type TestLearning, type TestUser } from '../test-helpers.ts'
import { heartbeatBufferOf } from './progress.routes.ts'

let t: TestLearning
beforeAll(async () => {
  // The timer never fires during a test: flushes happen when a test asks (or at the batch size).
  t = await createTestLearning({ env: { HEARTBEAT_FLUSH_MS: '10000', HEARTBEAT_BATCH_MAX: '1000' } })
})
afterAll(() => t.close())

const buffer = () => heartbeatBufferOf(t.app)!

/** Text → video (needs the text) → quiz: the usual small course, with the learner enrolled. */
async function course(extra: Parameters<TestLearning['enroll']>[2] = {}) {
  const owner = t.user(['instructor'])
  const c = await t.publishedCourse(owner, {
    sections: [{ lessons: [{ type: 'text' }, { type: 'video', durationSeconds: 600 }, { type: 'quiz' }] }],
  })
  const [text, video, quiz] = c.lessonIds as [string, string, string]
  // Lock the video behind the text in the published snapshot.
  c.snapshot.sections[0]!.lessons[1]!.prerequisiteIds = [text]
  await t.database.query(
    sql`update learning.course_versions set snapshot = ${JSON.stringify(c.snapshot)}::jsonb where course_id = ${c.courseId}`,
  )
  const learner = t.user()
  const enrollment = await t.enroll(learner, c.courseId, extra)
  return { ...c, owner, learner, enrollment, text, video, quiz }
}

async function progressRows(enrollmentId: string) {
  return t.database.query<{
    lesson_id: string
    position_seconds: number
    max_position_seconds: number
    completed_at: Date | null
  }>(
    sql`select lesson_id, position_seconds, max_position_seconds, completed_at from learning.lesson_progress where enrollment_id = ${enrollmentId} order by lesson_id`,
  )
}
const beat = (u: TestUser, courseId: string, lessonId: string, positionSeconds: number) =>
  t.call(u, 'POST', '/progress/heartbeats', { courseId, lessonId, positionSeconds })

describe('happy', () => {
  it('the outline shows lesson states, locks, percentage and resume point; completing a text unlocks the video', async () => {
    const c = await course()
    const before = await t.call(c.learner, 'GET', `/learn/courses/${c.courseId}`)
    expect(before.statusCode).toBe(200)
    const lessons = before.json().sections[0].lessons
    expect(before.json()).toMatchObject({
      enrollmentId: c.enrollment.id,
      version: 1,
      progressPercent: 0,
      resume: null,
    })
    expect(lessons[1]).toMatchObject({ id: c.video, locked: true, missingPrerequisiteIds: [c.text] })

    const done = await t.call(c.learner, 'POST', `/learn/courses/${c.courseId}/lessons/${c.text}/complete`)
    expect(done.statusCode).toBe(200)
    expect(done.json()).toEqual({
      lessonId: c.text,
      changed: true,
      progressPercent: 33,
      courseCompleted: false,
    })
    const again = await t.call(c.learner, 'POST', `/learn/courses/${c.courseId}/lessons/${c.text}/complete`)
    expect(again.json().changed).toBe(false)
    expect(
      (await t.events('learning.progress.updated')).filter((e) => e.payload.enrollmentId === c.enrollment.id),
    ).toHaveLength(1)

    const after = (await t.call(c.learner, 'GET', `/learn/courses/${c.courseId}`)).json()
    expect(after.progressPercent).toBe(33)
    expect(after.resume).toEqual({ lessonId: c.text, positionSeconds: 0 })
    expect(after.sections[0].lessons[0]).toMatchObject({ completed: true })
    expect(after.sections[0].lessons[1]).toMatchObject({ locked: false, missingPrerequisiteIds: [] })
  })

  it('returns lesson content; quiz lessons carry only the quiz id', async () => {
    const c = await course()
    const text = await t.call(c.learner, 'GET', `/learn/courses/${c.courseId}/lessons/${c.text}`)
    expect(text.statusCode).toBe(200)
    expect(text.json()).toMatchObject({ type: 'text', content: { type: 'text', markdown: '# Hello' } })
    const quiz = await t.call(c.learner, 'GET', `/learn/courses/${c.courseId}/lessons/${c.quiz}`)
    expect(quiz.statusCode).toBe(200)
    expect(Object.keys(quiz.json().content).sort()).toEqual(['quizId', 'type'])
  })

  it('completing every lesson completes the course (learning.course.completed)', async () => {
    const owner = t.user(['instructor'])
    const { courseId, lessonIds } = await t.publishedCourse(owner, {
      sections: [{ lessons: [{ type: 'text' }, { type: 'resource' }] }],
    })
    const learner = t.user()
    const e = await t.enroll(learner, courseId)
    await t.call(learner, 'POST', `/learn/courses/${courseId}/lessons/${lessonIds[0]}/complete`)
    const last = await t.call(learner, 'POST', `/learn/courses/${courseId}/lessons/${lessonIds[1]}/complete`)
    expect(last.json()).toMatchObject({ progressPercent: 100, courseCompleted: true })
    const completed = (await t.events('learning.course.completed')).filter(
      (x) => x.payload.enrollmentId === e.id,
    )
    expect(completed).toHaveLength(1)
    const mine = (await t.call(learner, 'GET', `/enrollments/${e.id}`)).json()
    expect(mine).toMatchObject({ status: 'completed', progressPercent: 100 })
  })

  it('many heartbeats become ONE statement: coalesced per (enrollment, lesson), greatest max, latest position, resume point', async () => {
    const learners = await Promise.all([course(), course(), course()])
    for (const c of learners)
      await t.call(c.learner, 'POST', `/learn/courses/${c.courseId}/lessons/${c.text}/complete`)
    await buffer().flush()
    const execute = vi.spyOn(t.db, 'execute')
    const statsBefore = buffer().stats()
    let sent = 0
    for (const c of learners) {
      for (const p of [10, 20, 120, 30]) {
        const res = await beat(c.learner, c.courseId, c.video, p)
        expect(res.statusCode).toBe(202)
        sent++
      }
    }
    expect(buffer().size()).toBe(3)
    expect(await progressRows(learners[0]!.enrollment.id)).toHaveLength(1) // only the text: nothing written yet
    await buffer().flush()
    const flushes = execute.mock.calls.filter((call) =>
      JSON.stringify(call).includes('insert into learning.lesson_progress'),
    )
    execute.mockRestore()
    expect(flushes).toHaveLength(1)
    const stats = buffer().stats()
    expect(stats.accepted - statsBefore.accepted).toBe(sent)
    expect(stats.statements - statsBefore.statements).toBe(1)
    expect(stats.rows - statsBefore.rows).toBe(3)
    for (const c of learners) {
      const row = (await progressRows(c.enrollment.id)).find((r) => r.lesson_id === c.video)
      expect(row).toMatchObject({ position_seconds: 30, max_position_seconds: 120, completed_at: null })
      const outline = (await t.call(c.learner, 'GET', `/learn/courses/${c.courseId}`)).json()
      expect(outline.resume).toEqual({ lessonId: c.video, positionSeconds: 30 })
    }
    // A later, lower max never lowers the stored one.
    await beat(learners[0]!.learner, learners[0]!.courseId, learners[0]!.video, 5)
    await buffer().flush()
    const row = (await progressRows(learners[0]!.enrollment.id)).find(
      (r) => r.lesson_id === learners[0]!.video,
    )
    expect(row).toMatchObject({ position_seconds: 5, max_position_seconds: 120 })
  })

  it('a video completes after the flush that carries it past the threshold', async () => {
    const c = await course()
    await t.call(c.learner, 'POST', `/learn/courses/${c.courseId}/lessons/${c.text}/complete`)
    await beat(c.learner, c.courseId, c.video, 539) // 0.9 × 600 = 540
    await buffer().flush()
    expect(
      (await progressRows(c.enrollment.id)).find((r) => r.lesson_id === c.video)?.completed_at,
    ).toBeNull()
    await beat(c.learner, c.courseId, c.video, 541)
    // Not per request: nothing completes before the flush.
    expect(
      (await progressRows(c.enrollment.id)).find((r) => r.lesson_id === c.video)?.completed_at,
    ).toBeNull()
    await buffer().flush()
    expect(
      (await progressRows(c.enrollment.id)).find((r) => r.lesson_id === c.video)?.completed_at,
    ).not.toBeNull()
    const updates = (await t.events('learning.progress.updated')).filter(
      (e) => e.payload.enrollmentId === c.enrollment.id && e.payload.lessonId === c.video,
    )
    expect(updates).toHaveLength(1)
    expect(updates[0]!.payload.progressPercent).toBe(66)
  })

  it('the batch size triggers a flush without waiting for the timer', async () => {
    const small = await createTestLearning({ env: { HEARTBEAT_FLUSH_MS: '10000', HEARTBEAT_BATCH_MAX: '2' } })
    try {
      const owner = small.user(['instructor'])
      const { courseId, lessonIds } = await small.publishedCourse(owner, {
        sections: [{ lessons: [{ type: 'video' }, { type: 'video' }] }],
      })
      const learner = small.user()
      const e = await small.enroll(learner, courseId)
      for (const l of lessonIds)
        await small.call(learner, 'POST', '/progress/heartbeats', {
          courseId,
          lessonId: l,
          positionSeconds: 7,
        })
      await vi.waitFor(async () => {
        const rows = await small.database.query(
          sql`select 1 from learning.lesson_progress where enrollment_id = ${e.id}`,
        )
        expect(rows).toHaveLength(2)
      })
      expect(heartbeatBufferOf(small.app)!.stats().statements).toBe(1)
    } finally {
      await small.close()
    }
  })

  it('buffered positions are written when the app closes', async () => {
    const other = await createTestLearning({ env: { HEARTBEAT_FLUSH_MS: '10000' } })
    const owner = other.user(['instructor'])
    const { courseId, lessonIds } = await other.publishedCourse(owner)
    const learner = other.user()
    const e = await other.enroll(learner, courseId)
    const res = await other.call(learner, 'POST', '/progress/heartbeats', {
      courseId,
      lessonId: lessonIds[1],
      positionSeconds: 42,
    })
    expect(res.statusCode).toBe(202)
    await other.app.close()
    const rows = await other.database.query<{ max_position_seconds: number }>(
      sql`select max_position_seconds from learning.lesson_progress where enrollment_id = ${e.id}`,
    )
    await other.database.close()
    expect(rows).toEqual([{ max_position_seconds: 42 }])
  })
})

describe('errors', () => {
  it('a lesson outside the enrolled version is a 404; a locked one is a 403 naming what is missing', async () => {
    const c = await course()
    const other = await course()
    expect(
      (await t.call(c.learner, 'GET', `/learn/courses/${c.courseId}/lessons/${other.text}`)).statusCode,
    ).toBe(404)
    expect(
      (await t.call(c.learner, 'GET', `/learn/courses/${c.courseId}/lessons/${newId('les')}`)).statusCode,
    ).toBe(404)
    const locked = await t.call(c.learner, 'GET', `/learn/courses/${c.courseId}/lessons/${c.video}`)
    expect(locked.statusCode).toBe(403)
    expect(locked.json().missingPrerequisiteIds).toEqual([c.text])
    expect(locked.json().detail).toMatch(/Complete these lessons first/)
  })

  it('video and quiz lessons do not complete through /complete (409), nothing changes', async () => {
    const c = await course()
    await t.call(c.learner, 'POST', `/learn/courses/${c.courseId}/lessons/${c.text}/complete`)
    const video = await t.call(c.learner, 'POST', `/learn/courses/${c.courseId}/lessons/${c.video}/complete`)
    expect(video.statusCode).toBe(409)
    const quiz = await t.call(c.learner, 'POST', `/learn/courses/${c.courseId}/lessons/${c.quiz}/complete`)
    expect(quiz.statusCode).toBe(409)
    expect((await progressRows(c.enrollment.id)).map((r) => r.lesson_id)).toEqual([c.text])
  })

  it('bad heartbeats are 4xx and nothing is buffered', async () => {
    const c = await course()
    const other = await course()
    await buffer().flush()
    const before = buffer().stats().accepted
    const cases: [number, Promise<{ statusCode: number }>][] = [
      [400, beat(c.learner, c.courseId, c.video, -1)],
      [422, beat(c.learner, c.courseId, c.video, 6000)],
      [404, beat(c.learner, c.courseId, other.video, 10)], // a lesson of another course
      [422, beat(c.learner, c.courseId, c.text, 10)], // not a video
      [404, beat(t.user(), c.courseId, c.video, 10)], // not enrolled
      [404, beat(c.learner, other.courseId, other.video, 10)], // not enrolled in that course
      [400, t.call(c.learner, 'POST', '/progress/heartbeats', { courseId: c.courseId, lessonId: c.video })],
      [
        400,
        t.call(c.learner, 'POST', '/progress/heartbeats', {
          courseId: c.courseId,
          lessonId: c.video,
          positionSeconds: 1,
          extra: true,
        }),
      ],
    ]
    for (const [status, res] of cases) expect((await res).statusCode).toBe(status)
    expect(buffer().size()).toBe(0)
    expect(buffer().stats().accepted).toBe(before)
  })
})

describe('security', () => {
  it("another organization's token sees no enrollment (404) and cannot write progress", async () => {
    const c = await course()
    const sameUserOtherOrg: TestUser = { ...c.learner, orgId: t.orgB }
    expect((await t.call(sameUserOtherOrg, 'GET', `/learn/courses/${c.courseId}`)).statusCode).toBe(404)
    expect(
      (await t.call(sameUserOtherOrg, 'POST', `/learn/courses/${c.courseId}/lessons/${c.text}/complete`))
        .statusCode,
    ).toBe(404)
    expect((await beat(sameUserOtherOrg, c.courseId, c.video, 5)).statusCode).toBe(404)
    expect(await progressRows(c.enrollment.id)).toHaveLength(0)
  })

  it('revoked, expired and not-yet-started-cohort enrollments get 403 on content, completion and heartbeats', async () => {
    const revoked = await course({ status: 'revoked', revokedAt: new Date() })
    const expired = await course({ expiresAt: new Date(Date.now() - 1000) })
    const cohortCourse = await course()
    const cohort = (
      await t.call(cohortCourse.owner, 'POST', `/courses/${cohortCourse.courseId}/cohorts`, {
        name: 'Later',
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      })
    ).json()
    await t.database.query(
      sql`update learning.enrollments set cohort_id = ${cohort.id} where id = ${cohortCourse.enrollment.id}`,
    )
    for (const c of [revoked, expired, cohortCourse]) {
      const outline = await t.call(c.learner, 'GET', `/learn/courses/${c.courseId}`)
      expect(outline.statusCode).toBe(403)
      expect(
        (await t.call(c.learner, 'GET', `/learn/courses/${c.courseId}/lessons/${c.text}`)).statusCode,
      ).toBe(403)
      expect(
        (await t.call(c.learner, 'POST', `/learn/courses/${c.courseId}/lessons/${c.text}/complete`))
          .statusCode,
      ).toBe(403)
      expect((await beat(c.learner, c.courseId, c.video, 5)).statusCode).toBe(403)
      expect(await progressRows(c.enrollment.id)).toHaveLength(0)
    }
    const cohortOutline = await t.call(cohortCourse.learner, 'GET', `/learn/courses/${cohortCourse.courseId}`)
    expect(cohortOutline.json().detail).toMatch(/cohort starts/)
  })

  it('positions buffered before a revocation are not written for the revoked enrollment', async () => {
    const c = await course()
    expect((await beat(c.learner, c.courseId, c.video, 50)).statusCode).toBe(202)
    await t.database.query(
      sql`update learning.enrollments set status = 'revoked', revoked_at = now() where id = ${c.enrollment.id}`,
    )
    await buffer().flush()
    expect(await progressRows(c.enrollment.id)).toHaveLength(0)
  })

  it('anonymous heartbeats are 401', async () => {
    const c = await course()
    const res = await t.call(null, 'POST', '/progress/heartbeats', {
      courseId: c.courseId,
      lessonId: c.video,
      positionSeconds: 1,
    })
    expect(res.statusCode).toBe(401)
  })
})
