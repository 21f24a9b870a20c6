import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { and, eq } from 'drizzle-orm'
import { newId } from '@learnmesh/kernel'
import { createTestLearning, type TestLearning, type TestUser } from '../test-helpers.ts'
import { assignments, courseVersions, lessonProgress, submissions } from '../db/schema.ts'
import type { CourseSnapshot } from '../shared/snapshot.ts'

let t: TestLearning
beforeAll(async () => {
  t = await createTestLearning()
})
afterAll(() => t.close())

const RUBRIC = [
  { id: 'correctness', title: 'Correctness', description: 'It works', maxPoints: 6 },
  { id: 'style', title: 'Style', description: 'It reads well', maxPoints: 4 },
]
const fullMarks = [
  { criterionId: 'correctness', points: 6, comment: 'All tests pass' },
  { criterionId: 'style', points: 4 },
]

/**
 * A published course whose lessons are a text lesson and an assignment lesson, the assignment row
 * itself (inserted directly), an instructor who owns it and an enrolled learner.
 */
async function setup(
  input: {
    assignment?: Partial<typeof assignments.$inferInsert>
    onlyAssignment?: boolean
    prerequisite?: boolean
  } = {},
) {
  const owner = t.user(['instructor'])
  const learner = t.user(['learner'])
  await t.person(learner, 'Ada Lovelace')
  const assignmentId = newId('asg')
  const lessons = [
    ...(input.onlyAssignment ? [] : [{ type: 'text' as const }]),
    { type: 'assignment' as const, content: { type: 'assignment' as const, assignmentId } },
  ]
  const course = await t.publishedCourse(owner, { sections: [{ lessons }] })
  if (input.prerequisite) {
    await editSnapshot(course.courseId, (s) => {
      s.sections[0]!.lessons[1]!.prerequisiteIds = [s.sections[0]!.lessons[0]!.id]
    })
  }
  await t.db.insert(assignments).values({
    id: assignmentId,
    courseId: course.courseId,
    orgId: owner.orgId,
    title: 'Build a parser',
    rubric: RUBRIC,
    passPoints: 6,
    ...input.assignment,
  })
  const enrollment = await t.enroll(learner, course.courseId)
  const assignmentLessonId = course.lessonIds[course.lessonIds.length - 1]!
  return { owner, learner, assignmentId, course, enrollment, assignmentLessonId }
}

/** Rewrites version 1's snapshot (before anything has read and cached it). */
async function editSnapshot(courseId: string, edit: (s: CourseSnapshot) => void) {
  const [row] = await t.db.select().from(courseVersions).where(eq(courseVersions.courseId, courseId))
  const snapshot = structuredClone(row!.snapshot)
  edit(snapshot)
  await t.db
    .update(courseVersions)
    .set({ snapshot })
    .where(and(eq(courseVersions.courseId, courseId), eq(courseVersions.version, 1)))
}

const submit = (u: TestUser, assignmentId: string, body: unknown = { text: 'My answer' }) =>
  t.call(u, 'POST', `/assignments/${assignmentId}/submissions`, body)
const grade = (u: TestUser, submissionId: string, body: unknown = { scores: fullMarks }) =>
  t.call(u, 'PUT', `/submissions/${submissionId}/grade`, body)
const submissionCount = async (assignmentId: string) =>
  (await t.db.select().from(submissions).where(eq(submissions.assignmentId, assignmentId))).length

