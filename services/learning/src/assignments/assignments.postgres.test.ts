// Concurrency of submissions, grading and certificate issuing on real PostgreSQL (PGlite has one
// connection, so these races cannot happen there).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { createTokenVerifier, newId, sql, uuid7, type App } from '@learnmesh/kernel'
import { createPostgresTestDatabase, createTestSigner, postgresAvailable } from '@learnmesh/kernel/testing'
import { buildApp } from '../app.ts'
import { loadLearningConfig } from '../config.ts'
import type { LearningDeps } from '../deps.ts'
import { assignments, courseInstructors, courses, courseVersions, enrollments } from '../db/schema.ts'
import { learningService } from '../service.ts'
import type { CourseSnapshot, SnapshotLesson } from '../shared/snapshot.ts'
import { certificateHandlers } from '../certificates/certificates.handlers.ts'

const pg = await postgresAvailable()

describe.skipIf(!pg.ok)('assignments and certificates on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>
  let app: App
  let deps: LearningDeps
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
    deps = {
      database,
      config: loadLearningConfig({}),
      logger: pino({ level: 'silent' }),
      wakeRelay: () => {},
    }
    app = await buildApp(deps, { verifier })
    await app.ready()
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  /** A published course of `count` assignment lessons (each its own assignment), one enrolled learner. */
  async function fixture(input: { count?: number; maxSubmissions?: number } = {}) {
    const owner = newId('usr')
    const learner = newId('usr')
    const courseId = newId('crs')
    const enrollmentId = newId('enr')
    const assignmentIds = Array.from({ length: input.count ?? 1 }, () => newId('asg'))
    const lessons: SnapshotLesson[] = assignmentIds.map((assignmentId, i) => ({
      id: newId('les'),
      title: `A${i}`,
      type: 'assignment',
      durationSeconds: 0,
      content: { type: 'assignment', assignmentId },
      prerequisiteIds: [],
      isPreview: false,
    }))
    const snapshot: CourseSnapshot = {
      courseId,
      version: 1,
      title: 'PG course',
      subtitle: '',
      description: '',
      level: 'beginner',
      language: 'en',
      categoryId: null,
      tags: [],
      instructorIds: [owner],
      sections: [{ id: newId('sec'), title: 'S', lessons }],
    }
    await database.db.transaction(async (tx) => {
      await tx.insert(courses).values({
        id: courseId,
        orgId,
        slug: courseId,
        title: 'PG course',
        ownerId: owner,
        status: 'published',
        publishedVersion: 1,
      })
      await tx.insert(courseInstructors).values({ courseId, userId: owner, orgId, role: 'owner' })
      await tx.insert(courseVersions).values({ courseId, version: 1, orgId, snapshot, publishedBy: owner })
      for (const id of assignmentIds)
        await tx.insert(assignments).values({
          id,
          courseId,
          orgId,
          title: 'A',
          rubric: [{ id: 'all', title: 'All', description: '', maxPoints: 10 }],
          passPoints: 5,
          maxSubmissions: input.maxSubmissions ?? null,
        })
      await tx
        .insert(enrollments)
        .values({ id: enrollmentId, orgId, courseId, userId: learner, version: 1, source: 'grant' })
    })
    const as = async (userId: string, roles: string[]) => {
      const token = await signer.sign({ sub: userId, org: orgId, roles })
      return (method: 'GET' | 'POST' | 'PUT', url: string, payload?: Record<string, unknown>) =>
        app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}` },
          ...(payload ? { payload } : {}),
        })
    }
    return {
      courseId,
      enrollmentId,
      learner,
      assignmentIds,
      asLearner: await as(learner, ['learner']),
      asOwner: await as(owner, ['instructor']),
    }
  }

  it('concurrent submissions get distinct attempt numbers and never exceed maxSubmissions', async () => {
    const f = await fixture({ maxSubmissions: 3 })
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        f.asLearner('POST', `/assignments/${f.assignmentIds[0]!}/submissions`, { text: `try ${i}` }),
      ),
    )
    const statuses = results.map((r) => r.statusCode)
    expect(statuses.filter((s) => s === 201)).toHaveLength(3)
    expect(statuses.filter((s) => s === 409)).toHaveLength(9)
    const rows = await database.query<{ attempt_no: number }>(
      sql`select attempt_no from learning.submissions where assignment_id = ${f.assignmentIds[0]!} order by attempt_no`,
    )
    expect(rows.map((r) => r.attempt_no)).toEqual([1, 2, 3])
  })

  it('two passing grades finishing the course at the same time complete it exactly once', async () => {
    const f = await fixture({ count: 2 })
    const subs = await Promise.all(
      f.assignmentIds.map(async (id) =>
        (await f.asLearner('POST', `/assignments/${id}/submissions`, { text: 'x' })).json(),
      ),
    )
    const graded = await Promise.all(
      subs.map((s: { id: string }) =>
        f.asOwner('PUT', `/submissions/${s.id}/grade`, { scores: [{ criterionId: 'all', points: 9 }] }),
      ),
    )
    expect(graded.map((r) => r.statusCode)).toEqual([200, 200])
    const completed = await database.query(
      sql`select 1 from learning.outbox where type = 'learning.course.completed' and aggregate_id = ${f.enrollmentId}`,
    )
    expect(completed).toHaveLength(1)
    const [enrollment] = await database.query<{ progress_percent: number; completed_at: Date | null }>(
      sql`select progress_percent, completed_at from learning.enrollments where id = ${f.enrollmentId}`,
    )
    expect(enrollment).toMatchObject({ progress_percent: 100 })
    expect(enrollment!.completed_at).not.toBeNull()
  })

  it('concurrent course.completed deliveries for one enrollment issue one certificate and one signing key', async () => {
    const f = await fixture()
    const handler = certificateHandlers(deps)[0]!
    const payload = {
      enrollmentId: f.enrollmentId,
      courseId: f.courseId,
      userId: f.learner,
      courseVersion: 1,
      completedAt: new Date().toISOString(),
    }
    const deliver = () =>
      database.db.transaction(async (tx) => {
        const envelope = { id: uuid7(), type: 'learning.course.completed', orgId, traceparent: null, payload }
        await handler.handle(tx, payload, envelope as never, { log: deps.logger })
      })
    const settled = await Promise.allSettled(Array.from({ length: 6 }, deliver))
    // A delivery that lost the race may fail on the unique index; the consumer retries it, and the
    // retry finds the certificate and does nothing.
    for (const s of settled) if (s.status === 'rejected') await deliver()
    const certs = await database.query(
      sql`select 1 from learning.certificates where enrollment_id = ${f.enrollmentId}`,
    )
    expect(certs).toHaveLength(1)
    const issued = await database.query(
      sql`select 1 from learning.outbox where type = 'learning.certificate.issued' and envelope->'payload'->>'enrollmentId' = ${f.enrollmentId}`,
    )
    expect(issued).toHaveLength(1)
    const keys = await database.query(sql`select kid from learning.signing_keys`)
    expect(keys).toHaveLength(1)
  })
})
