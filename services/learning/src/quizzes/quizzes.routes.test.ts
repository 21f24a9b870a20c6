import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { createJobRunner, sql } from '@learnmesh/kernel'
import { createTestLearning, type TestLearning, type TestUser } from '../test-helpers.ts'
import type { QuizContent } from '../shared/snapshot.ts'
import { learningJobs } from '../jobs.ts'

let t: TestLearning
beforeAll(async () => {
  t = await createTestLearning()
})
afterAll(() => t.close())

// Sentinels that only the keys and explanations contain: a learner response holding one leaks a key.
const SECRET_TEXT = 'zanzibar-key'
const SECRET_NUMBER = 31415.9
const SECRET_EXPLANATION = 'EXPLANATION-SENTINEL'
const KEY_FIELDS = ['"optionIds"', '"accepted"', '"tolerance"', '"explanation"', '"correctAnswer"', '"exact"']

function expectNoKeys(raw: string) {
  for (const s of [SECRET_TEXT, String(SECRET_NUMBER), SECRET_EXPLANATION, ...KEY_FIELDS])
    expect(raw, `leaked ${s}`).not.toContain(s)
}

/** One question of every type (keys carry the sentinels). */
const BANK = [
  {
    type: 'single_choice',
    prompt: 'Pick A',
    options: [
      { id: 'a', text: 'A' },
      { id: 'b', text: 'B' },
      { id: 'c', text: 'C' },
    ],
    answer: { optionIds: ['a'] },
    explanation: `${SECRET_EXPLANATION} 1`,
    points: 2,
    tags: ['basics'],
  },
  {
    type: 'multiple_choice',
    prompt: 'Pick A and B',
    options: [
      { id: 'a', text: 'A' },
      { id: 'b', text: 'B' },
      { id: 'c', text: 'C' },
      { id: 'd', text: 'D' },
    ],
    answer: { optionIds: ['a', 'b'] },
    explanation: `${SECRET_EXPLANATION} 2`,
    points: 2,
    tags: ['basics'],
  },
  { type: 'true_false', prompt: 'True?', answer: { value: true }, explanation: `${SECRET_EXPLANATION} 3` },
  {
    type: 'numeric',
    prompt: 'The number?',
    answer: { value: SECRET_NUMBER, tolerance: 0.05 },
    explanation: `${SECRET_EXPLANATION} 4`,
  },
  {
    type: 'short_text',
    prompt: 'The word?',
    answer: { accepted: [SECRET_TEXT] },
    explanation: `${SECRET_EXPLANATION} 5`,
  },
] as const

/** Right answers, by bank index. */
const RIGHT: unknown[] = ['a', ['b', 'a'], true, SECRET_NUMBER + 0.05, `  ${SECRET_TEXT.toUpperCase()} `]

interface Fixture {
  owner: TestUser
  learner: TestUser
  courseId: string
  quizId: string
  quizLessonId: string
  textLessonId: string
  enrollmentId: string
  questionIds: string[]
}

/**
 * A published course [text lesson, quiz lesson] with a bank of one question per type and a quiz
 * on the quiz lesson; a learner enrolled. The quiz lesson requires the text lesson when `prereq`.
 */
async function setup(
  opts: { prereq?: boolean; quiz?: Record<string, unknown>; extraBank?: number } = {},
): Promise<Fixture> {
  const owner = t.user(['instructor'])
  const c = await t.publishedCourse(owner, {
    sections: [
      { lessons: [{ type: 'text' }, { type: 'quiz', prerequisiteIds: opts.prereq ? ['PREREQ'] : [] }] },
    ],
  })
  const placeholder = (c.snapshot.sections[0]!.lessons[1]!.content as QuizContent).quizId
  const questionIds: string[] = []
  for (const q of BANK) {
    const res = await t.call(owner, 'POST', `/courses/${c.courseId}/questions`, q)
    expect(res.statusCode, res.body).toBe(201)
    questionIds.push(res.json().id)
  }
  for (let i = 0; i < (opts.extraBank ?? 0); i++) {
    const res = await t.call(owner, 'POST', `/courses/${c.courseId}/questions`, {
      type: 'single_choice',
      prompt: `Extra ${i}`,
      options: ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, text: id.toUpperCase() })),
      answer: { optionIds: ['a'] },
      tags: ['extra'],
    })
    expect(res.statusCode).toBe(201)
  }
  const quiz = await t.call(owner, 'POST', `/courses/${c.courseId}/quizzes`, {
    title: 'Checkpoint',
    questionIds,
    passPercent: 60,
    ...opts.quiz,
  })
  expect(quiz.statusCode, quiz.body).toBe(201)
  const quizId = quiz.json().id as string
  // Point the published quiz lesson at the real quiz (and its prerequisite at the text lesson).
  await t.database.query(
    sql`update learning.course_versions set snapshot = replace(replace(snapshot::text, ${placeholder}, ${quizId}), 'PREREQ', ${c.lessonIds[0]!})::jsonb where course_id = ${c.courseId}`,
  )
  const learner = t.user()
  const enrollment = await t.enroll(learner, c.courseId)
  return {
    owner,
    learner,
    courseId: c.courseId,
    quizId,
    quizLessonId: c.lessonIds[1]!,
    textLessonId: c.lessonIds[0]!,
    enrollmentId: enrollment.id,
    questionIds,
  }
}

