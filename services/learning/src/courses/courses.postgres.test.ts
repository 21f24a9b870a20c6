// Concurrency on real PostgreSQL (PGlite is one connection and cannot race): every authoring write
// locks the course row first, so concurrent publishes make exactly one version, concurrent edits
// with the same If-Match let exactly one win, and concurrent inserts get distinct positions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { eq } from 'drizzle-orm'
import { createTokenVerifier, newId, sql, type App, type Database } from '@learnmesh/kernel'
import { createPostgresTestDatabase, createTestSigner, postgresAvailable } from '@learnmesh/kernel/testing'
import { buildApp } from '../app.ts'
import { loadLearningConfig } from '../config.ts'
import type { LearningDeps } from '../deps.ts'
import { learningService } from '../service.ts'
import { catalogEntries, courseVersions, lessons, sections } from '../db/schema.ts'

const pgUp = await postgresAvailable()

describe.skipIf(!pgUp.ok)('on PostgreSQL', () => {
  let database: Database & { drop(): Promise<void> }
  let app: App
  let sign: (userId: string, roles: string[]) => Promise<string>
  const orgId = newId('org')
  const instructor = newId('usr')
  const admin = newId('usr')

  beforeAll(async () => {
    database = await createPostgresTestDatabase(learningService.migrations)
    const signer = await createTestSigner()
    sign = (userId, roles) => signer.sign({ sub: userId, org: orgId, roles })
    const verifier = createTokenVerifier({
      jwks: signer.jwks,
      issuer: signer.issuer,
      audience: signer.audience,
    })
    const deps: LearningDeps = {
      database,
      config: loadLearningConfig({}),
      logger: pino({ level: 'silent' }),
      wakeRelay: () => {},
    }
    app = await buildApp(deps, { verifier })
    await app.ready()
  }, 60_000)
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  async function call(
    userId: string,
    roles: string[],
    method: 'GET' | 'POST' | 'PATCH' | 'PUT',
    url: string,
    payload?: object,
    headers: Record<string, string> = {},
  ) {
    return app.inject({
      method,
      url,
      ...(payload ? { payload: payload as Record<string, unknown> } : {}),
      headers: { authorization: `Bearer ${await sign(userId, roles)}`, ...headers },
    })
  }
  const asInstructor = (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT',
    url: string,
    payload?: object,
    headers?: Record<string, string>,
  ) => call(instructor, ['instructor'], method, url, payload, headers)
  const asAdmin = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object) =>
    call(admin, ['org_admin'], method, url, payload)

  async function courseWithLesson() {
    const c = (await asInstructor('POST', '/courses', { title: `PG ${newId('x').slice(-10)}` })).json()
    const s = (await asInstructor('POST', `/courses/${c.id}/sections`, { title: 'S' })).json()
    const l = await asInstructor('POST', `/courses/${c.id}/sections/${s.id}/lessons`, {
      type: 'text',
      title: 'L',
      content: { type: 'text', markdown: 'x' },
    })
    expect(l.statusCode, l.body).toBe(201)
    return { courseId: c.id as string, sectionId: s.id as string }
  }

  async function publishedEvents(courseId: string) {
    const rows = await database.query<{ n: number }>(
      sql`select count(*)::int as n from learning.outbox where type = 'learning.course.published' and envelope->'payload'->>'courseId' = ${courseId}`,
    )
    return rows[0]!.n
  }

  it('concurrent publishes of one draft make exactly one version, one catalog entry and one event', async () => {
    const { courseId } = await courseWithLesson()
    const results = await Promise.all(
      Array.from({ length: 8 }, () => asAdmin('POST', `/courses/${courseId}/publish`)),
    )
    const codes = results.map((r) => r.statusCode).sort()
    expect(codes).toEqual([200, 409, 409, 409, 409, 409, 409, 409])
    expect(
      await database.db.select().from(courseVersions).where(eq(courseVersions.courseId, courseId)),
    ).toHaveLength(1)
    expect(
      await database.db.select().from(catalogEntries).where(eq(catalogEntries.courseId, courseId)),
    ).toHaveLength(1)
    expect(await publishedEvents(courseId)).toBe(1)
    // An edit, then a second burst: version 2, once.
    await asInstructor('PATCH', `/courses/${courseId}`, { subtitle: 'v2' })
    const again = await Promise.all(
      Array.from({ length: 6 }, () => asAdmin('POST', `/courses/${courseId}/publish`)),
    )
    expect(again.filter((r) => r.statusCode === 200)).toHaveLength(1)
    const versions = await database.db
      .select()
      .from(courseVersions)
      .where(eq(courseVersions.courseId, courseId))
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2])
    expect(await publishedEvents(courseId)).toBe(2)
  })

  it('concurrent approvals and a concurrent withdrawal: one outcome wins, state stays consistent', async () => {
    const { courseId } = await courseWithLesson()
    expect((await asInstructor('POST', `/courses/${courseId}/submit`)).statusCode).toBe(200)
    const results = await Promise.all([
      asAdmin('POST', `/courses/${courseId}/approve`),
      asAdmin('POST', `/courses/${courseId}/approve`),
      asInstructor('POST', `/courses/${courseId}/withdraw`),
      asAdmin('POST', `/courses/${courseId}/approve`),
    ])
    const ok = results.filter((r) => r.statusCode === 200)
    expect(ok).toHaveLength(1)
    expect(results.filter((r) => r.statusCode === 409)).toHaveLength(3)
    const course = (await asInstructor('GET', `/courses/${courseId}`)).json()
    const versions = await database.db
      .select()
      .from(courseVersions)
      .where(eq(courseVersions.courseId, courseId))
    if (course.status === 'published') {
      expect(versions).toHaveLength(1)
    } else {
      expect(course).toMatchObject({ status: 'draft', review: { pending: false } })
      expect(versions).toHaveLength(0)
    }
  })

  it('concurrent edits with the same If-Match: exactly one wins, the rest get 409', async () => {
    const { courseId } = await courseWithLesson()
    const rev = (await asInstructor('GET', `/courses/${courseId}`)).json().revision as number
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        asInstructor('PATCH', `/courses/${courseId}`, { title: `Edit ${i}` }, { 'if-match': `"${rev}"` }),
      ),
    )
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1)
    expect(results.filter((r) => r.statusCode === 409)).toHaveLength(9)
    const after = (await asInstructor('GET', `/courses/${courseId}`)).json()
    expect(after.revision).toBe(rev + 1)
    expect(after.title).toBe(results.find((r) => r.statusCode === 200)!.json().title)
  })

  it('concurrent section and lesson inserts get distinct, dense positions; every change bumps the revision once', async () => {
    const { courseId, sectionId } = await courseWithLesson()
    const rev = (await asInstructor('GET', `/courses/${courseId}`)).json().revision as number
    const creates = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) =>
        asInstructor('POST', `/courses/${courseId}/sections`, { title: `S${i}` }),
      ),
      ...Array.from({ length: 6 }, (_, i) =>
        asInstructor('POST', `/courses/${courseId}/sections/${sectionId}/lessons`, {
          type: 'text',
          title: `L${i}`,
          content: { type: 'text', markdown: 'x' },
        }),
      ),
    ])
    expect(creates.every((r) => r.statusCode === 201)).toBe(true)
    const sectionPositions = (
      await database.db.select().from(sections).where(eq(sections.courseId, courseId))
    )
      .map((s) => s.position)
      .sort((a, b) => a - b)
    expect(sectionPositions).toEqual([0, 1, 2, 3, 4, 5, 6])
    const lessonPositions = (await database.db.select().from(lessons).where(eq(lessons.sectionId, sectionId)))
      .map((l) => l.position)
      .sort((a, b) => a - b)
    expect(lessonPositions).toEqual([0, 1, 2, 3, 4, 5, 6])
    const revisions = creates.map((r) => r.json().courseRevision as number).sort((a, b) => a - b)
    expect(revisions).toEqual(Array.from({ length: 12 }, (_, i) => rev + 1 + i))
  })

  it('a category deleted while a course is being put in it: never a course pointing at a deleted category', async () => {
    for (let i = 0; i < 5; i++) {
      const cat = await call(admin, ['org_admin'], 'POST', '/categories', {
        name: `Race ${newId('x').slice(-10)}`,
      })
      expect(cat.statusCode, cat.body).toBe(201)
      const c = (await asInstructor('POST', '/courses', { title: `PG cat ${newId('x').slice(-10)}` })).json()
      const [patch, del] = await Promise.all([
        asInstructor('PATCH', `/courses/${c.id}`, { categoryId: cat.json().id }),
        app.inject({
          method: 'DELETE',
          url: `/categories/${cat.json().id}`,
          headers: { authorization: `Bearer ${await sign(admin, ['org_admin'])}` },
        }),
      ])
      const outcome = `${patch.statusCode}/${del.statusCode}`
      expect(['200/409', '422/204']).toContain(outcome)
    }
  })

  it('concurrent reorders and a lesson move keep every section dense and every lesson placed once', async () => {
    const c = (await asInstructor('POST', '/courses', { title: `PG reorder ${newId('x').slice(-8)}` })).json()
    const s1 = (await asInstructor('POST', `/courses/${c.id}/sections`, { title: 'A' })).json()
    const s2 = (await asInstructor('POST', `/courses/${c.id}/sections`, { title: 'B' })).json()
    const ids: string[] = []
    for (let i = 0; i < 4; i++)
      ids.push(
        (
          await asInstructor('POST', `/courses/${c.id}/sections/${s1.id}/lessons`, {
            type: 'text',
            title: `L${i}`,
            content: { type: 'text', markdown: 'x' },
          })
        ).json().id,
      )
    const results = await Promise.all([
      asInstructor('PUT', `/courses/${c.id}/sections/${s1.id}/lessons/order`, {
        lessonIds: [...ids].reverse(),
      }),
      asInstructor('POST', `/courses/${c.id}/lessons/${ids[1]}/move`, { sectionId: s2.id }),
      asInstructor('PUT', `/courses/${c.id}/sections/${s1.id}/lessons/order`, { lessonIds: ids }),
      asInstructor('PUT', `/courses/${c.id}/sections/order`, { sectionIds: [s2.id, s1.id] }),
    ])
    // A reorder that ran after the move no longer lists the section's lessons: 400, nothing changed.
    for (const r of results) expect([200, 400]).toContain(r.statusCode)
    const rows = await database.db.select().from(lessons).where(eq(lessons.courseId, c.id))
    expect(rows.map((l) => l.id).sort()).toEqual([...ids].sort())
    for (const sid of [s1.id, s2.id]) {
      const positions = rows
        .filter((l) => l.sectionId === sid)
        .map((l) => l.position)
        .sort((a, b) => a - b)
      expect(positions).toEqual(positions.map((_, i) => i))
    }
    expect(rows.find((l) => l.id === ids[1])!.sectionId).toBe(s2.id)
  })
})
