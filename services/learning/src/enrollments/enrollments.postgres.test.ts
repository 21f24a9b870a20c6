// Concurrency on real PostgreSQL (PGlite is one connection and cannot race): cohort capacity,
// the unique (course, user) key under concurrent enrollments and paid orders, and the heartbeat
// flush statement on PostgreSQL 15.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import {
  consume,
  createTokenVerifier,
  newId,
  outboxChannel,
  sql,
  uuid7,
  type App,
  type Database,
} from '@learnmesh/kernel'
import type { Envelope } from '@learnmesh/contracts'
import {
  countStatements,
  createPostgresTestDatabase,
  createTestSigner,
  listStatements,
  postgresAvailable,
} from '@learnmesh/kernel/testing'
import { buildApp } from '../app.ts'
import { loadLearningConfig } from '../config.ts'
import type { LearningDeps } from '../deps.ts'
import { learningService } from '../service.ts'
import { catalogEntries, courses, courseVersions, inbox } from '../db/schema.ts'
import type { CourseSnapshot } from '../shared/snapshot.ts'
import { heartbeatBufferOf } from '../progress/progress.routes.ts'
import { enrollmentHandlers } from './enrollments.handlers.ts'

const pgUp = await postgresAvailable()

describe.skipIf(!pgUp.ok)('on PostgreSQL', () => {
  let database: Database & { drop(): Promise<void> }
  let app: App
  let deliver: (e: Envelope) => Promise<void>
  let sign: (userId: string, orgId: string, roles?: string[]) => Promise<string>
  const orgId = newId('org')

  beforeAll(async () => {
    database = await createPostgresTestDatabase(learningService.migrations)
    const signer = await createTestSigner()
    sign = (userId, org, roles = ['learner']) => signer.sign({ sub: userId, org, roles })
    const verifier = createTokenVerifier({
      jwks: signer.jwks,
      issuer: signer.issuer,
      audience: signer.audience,
    })
    const deps: LearningDeps = {
      database,
      config: loadLearningConfig({ HEARTBEAT_FLUSH_MS: '10000' }),
      logger: pino({ level: 'silent' }),
      wakeRelay: () => {},
    }
    app = await buildApp(deps, { verifier })
    await app.ready()
    consume({
      consumer: 'learning',
      database,
      inbox,
      transport: {
        publish: async () => {},
        subscribe: (_c, _t, handle) => {
          deliver = handle
        },
        close: async () => {},
      },
      logger: deps.logger,
      handlers: enrollmentHandlers(deps),
    })
  }, 60_000)
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  async function publishedCourse(priceMinor = 0) {
    const courseId = newId('crs')
    const lessonId = newId('les')
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
      instructorIds: [],
      sections: [
        {
          id: newId('sec'),
          title: 'S',
          lessons: [
            {
              id: lessonId,
              title: 'Video',
              type: 'video',
              durationSeconds: 100,
              content: {
                type: 'video',
                url: 'https://v.test/a.mp4',
                durationSeconds: 100,
                completionThreshold: 0.9,
              },
              prerequisiteIds: [],
              isPreview: false,
            },
          ],
        },
      ],
    }
    const slug = `c-${courseId.slice(-12)}`
    await database.db.insert(courses).values({
      id: courseId,
      orgId,
      slug,
      title: 'PG course',
      ownerId: newId('usr'),
      status: 'published',
      publishedVersion: 1,
      priceMinor,
    })
    await database.db
      .insert(courseVersions)
      .values({ courseId, version: 1, orgId, snapshot, publishedBy: 'usr_x' })
    await database.db.insert(catalogEntries).values({
      courseId,
      orgId,
      visibility: 'public',
      slug,
      title: 'PG course',
      subtitle: '',
      description: '',
      tags: [],
      level: 'beginner',
      language: 'en',
      priceMinor,
      currency: 'USD',
      version: 1,
      publishedAt: new Date(),
    })
    return { courseId, lessonId }
  }

  async function call(
    userId: string,
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
    roles?: string[],
  ) {
    return app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${await sign(userId, orgId, roles)}` },
      ...(payload ? { payload } : {}),
    })
  }
  const count = async (q: ReturnType<typeof sql>) => (await database.query<{ n: number }>(q))[0]!.n

  it('cohort capacity holds under 20 concurrent enrollments', async () => {
    const { courseId } = await publishedCourse()
    const cohortId = newId('coh')
    await database.query(
      sql`insert into learning.cohorts (id, course_id, org_id, name, starts_at, capacity) values (${cohortId}, ${courseId}, ${orgId}, 'C', now(), 5)`,
    )
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call(newId('usr'), 'POST', '/enrollments', { courseId, cohortId })),
    )
    const codes = results.map((r) => r.statusCode).sort()
    expect(codes.filter((c) => c === 201)).toHaveLength(5)
    expect(codes.filter((c) => c === 409)).toHaveLength(15)
    expect(
      await count(sql`select count(*)::int n from learning.enrollments where cohort_id = ${cohortId}`),
    ).toBe(5)
    expect(
      await count(sql`select enrollment_count n from learning.catalog_entries where course_id = ${courseId}`),
    ).toBe(5)
  })

  it('one user enrolling 8 times at once gets one enrollment, created once', async () => {
    const { courseId } = await publishedCourse()
    const userId = newId('usr')
    const results = await Promise.all(
      Array.from({ length: 8 }, () => call(userId, 'POST', '/enrollments', { courseId })),
    )
    expect(results.map((r) => r.statusCode).filter((c) => c === 201)).toHaveLength(1)
    expect(results.every((r) => r.statusCode === 200 || r.statusCode === 201)).toBe(true)
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1)
    expect(
      await count(sql`select count(*)::int n from learning.enrollments where course_id = ${courseId}`),
    ).toBe(1)
    expect(
      await count(
        sql`select count(*)::int n from learning.outbox where type = 'learning.enrollment.created' and envelope->'payload'->>'courseId' = ${courseId}`,
      ),
    ).toBe(1)
  })

  it('two different paid orders for the same course delivered concurrently create one enrollment', async () => {
    const { courseId } = await publishedCourse(4900)
    const userId = newId('usr')
    const order = (): Envelope => ({
      id: uuid7(),
      type: 'commerce.order.paid',
      version: 1,
      occurredAt: new Date().toISOString(),
      producer: 'commerce',
      orgId,
      traceparent: null,
      payload: {
        orderId: newId('ord'),
        userId,
        currency: 'USD',
        totalMinor: 4900,
        items: [
          {
            productType: 'course',
            productRef: courseId,
            quantity: 1,
            amountMinor: 4900,
            orderItemId: 'oit_pg1',
            lessonCount: 1,
          },
        ],
        paidAt: new Date().toISOString(),
      },
    })
    const paid = order()
    await Promise.all(
      [deliver(paid), deliver(paid), deliver(order()), deliver(order())].map((p) => p.catch((e) => e)),
    )
    expect(
      await count(sql`select count(*)::int n from learning.enrollments where course_id = ${courseId}`),
    ).toBe(1)
    // Counted and announced once, however many orders raced.
    expect(
      await count(
        sql`select enrollment_count::int n from learning.catalog_entries where course_id = ${courseId}`,
      ),
    ).toBe(1)
    expect(
      await count(
        sql`select count(*)::int n from learning.outbox where type = 'learning.enrollment.created' and envelope->'payload'->>'courseId' = ${courseId}`,
      ),
    ).toBe(1)

    // The checkout's hot path: a new paid enrollment is ONE statement in the consumer's transaction
    // (row, catalog count and event together), with no NOTIFY.
    const other = newId('usr')
    let relayWakes = 0 // the service's relay, as its runtime registers it
    const unsubscribe = database.onOutboxCommit(outboxChannel('learning'), () => void relayWakes++)
    let statements: string[]
    try {
      const next = order()
      ;({ statements } = await countStatements(() =>
        deliver({ ...next, payload: { ...(next.payload as object), userId: other } }),
      ))
    } finally {
      unsubscribe()
    }
    expect(relayWakes).toBe(1)
    const listed = listStatements(statements)
    // begin with the inbox insert (kernel: deferred begin), the course, the enrollment (+ count +
    // event), commit
    expect(statements, listed).toHaveLength(4)
    expect(statements[0], listed).toMatch(/^begin; insert into "learning"\."inbox"/)
    expect(
      statements.some((t) => t.includes('pg_notify')),
      listed,
    ).toBe(false)
    expect(
      await count(
        sql`select enrollment_count::int n from learning.catalog_entries where course_id = ${courseId}`,
      ),
    ).toBe(2)
  })

  it('the heartbeat flush is one statement on PostgreSQL and completes watched videos', async () => {
    const { courseId, lessonId } = await publishedCourse()
    const users = Array.from({ length: 30 }, () => newId('usr'))
    for (const u of users) expect((await call(u, 'POST', '/enrollments', { courseId })).statusCode).toBe(201)
    const buffer = heartbeatBufferOf(app)!
    const before = buffer.stats()
    await Promise.all(
      users.flatMap((u, i) =>
        [10, 20, i % 2 ? 95 : 30].map((p) =>
          call(u, 'POST', '/progress/heartbeats', { courseId, lessonId, positionSeconds: p }),
        ),
      ),
    )
    await buffer.flush()
    const after = buffer.stats()
    expect(after.statements - before.statements).toBe(1)
    expect(after.rows - before.rows).toBe(30)
    expect(after.completions - before.completions).toBe(15)
    expect(
      await count(
        sql`select count(*)::int n from learning.lesson_progress lp join learning.enrollments e on e.id = lp.enrollment_id where e.course_id = ${courseId} and lp.completed_at is not null`,
      ),
    ).toBe(15)
    expect(
      await count(
        sql`select count(*)::int n from learning.enrollments where course_id = ${courseId} and last_lesson_id = ${lessonId}`,
      ),
    ).toBe(30)
  })
})