async function start(f: Fixture, who: TestUser = f.learner) {
  return t.call(who, 'POST', `/quizzes/${f.quizId}/attempts`)
}
async function answersCount(attemptId: string): Promise<number> {
  const rows = await t.database.query<{ n: number }>(
    sql`select count(*)::int as n from learning.attempt_answers where attempt_id = ${attemptId}`,
  )
  return rows[0]!.n
}
async function attemptRow(attemptId: string) {
  const rows = await t.database.query<{ status: string; score: number | null }>(
    sql`select status, score from learning.quiz_attempts where id = ${attemptId}`,
  )
  return rows[0]
}

describe('happy', () => {
  it('editors build a bank of every question type, list it with keys, update and archive', async () => {
    const f = await setup()
    const list = await t.call(f.owner, 'GET', `/courses/${f.courseId}/questions`)
    expect(list.statusCode).toBe(200)
    expect(list.json().items.map((q: { type: string }) => q.type)).toEqual(BANK.map((q) => q.type))
    expect(list.json().items[3].answer).toEqual({ value: SECRET_NUMBER, tolerance: 0.05 })
    expect(list.json().items[4].answer).toEqual({ accepted: [SECRET_TEXT], exact: false })

    const [sc] = f.questionIds
    const patched = await t.call(f.owner, 'PATCH', `/courses/${f.courseId}/questions/${sc}`, {
      answer: { optionIds: ['c'] },
      points: 5,
    })
    expect(patched.statusCode, patched.body).toBe(200)
    expect(patched.json()).toMatchObject({ answer: { optionIds: ['c'] }, points: 5 })
    // Changing the type to true_false drops the options when none are given.
    const retyped = await t.call(f.owner, 'PATCH', `/courses/${f.courseId}/questions/${sc}`, {
      type: 'true_false',
      answer: { value: false },
    })
    expect(retyped.json()).toMatchObject({ type: 'true_false', options: [], answer: { value: false } })

    const archived = await t.call(f.owner, 'POST', `/courses/${f.courseId}/questions/${sc}/archive`)
    expect(archived.json().archivedAt).not.toBeNull()
    const active = await t.call(f.owner, 'GET', `/courses/${f.courseId}/questions?tag=basics`)
    expect(active.json().items.map((q: { id: string }) => q.id)).toEqual([f.questionIds[1]])
    const all = await t.call(f.owner, 'GET', `/courses/${f.courseId}/questions?includeArchived=true&limit=2`)
    expect(all.json().items).toHaveLength(2)
    expect(all.json().nextCursor).toBe(all.json().items[1].id)
    const restored = await t.call(f.owner, 'POST', `/courses/${f.courseId}/questions/${sc}/restore`)
    expect(restored.json().archivedAt).toBeNull()
  })

  it('editors see a quiz with its questions and keys, and change it', async () => {
    const f = await setup()
    const res = await t.call(f.owner, 'GET', `/courses/${f.courseId}/quizzes/${f.quizId}`)
    expect(res.statusCode).toBe(200)
    expect(res.json().questions).toHaveLength(5)
    expect(res.json().questions[4].answer.accepted).toEqual([SECRET_TEXT])
    const changed = await t.call(f.owner, 'PATCH', `/courses/${f.courseId}/quizzes/${f.quizId}`, {
      drawCount: 3,
      drawTags: [],
      timeLimitSeconds: 600,
      maxAttempts: 3,
    })
    expect(changed.statusCode, changed.body).toBe(200)
    expect(changed.json()).toMatchObject({
      questionIds: [],
      drawCount: 3,
      timeLimitSeconds: 600,
      maxAttempts: 3,
    })
    const list = await t.call(f.owner, 'GET', `/courses/${f.courseId}/quizzes`)
    expect(list.json().items.map((q: { id: string }) => q.id)).toEqual([f.quizId])
  })

  it('a learner starts, resumes, saves every type, submits, passes, and the quiz lesson completes', async () => {
    const f = await setup()
    const summary = await t.call(f.learner, 'GET', `/quizzes/${f.quizId}`)
    expect(summary.statusCode, summary.body).toBe(200)
    expect(summary.json()).toMatchObject({
      questionCount: 5,
      attemptsUsed: 0,
      unlocked: true,
      lessonId: f.quizLessonId,
    })

    const started = await start(f)
    expect(started.statusCode, started.body).toBe(201)
    const attempt = started.json()
    expect(attempt.questions.map((q: { id: string }) => q.id)).toEqual(f.questionIds)
    expect(attempt).toMatchObject({
      status: 'in_progress',
      attemptNo: 1,
      deadlineAt: null,
      score: null,
      feedback: null,
    })
    const again = await start(f)
    expect(again.statusCode).toBe(200)
    expect(again.json().id).toBe(attempt.id)

    for (const [i, qid] of f.questionIds.entries()) {
      const saved = await t.call(f.learner, 'PUT', `/attempts/${attempt.id}/answers/${qid}`, {
        answer: RIGHT[i],
      })
      expect(saved.statusCode, saved.body).toBe(200)
    }
    // Answers can be changed until submission.
    await t.call(f.learner, 'PUT', `/attempts/${attempt.id}/answers/${f.questionIds[2]}`, { answer: false })
    await t.call(f.learner, 'PUT', `/attempts/${attempt.id}/answers/${f.questionIds[2]}`, { answer: true })
    const resumed = await t.call(f.learner, 'GET', `/attempts/${attempt.id}`)
    expect(resumed.json().answers[f.questionIds[2]!]).toBe(true)
    expect(Object.keys(resumed.json().answers)).toHaveLength(5)

    const submitted = await t.call(f.learner, 'POST', `/attempts/${attempt.id}/submit`)
    expect(submitted.statusCode, submitted.body).toBe(200)
    const result = submitted.json()
    expect(result).toMatchObject({ status: 'submitted', score: 7, maxScore: 7, passed: true })
    expect(result.feedback).toHaveLength(5)
    expect(result.feedback[4]).toMatchObject({
      correct: true,
      earned: 1,
      correctAnswer: { accepted: [SECRET_TEXT], exact: false },
      explanation: `${SECRET_EXPLANATION} 5`,
    })

    const progress = await t.database.query<{ completed_at: Date | null }>(
      sql`select completed_at from learning.lesson_progress where enrollment_id = ${f.enrollmentId} and lesson_id = ${f.quizLessonId}`,
    )
    expect(progress[0]?.completed_at).toBeTruthy()
    const graded = (await t.events('learning.quiz.graded')).filter((e) => e.payload.attemptId === attempt.id)
    expect(graded).toEqual([
      {
        type: 'learning.quiz.graded',
        payload: expect.objectContaining({ score: 7, maxScore: 7, passed: true, userId: f.learner.userId }),
      },
    ])
    const updated = (await t.events('learning.progress.updated')).filter(
      (e) => e.payload.enrollmentId === f.enrollmentId,
    )
    expect(updated).toHaveLength(1)

    const mine = await t.call(f.learner, 'GET', `/quizzes/${f.quizId}/attempts`)
    expect(mine.json().items).toEqual([expect.objectContaining({ id: attempt.id, score: 7, passed: true })])
    const roster = await t.call(f.owner, 'GET', `/courses/${f.courseId}/quiz-attempts?quizId=${f.quizId}`)
    expect(roster.json().items).toEqual([
      expect.objectContaining({
        id: attempt.id,
        userId: f.learner.userId,
        score: 7,
        maxScore: 7,
        passed: true,
      }),
    ])
    const after = await t.call(f.learner, 'GET', `/quizzes/${f.quizId}`)
    expect(after.json()).toMatchObject({
      attemptsUsed: 1,
      bestPercent: 100,
      passed: true,
      inProgressAttemptId: null,
    })
  })

  it('grades wrong and partial answers: a failing attempt completes nothing', async () => {
    const f = await setup({ quiz: { passPercent: 80 } })
    const attempt = (await start(f)).json()
    const given: unknown[] = ['b', ['a', 'c', 'd'], false, SECRET_NUMBER + 0.051, 'zanzibar key']
    for (const [i, qid] of f.questionIds.entries())
      await t.call(f.learner, 'PUT', `/attempts/${attempt.id}/answers/${qid}`, { answer: given[i] })
    const result = (await t.call(f.learner, 'POST', `/attempts/${attempt.id}/submit`)).json()
    expect(result).toMatchObject({ score: 0, maxScore: 7, passed: false })
    expect(result.feedback.map((x: { correct: boolean }) => x.correct)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ])
    const progress = await t.database.query(
      sql`select 1 from learning.lesson_progress where enrollment_id = ${f.enrollmentId}`,
    )
    expect(progress).toHaveLength(0)
    // Multiple choice partial credit: one right pick of two on a 2-point question = 1 point.
    const second = (await start(f)).json()
    await t.call(f.learner, 'PUT', `/attempts/${second.id}/answers/${f.questionIds[1]}`, { answer: ['a'] })
    const partial = (await t.call(f.learner, 'POST', `/attempts/${second.id}/submit`)).json()
    expect(partial.feedback[1]).toMatchObject({ earned: 1, points: 2, correct: false, answered: true })
    expect(partial.feedback[0]).toMatchObject({ earned: 0, answered: false, yourAnswer: null })
  })

  it('random draws and shuffles are frozen per attempt and differ across attempts', async () => {
    const f = await setup({
      extraBank: 25,
      quiz: {
        questionIds: undefined,
        drawCount: 8,
        drawTags: ['extra'],
        shuffleQuestions: true,
        shuffleOptions: true,
      },
    })
    const orders: string[] = []
    for (let i = 0; i < 3; i++) {
      const a = (await start(f)).json()
      expect(a.questions).toHaveLength(8)
      const order = JSON.stringify(
        a.questions.map((q: { id: string; options: { id: string }[] }) => [q.id, q.options.map((o) => o.id)]),
      )
      const reread = (await t.call(f.learner, 'GET', `/attempts/${a.id}`)).json()
      expect(
        JSON.stringify(
          reread.questions.map((q: { id: string; options: { id: string }[] }) => [
            q.id,
            q.options.map((o) => o.id),
          ]),
        ),
      ).toBe(order)
      // Only questions carrying a draw tag are drawn.
      for (const q of a.questions) expect(f.questionIds).not.toContain(q.id)
      orders.push(order)
      await t.call(f.learner, 'POST', `/attempts/${a.id}/submit`)
    }
    expect(new Set(orders).size).toBe(3)
  })

  it('a quiz lesson stays locked until its prerequisites are complete', async () => {
    const f = await setup({ prereq: true })
    const locked = await start(f)
    expect(locked.statusCode).toBe(403)
    expect(locked.json().missingLessonIds).toEqual([f.textLessonId])
    expect((await t.call(f.learner, 'GET', `/quizzes/${f.quizId}`)).json().unlocked).toBe(false)
    await t.database.query(
      sql`insert into learning.lesson_progress (enrollment_id, lesson_id, org_id, user_id, completed_at) values (${f.enrollmentId}, ${f.textLessonId}, ${f.learner.orgId}, ${f.learner.userId}, now())`,
    )
    expect((await start(f)).statusCode).toBe(201)
  })

  it('enforces maxAttempts', async () => {
    const f = await setup({ quiz: { maxAttempts: 2 } })
    for (let i = 0; i < 2; i++) {
      const a = (await start(f)).json()
      expect(a.attemptNo).toBe(i + 1)
      expect((await t.call(f.learner, 'POST', `/attempts/${a.id}/submit`)).statusCode).toBe(200)
    }
    const third = await start(f)
    expect(third.statusCode).toBe(409)
    const rows = await t.database.query(sql`select 1 from learning.quiz_attempts where quiz_id = ${f.quizId}`)
    expect(rows).toHaveLength(2)
  })

  it('a timed attempt has a server deadline and schedules its expiry job', async () => {
    const f = await setup({ quiz: { timeLimitSeconds: 60 } })
    const a = (await start(f)).json()
    expect(new Date(a.deadlineAt).getTime() - new Date(a.startedAt).getTime()).toBe(60_000)
    expect(a.graceSeconds).toBe(t.config.QUIZ_GRACE_SECONDS)
    const jobs = await t.database.query<{ run_at: Date; payload: { attemptId: string } }>(
      sql`select run_at, payload from learning.jobs where name = 'learning.quiz_attempt.expire' and key = ${a.id}`,
    )
    expect(jobs).toHaveLength(1)
    expect(new Date(jobs[0]!.run_at).getTime()).toBe(
      new Date(a.deadlineAt).getTime() + (t.config.QUIZ_GRACE_SECONDS + 1) * 1000,
    )
  })
})