describe('happy', () => {
  it('an editor creates, lists, reads and changes assignments; a learner whose version has it submits', async () => {
    const owner = t.user(['instructor'])
    const learner = t.user()
    const course = await t.publishedCourse(owner, {
      sections: [
        {
          lessons: [{ type: 'assignment', content: { type: 'assignment', assignmentId: newId('asg') } }],
        },
      ],
    })
    const created = await t.call(owner, 'POST', `/courses/${course.courseId}/assignments`, {
      title: '  Essay  ',
      instructions: '# Write 500 words',
      dueAt: '2099-01-01T00:00:00.000Z',
      latePolicy: 'penalty',
      latePenaltyPercent: 20,
      rubric: RUBRIC,
      passPoints: 5,
      maxSubmissions: 3,
    })
    expect(created.statusCode).toBe(201)
    const a = created.json()
    expect(a).toMatchObject({
      title: 'Essay',
      courseId: course.courseId,
      latePolicy: 'penalty',
      latePenaltyPercent: 20,
      maxPoints: 10,
      passPoints: 5,
      maxSubmissions: 3,
      dueAt: '2099-01-01T00:00:00.000Z',
    })
    expect(a.id).toMatch(/^asg_/)

    const list = await t.call(owner, 'GET', `/courses/${course.courseId}/assignments`)
    expect(list.json().items.map((x: { id: string }) => x.id)).toEqual([a.id])

    const patched = await t.call(owner, 'PATCH', `/assignments/${a.id}`, { title: 'Long essay', dueAt: null })
    expect(patched.statusCode).toBe(200)
    expect(patched.json()).toMatchObject({ title: 'Long essay', dueAt: null, passPoints: 5 })

    // The published lesson points at the new assignment (what the authoring flow does).
    await editSnapshot(course.courseId, (s) => {
      s.sections[0]!.lessons[0]!.content = { type: 'assignment', assignmentId: a.id }
    })
    await t.enroll(learner, course.courseId)
    const seen = await t.call(learner, 'GET', `/assignments/${a.id}`)
    expect(seen.statusCode).toBe(200)
    expect(seen.json().instructions).toBe('# Write 500 words')
    expect((await submit(learner, a.id)).statusCode).toBe(201)
  })

  it('submissions store text and links; each resubmission is a new attempt; mine lists them', async () => {
    const { learner, assignmentId } = await setup()
    const first = await submit(learner, assignmentId, {
      text: 'First try',
      links: ['https://github.com/ada/parser', 'http://example.test/doc'],
    })
    expect(first.statusCode).toBe(201)
    expect(first.json()).toMatchObject({
      attemptNo: 1,
      status: 'submitted',
      late: false,
      score: null,
      passed: null,
      links: ['https://github.com/ada/parser', 'http://example.test/doc'],
      maxScore: 10,
    })
    const second = await submit(learner, assignmentId, { links: ['https://github.com/ada/parser/pull/2'] })
    expect(second.json().attemptNo).toBe(2)
    const mine = await t.call(learner, 'GET', `/assignments/${assignmentId}/submissions/mine`)
    expect(mine.statusCode).toBe(200)
    expect(mine.json().items.map((s: { attemptNo: number }) => s.attemptNo)).toEqual([1, 2])
    expect(await submissionCount(assignmentId)).toBe(2)
  })

  it('a grader scores every criterion; the learner sees score, comments and feedback; an event is written', async () => {
    const { owner, learner, assignmentId } = await setup()
    const sub = (await submit(learner, assignmentId)).json()
    const res = await grade(owner, sub.id, {
      scores: [
        { criterionId: 'style', points: 2, comment: 'Name things better' },
        { criterionId: 'correctness', points: 5 },
      ],
      feedback: 'Good work',
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      status: 'graded',
      score: 7,
      maxScore: 10,
      passed: true,
      feedback: 'Good work',
      gradedBy: owner.userId,
    })
    const mine = (await t.call(learner, 'GET', `/assignments/${assignmentId}/submissions/mine`)).json()
    expect(mine.items[0].rubricScores).toEqual([
      { criterionId: 'style', points: 2, comment: 'Name things better' },
      { criterionId: 'correctness', points: 5, comment: '' },
    ])
    const events = (await t.events('learning.submission.graded')).filter(
      (e) => e.payload.submissionId === sub.id,
    )
    expect(events).toEqual([
      {
        type: 'learning.submission.graded',
        payload: {
          submissionId: sub.id,
          assignmentId,
          courseId: sub.courseId,
          userId: learner.userId,
          score: 7,
          maxScore: 10,
          gradedBy: owner.userId,
        },
      },
    ])
  })

  it('a passing grade completes the assignment lesson (and the course) in the same transaction', async () => {
    const { owner, learner, assignmentId, enrollment, assignmentLessonId } = await setup({
      onlyAssignment: true,
    })
    const sub = (await submit(learner, assignmentId)).json()
    expect((await grade(owner, sub.id)).statusCode).toBe(200)
    const [progress] = await t.db
      .select()
      .from(lessonProgress)
      .where(
        and(eq(lessonProgress.enrollmentId, enrollment.id), eq(lessonProgress.lessonId, assignmentLessonId)),
      )
    expect(progress?.completedAt).toBeInstanceOf(Date)
    const completed = (await t.events('learning.course.completed')).filter(
      (e) => e.payload.enrollmentId === enrollment.id,
    )
    expect(completed).toHaveLength(1)
  })

  it('a failing grade does not complete the lesson; a passing regrade does', async () => {
    const { owner, learner, assignmentId, enrollment } = await setup()
    const sub = (await submit(learner, assignmentId)).json()
    const low = await grade(owner, sub.id, {
      scores: [
        { criterionId: 'correctness', points: 2 },
        { criterionId: 'style', points: 1 },
      ],
    })
    expect(low.json()).toMatchObject({ score: 3, passed: false })
    const done = () =>
      t.db.select().from(lessonProgress).where(eq(lessonProgress.enrollmentId, enrollment.id))
    expect(await done()).toHaveLength(0)
    const regrade = await grade(owner, sub.id)
    expect(regrade.json()).toMatchObject({ score: 10, passed: true })
    expect(await done()).toHaveLength(1)
    const graded = (await t.events('learning.submission.graded')).filter(
      (e) => e.payload.submissionId === sub.id,
    )
    expect(graded.map((e) => e.payload.score)).toEqual([3, 10])
  })

  it('late submissions are stored with late=true under accept, and lose the penalty under penalty', async () => {
    const past = new Date(Date.now() - 60_000)
    const accept = await setup({ assignment: { dueAt: past, latePolicy: 'accept' } })
    const a = await submit(accept.learner, accept.assignmentId)
    expect(a.statusCode).toBe(201)
    expect(a.json().late).toBe(true)
    expect((await grade(accept.owner, a.json().id)).json().score).toBe(10)

    const penalty = await setup({
      assignment: { dueAt: past, latePolicy: 'penalty', latePenaltyPercent: 15 },
    })
    const p = await submit(penalty.learner, penalty.assignmentId)
    expect(p.json().late).toBe(true)
    // 10 points, 15% → 1.5 → 2 points off (half up) → 8.
    expect((await grade(penalty.owner, p.json().id)).json()).toMatchObject({ score: 8, passed: true })
  })

  it('graders list submissions with learner names, filter by status and page with a cursor', async () => {
    const { owner, assignmentId, course } = await setup()
    const learners = [t.user(), t.user(), t.user()]
    for (const [i, l] of learners.entries()) {
      if (i < 2) await t.person(l, `Learner ${i}`)
      await t.enroll(l, course.courseId)
    }
    const ids: string[] = []
    for (const l of learners) ids.push((await submit(l, assignmentId)).json().id)
    await grade(owner, ids[0]!)

    const page1 = await t.call(owner, 'GET', `/assignments/${assignmentId}/submissions?limit=2`)
    expect(page1.statusCode).toBe(200)
    const body1 = page1.json()
    expect(body1.items.map((s: { id: string }) => s.id)).toEqual(ids.slice(0, 2))
    expect(body1.items.map((s: { learnerName: string | null }) => s.learnerName)).toEqual([
      'Learner 0',
      'Learner 1',
    ])
    const page2 = (
      await t.call(
        owner,
        'GET',
        `/assignments/${assignmentId}/submissions?limit=2&cursor=${body1.nextCursor}`,
      )
    ).json()
    expect(page2.items.map((s: { id: string }) => s.id)).toEqual([ids[2]])
    expect(page2.items[0].learnerName).toBeNull()
    expect(page2.nextCursor).toBeNull()

    const graded = (
      await t.call(owner, 'GET', `/assignments/${assignmentId}/submissions?status=graded`)
    ).json()
    expect(graded.items.map((s: { id: string }) => s.id)).toEqual([ids[0]])
    const waiting = (
      await t.call(owner, 'GET', `/assignments/${assignmentId}/submissions?status=submitted`)
    ).json()
    expect(waiting.items.map((s: { id: string }) => s.id)).toEqual(ids.slice(1))
  })

  it('an org admin of the same organization can grade', async () => {
    const { learner, assignmentId } = await setup()
    const admin = t.user(['org_admin'])
    const sub = (await submit(learner, assignmentId)).json()
    expect((await grade(admin, sub.id)).statusCode).toBe(200)
  })
})

