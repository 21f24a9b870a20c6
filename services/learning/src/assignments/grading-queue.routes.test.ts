import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { createTestLearning, type TestLearning, type TestUser } from '../test-helpers.ts'
import { assignments, courseInstructors } from '../db/schema.ts'

// GET /submissions, the grading queue across courses. Its own database: scope=org lists the whole
// organization, so other files' rows must not leak into the expectations.
let t: TestLearning
beforeAll(async () => {
  t = await createTestLearning()
})
afterAll(() => t.close())

const RUBRIC = [{ id: 'overall', title: 'Overall', description: '', maxPoints: 10 }]

/** A published course owned by `owner` with one assignment lesson, and the assignment row. */
async function courseWithAssignment(owner: TestUser, title: string, assignment: { dueAt?: Date } = {}) {
  const assignmentId = newId('asg')
  const course = await t.publishedCourse(owner, {
    title,
    sections: [{ lessons: [{ type: 'assignment', content: { type: 'assignment', assignmentId } }] }],
  })
  await t.db.insert(assignments).values({
    id: assignmentId,
    courseId: course.courseId,
    orgId: owner.orgId,
    title: `${title}: the assignment`,
    rubric: RUBRIC,
    ...assignment,
  })
  return { courseId: course.courseId, assignmentId }
}

/** A new enrolled learner (named when `name` is given) submits; returns the submission id. */
async function submission(course: { courseId: string; assignmentId: string }, name?: string) {
  const learner = t.user(['learner'])
  if (name) await t.person(learner, name)
  await t.enroll(learner, course.courseId)
  const res = await t.call(learner, 'POST', `/assignments/${course.assignmentId}/submissions`, {
    text: 'My answer',
  })
  expect(res.statusCode).toBe(201)
  return res.json().id as string
}

const queue = async (u: TestUser | null, query = '') => t.call(u, 'GET', `/submissions${query}`)
const ids = (body: { items: { id: string }[] }) => body.items.map((s) => s.id)

describe('happy', () => {
  it("lists the submissions of every course I own or co-teach, oldest first, with titles, names and 'late'", async () => {
    const me = t.user(['instructor'])
    const colleague = t.user(['instructor'])
    const mine = await courseWithAssignment(me, 'Parsers', { dueAt: new Date('2000-01-01T00:00:00Z') })
    const coTaught = await courseWithAssignment(colleague, 'Compilers')
    await t.db
      .insert(courseInstructors)
      .values({ courseId: coTaught.courseId, userId: me.userId, orgId: me.orgId, role: 'co_instructor' })
    const notMine = await courseWithAssignment(colleague, 'Databases')

    const first = await submission(mine, 'Ada Lovelace')
    const second = await submission(coTaught)
    await submission(notMine)
    const third = await submission(mine)

    const res = await queue(me)
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(ids(body)).toEqual([first, second, third])
    expect(body.nextCursor).toBeNull()
    expect(body.items[0]).toMatchObject({
      courseId: mine.courseId,
      courseTitle: 'Parsers',
      assignmentId: mine.assignmentId,
      assignmentTitle: 'Parsers: the assignment',
      learnerName: 'Ada Lovelace',
      status: 'submitted',
      late: true,
      maxScore: 10,
      score: null,
    })
    expect(body.items[1]).toMatchObject({ courseTitle: 'Compilers', learnerName: null, late: false })
    // The colleague sees their two courses, not mine.
    const theirs = (await queue(colleague)).json()
    expect(theirs.items.map((s: { courseTitle: string }) => s.courseTitle)).toEqual([
      'Compilers',
      'Databases',
    ])
  })

  it('pages with limit and cursor, and status=graded lists what has been graded', async () => {
    const me = t.user(['instructor'])
    const a = await courseWithAssignment(me, 'Algebra')
    const b = await courseWithAssignment(me, 'Biology')
    const subs = [await submission(a), await submission(b), await submission(a)]
    const graded = await t.call(me, 'PUT', `/submissions/${subs[1]}/grade`, {
      scores: [{ criterionId: 'overall', points: 7 }],
    })
    expect(graded.statusCode).toBe(200)

    const page1 = (await queue(me, '?limit=1')).json()
    expect(ids(page1)).toEqual([subs[0]])
    expect(page1.nextCursor).toBe(subs[0])
    const page2 = (await queue(me, `?limit=1&cursor=${page1.nextCursor}`)).json()
    expect(ids(page2)).toEqual([subs[2]])
    expect(page2.nextCursor).toBeNull()

    const done = (await queue(me, '?status=graded')).json()
    expect(ids(done)).toEqual([subs[1]])
    expect(done.items[0]).toMatchObject({ status: 'graded', score: 7, courseTitle: 'Biology' })
  })

  it("with scope=org an org admin sees every course's submissions of the organization", async () => {
    const admin = t.user(['org_admin'])
    const someone = t.user(['instructor'])
    const sub = await submission(await courseWithAssignment(someone, 'Chemistry'))
    expect(ids((await queue(admin)).json())).toEqual([])
    const all = (await queue(admin, '?scope=org&limit=100')).json()
    expect(ids(all)).toContain(sub)
  })
})

describe('errors', () => {
  it('refuses an unknown status, a malformed cursor, an unknown scope and a bad limit with 400', async () => {
    const me = t.user(['instructor'])
    for (const query of [
      '?status=draft',
      '?cursor=crs_0190a0a0a0a0a0a0a0a0a0a0a0a0a0a0',
      '?cursor=nonsense',
      '?scope=everyone',
      '?limit=0',
      '?limit=101',
    ])
      expect((await queue(me, query)).statusCode, query).toBe(400)
  })
})

describe('security', () => {
  it('anonymous callers get 401', async () => {
    expect((await queue(null)).statusCode).toBe(401)
  })

  it("another instructor's courses never appear, even with scope=org (403 for non-admins)", async () => {
    const owner = t.user(['instructor'])
    const sub = await submission(await courseWithAssignment(owner, 'Private course'))
    const other = t.user(['instructor'])
    expect(ids((await queue(other, '?limit=100')).json())).not.toContain(sub)
    expect(ids((await queue(other, '?limit=100&status=graded')).json())).toEqual([])
    expect((await queue(other, '?scope=org')).statusCode).toBe(403)
  })

  it('a learner, even one with submissions, gets an empty queue', async () => {
    const owner = t.user(['instructor'])
    const course = await courseWithAssignment(owner, 'Learner view')
    const learner = t.user(['learner'])
    await t.enroll(learner, course.courseId)
    await t.call(learner, 'POST', `/assignments/${course.assignmentId}/submissions`, { text: 'x' })
    const res = await queue(learner)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ items: [], nextCursor: null })
    expect((await queue(learner, '?scope=org')).statusCode).toBe(403)
  })

  it("another organization's submissions never appear, not even for its org admin with scope=org", async () => {
    const owner = t.user(['instructor'])
    const sub = await submission(await courseWithAssignment(owner, 'Org A course'))
    const outsiderAdmin = t.user(['org_admin'], t.orgB)
    expect(ids((await queue(outsiderAdmin, '?scope=org&limit=100')).json())).not.toContain(sub)
    // The cursor of another org's submission leaks nothing either: it is only a position.
    expect((await queue(outsiderAdmin, `?scope=org&cursor=${sub}`)).json().items).toEqual([])
  })
})