describe('errors', () => {
  async function bankCount(courseId: string) {
    return (
      await t.database.query<{ n: number }>(
        sql`select count(*)::int as n from learning.questions where course_id = ${courseId}`,
      )
    )[0]!.n
  }

  it('rejects malformed questions with 400 and creates nothing', async () => {
    const f = await setup()
    const before = await bankCount(f.courseId)
    const url = `/courses/${f.courseId}/questions`
    const bad: unknown[] = [
      { type: 'single_choice', prompt: 'x', options: [{ id: 'a', text: 'A' }], answer: { optionIds: ['a'] } },
      {
        type: 'single_choice',
        prompt: 'x',
        options: [
          { id: 'a', text: 'A' },
          { id: 'a', text: 'B' },
        ],
        answer: { optionIds: ['a'] },
      },
      {
        type: 'single_choice',
        prompt: 'x',
        options: [
          { id: 'a', text: 'A' },
          { id: 'b', text: 'B' },
        ],
        answer: { optionIds: ['a', 'b'] },
      },
      {
        type: 'multiple_choice',
        prompt: 'x',
        options: [
          { id: 'a', text: 'A' },
          { id: 'b', text: 'B' },
        ],
        answer: { optionIds: ['z'] },
      },
      { type: 'numeric', prompt: 'x', answer: { value: 1, tolerance: -1 } },
      { type: 'numeric', prompt: 'x', answer: { value: '1' } },
      { type: 'true_false', prompt: 'x', answer: { value: 'yes' } },
      { type: 'short_text', prompt: 'x', answer: { accepted: [] } },
      { type: 'true_false', prompt: 'x', answer: { value: true }, points: 0 },
      { type: 'true_false', prompt: 'x', answer: { value: true }, points: 101 },
      { type: 'essay', prompt: 'x', answer: {} },
      { type: 'true_false', prompt: 'x', answer: { value: true }, admin: true },
    ]
    for (const body of bad) {
      const res = await t.call(f.owner, 'POST', url, body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.headers['content-type']).toContain('application/problem+json')
    }
    expect(await bankCount(f.courseId)).toBe(before)
    const patch = await t.call(f.owner, 'PATCH', `${url}/${f.questionIds[0]}`, {
      answer: { optionIds: ['nope'] },
    })
    expect(patch.statusCode).toBe(400)
    const q = await t.call(f.owner, 'GET', `${url}/${f.questionIds[0]}`)
    expect(q.json().answer).toEqual({ optionIds: ['a'] })
  })

  it('rejects bad quiz configurations: 400 for shape, 422 when the bank is too small', async () => {
    const f = await setup()
    const url = `/courses/${f.courseId}/quizzes`
    const other = await setup()
    expect((await t.call(f.owner, 'POST', url, { title: 'x' })).statusCode).toBe(400)
    expect(
      (await t.call(f.owner, 'POST', url, { title: 'x', questionIds: [f.questionIds[0]], drawCount: 1 }))
        .statusCode,
    ).toBe(400)
    expect(
      (await t.call(f.owner, 'POST', url, { title: 'x', questionIds: [f.questionIds[0], f.questionIds[0]] }))
        .statusCode,
    ).toBe(400)
    expect(
      (await t.call(f.owner, 'POST', url, { title: 'x', questionIds: [other.questionIds[0]] })).statusCode,
    ).toBe(400)
    expect((await t.call(f.owner, 'POST', url, { title: 'x', drawCount: 6 })).statusCode).toBe(422)
    expect(
      (await t.call(f.owner, 'POST', url, { title: 'x', drawCount: 3, drawTags: ['basics'] })).statusCode,
    ).toBe(422)
    expect(
      (await t.call(f.owner, 'POST', url, { title: 'x', drawCount: 2, timeLimitSeconds: 1 })).statusCode,
    ).toBe(400)
    const quizzes = await t.database.query(
      sql`select 1 from learning.quizzes where course_id = ${f.courseId}`,
    )
    expect(quizzes).toHaveLength(1)
  })

  it('a draw that the bank can no longer fill is a 422 at start and creates no attempt', async () => {
    const f = await setup({ quiz: { questionIds: undefined, drawCount: 5 } })
    await t.call(f.owner, 'POST', `/courses/${f.courseId}/questions/${f.questionIds[0]}/archive`)
    expect((await start(f)).statusCode).toBe(422)
    expect(
      await t.database.query(sql`select 1 from learning.quiz_attempts where quiz_id = ${f.quizId}`),
    ).toHaveLength(0)
  })

  it('answers of the wrong shape are a 400 and save nothing', async () => {
    const f = await setup()
    const a = (await start(f)).json()
    const wrong: [number, unknown][] = [
      [0, ['a']],
      [0, 'zz'],
      [1, 'a'],
      [1, ['a', 'a']],
      [1, ['a', 'x']],
      [2, 'true'],
      [3, '3.14'],
      [3, null],
      [4, 42],
      [4, 'x'.repeat(501)],
    ]
    for (const [i, answer] of wrong) {
      const res = await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[i]}`, { answer })
      expect(res.statusCode, JSON.stringify(answer)).toBe(400)
    }
    expect(
      (await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[0]}`, {})).statusCode,
    ).toBe(400)
    expect(
      (
        await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[0]}`, {
          answer: 'a',
          extra: 1,
        })
      ).statusCode,
    ).toBe(400)
    expect(await answersCount(a.id)).toBe(0)
  })

  it('submitting twice is a 409; saving after submission is a 409 and changes nothing', async () => {
    const f = await setup()
    const a = (await start(f)).json()
    await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[0]}`, { answer: 'a' })
    expect((await t.call(f.learner, 'POST', `/attempts/${a.id}/submit`)).statusCode).toBe(200)
    const events = (await t.events('learning.quiz.graded')).length
    expect((await t.call(f.learner, 'POST', `/attempts/${a.id}/submit`)).statusCode).toBe(409)
    const late = await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[0]}`, {
      answer: 'b',
    })
    expect(late.statusCode).toBe(409)
    const stored = (await t.call(f.learner, 'GET', `/attempts/${a.id}`)).json()
    expect(stored.answers[f.questionIds[0]!]).toBe('a')
    expect(stored.score).toBe(2)
    expect((await t.events('learning.quiz.graded')).length).toBe(events)
  })

  it('after deadline + grace saves are refused (410), nothing is saved, and the attempt is graded as expired', async () => {
    const f = await setup({ quiz: { timeLimitSeconds: 60 } })
    const a = (await start(f)).json()
    await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[0]}`, { answer: 'a' })
    // Within the grace period, saves are still accepted.
    await t.database.query(
      sql`update learning.quiz_attempts set deadline_at = now() - interval '2 seconds' where id = ${a.id}`,
    )
    const inGrace = await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[2]}`, {
      answer: true,
    })
    expect(inGrace.statusCode).toBe(200)
    await t.database.query(
      sql`update learning.quiz_attempts set started_at = now() - interval '2 minutes', deadline_at = now() - interval '1 minute' where id = ${a.id}`,
    )
    await t.database.query(
      sql`update learning.attempt_answers set answered_at = now() - interval '90 seconds' where attempt_id = ${a.id}`,
    )
    const late = await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[1]}`, {
      answer: ['a', 'b'],
    })
    expect(late.statusCode).toBe(410)
    expect(await answersCount(a.id)).toBe(2)
    const graded = (await t.call(f.learner, 'GET', `/attempts/${a.id}`)).json()
    expect(graded).toMatchObject({ status: 'expired', score: 3, maxScore: 7 })
    expect((await t.call(f.learner, 'POST', `/attempts/${a.id}/submit`)).statusCode).toBe(409)
  })

  it('starting again after the time ran out grades the old attempt as expired and starts a new one', async () => {
    const f = await setup({ quiz: { timeLimitSeconds: 60, maxAttempts: 2 } })
    const a = (await start(f)).json()
    await t.database.query(
      sql`update learning.quiz_attempts set started_at = now() - interval '2 hours', deadline_at = now() - interval '1 hour' where id = ${a.id}`,
    )
    const b = await start(f)
    expect(b.statusCode).toBe(201)
    expect(b.json()).toMatchObject({ attemptNo: 2, status: 'in_progress' })
    expect(await attemptRow(a.id)).toEqual({ status: 'expired', score: 0 })
    const mine = (await t.call(f.learner, 'GET', `/quizzes/${f.quizId}/attempts`)).json()
    expect(mine.items.map((x: { status: string }) => x.status)).toEqual(['expired', 'in_progress'])
  })

  it('a late submission grades only the answers saved in time', async () => {
    const f = await setup({ quiz: { timeLimitSeconds: 60 } })
    const a = (await start(f)).json()
    await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[0]}`, { answer: 'a' })
    await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[2]}`, { answer: true })
    // The first answer was saved in time; the second (by manipulation) after deadline + grace.
    await t.database.query(
      sql`update learning.quiz_attempts set started_at = now() - interval '2 hours', deadline_at = now() - interval '1 hour' where id = ${a.id}`,
    )
    await t.database.query(
      sql`update learning.attempt_answers set answered_at = case when question_id = ${f.questionIds[0]} then now() - interval '61 minutes' else now() - interval '30 minutes' end where attempt_id = ${a.id}`,
    )
    const res = await t.call(f.learner, 'POST', `/attempts/${a.id}/submit`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'expired', score: 2 })
    expect(res.json().feedback[2]).toMatchObject({ answered: false, earned: 0 })
  })

  it('the expiry job auto-submits an overdue attempt and ignores a submitted one', async () => {
    const f = await setup({ quiz: { timeLimitSeconds: 30 } })
    const a = (await start(f)).json()
    await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[0]}`, { answer: 'a' })
    await t.database.query(
      sql`update learning.quiz_attempts set started_at = now() - interval '10 minutes', deadline_at = now() - interval '9 minutes' where id = ${a.id}`,
    )
    await t.database.query(
      sql`update learning.attempt_answers set answered_at = now() - interval '591 seconds' where attempt_id = ${a.id}`,
    )
    // A second learner submits in time: their job must change nothing.
    const peer = t.user()
    await t.enroll(peer, f.courseId)
    const b = (await start(f, peer)).json()
    expect((await t.call(peer, 'POST', `/attempts/${b.id}/submit`)).statusCode).toBe(200)
    await t.database.query(
      sql`update learning.jobs set run_at = now() - interval '1 second' where key in (${a.id}, ${b.id})`,
    )
    const runner = createJobRunner({
      database: t.database,
      schema: 'learning',
      handlers: learningJobs(t.deps),
      logger: pino({ level: 'silent' }),
      pollMs: 60_000,
    })
    try {
      await runner.runDue()
    } finally {
      await runner.stop()
    }
    expect(await attemptRow(a.id)).toEqual({ status: 'expired', score: 2 })
    expect(await attemptRow(b.id)).toEqual({ status: 'submitted', score: 0 })
    expect(
      await t.database.query(sql`select 1 from learning.jobs where key in (${a.id}, ${b.id})`),
    ).toHaveLength(0)
    const graded = (await t.events('learning.quiz.graded')).filter(
      (e) => e.payload.attemptId === a.id || e.payload.attemptId === b.id,
    )
    expect(graded).toHaveLength(2)
  })

  it('not enrolled is a 404; a revoked enrollment is a 403 to start, save and submit', async () => {
    const f = await setup()
    const stranger = t.user()
    expect((await start(f, stranger)).statusCode).toBe(404)
    expect((await t.call(stranger, 'GET', `/quizzes/${f.quizId}`)).statusCode).toBe(404)
    const a = (await start(f)).json()
    await t.database.query(
      sql`update learning.enrollments set status = 'revoked' where id = ${f.enrollmentId}`,
    )
    expect(
      (await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[0]}`, { answer: 'a' }))
        .statusCode,
    ).toBe(403)
    expect((await t.call(f.learner, 'POST', `/attempts/${a.id}/submit`)).statusCode).toBe(403)
    expect(await answersCount(a.id)).toBe(0)
    expect((await attemptRow(a.id))!.status).toBe('in_progress')
  })

  it('a quiz that is not a lesson of the learner’s course version is a 404', async () => {
    const f = await setup()
    const orphan = await t.call(f.owner, 'POST', `/courses/${f.courseId}/quizzes`, {
      title: 'Draft',
      questionIds: [f.questionIds[0]],
    })
    expect((await t.call(f.learner, 'POST', `/quizzes/${orphan.json().id}/attempts`)).statusCode).toBe(404)
  })
})