describe('errors', () => {
  it('refuses inconsistent definitions with 400 and stores nothing', async () => {
    const owner = t.user(['instructor'])
    const course = await t.publishedCourse(owner)
    const url = `/courses/${course.courseId}/assignments`
    const bad = [
      { title: 'x', rubric: [RUBRIC[0], RUBRIC[0]] }, // duplicate ids
      { title: 'x', rubric: RUBRIC, passPoints: 11 }, // unreachable pass mark
      { title: 'x', rubric: [{ ...RUBRIC[0], maxPoints: 0 }] }, // maxPoints < 1
      { title: 'x', rubric: [] }, // empty rubric
      { title: '   ', rubric: RUBRIC }, // blank title
      { title: 'x', rubric: RUBRIC, latePolicy: 'sometimes' },
      { title: 'x', rubric: RUBRIC, latePenaltyPercent: 101 },
      { title: 'x', rubric: RUBRIC, dueAt: 'tomorrow' },
      { title: 'x', rubric: RUBRIC, surprise: true }, // unknown field
    ]
    for (const body of bad) {
      const res = await t.call(owner, 'POST', url, body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.headers['content-type']).toContain('application/problem+json')
    }
    const rows = await t.db.select().from(assignments).where(eq(assignments.courseId, course.courseId))
    expect(rows).toHaveLength(0)
  })

  it('refuses empty submissions, bad links and oversize text with 400 and stores nothing', async () => {
    const { learner, assignmentId } = await setup()
    const bad = [
      {},
      { text: '   ' },
      { links: ['javascript:alert(1)'] },
      { links: ['ftp://example.test/file'] },
      { links: ['not a url'] },
      { links: Array.from({ length: 11 }, (_, i) => `https://example.test/${i}`) },
      { text: 'x'.repeat(50_001) },
      { text: 'ok', extra: 1 },
      { text: 'nul \u0000 byte' }, // PostgreSQL text cannot hold NUL: a 400, never a 500
    ]
    for (const body of bad) {
      const res = await submit(learner, assignmentId, body)
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400)
    }
    expect(await submissionCount(assignmentId)).toBe(0)
  })

  it('under reject, a submission after the deadline is a 409 and nothing is stored', async () => {
    const { learner, assignmentId } = await setup({
      assignment: { dueAt: new Date(Date.now() - 1000), latePolicy: 'reject' },
    })
    const res = await submit(learner, assignmentId)
    expect(res.statusCode).toBe(409)
    expect(res.json().detail).toMatch(/deadline passed/)
    expect(await submissionCount(assignmentId)).toBe(0)
  })

  it('before the deadline, reject accepts the submission', async () => {
    const { learner, assignmentId } = await setup({
      assignment: { dueAt: new Date(Date.now() + 3_600_000), latePolicy: 'reject' },
    })
    const res = await submit(learner, assignmentId)
    expect(res.statusCode).toBe(201)
    expect(res.json().late).toBe(false)
  })

  it('refuses a submission beyond maxSubmissions with 409', async () => {
    const { learner, assignmentId } = await setup({ assignment: { maxSubmissions: 2 } })
    expect((await submit(learner, assignmentId)).statusCode).toBe(201)
    expect((await submit(learner, assignmentId)).statusCode).toBe(201)
    const third = await submit(learner, assignmentId)
    expect(third.statusCode).toBe(409)
    expect(await submissionCount(assignmentId)).toBe(2)
  })

  it('refuses grades that do not score every criterion exactly once within range, and changes nothing', async () => {
    const { owner, learner, assignmentId } = await setup()
    const sub = (await submit(learner, assignmentId)).json()
    const bad = [
      { scores: [{ criterionId: 'correctness', points: 6 }] }, // missing style
      { scores: [...fullMarks, { criterionId: 'style', points: 1 }] }, // style twice
      { scores: [...fullMarks, { criterionId: 'bonus', points: 1 }] }, // unknown
      { scores: [{ criterionId: 'correctness', points: 7 }, fullMarks[1]] }, // above max
      { scores: [{ criterionId: 'correctness', points: -1 }, fullMarks[1]] }, // negative
      { scores: [{ criterionId: 'correctness', points: 1.5 }, fullMarks[1]] }, // not an integer
      { scores: fullMarks, extra: true },
      { scores: fullMarks, feedback: 'nul \u0000' },
      { scores: [{ ...fullMarks[0], comment: 'nul \u0000' }, fullMarks[1]] },
    ]
    for (const body of bad) {
      const res = await grade(owner, sub.id, body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
    }
    const [row] = await t.db.select().from(submissions).where(eq(submissions.id, sub.id))
    expect(row).toMatchObject({ status: 'submitted', score: null, gradedBy: null })
    expect(
      (await t.events('learning.submission.graded')).some((e) => e.payload.submissionId === sub.id),
    ).toBe(false)
  })

  it('a lesson with unmet prerequisites is a 403 until they are complete', async () => {
    const { learner, assignmentId, enrollment, course } = await setup({ prerequisite: true })
    const res = await submit(learner, assignmentId)
    expect(res.statusCode).toBe(403)
    expect(await submissionCount(assignmentId)).toBe(0)
    await t.db.insert(lessonProgress).values({
      enrollmentId: enrollment.id,
      lessonId: course.lessonIds[0]!,
      orgId: enrollment.orgId,
      userId: learner.userId,
      completedAt: new Date(),
    })
    expect((await submit(learner, assignmentId)).statusCode).toBe(201)
  })

  it('not enrolled is a 404; a revoked or expired enrollment is a 403', async () => {
    const { assignmentId, course } = await setup()
    const stranger = t.user()
    expect((await submit(stranger, assignmentId)).statusCode).toBe(404)
    const revoked = t.user()
    await t.enroll(revoked, course.courseId, { status: 'revoked', revokedAt: new Date() })
    expect((await submit(revoked, assignmentId)).statusCode).toBe(403)
    const expired = t.user()
    await t.enroll(expired, course.courseId, { expiresAt: new Date(Date.now() - 1000) })
    expect((await submit(expired, assignmentId)).statusCode).toBe(403)
    expect(await submissionCount(assignmentId)).toBe(0)
  })

  it('an assignment that is not in the enrolled version is a 404', async () => {
    const { owner, learner, course } = await setup()
    const other = (
      await t.call(owner, 'POST', `/courses/${course.courseId}/assignments`, {
        title: 'Draft only',
        rubric: RUBRIC,
      })
    ).json()
    expect((await submit(learner, other.id)).statusCode).toBe(404)
  })

  it('the rubric cannot change once a submission is graded (409); other fields can', async () => {
    const { owner, learner, assignmentId } = await setup()
    const sub = (await submit(learner, assignmentId)).json()
    await grade(owner, sub.id)
    const res = await t.call(owner, 'PATCH', `/assignments/${assignmentId}`, {
      rubric: [{ id: 'all', title: 'All', description: '', maxPoints: 10 }],
    })
    expect(res.statusCode).toBe(409)
    const [row] = await t.db.select().from(assignments).where(eq(assignments.id, assignmentId))
    expect(row!.rubric).toEqual(RUBRIC)
    // Sending the same rubric again (with other changes) is not a change.
    const same = await t.call(owner, 'PATCH', `/assignments/${assignmentId}`, {
      rubric: RUBRIC,
      passPoints: 7,
    })
    expect(same.statusCode).toBe(200)
    expect(
      (await t.call(owner, 'PATCH', `/assignments/${assignmentId}`, { title: 'Renamed' })).statusCode,
    ).toBe(200)
  })

  it('an empty PATCH and a PATCH making the pass mark unreachable are 400s', async () => {
    const { owner, assignmentId } = await setup()
    expect((await t.call(owner, 'PATCH', `/assignments/${assignmentId}`, {})).statusCode).toBe(400)
    expect(
      (await t.call(owner, 'PATCH', `/assignments/${assignmentId}`, { passPoints: 99 })).statusCode,
    ).toBe(400)
  })
})

