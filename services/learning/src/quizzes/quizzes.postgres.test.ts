// Concurrency of attempts on real PostgreSQL (PGlite has one connection, so races cannot happen there).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { createTokenVerifier, newId, outboxChannel, sql, type App } from '@learnmesh/kernel'
import {
  countStatements,
  createPostgresTestDatabase,
  createTestSigner,
  listStatements,
  postgresAvailable,
} from '@learnmesh/kernel/testing'
import { buildApp } from '../app.ts'
import { loadLearningConfig } from '../config.ts'
import { courseInstructors, courses, courseVersions, enrollments, questions, quizzes } from '../db/schema.ts'
import { learningService } from '../service.ts'
import type { CourseSnapshot } from '../shared/snapshot.ts'

const pg = await postgresAvailable()

describe.skipIf(!pg.ok)('quiz attempts on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>
  let app: App
  let signer: Awaited<ReturnType<typeof createTestSigner>>
  const orgId = newId('org')

  beforeAll(async () => {
    database = await createPostgresTestDatabase(learningService.migrations)
    signer = await createTestSigner()
    const verifier = createTokenVerifier({
      jwks: signer.jwks,
      issuer: signer.issuer,
      audience: signer.audience,
      cooldownMs: 0,
    })
    app = await buildApp(
      { database, config: loadLearningConfig({}), logger: pino({ level: 'silent' }), wakeRelay: () => {} },
      { verifier },
    )
    await app.ready()
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  /** A published course whose only lesson is a quiz of `count` true/false questions; one enrolled learner. */
  async function fixture(quiz: { maxAttempts?: number; count?: number; drawCount?: number } = {}) {
    const owner = newId('usr')
    const courseId = newId('crs')
    const quizId = newId('quz')
    const learner = newId('usr')
    const ids = Array.from({ length: quiz.count ?? 3 }, () => newId('qst'))
    const snapshot: CourseSnapshot = {
      courseId,
      version: 1,
      title: 'PG',
      subtitle: '',
      description: '',
      level: 'beginner',
      language: 'en',
      categoryId: null,
      tags: [],
      instructorIds: [owner],
      sections: [
        {
          id: newId('sec'),
          title: 'S',
          lessons: [
            {
              id: newId('les'),
              title: 'Quiz',
              type: 'quiz',
              durationSeconds: 0,
              content: { type: 'quiz', quizId },
              prerequisiteIds: [],
              isPreview: false,
            },
          ],
        },
      ],
    }
    await database.db.transaction(async (tx) => {
      await tx.insert(courses).values({
        id: courseId,
        orgId,
        slug: courseId,
        title: 'PG',
        ownerId: owner,
        status: 'published',
        publishedVersion: 1,
      })
      await tx.insert(courseInstructors).values({ courseId, userId: owner, orgId, role: 'owner' })
      await tx.insert(courseVersions).values({ courseId, version: 1, orgId, snapshot, publishedBy: owner })
      await tx.insert(questions).values(
        ids.map((id) => ({
          id,
          courseId,
          orgId,
          type: 'true_false',
          prompt: 'T?',
          answer: { value: true },
        })),
      )
      await tx.insert(quizzes).values({
        id: quizId,
        courseId,
        orgId,
        title: 'Q',
        questionIds: quiz.drawCount ? [] : ids,
        drawCount: quiz.drawCount ?? null,
        shuffleQuestions: quiz.drawCount !== undefined,
        shuffleOptions: quiz.drawCount !== undefined,
        timeLimitSeconds: 600,
        maxAttempts: quiz.maxAttempts ?? null,
      })
      await tx
        .insert(enrollments)
        .values({ id: newId('enr'), orgId, courseId, userId: learner, version: 1, source: 'grant' })
    })
    const token = await signer.sign({ sub: learner, org: orgId, roles: ['learner'] })
    const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: Record<string, unknown>) =>
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload ? { payload } : {}),
      })
    return { quizId, ids, call, courseId }
  }

  it('concurrent starts create exactly one attempt in progress', async () => {
    const f = await fixture()
    const results = await Promise.all(
      Array.from({ length: 20 }, () => f.call('POST', `/quizzes/${f.quizId}/attempts`)),
    )
    const statuses = results.map((r) => r.statusCode)
    expect(
      statuses.every((s) => s === 200 || s === 201),
      statuses.join(','),
    ).toBe(true)
    expect(statuses.filter((s) => s === 201)).toHaveLength(1)
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1)
    const rows = await database.query(sql`select 1 from learning.quiz_attempts where quiz_id = ${f.quizId}`)
    expect(rows).toHaveLength(1)
    const jobs = await database.query(
      sql`select 1 from learning.jobs where key = ${results[0]!.json().id as string}`,
    )
    expect(jobs).toHaveLength(1)
  })

  it('maxAttempts holds under concurrent starts', async () => {
    const f = await fixture({ maxAttempts: 2 })
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => f.call('POST', `/quizzes/${f.quizId}/attempts`)),
      )
      const ok = results.filter((r) => r.statusCode < 300)
      if (round < 2) {
        expect(new Set(ok.map((r) => r.json().id)).size).toBe(1)
        expect((await f.call('POST', `/attempts/${ok[0]!.json().id as string}/submit`)).statusCode).toBe(200)
      } else {
        expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(409))
      }
    }
    const rows = await database.query(sql`select 1 from learning.quiz_attempts where quiz_id = ${f.quizId}`)
    expect(rows).toHaveLength(2)
  })

  it('concurrent saves of one question all succeed and the stored answer is one of them', async () => {
    const f = await fixture({ count: 2 })
    const attempt = (await f.call('POST', `/quizzes/${f.quizId}/attempts`)).json()
    const url = `/attempts/${attempt.id as string}/answers/${f.ids[0]!}`
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => f.call('PUT', url, { answer: i % 2 === 0 })),
    )
    expect(results.map((r) => r.statusCode)).toEqual(Array(30).fill(200))
    const rows = await database.query<{ answer: boolean }>(
      sql`select answer from learning.attempt_answers where attempt_id = ${attempt.id as string}`,
    )
    expect(rows).toHaveLength(1)
    expect(typeof rows[0]!.answer).toBe('boolean')
  })

  it('no answer lands after its attempt was graded, whatever the interleaving', async () => {
    const f = await fixture({ count: 40 })
    const attempt = (await f.call('POST', `/quizzes/${f.quizId}/attempts`)).json()
    const saves = f.ids.map((qid) =>
      f.call('PUT', `/attempts/${attempt.id as string}/answers/${qid}`, { answer: true }),
    )
    const submit = f.call('POST', `/attempts/${attempt.id as string}/submit`)
    const saved = await Promise.all(saves)
    const graded = await submit
    expect(graded.statusCode).toBe(200)
    for (const r of saved) expect([200, 409]).toContain(r.statusCode)
    const stored = await database.query<{ n: number }>(
      sql`select count(*)::int as n from learning.attempt_answers where attempt_id = ${attempt.id as string}`,
    )
    const answered = (graded.json().feedback as { answered: boolean }[]).filter((x) => x.answered).length
    // Every stored answer was graded, and every 200 is a stored answer.
    expect(stored[0]!.n).toBe(answered)
    expect(saved.filter((r) => r.statusCode === 200)).toHaveLength(answered)
    expect(graded.json().score).toBe(answered)
  })

  // Each round trip costs ~0.2-0.35 ms of client CPU; these pin the hot paths' statement counts
  // (docs/quizzes.md, "Performance decisions"). BEGIN and COMMIT count.
  const counted = countStatements
  const listed = (statements: string[]) => listStatements(statements)

  it('start, save and submit issue a bounded number of statements', async () => {
    const f = await fixture({ count: 40, drawCount: 20 })
    const start = await counted(() => f.call('POST', `/quizzes/${f.quizId}/attempts`))
    expect(start.result.statusCode).toBe(201)
    const attempt = start.result.json() as { id: string; questions: { id: string }[] }
    expect(attempt.questions).toHaveLength(20)
    // checks, the version's snapshot (first read only: cached), draw, attempt + expiry job (one
    // statement, no transaction)
    expect(start.statements, listed(start.statements)).toHaveLength(4)
    expect(start.statements.some((t) => /^(begin|commit)/i.test(t.trim()))).toBe(false)
    // Starting again resumes it: checks, the attempt (no transaction); the route reads it + answers.
    const resume = await counted(() => f.call('POST', `/quizzes/${f.quizId}/attempts`))
    expect(resume.result.statusCode).toBe(200)
    expect(resume.result.json().id).toBe(attempt.id)
    expect(resume.statements, listed(resume.statements)).toHaveLength(4)
    const save = await counted(() =>
      f.call('PUT', `/attempts/${attempt.id}/answers/${attempt.questions[0]!.id}`, { answer: true }),
    )
    expect(save.result.statusCode).toBe(200)
    expect(save.statements, listed(save.statements)).toHaveLength(1)
    // The service's relay, as its runtime registers it: woken after the commit, with no NOTIFY.
    let relayWakes = 0
    const unsubscribe = database.onOutboxCommit(outboxChannel('learning'), () => void relayWakes++)
    const submit = await counted(() => f.call('POST', `/attempts/${attempt.id}/submit`))
    unsubscribe()
    expect(submit.result.statusCode).toBe(200)
    expect(submit.result.json().score).toBe(1)
    // begin, attempt locked with enrollment and pass mark, answers, grade + event, commit
    expect(submit.statements, listed(submit.statements)).toHaveLength(5)
    expect(submit.statements.some((t) => t.includes('pg_notify'))).toBe(false)
    expect(relayWakes).toBe(1)
    const events = await database.query(
      sql`select 1 from learning.outbox where aggregate_id = ${attempt.id} and type = 'learning.quiz.graded'`,
    )
    expect(events).toHaveLength(1)
  })

  it('a draw from a large bank reads the candidate ids, then only the picked questions', async () => {
    const f = await fixture({ count: 120, drawCount: 5 })
    const start = await counted(() => f.call('POST', `/quizzes/${f.quizId}/attempts`))
    expect(start.result.statusCode).toBe(201)
    const attempt = start.result.json() as { questions: { id: string; prompt: string }[] }
    expect(attempt.questions).toHaveLength(5)
    expect(attempt.questions.every((q) => f.ids.includes(q.id) && q.prompt === 'T?')).toBe(true)
    // checks, snapshot, candidate ids, the picked rows, attempt + job
    expect(start.statements, listed(start.statements)).toHaveLength(5)
  })

  it("a cohort that has not started blocks start and submit (403), another org's cohort is ignored", async () => {
    const f = await fixture()
    const attempt = (await f.call('POST', `/quizzes/${f.quizId}/attempts`)).json() as { id: string }
    const later = new Date(Date.now() + 86_400_000)
    const cohortIn = async (org: string) => {
      const id = newId('coh')
      await database.query(
        sql`insert into learning.cohorts (id, course_id, org_id, name, starts_at) values (${id}, ${f.courseId}, ${org}, 'C', ${later.toISOString()}::timestamptz)`,
      )
      await database.query(
        sql`update learning.enrollments set cohort_id = ${id} where course_id = ${f.courseId}`,
      )
    }
    await cohortIn(newId('org'))
    expect((await f.call('POST', `/quizzes/${f.quizId}/attempts`)).statusCode).toBe(200)
    await cohortIn(orgId)
    const start = await f.call('POST', `/quizzes/${f.quizId}/attempts`)
    expect(start.statusCode).toBe(403)
    expect(start.json().detail).toContain('cohort starts')
    expect((await f.call('POST', `/attempts/${attempt.id}/submit`)).statusCode).toBe(403)
    const rows = await database.query<{ status: string }>(
      sql`select status from learning.quiz_attempts where id = ${attempt.id}`,
    )
    expect(rows[0]!.status).toBe('in_progress')
  })
})