describe('security', () => {
  it('requires a token', async () => {
    const f = await setup()
    expect((await t.call(null, 'POST', `/quizzes/${f.quizId}/attempts`)).statusCode).toBe(401)
    expect((await t.call(null, 'GET', `/courses/${f.courseId}/questions`)).statusCode).toBe(401)
  })

  it('never sends a key or an explanation to a learner before submission (raw JSON)', async () => {
    const f = await setup({ quiz: { timeLimitSeconds: 600 } })
    const raws: string[] = []
    raws.push((await t.call(f.learner, 'GET', `/quizzes/${f.quizId}`)).body)
    const started = await start(f)
    raws.push(started.body)
    const a = started.json()
    raws.push((await start(f)).body)
    raws.push(
      (await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[0]}`, { answer: 'b' })).body,
    )
    raws.push(
      (await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[3]}`, { answer: 1 })).body,
    )
    raws.push(
      (await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[1]}`, { answer: 'nope' }))
        .body,
    )
    raws.push((await t.call(f.learner, 'GET', `/attempts/${a.id}`)).body)
    raws.push((await t.call(f.learner, 'GET', `/quizzes/${f.quizId}/attempts`)).body)
    raws.push((await t.call(f.learner, 'GET', `/courses/${f.courseId}/questions`)).body)
    raws.push((await t.call(f.learner, 'GET', `/courses/${f.courseId}/quizzes/${f.quizId}`)).body)
    for (const raw of raws) expectNoKeys(raw)
    // After submission they are revealed.
    const submitted = (await t.call(f.learner, 'POST', `/attempts/${a.id}/submit`)).body
    expect(submitted).toContain(SECRET_TEXT)
    expect(submitted).toContain(SECRET_EXPLANATION)
  })

  it('learners and other courses’ instructors cannot read or change a bank (404)', async () => {
    const f = await setup()
    const otherInstructor = t.user(['instructor'])
    for (const who of [f.learner, otherInstructor]) {
      expect((await t.call(who, 'GET', `/courses/${f.courseId}/questions`)).statusCode).toBe(404)
      expect((await t.call(who, 'GET', `/courses/${f.courseId}/quiz-attempts`)).statusCode).toBe(404)
      const res = await t.call(who, 'PATCH', `/courses/${f.courseId}/questions/${f.questionIds[0]}`, {
        points: 9,
      })
      expect(res.statusCode).toBe(404)
      expect(
        (await t.call(who, 'POST', `/courses/${f.courseId}/quizzes`, { title: 'x', drawCount: 1 }))
          .statusCode,
      ).toBe(404)
    }
    const q = await t.call(f.owner, 'GET', `/courses/${f.courseId}/questions/${f.questionIds[0]}`)
    expect(q.json().points).toBe(2)
    // An org admin of the same organization may manage it.
    const admin = t.user(['org_admin'])
    expect((await t.call(admin, 'GET', `/courses/${f.courseId}/questions`)).statusCode).toBe(200)
  })

  it('another organization cannot see, answer or submit an attempt (404) and it stays unchanged', async () => {
    const f = await setup()
    const a = (await start(f)).json()
    await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[0]}`, { answer: 'a' })
    const outsider = t.user(['learner', 'org_admin'], t.orgB)
    const sameOrgPeer = t.user()
    const sameUserOtherOrg = { ...f.learner, orgId: t.orgB }
    for (const who of [outsider, sameOrgPeer, sameUserOtherOrg]) {
      expect((await t.call(who, 'GET', `/attempts/${a.id}`)).statusCode).toBe(404)
      expect(
        (await t.call(who, 'PUT', `/attempts/${a.id}/answers/${f.questionIds[0]}`, { answer: 'b' }))
          .statusCode,
      ).toBe(404)
      expect((await t.call(who, 'POST', `/attempts/${a.id}/submit`)).statusCode).toBe(404)
      expect((await t.call(who, 'POST', `/quizzes/${f.quizId}/attempts`)).statusCode).toBe(404)
    }
    expect((await t.call(outsider, 'GET', `/courses/${f.courseId}/questions`)).statusCode).toBe(404)
    expect((await t.call(outsider, 'GET', `/courses/${f.courseId}/quiz-attempts`)).statusCode).toBe(404)
    const q = `/courses/${f.courseId}/questions/${f.questionIds[0]}`
    expect((await t.call(outsider, 'PATCH', q, { points: 50 })).statusCode).toBe(404)
    expect((await t.call(outsider, 'POST', `${q}/archive`)).statusCode).toBe(404)
    const quizUrl = `/courses/${f.courseId}/quizzes/${f.quizId}`
    expect((await t.call(outsider, 'PATCH', quizUrl, { maxAttempts: 1 })).statusCode).toBe(404)
    expect((await t.call(f.owner, 'GET', q)).json()).toMatchObject({ points: 2, archivedAt: null })
    expect((await t.call(f.owner, 'GET', quizUrl)).json().maxAttempts).toBeNull()
    const mine = (await t.call(f.learner, 'GET', `/attempts/${a.id}`)).json()
    expect(mine.answers).toEqual({ [f.questionIds[0]!]: 'a' })
    expect(mine.status).toBe('in_progress')
  })

  it('an answer to a question of another attempt is a 404 and changes nothing', async () => {
    const f = await setup()
    const g = await setup()
    const other = await t.enroll(f.learner, g.courseId)
    expect(other.id).toBeTruthy()
    const a = (await start(f)).json()
    const b = (await start(g, f.learner)).json()
    const res = await t.call(f.learner, 'PUT', `/attempts/${a.id}/answers/${g.questionIds[0]}`, {
      answer: 'a',
    })
    expect(res.statusCode).toBe(404)
    expect(await answersCount(a.id)).toBe(0)
    expect(await answersCount(b.id)).toBe(0)
  })

  it('malformed ids are a 400, never a 5xx', async () => {
    const f = await setup()
    expect((await t.call(f.learner, 'GET', `/attempts/not-an-id`)).statusCode).toBe(400)
    expect(
      (await t.call(f.learner, 'PUT', `/attempts/qat_${'0'.repeat(32)}/answers/x`, { answer: 1 })).statusCode,
    ).toBe(400)
    expect((await t.call(f.learner, 'GET', `/attempts/qat_${'0'.repeat(32)}`)).statusCode).toBe(404)
    const huge = await t.call(
      f.learner,
      'PUT',
      `/attempts/qat_${'0'.repeat(32)}/answers/qst_${'0'.repeat(32)}`,
      {
        answer: { deeply: { nested: [1, 2, 3] } },
      },
    )
    expect(huge.statusCode).toBe(404)
  })
})