describe('security', () => {
  it('anonymous callers get 401', async () => {
    const { assignmentId } = await setup()
    expect((await t.call(null, 'GET', `/assignments/${assignmentId}`)).statusCode).toBe(401)
    expect((await submit(null as unknown as TestUser, assignmentId)).statusCode).toBe(401)
  })

  it("another organization's assignment and submissions are 404 and cannot be modified", async () => {
    const { owner, learner, assignmentId, course } = await setup()
    const sub = (await submit(learner, assignmentId)).json()
    const outsiders = [
      t.user(['org_admin'], t.orgB),
      t.user(['instructor'], t.orgB),
      t.user(['learner'], t.orgB),
    ]
    for (const o of outsiders) {
      expect((await t.call(o, 'GET', `/assignments/${assignmentId}`)).statusCode).toBe(404)
      expect((await t.call(o, 'PATCH', `/assignments/${assignmentId}`, { title: 'Hacked' })).statusCode).toBe(
        404,
      )
      expect((await t.call(o, 'GET', `/courses/${course.courseId}/assignments`)).statusCode).toBe(404)
      expect((await t.call(o, 'GET', `/assignments/${assignmentId}/submissions`)).statusCode).toBe(404)
      expect((await t.call(o, 'GET', `/submissions/${sub.id}`)).statusCode).toBe(404)
      expect((await grade(o, sub.id)).statusCode).toBe(404)
      expect((await submit(o, assignmentId)).statusCode).toBe(404)
    }
    const [row] = await t.db.select().from(assignments).where(eq(assignments.id, assignmentId))
    expect(row!.title).toBe('Build a parser')
    const [s] = await t.db.select().from(submissions).where(eq(submissions.id, sub.id))
    expect(s!.status).toBe('submitted')
    expect(await submissionCount(assignmentId)).toBe(1)
    // The owner still sees everything.
    expect((await t.call(owner, 'GET', `/submissions/${sub.id}`)).statusCode).toBe(200)
  })

  it('a learner cannot grade, list all submissions, or edit the assignment', async () => {
    const { learner, assignmentId } = await setup()
    const sub = (await submit(learner, assignmentId)).json()
    expect((await grade(learner, sub.id)).statusCode).toBe(404)
    expect((await t.call(learner, 'GET', `/assignments/${assignmentId}/submissions`)).statusCode).toBe(404)
    expect(
      (await t.call(learner, 'PATCH', `/assignments/${assignmentId}`, { title: 'Mine' })).statusCode,
    ).toBe(404)
    const [s] = await t.db.select().from(submissions).where(eq(submissions.id, sub.id))
    expect(s).toMatchObject({ status: 'submitted', score: null })
  })

  it("a learner sees only their own submissions; another instructor of the org cannot grade someone else's course", async () => {
    const { learner, assignmentId, course } = await setup()
    const other = t.user()
    await t.enroll(other, course.courseId)
    const mineA = (await submit(learner, assignmentId)).json()
    await submit(other, assignmentId, { text: 'Other answer' })
    expect((await t.call(other, 'GET', `/submissions/${mineA.id}`)).statusCode).toBe(404)
    const otherMine = (await t.call(other, 'GET', `/assignments/${assignmentId}/submissions/mine`)).json()
    expect(otherMine.items.map((s: { text: string }) => s.text)).toEqual(['Other answer'])
    expect((await t.call(learner, 'GET', `/submissions/${mineA.id}`)).statusCode).toBe(200)

    const unrelatedInstructor = t.user(['instructor'])
    expect((await grade(unrelatedInstructor, mineA.id)).statusCode).toBe(404)
  })
})
