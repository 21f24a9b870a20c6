import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { newId } from '@learnmesh/kernel'
import { createTestLearning, type TestLearning, type TestUser } from '../test-helpers.ts'
import {
  assignments,
  catalogEntries,
  categories,
  courseInstructors,
  courses,
  courseVersions,
  enrollments,
  lessons,
  quizzes,
  sections,
} from '../db/schema.ts'

let t: TestLearning
beforeAll(async () => {
  t = await createTestLearning()
})
afterAll(() => t.close())

const instructor = (org?: string) => t.user(['instructor'], org)
const orgAdmin = (org?: string) => t.user(['org_admin'], org)

/** Creates a course as `u` and returns its JSON. */
async function course(u: TestUser, body: Record<string, unknown> = {}) {
  const res = await t.call(u, 'POST', '/courses', { title: `Course ${newId('x').slice(-8)}`, ...body })
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { id: string; slug: string; revision: number; [k: string]: unknown }
}

async function section(u: TestUser, courseId: string, title = 'Section') {
  const res = await t.call(u, 'POST', `/courses/${courseId}/sections`, { title })
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { id: string; courseRevision: number }
}

const text = (title = 'Reading') => ({ type: 'text', title, content: { type: 'text', markdown: '# Hi' } })
const video = (title = 'Video', durationSeconds = 300) => ({
  type: 'video',
  title,
  content: { type: 'video', url: 'https://media.example.test/v.mp4', durationSeconds },
})

async function lesson(
  u: TestUser,
  courseId: string,
  sectionId: string,
  body: Record<string, unknown> = text(),
) {
  const res = await t.call(u, 'POST', `/courses/${courseId}/sections/${sectionId}/lessons`, body)
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { id: string; courseRevision: number; position: number; sectionId: string }
}

/** A course with one section of `n` text lessons. */
async function courseWithLessons(u: TestUser, n = 2, body: Record<string, unknown> = {}) {
  const c = await course(u, body)
  const s = await section(u, c.id)
  const ls = []
  for (let i = 0; i < n; i++) ls.push(await lesson(u, c.id, s.id, text(`L${i}`)))
  return { courseId: c.id, sectionId: s.id, lessonIds: ls.map((l) => l.id) }
}

async function tree(u: TestUser, courseId: string) {
  const res = await t.call(u, 'GET', `/courses/${courseId}`)
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

/** Everything stored about a course plus the outbox size: compare before/after a refused request. */
async function state(courseId: string) {
  const [c] = await t.db.select().from(courses).where(eq(courses.id, courseId))
  return JSON.stringify({
    course: c ?? null,
    sections: await t.db.select().from(sections).where(eq(sections.courseId, courseId)).orderBy(sections.id),
    lessons: await t.db.select().from(lessons).where(eq(lessons.courseId, courseId)).orderBy(lessons.id),
    instructors: await t.db
      .select()
      .from(courseInstructors)
      .where(eq(courseInstructors.courseId, courseId))
      .orderBy(courseInstructors.userId),
    versions: await t.db.select().from(courseVersions).where(eq(courseVersions.courseId, courseId)),
    catalog: await t.db
      .select({
        v: catalogEntries.version,
        title: catalogEntries.title,
        names: catalogEntries.instructorNames,
      })
      .from(catalogEntries)
      .where(eq(catalogEntries.courseId, courseId)),
    outbox: (await t.events()).length,
  })
}

async function insertQuiz(courseId: string, orgId: string) {
  const id = newId('quz')
  await t.db.insert(quizzes).values({ id, courseId, orgId, title: 'Quiz' })
  return id
}

async function insertAssignment(courseId: string, orgId: string) {
  const id = newId('asg')
  await t.db.insert(assignments).values({ id, courseId, orgId, title: 'Essay' })
  return id
}

async function insertCategory(orgId: string, name = 'Data Science') {
  const id = newId('cat')
  await t.db
    .insert(categories)
    .values({ id, orgId, slug: `${name.toLowerCase().replace(/\W+/g, '-')}-${id.slice(-6)}`, name })
  return id
}

describe('happy', () => {
  it('an instructor creates a draft: slug from the title, defaults, ETag, owner row', async () => {
    const u = instructor()
    const res = await t.call(u, 'POST', '/courses', { title: '  Café Culture: Brewing 101!  ' })
    expect(res.statusCode).toBe(201)
    expect(res.headers.etag).toBe('"1"')
    expect(res.json()).toMatchObject({
      slug: 'cafe-culture-brewing-101',
      title: 'Café Culture: Brewing 101!',
      status: 'draft',
      level: 'all_levels',
      language: 'en',
      currency: 'USD',
      priceMinor: 0,
      visibility: 'public',
      ownerId: u.userId,
      orgId: t.orgA,
      publishedVersion: 0,
      revision: 1,
      myRole: 'owner',
      review: { pending: false, note: null },
    })
    const [owner] = await t.db
      .select()
      .from(courseInstructors)
      .where(eq(courseInstructors.courseId, res.json().id))
    expect(owner).toMatchObject({ userId: u.userId, role: 'owner', orgId: t.orgA })
  })

  it('org admins create courses too, and the same slug is free in another organization', async () => {
    const a = orgAdmin()
    const b = orgAdmin(t.orgB)
    const title = `Shared Title ${newId('x').slice(-6)}`
    expect((await t.call(a, 'POST', '/courses', { title })).statusCode).toBe(201)
    expect((await t.call(b, 'POST', '/courses', { title })).statusCode).toBe(201)
  })

  it('updates metadata: normalized tags, canonical language, currency, category; revision bumps', async () => {
    const u = instructor()
    const c = await course(u)
    const categoryId = await insertCategory(t.orgA)
    const res = await t.call(
      u,
      'PATCH',
      `/courses/${c.id}`,
      {
        title: 'New title',
        subtitle: ' Learn fast ',
        description: 'Long **markdown**',
        categoryId,
        tags: [' Machine  Learning ', 'machine learning', 'PYTHON', ''],
        level: 'intermediate',
        language: 'pt-br',
        priceMinor: 4999,
        currency: 'eur',
        visibility: 'org',
      },
      { 'if-match': '"1"' },
    )
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers.etag).toBe('"2"')
    expect(res.json()).toMatchObject({
      title: 'New title',
      subtitle: 'Learn fast',
      slug: c.slug, // the slug does not follow the title
      categoryId,
      tags: ['machine learning', 'python'],
      level: 'intermediate',
      language: 'pt-BR',
      priceMinor: 4999,
      currency: 'EUR',
      visibility: 'org',
      revision: 2,
      hasUnpublishedChanges: true,
    })
    expect(Date.parse(res.json().updatedAt)).toBeGreaterThanOrEqual(Date.parse(c.updatedAt as string))
    // The revision can come in the body instead of If-Match; a category can be cleared.
    const again = await t.call(u, 'PATCH', `/courses/${c.id}`, { categoryId: null, revision: 2 })
    expect(again.json()).toMatchObject({ categoryId: null, revision: 3 })
  })

  it('builds sections and lessons of every type; the tree has them in order with content', async () => {
    const u = instructor()
    const c = await course(u)
    const s1 = await section(u, c.id, 'Basics')
    const s2 = await section(u, c.id, 'Practice')
    const quizId = await insertQuiz(c.id, t.orgA)
    const assignmentId = await insertAssignment(c.id, t.orgA)
    const v = await lesson(u, c.id, s1.id, video('Intro', 420))
    const r = await lesson(u, c.id, s1.id, text('Read me'))
    const q = await lesson(u, c.id, s2.id, {
      type: 'quiz',
      title: 'Check',
      content: { type: 'quiz', quizId },
    })
    const a = await lesson(u, c.id, s2.id, {
      type: 'assignment',
      title: 'Essay',
      durationSeconds: 1800,
      content: { type: 'assignment', assignmentId },
      prerequisiteIds: [q.id],
    })
    const f = await lesson(u, c.id, s2.id, {
      type: 'resource',
      title: 'Slides',
      isPreview: true,
      content: { type: 'resource', url: 'https://media.example.test/s.pdf', fileName: 's.pdf' },
    })
    expect(f.courseRevision).toBe(8)
    const res = await t.call(u, 'GET', `/courses/${c.id}`)
    expect(res.headers.etag).toBe('"8"')
    const body = res.json()
    expect(body.sections.map((s: { title: string }) => s.title)).toEqual(['Basics', 'Practice'])
    expect(body.sections[0].lessons.map((l: { id: string }) => l.id)).toEqual([v.id, r.id])
    expect(body.sections[1].lessons.map((l: { id: string }) => l.id)).toEqual([q.id, a.id, f.id])
    expect(body.sections[0].lessons[0]).toMatchObject({
      type: 'video',
      durationSeconds: 420, // defaults to the video's length
      content: { type: 'video', durationSeconds: 420, completionThreshold: 0.9 },
    })
    expect(body.sections[1].lessons[1]).toMatchObject({ prerequisiteIds: [q.id], durationSeconds: 1800 })
    expect(body.sections[1].lessons[2]).toMatchObject({
      isPreview: true,
      content: { type: 'resource', fileName: 's.pdf', sizeBytes: null },
    })
    expect(body).toMatchObject({ lessonCount: 5, durationSeconds: 2220, revision: 8 })
    expect(body.instructors).toEqual([
      expect.objectContaining({ userId: u.userId, role: 'owner', displayName: '' }),
    ])
  })

  it('renames sections and updates lessons (title, content, duration, preview, prerequisites)', async () => {
    const u = instructor()
    const { courseId, sectionId, lessonIds } = await courseWithLessons(u, 3)
    const ren = await t.call(u, 'PATCH', `/courses/${courseId}/sections/${sectionId}`, { title: 'Renamed' })
    expect(ren.json()).toMatchObject({ title: 'Renamed', courseRevision: 6 })
    expect(ren.json().lessons).toHaveLength(3)
    const upd = await t.call(u, 'PATCH', `/courses/${courseId}/lessons/${lessonIds[2]}`, {
      title: 'Third',
      content: { type: 'text', markdown: 'changed' },
      durationSeconds: 60,
      isPreview: true,
      prerequisiteIds: [lessonIds[0], lessonIds[1]],
    })
    expect(upd.statusCode, upd.body).toBe(200)
    expect(upd.json()).toMatchObject({
      title: 'Third',
      content: { type: 'text', markdown: 'changed' },
      durationSeconds: 60,
      isPreview: true,
      prerequisiteIds: [lessonIds[0], lessonIds[1]],
      courseRevision: 7,
    })
    // A chain is fine: 1 requires 0 (2 already requires both).
    const chain = await t.call(u, 'PATCH', `/courses/${courseId}/lessons/${lessonIds[1]}`, {
      prerequisiteIds: [lessonIds[0]],
    })
    expect(chain.statusCode, chain.body).toBe(200)
  })

  it('reorders sections and lessons, and moves a lesson across sections at a position', async () => {
    const u = instructor()
    const c = await course(u)
    const s1 = await section(u, c.id, 'A')
    const s2 = await section(u, c.id, 'B')
    const s3 = await section(u, c.id, 'C')
    const a = [await lesson(u, c.id, s1.id), await lesson(u, c.id, s1.id), await lesson(u, c.id, s1.id)]
    const b = [await lesson(u, c.id, s2.id)]
    const so = await t.call(u, 'PUT', `/courses/${c.id}/sections/order`, {
      sectionIds: [s3.id, s1.id, s2.id],
    })
    expect(so.statusCode, so.body).toBe(200)
    expect(so.json().ids).toEqual([s3.id, s1.id, s2.id])
    const lo = await t.call(u, 'PUT', `/courses/${c.id}/sections/${s1.id}/lessons/order`, {
      lessonIds: [a[2]!.id, a[0]!.id, a[1]!.id],
    })
    expect(lo.statusCode, lo.body).toBe(200)
    const mv = await t.call(u, 'POST', `/courses/${c.id}/lessons/${a[0]!.id}/move`, {
      sectionId: s2.id,
      position: 0,
    })
    expect(mv.statusCode, mv.body).toBe(200)
    expect(mv.json()).toMatchObject({ sectionId: s2.id, position: 0 })
    // Moving to the end of an empty section without a position.
    const toEnd = await t.call(u, 'POST', `/courses/${c.id}/lessons/${a[1]!.id}/move`, { sectionId: s3.id })
    expect(toEnd.json()).toMatchObject({ sectionId: s3.id, position: 0 })
    // Moving inside the same section.
    const within = await t.call(u, 'POST', `/courses/${c.id}/lessons/${b[0]!.id}/move`, {
      sectionId: s2.id,
      position: 0,
    })
    expect(within.json()).toMatchObject({ position: 0 })
    const body = await tree(u, c.id)
    const outline = body.sections.map((s: { id: string; lessons: { id: string; position: number }[] }) => ({
      id: s.id,
      lessons: s.lessons.map((l) => l.id),
      positions: s.lessons.map((l) => l.position),
    }))
    expect(outline).toEqual([
      { id: s3.id, lessons: [a[1]!.id], positions: [0] },
      { id: s1.id, lessons: [a[2]!.id], positions: [0] },
      { id: s2.id, lessons: [b[0]!.id, a[0]!.id], positions: [0, 1] },
    ])
    expect(body.sections.map((s: { position: number }) => s.position)).toEqual([0, 1, 2])
  })

  it('deleting a lesson or a section drops it from prerequisites and renumbers positions', async () => {
    const u = instructor()
    const c = await course(u)
    const s1 = await section(u, c.id)
    const s2 = await section(u, c.id)
    const s3 = await section(u, c.id)
    const l0 = await lesson(u, c.id, s1.id)
    const l1 = await lesson(u, c.id, s1.id)
    const l2 = await lesson(u, c.id, s1.id)
    const x = await lesson(u, c.id, s2.id)
    const last = await lesson(u, c.id, s3.id, { ...text(), prerequisiteIds: [l1.id, x.id, l0.id] })
    const del = await t.call(u, 'DELETE', `/courses/${c.id}/lessons/${l1.id}`)
    expect(del.statusCode).toBe(204)
    expect(del.headers.etag).toBe(`"${last.courseRevision + 1}"`)
    const delS = await t.call(u, 'DELETE', `/courses/${c.id}/sections/${s2.id}`)
    expect(delS.statusCode).toBe(204)
    const body = await tree(u, c.id)
    expect(body.sections.map((s: { id: string; position: number }) => [s.id, s.position])).toEqual([
      [s1.id, 0],
      [s3.id, 1],
    ])
    expect(body.sections[0].lessons.map((l: { id: string; position: number }) => [l.id, l.position])).toEqual(
      [
        [l0.id, 0],
        [l2.id, 1],
      ],
    )
    expect(body.sections[1].lessons[0].prerequisiteIds).toEqual([l0.id])
    expect(await t.db.select().from(lessons).where(eq(lessons.id, x.id))).toEqual([])
  })

  it('lists my courses (owned and co-taught) with keyset pagination; org admins see all', async () => {
    const me = instructor()
    const other = instructor()
    await t.person(me, 'Me')
    const mine = [await course(me), await course(me), await course(me)]
    const theirs = await course(other)
    await t.call(other, 'POST', `/courses/${theirs.id}/instructors`, { userId: me.userId })
    const notMine = await course(other)
    const first = await t.call(me, 'GET', '/courses?limit=2')
    expect(first.statusCode).toBe(200)
    const p1 = first.json()
    expect(p1.items).toHaveLength(2)
    expect(p1.nextCursor).toBeTruthy()
    const p2 = (await t.call(me, 'GET', `/courses?limit=2&after=${p1.nextCursor}`)).json()
    expect(p2.nextCursor).toBeNull()
    const ids = [...p1.items, ...p2.items].map((c: { id: string }) => c.id)
    expect(ids).toEqual([theirs.id, ...mine.map((c) => c.id).reverse()]) // newest first
    expect(ids).not.toContain(notMine.id)
    expect(p1.items[0]).toMatchObject({ id: theirs.id, myRole: 'co_instructor' })
    const adminIds = [] as string[]
    let cursor: string | null = null
    const admin = orgAdmin()
    do {
      const page: { items: { id: string; myRole: string; orgId: string }[]; nextCursor: string | null } = (
        await t.call(admin, 'GET', `/courses?limit=50${cursor ? `&after=${cursor}` : ''}`)
      ).json()
      adminIds.push(...page.items.map((c: { id: string; myRole: string }) => c.id))
      expect(
        page.items.every(
          (c: { myRole: string; orgId: string }) => c.myRole === 'admin' && c.orgId === t.orgA,
        ),
      ).toBe(true)
      cursor = page.nextCursor
    } while (cursor)
    expect(adminIds).toEqual(expect.arrayContaining([...ids, notMine.id]))
    const drafts = (await t.call(me, 'GET', '/courses?status=published')).json()
    expect(drafts.items).toEqual([])
  })

  it('review workflow: submit → in_review, org admin approves → version 1, catalog entry, event', async () => {
    const u = instructor()
    const co = instructor()
    await t.person(u, 'Ada Lovelace')
    const categoryId = await insertCategory(t.orgA, 'Mathematics')
    const c = await course(u, {
      title: 'Analytical Engines',
      categoryId,
      tags: ['History'],
      priceMinor: 1500,
    })
    await t.call(u, 'POST', `/courses/${c.id}/instructors`, { userId: co.userId }) // 422: co not a person yet
    await t.person(co, 'Charles Babbage')
    expect((await t.call(u, 'POST', `/courses/${c.id}/instructors`, { userId: co.userId })).statusCode).toBe(
      201,
    )
    const s = await section(u, c.id)
    await lesson(u, c.id, s.id, video('One', 100))
    await lesson(u, c.id, s.id, { ...text('Two'), durationSeconds: 50 })
    const submitted = await t.call(u, 'POST', `/courses/${c.id}/submit`)
    expect(submitted.statusCode, submitted.body).toBe(200)
    expect(submitted.json()).toMatchObject({
      status: 'in_review',
      review: { pending: true, requestedBy: u.userId },
    })
    // The instructor cannot publish: review is required by default.
    expect((await t.call(u, 'POST', `/courses/${c.id}/publish`)).statusCode).toBe(403)
    const queue = (await t.call(orgAdmin(), 'GET', '/courses?review=pending&limit=100')).json()
    expect(queue.items.map((x: { id: string }) => x.id)).toContain(c.id)
    const wakes = t.wakes()
    const admin = orgAdmin()
    const approved = await t.call(admin, 'POST', `/courses/${c.id}/approve`)
    expect(approved.statusCode, approved.body).toBe(200)
    expect(approved.json()).toMatchObject({
      status: 'published',
      publishedVersion: 1,
      hasUnpublishedChanges: false,
      review: { pending: false, requestedAt: null },
    })
    expect(t.wakes()).toBe(wakes + 1)
    const [v1] = await t.db.select().from(courseVersions).where(eq(courseVersions.courseId, c.id))
    expect(v1).toMatchObject({ version: 1, publishedBy: admin.userId, orgId: t.orgA })
    expect(v1!.snapshot).toMatchObject({
      courseId: c.id,
      version: 1,
      title: 'Analytical Engines',
      categoryId,
      tags: ['history'],
      instructorIds: [u.userId, co.userId],
    })
    expect(v1!.snapshot.sections[0]!.lessons.map((l) => l.title)).toEqual(['One', 'Two'])
    const [entry] = await t.db.select().from(catalogEntries).where(eq(catalogEntries.courseId, c.id))
    expect(entry).toMatchObject({
      orgId: t.orgA,
      slug: c.slug,
      title: 'Analytical Engines',
      categoryId,
      categoryName: 'Mathematics',
      instructorNames: ['Ada Lovelace', 'Charles Babbage'],
      lessonCount: 2,
      durationSeconds: 150,
      priceMinor: 1500,
      version: 1,
      rating: 0,
      enrollmentCount: 0,
    })
    expect(entry!.categorySlug).toMatch(/^mathematics-/)
    const events = (await t.events('learning.course.published')).filter((e) => e.payload.courseId === c.id)
    expect(events).toEqual([
      {
        type: 'learning.course.published',
        payload: {
          courseId: c.id,
          version: 1,
          slug: c.slug,
          title: 'Analytical Engines',
          visibility: 'public',
          ownerId: u.userId,
          instructorIds: [u.userId, co.userId],
          priceMinor: 1500,
          currency: 'USD',
          publishedBy: admin.userId,
        },
      },
    ])
  })

  it('a rejection sends the draft back with a note; the instructor edits, withdraws and resubmits', async () => {
    const u = instructor()
    const { courseId } = await courseWithLessons(u, 1)
    await t.call(u, 'POST', `/courses/${courseId}/submit`)
    const rejected = await t.call(orgAdmin(), 'POST', `/courses/${courseId}/reject`, {
      note: 'Add a summary',
    })
    expect(rejected.statusCode, rejected.body).toBe(200)
    expect(rejected.json()).toMatchObject({
      status: 'draft',
      review: { pending: false, note: 'Add a summary' },
    })
    expect((await t.call(u, 'PATCH', `/courses/${courseId}`, { subtitle: 'Summary' })).statusCode).toBe(200)
    expect((await t.call(u, 'POST', `/courses/${courseId}/submit`)).json().status).toBe('in_review')
    const withdrawn = await t.call(u, 'POST', `/courses/${courseId}/withdraw`)
    expect(withdrawn.json()).toMatchObject({ status: 'draft', review: { pending: false } })
    expect((await t.call(u, 'PATCH', `/courses/${courseId}`, { subtitle: 'Again' })).statusCode).toBe(200)
    expect(await t.db.select().from(courseVersions).where(eq(courseVersions.courseId, courseId))).toEqual([])
  })

  it('org admins publish directly, without a review', async () => {
    const u = instructor()
    const { courseId } = await courseWithLessons(u, 1)
    const res = await t.call(orgAdmin(), 'POST', `/courses/${courseId}/publish`)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ status: 'published', publishedVersion: 1, myRole: 'admin' })
  })

  it('a new publish keeps enrolled learners on their version and the catalog counters', async () => {
    const owner = instructor()
    const { courseId, lessonIds, snapshot } = await t.publishedCourse(owner, { title: 'Version One' })
    const learner = t.user(['learner'])
    const enrollment = await t.enroll(learner, courseId)
    await t.db
      .update(catalogEntries)
      .set({ rating: 4.5, ratingCount: 10, enrollmentCount: 42 })
      .where(eq(catalogEntries.courseId, courseId))
    // Edit the draft of a published course: the catalog keeps showing version 1.
    const edited = await t.call(owner, 'PATCH', `/courses/${courseId}`, { title: 'Version Two' })
    expect(edited.json()).toMatchObject({
      status: 'published',
      hasUnpublishedChanges: true,
      publishedVersion: 1,
    })
    await t.call(owner, 'DELETE', `/courses/${courseId}/lessons/${lessonIds[0]}`)
    const [before] = await t.db.select().from(catalogEntries).where(eq(catalogEntries.courseId, courseId))
    expect(before).toMatchObject({ title: `Version One`, version: 1 })
    const published = await t.call(orgAdmin(), 'POST', `/courses/${courseId}/publish`)
    expect(published.json()).toMatchObject({ publishedVersion: 2, hasUnpublishedChanges: false })
    const [after] = await t.db.select().from(catalogEntries).where(eq(catalogEntries.courseId, courseId))
    expect(after).toMatchObject({
      title: 'Version Two',
      version: 2,
      lessonCount: 1,
      rating: 4.5,
      ratingCount: 10,
      enrollmentCount: 42,
    })
    const [pinned] = await t.db.select().from(enrollments).where(eq(enrollments.id, enrollment.id))
    expect(pinned!.version).toBe(1)
    const [v1] = await t.db
      .select()
      .from(courseVersions)
      .where(eq(courseVersions.courseId, courseId))
      .orderBy(courseVersions.version)
    expect(v1!.snapshot).toEqual(snapshot) // version 1 is immutable
    const versions = (await t.call(owner, 'GET', `/courses/${courseId}/versions`)).json()
    expect(
      versions.items.map((v: { version: number; lessonCount: number }) => [v.version, v.lessonCount]),
    ).toEqual([
      [2, 1],
      [1, 2],
    ])
    const one = await t.call(owner, 'GET', `/courses/${courseId}/versions/1`)
    expect(one.json().snapshot).toEqual(snapshot)
  })

  it('a category change in the draft reaches the catalog only at the next publish', async () => {
    const owner = instructor()
    const { courseId } = await t.publishedCourse(owner)
    const categoryId = await insertCategory(t.orgA, 'Physics')
    await t.call(owner, 'PATCH', `/courses/${courseId}`, { categoryId, tags: ['Optics'] })
    const [before] = await t.db.select().from(catalogEntries).where(eq(catalogEntries.courseId, courseId))
    expect(before).toMatchObject({ categoryId: null, categoryName: null, tags: [] })
    await t.call(orgAdmin(), 'POST', `/courses/${courseId}/publish`)
    const [after] = await t.db.select().from(catalogEntries).where(eq(catalogEntries.courseId, courseId))
    expect(after).toMatchObject({ categoryId, categoryName: 'Physics', tags: ['optics'], version: 2 })
  })

  it('while a published course has a new draft in review, status stays published and the catalog live', async () => {
    const owner = instructor()
    const { courseId } = await t.publishedCourse(owner)
    await t.call(owner, 'PATCH', `/courses/${courseId}`, { subtitle: 'Now better' })
    const submitted = await t.call(owner, 'POST', `/courses/${courseId}/submit`)
    expect(submitted.json()).toMatchObject({
      status: 'published',
      review: { pending: true },
      publishedVersion: 1,
    })
    expect(
      await t.db.select().from(catalogEntries).where(eq(catalogEntries.courseId, courseId)),
    ).toHaveLength(1)
    const rejected = await t.call(orgAdmin(), 'POST', `/courses/${courseId}/reject`, { note: 'Not yet' })
    expect(rejected.json()).toMatchObject({
      status: 'published',
      hasUnpublishedChanges: true,
      review: { note: 'Not yet' },
    })
    await t.call(owner, 'POST', `/courses/${courseId}/submit`)
    const approved = await t.call(orgAdmin(), 'POST', `/courses/${courseId}/approve`)
    expect(approved.json()).toMatchObject({
      status: 'published',
      publishedVersion: 2,
      review: { pending: false, note: null },
    })
  })

  it('archive removes the catalog entry (enrolled learners keep access); unarchive restores it', async () => {
    const owner = instructor()
    const { courseId } = await t.publishedCourse(owner)
    const learner = t.user(['learner'])
    const enrollment = await t.enroll(learner, courseId)
    await t.db
      .update(catalogEntries)
      .set({ rating: 3, ratingCount: 2, enrollmentCount: 7 })
      .where(eq(catalogEntries.courseId, courseId))
    const archived = await t.call(owner, 'POST', `/courses/${courseId}/archive`)
    expect(archived.statusCode, archived.body).toBe(200)
    expect(archived.json()).toMatchObject({ status: 'archived', publishedVersion: 1 })
    expect(archived.json()).not.toHaveProperty('archivedCatalogEntry')
    expect(await t.db.select().from(catalogEntries).where(eq(catalogEntries.courseId, courseId))).toEqual([])
    expect(
      (await t.events('learning.course.archived')).filter((e) => e.payload.courseId === courseId),
    ).toEqual([{ type: 'learning.course.archived', payload: { courseId, archivedBy: owner.userId } }])
    const [kept] = await t.db.select().from(enrollments).where(eq(enrollments.id, enrollment.id))
    expect(kept).toMatchObject({ status: 'active', version: 1 })
    const restored = await t.call(owner, 'POST', `/courses/${courseId}/unarchive`)
    expect(restored.json()).toMatchObject({ status: 'published' })
    const [entry] = await t.db.select().from(catalogEntries).where(eq(catalogEntries.courseId, courseId))
    expect(entry).toMatchObject({ version: 1, rating: 3, ratingCount: 2, enrollmentCount: 7 })
    const published = (await t.events('learning.course.published')).filter(
      (e) => e.payload.courseId === courseId,
    )
    expect(published.at(-1)!.payload).toMatchObject({ courseId, version: 1, publishedBy: owner.userId })
  })

  it('archiving a never-published draft writes no event; unarchiving returns it to draft', async () => {
    const u = instructor()
    const c = await course(u)
    const before = (await t.events('learning.course.archived')).length
    expect((await t.call(u, 'POST', `/courses/${c.id}/archive`)).json().status).toBe('archived')
    expect((await t.events('learning.course.archived')).length).toBe(before)
    expect((await t.call(u, 'POST', `/courses/${c.id}/unarchive`)).json().status).toBe('draft')
  })

  it('co-instructors edit; owners and org admins manage instructors; org admins transfer ownership', async () => {
    const owner = instructor()
    const co = instructor()
    const next = instructor()
    await t.person(co, 'Co')
    await t.person(next, 'Next')
    const { courseId, sectionId } = await courseWithLessons(owner, 1)
    const added = await t.call(owner, 'POST', `/courses/${courseId}/instructors`, { userId: co.userId })
    expect(added.statusCode, added.body).toBe(201)
    expect(
      added
        .json()
        .items.map((i: { userId: string; role: string; displayName: string }) => [
          i.userId,
          i.role,
          i.displayName,
        ]),
    ).toEqual([
      [owner.userId, 'owner', ''],
      [co.userId, 'co_instructor', 'Co'],
    ])
    expect((await t.call(co, 'PATCH', `/courses/${courseId}`, { subtitle: 'by co' })).statusCode).toBe(200)
    expect((await lesson(co, courseId, sectionId)).id).toBeTruthy()
    expect((await t.call(co, 'GET', `/courses/${courseId}`)).json().myRole).toBe('co_instructor')
    const transfer = await t.call(orgAdmin(), 'PUT', `/courses/${courseId}/owner`, { userId: next.userId })
    expect(transfer.statusCode, transfer.body).toBe(200)
    expect(transfer.json()).toMatchObject({ ownerId: next.userId })
    const list = (await t.call(next, 'GET', `/courses/${courseId}/instructors`)).json()
    expect(list.items.map((i: { userId: string; role: string }) => [i.userId, i.role])).toEqual([
      [next.userId, 'owner'],
      [owner.userId, 'co_instructor'],
      [co.userId, 'co_instructor'],
    ])
    // The new owner removes a co-instructor, who then no longer sees the course.
    expect((await t.call(next, 'DELETE', `/courses/${courseId}/instructors/${co.userId}`)).statusCode).toBe(
      204,
    )
    expect((await t.call(co, 'GET', `/courses/${courseId}`)).statusCode).toBe(404)
  })

  it('unarchive restores the catalog as published, not the unpublished draft edits made before archiving', async () => {
    const owner = instructor()
    const { courseId } = await t.publishedCourse(owner, { title: 'Live title', priceMinor: 1000 })
    await t.call(owner, 'PATCH', `/courses/${courseId}`, { title: 'Draft title', priceMinor: 99_999 })
    await t.call(owner, 'POST', `/courses/${courseId}/archive`)
    await t.call(owner, 'POST', `/courses/${courseId}/unarchive`)
    const [entry] = await t.db.select().from(catalogEntries).where(eq(catalogEntries.courseId, courseId))
    expect(entry).toMatchObject({ title: 'Live title', priceMinor: 1000, version: 1 })
    const [row] = await t.db.select().from(courses).where(eq(courses.id, courseId))
    expect(row).toMatchObject({
      title: 'Draft title',
      hasUnpublishedChanges: true,
      archivedCatalogEntry: null,
    })
  })

  it('edge reorders: the same order, a single section, a move to its own place all succeed and bump the revision', async () => {
    const u = instructor()
    const { courseId, sectionId, lessonIds } = await courseWithLessons(u, 3)
    const rev = (await tree(u, courseId)).revision as number
    const same = await t.call(u, 'PUT', `/courses/${courseId}/sections/${sectionId}/lessons/order`, {
      lessonIds,
    })
    expect(same.json()).toEqual({ ids: lessonIds, courseRevision: rev + 1 })
    const single = await t.call(u, 'PUT', `/courses/${courseId}/sections/order`, { sectionIds: [sectionId] })
    expect(single.json().courseRevision).toBe(rev + 2)
    const inPlace = await t.call(u, 'POST', `/courses/${courseId}/lessons/${lessonIds[1]}/move`, {
      sectionId,
      position: 1,
    })
    expect(inPlace.json()).toMatchObject({ position: 1, courseRevision: rev + 3 })
    const toEnd = await t.call(u, 'POST', `/courses/${courseId}/lessons/${lessonIds[0]}/move`, {
      sectionId,
      position: 2,
    })
    expect(toEnd.statusCode, toEnd.body).toBe(200)
    const body = await tree(u, courseId)
    expect(body.sections[0].lessons.map((l: { id: string }) => l.id)).toEqual([
      lessonIds[1],
      lessonIds[2],
      lessonIds[0],
    ])
  })

  it('ownership can go to an existing co-instructor; If-Match "*" matches any revision', async () => {
    const owner = instructor()
    const co = instructor()
    await t.person(co, 'Co')
    const { courseId } = await courseWithLessons(owner, 1)
    await t.call(owner, 'POST', `/courses/${courseId}/instructors`, { userId: co.userId })
    const res = await t.call(orgAdmin(), 'PUT', `/courses/${courseId}/owner`, { userId: co.userId })
    expect(res.json()).toMatchObject({ ownerId: co.userId, hasUnpublishedChanges: true })
    const list = (await t.call(co, 'GET', `/courses/${courseId}/instructors`)).json()
    expect(list.items.map((i: { userId: string; role: string }) => [i.userId, i.role])).toEqual([
      [co.userId, 'owner'],
      [owner.userId, 'co_instructor'],
    ])
    // The former owner is now a co-instructor: no more deleting.
    expect((await t.call(owner, 'DELETE', `/courses/${courseId}`)).statusCode).toBe(403)
    const published = await t.call(orgAdmin(), 'POST', `/courses/${courseId}/publish`, undefined, {
      'if-match': '*',
    })
    expect(published.statusCode, published.body).toBe(200)
    const [v] = await t.db.select().from(courseVersions).where(eq(courseVersions.courseId, courseId))
    expect(v!.snapshot.instructorIds).toEqual([co.userId, owner.userId])
  })

  it('deletes a never-published draft with everything authored in it', async () => {
    const u = instructor()
    const { courseId } = await courseWithLessons(u, 2)
    const quizId = await insertQuiz(courseId, t.orgA)
    const res = await t.call(u, 'DELETE', `/courses/${courseId}`, undefined, { 'if-match': '*' })
    expect(res.statusCode).toBe(204)
    expect(await t.db.select().from(courses).where(eq(courses.id, courseId))).toEqual([])
    expect(await t.db.select().from(lessons).where(eq(lessons.courseId, courseId))).toEqual([])
    expect(await t.db.select().from(sections).where(eq(sections.courseId, courseId))).toEqual([])
    expect(
      await t.db.select().from(courseInstructors).where(eq(courseInstructors.courseId, courseId)),
    ).toEqual([])
    expect(await t.db.select().from(quizzes).where(eq(quizzes.id, quizId))).toEqual([])
  })
})

describe('publishing without review (PUBLISH_REQUIRES_REVIEW=false)', () => {
  let t2: TestLearning
  beforeAll(async () => {
    t2 = await createTestLearning({ env: { PUBLISH_REQUIRES_REVIEW: 'false' } })
  })
  afterAll(() => t2.close())

  it('an instructor publishes directly; a second publish with no change is a 409', async () => {
    const u = t2.user(['instructor'])
    const c = (await t2.call(u, 'POST', '/courses', { title: 'Direct' })).json()
    const s = (await t2.call(u, 'POST', `/courses/${c.id}/sections`, { title: 'S' })).json()
    await t2.call(u, 'POST', `/courses/${c.id}/sections/${s.id}/lessons`, text())
    const res = await t2.call(u, 'POST', `/courses/${c.id}/publish`)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ status: 'published', publishedVersion: 1 })
    expect((await t2.call(u, 'POST', `/courses/${c.id}/publish`)).statusCode).toBe(409)
    expect(await t2.events('learning.course.published')).toHaveLength(1)
    // Learning has not heard of this instructor's name: the catalog shows ''.
    const [entry] = await t2.db.select().from(catalogEntries).where(eq(catalogEntries.courseId, c.id))
    expect(entry!.instructorNames).toEqual([''])
  })
})

describe('errors', () => {
  it('rejects bad course input with a 400 and creates nothing', async () => {
    const u = instructor()
    const count = async () => (await t.db.select({ id: courses.id }).from(courses)).length
    const before = await count()
    const bad: Record<string, unknown>[] = [
      {},
      { title: '   ' },
      { title: 'x'.repeat(201) },
      { title: 'ok', level: 'expert' },
      { title: 'ok', language: 'not a language' },
      { title: 'ok', currency: 'ZZZ' },
      { title: 'ok', currency: 'US' },
      { title: 'ok', priceMinor: -1 },
      { title: 'ok', priceMinor: 1.5 },
      { title: 'ok', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
      { title: 'ok', visibility: 'secret' },
      { title: 'ok', slug: 'Not A Slug' },
      { title: 'ok', categoryId: 'nope' },
      { title: 'ok', status: 'published' },
      { title: 'ok', ownerId: 'usr_x' },
    ]
    for (const body of bad) {
      const res = await t.call(u, 'POST', '/courses', body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.headers['content-type']).toMatch(/problem\+json/)
    }
    expect(await count()).toBe(before)
  })

  it('a slug already used in the organization is a 409; a category of another org a 422', async () => {
    const u = instructor()
    const title = `Unique ${newId('x').slice(-8)}`
    await course(u, { title })
    const clash = await t.call(u, 'POST', '/courses', { title })
    expect(clash.statusCode).toBe(409)
    expect(clash.json().code).toBe('conflict')
    const other = await insertCategory(t.orgB)
    expect((await t.call(u, 'POST', '/courses', { title: 'With cat', categoryId: other })).statusCode).toBe(
      422,
    )
    const c = await course(u)
    const before = await state(c.id)
    expect((await t.call(u, 'PATCH', `/courses/${c.id}`, { categoryId: other })).statusCode).toBe(422)
    const taken = await course(u)
    expect((await t.call(u, 'PATCH', `/courses/${c.id}`, { slug: taken.slug })).statusCode).toBe(409)
    expect(await state(c.id)).toBe(before)
  })

  it('a stale revision (If-Match or field) is a 409 and changes nothing', async () => {
    const u = instructor()
    const { courseId, sectionId, lessonIds } = await courseWithLessons(u, 2)
    const current = (await tree(u, courseId)).revision as number
    const before = await state(courseId)
    const stale = { 'if-match': `"${current - 1}"` }
    const attempts = [
      await t.call(u, 'PATCH', `/courses/${courseId}`, { title: 'x' }, stale),
      await t.call(u, 'PATCH', `/courses/${courseId}`, { title: 'x', revision: current - 1 }),
      await t.call(u, 'POST', `/courses/${courseId}/sections`, { title: 'x', revision: 1 }),
      await t.call(u, 'PATCH', `/courses/${courseId}/sections/${sectionId}`, { title: 'x' }, stale),
      await t.call(u, 'DELETE', `/courses/${courseId}/sections/${sectionId}`, undefined, stale),
      await t.call(u, 'POST', `/courses/${courseId}/sections/${sectionId}/lessons`, {
        ...text(),
        revision: 2,
      }),
      await t.call(u, 'PATCH', `/courses/${courseId}/lessons/${lessonIds[0]}`, { title: 'x' }, stale),
      await t.call(u, 'DELETE', `/courses/${courseId}/lessons/${lessonIds[0]}`, undefined, stale),
      await t.call(u, 'PUT', `/courses/${courseId}/sections/${sectionId}/lessons/order`, {
        lessonIds: [...lessonIds].reverse(),
        revision: 1,
      }),
      await t.call(u, 'DELETE', `/courses/${courseId}`, undefined, stale),
      await t.call(u, 'POST', `/courses/${courseId}/submit`, { revision: 1 }),
    ]
    for (const res of attempts) {
      expect(res.statusCode, res.body).toBe(409)
      expect(res.json().currentRevision).toBe(current)
    }
    expect(await state(courseId)).toBe(before)
    // A malformed If-Match, or a header and field that disagree, is a 400.
    expect(
      (await t.call(u, 'PATCH', `/courses/${courseId}`, { title: 'x' }, { 'if-match': 'abc' })).statusCode,
    ).toBe(400)
    expect(
      (
        await t.call(
          u,
          'PATCH',
          `/courses/${courseId}`,
          { title: 'x', revision: current },
          { 'if-match': `"${current + 1}"` },
        )
      ).statusCode,
    ).toBe(400)
    expect((await t.call(u, 'PATCH', `/courses/${courseId}`, { revision: current })).statusCode).toBe(400)
    expect(await state(courseId)).toBe(before)
  })

  it('rejects bad lessons: unknown type, negative duration, mismatched content, missing quiz/assignment', async () => {
    const u = instructor()
    const { courseId, sectionId, lessonIds } = await courseWithLessons(u, 1)
    const other = await courseWithLessons(u, 1)
    const foreignQuiz = await insertQuiz(other.courseId, t.orgA)
    const foreignAssignment = await insertAssignment(other.courseId, t.orgA)
    const before = await state(courseId)
    const url = `/courses/${courseId}/sections/${sectionId}/lessons`
    const cases: [Record<string, unknown>, number][] = [
      [{ type: 'podcast', title: 'x', content: { type: 'podcast' } }, 400],
      [{ ...video(), durationSeconds: -1 }, 400],
      [{ ...video(), content: { type: 'video', url: 'https://v.test/a.mp4', durationSeconds: -5 } }, 400],
      [{ ...video(), content: { type: 'video', url: 'javascript:alert(1)', durationSeconds: 5 } }, 400],
      [
        {
          ...video(),
          content: { type: 'video', url: 'https://v.test/a.mp4', durationSeconds: 5, completionThreshold: 2 },
        },
        400,
      ],
      [{ type: 'video', title: 'x', content: { type: 'text', markdown: 'hi' } }, 400],
      [{ ...text(), content: { type: 'text', markdown: 'x', extra: 1 } }, 400],
      [{ ...text(), title: '' }, 400],
      [{ type: 'quiz', title: 'q', content: { type: 'quiz', quizId: foreignQuiz } }, 422],
      [{ type: 'quiz', title: 'q', content: { type: 'quiz', quizId: newId('quz') } }, 422],
      [
        { type: 'assignment', title: 'a', content: { type: 'assignment', assignmentId: foreignAssignment } },
        422,
      ],
      [{ ...text(), prerequisiteIds: [other.lessonIds[0]] }, 400],
      [{ ...text(), prerequisiteIds: [lessonIds[0], lessonIds[0]] }, 400],
      [{ ...text(), prerequisiteIds: ['les_nope'] }, 400],
    ]
    for (const [body, status] of cases) {
      const res = await t.call(u, 'POST', url, body)
      expect(res.statusCode, `${JSON.stringify(body)} → ${res.body}`).toBe(status)
    }
    // Updates: the type cannot change; an empty update is a 400.
    const upd = `/courses/${courseId}/lessons/${lessonIds[0]}`
    expect(
      (
        await t.call(u, 'PATCH', upd, {
          content: { type: 'video', url: 'https://v.test/a.mp4', durationSeconds: 1 },
        })
      ).statusCode,
    ).toBe(400)
    expect((await t.call(u, 'PATCH', upd, {})).statusCode).toBe(400)
    expect((await t.call(u, 'PATCH', upd, { durationSeconds: -3 })).statusCode).toBe(400)
    expect(await state(courseId)).toBe(before)
  })

  it('prerequisites may not point at the lesson itself or close a cycle', async () => {
    const u = instructor()
    const { courseId, lessonIds } = await courseWithLessons(u, 3)
    const [a, b, c] = lessonIds as [string, string, string]
    await t.call(u, 'PATCH', `/courses/${courseId}/lessons/${b}`, { prerequisiteIds: [a] })
    await t.call(u, 'PATCH', `/courses/${courseId}/lessons/${c}`, { prerequisiteIds: [b] })
    const before = await state(courseId)
    const self = await t.call(u, 'PATCH', `/courses/${courseId}/lessons/${a}`, { prerequisiteIds: [a] })
    expect(self.statusCode).toBe(400)
    const cycle = await t.call(u, 'PATCH', `/courses/${courseId}/lessons/${a}`, { prerequisiteIds: [c] })
    expect(cycle.statusCode).toBe(400)
    expect(cycle.json().detail).toMatch(/cycle/)
    expect(await state(courseId)).toBe(before)
  })

  it('reorders must name exactly the current sections or lessons', async () => {
    const u = instructor()
    const c = await course(u)
    const s1 = await section(u, c.id)
    const s2 = await section(u, c.id)
    const l1 = await lesson(u, c.id, s1.id)
    const l2 = await lesson(u, c.id, s1.id)
    const elsewhere = await lesson(u, c.id, s2.id)
    const foreign = await section(u, (await course(u)).id)
    const before = await state(c.id)
    const sectionOrders = [
      [s1.id],
      [s1.id, s2.id, s1.id],
      [s1.id, foreign.id],
      [s1.id, s2.id, foreign.id],
      [],
    ]
    for (const sectionIds of sectionOrders) {
      const res = await t.call(u, 'PUT', `/courses/${c.id}/sections/order`, { sectionIds })
      expect(res.statusCode, JSON.stringify(sectionIds)).toBe(400)
    }
    const lessonOrders = [[l1.id], [l1.id, l1.id], [l1.id, elsewhere.id], [l2.id, l1.id, elsewhere.id]]
    for (const lessonIds of lessonOrders) {
      const res = await t.call(u, 'PUT', `/courses/${c.id}/sections/${s1.id}/lessons/order`, { lessonIds })
      expect(res.statusCode, JSON.stringify(lessonIds)).toBe(400)
    }
    expect(
      (await t.call(u, 'PUT', `/courses/${c.id}/sections/${foreign.id}/lessons/order`, { lessonIds: [] }))
        .statusCode,
    ).toBe(404)
    expect(
      (await t.call(u, 'POST', `/courses/${c.id}/lessons/${l1.id}/move`, { sectionId: s2.id, position: 2 }))
        .statusCode,
    ).toBe(400)
    expect(
      (await t.call(u, 'POST', `/courses/${c.id}/lessons/${l1.id}/move`, { sectionId: foreign.id }))
        .statusCode,
    ).toBe(404)
    expect(await state(c.id)).toBe(before)
    // An empty course reorders its (zero) sections fine.
    const empty = await course(u)
    expect(
      (await t.call(u, 'PUT', `/courses/${empty.id}/sections/order`, { sectionIds: [] })).statusCode,
    ).toBe(200)
  })

  it('workflow errors: no lessons 422, nothing to publish 409, no pending review 409, archived is read-only', async () => {
    const u = instructor()
    const admin = orgAdmin()
    const empty = await course(u)
    await section(u, empty.id)
    const beforeEmpty = await state(empty.id)
    expect((await t.call(u, 'POST', `/courses/${empty.id}/submit`)).statusCode).toBe(422)
    expect((await t.call(admin, 'POST', `/courses/${empty.id}/publish`)).statusCode).toBe(422)
    expect((await t.call(admin, 'POST', `/courses/${empty.id}/approve`)).statusCode).toBe(409)
    expect((await t.call(admin, 'POST', `/courses/${empty.id}/reject`, { note: 'x' })).statusCode).toBe(409)
    expect((await t.call(u, 'POST', `/courses/${empty.id}/withdraw`)).statusCode).toBe(409)
    expect((await t.call(admin, 'POST', `/courses/${empty.id}/reject`, {})).statusCode).toBe(400)
    expect((await t.call(u, 'POST', `/courses/${empty.id}/unarchive`)).statusCode).toBe(409)
    expect(await state(empty.id)).toBe(beforeEmpty)

    const { courseId, sectionId } = await courseWithLessons(u, 1)
    await t.call(u, 'POST', `/courses/${courseId}/submit`)
    const inReview = await state(courseId)
    // While in review, the draft is frozen.
    expect((await t.call(u, 'PATCH', `/courses/${courseId}`, { title: 'x' })).statusCode).toBe(409)
    expect(
      (await t.call(u, 'POST', `/courses/${courseId}/sections/${sectionId}/lessons`, text())).statusCode,
    ).toBe(409)
    expect((await t.call(u, 'POST', `/courses/${courseId}/submit`)).statusCode).toBe(409)
    expect(await state(courseId)).toBe(inReview)
    await t.call(admin, 'POST', `/courses/${courseId}/approve`)
    const live = await state(courseId)
    expect((await t.call(admin, 'POST', `/courses/${courseId}/publish`)).statusCode).toBe(409)
    expect((await t.call(u, 'POST', `/courses/${courseId}/submit`)).statusCode).toBe(409)
    expect((await t.call(u, 'DELETE', `/courses/${courseId}`)).statusCode).toBe(409)
    expect(await state(courseId)).toBe(live)

    await t.call(u, 'POST', `/courses/${courseId}/archive`)
    const archived = await state(courseId)
    expect((await t.call(u, 'PATCH', `/courses/${courseId}`, { title: 'x' })).statusCode).toBe(409)
    expect((await t.call(u, 'POST', `/courses/${courseId}/sections`, { title: 'x' })).statusCode).toBe(409)
    expect((await t.call(admin, 'POST', `/courses/${courseId}/publish`)).statusCode).toBe(409)
    expect((await t.call(u, 'POST', `/courses/${courseId}/archive`)).statusCode).toBe(409)
    expect(await state(courseId)).toBe(archived)
  })

  it('publishing a lesson whose quiz was deleted since is a 422 and publishes nothing', async () => {
    const u = instructor()
    const c = await course(u)
    const s = await section(u, c.id)
    const quizId = await insertQuiz(c.id, t.orgA)
    await lesson(u, c.id, s.id, { type: 'quiz', title: 'Q', content: { type: 'quiz', quizId } })
    await t.db.delete(quizzes).where(eq(quizzes.id, quizId))
    const before = await state(c.id)
    const res = await t.call(orgAdmin(), 'POST', `/courses/${c.id}/publish`)
    expect(res.statusCode).toBe(422)
    expect(res.json().detail).toMatch(/quiz/)
    expect(await state(c.id)).toBe(before)
  })

  it('instructor management errors: not a person of the org 422, twice 409, the owner 409, unknown 404', async () => {
    const owner = instructor()
    const c = await course(owner)
    const stranger = t.user(['instructor'], t.orgB)
    await t.person(stranger, 'Other org')
    const before = await state(c.id)
    expect(
      (await t.call(owner, 'POST', `/courses/${c.id}/instructors`, { userId: stranger.userId })).statusCode,
    ).toBe(422)
    expect(
      (await t.call(owner, 'POST', `/courses/${c.id}/instructors`, { userId: owner.userId })).statusCode,
    ).toBe(422)
    await t.person(owner, 'Owner')
    expect(
      (await t.call(owner, 'POST', `/courses/${c.id}/instructors`, { userId: owner.userId })).statusCode,
    ).toBe(409)
    expect((await t.call(owner, 'DELETE', `/courses/${c.id}/instructors/${owner.userId}`)).statusCode).toBe(
      409,
    )
    expect(
      (await t.call(owner, 'DELETE', `/courses/${c.id}/instructors/${stranger.userId}`)).statusCode,
    ).toBe(404)
    const admin = orgAdmin()
    expect((await t.call(admin, 'PUT', `/courses/${c.id}/owner`, { userId: owner.userId })).statusCode).toBe(
      409,
    )
    expect(
      (await t.call(admin, 'PUT', `/courses/${c.id}/owner`, { userId: stranger.userId })).statusCode,
    ).toBe(422)
    expect(await state(c.id)).toBe(before)
  })

  it('unknown courses, sections, lessons and versions are 404s; malformed ids 400s', async () => {
    const u = instructor()
    const { courseId } = await courseWithLessons(u, 1)
    expect((await t.call(u, 'GET', `/courses/${newId('crs')}`)).statusCode).toBe(404)
    expect((await t.call(u, 'GET', `/courses/not-an-id`)).statusCode).toBe(400)
    expect(
      (await t.call(u, 'PATCH', `/courses/${courseId}/sections/${newId('sec')}`, { title: 'x' })).statusCode,
    ).toBe(404)
    expect(
      (await t.call(u, 'PATCH', `/courses/${courseId}/lessons/${newId('les')}`, { title: 'x' })).statusCode,
    ).toBe(404)
    expect((await t.call(u, 'DELETE', `/courses/${courseId}/lessons/${newId('les')}`)).statusCode).toBe(404)
    expect((await t.call(u, 'GET', `/courses/${courseId}/versions/1`)).statusCode).toBe(404)
    expect((await t.call(u, 'GET', `/courses/${courseId}/versions/0`)).statusCode).toBe(400)
    expect((await t.call(u, 'GET', `/courses?limit=0`)).statusCode).toBe(400)
    expect((await t.call(u, 'GET', `/courses?after=garbage`)).statusCode).toBe(400)
  })
})

describe('security', () => {
  it('anonymous callers get 401, learners 403 on every authoring route', async () => {
    const owner = instructor()
    const { courseId, sectionId, lessonIds } = await courseWithLessons(owner, 1)
    const before = await state(courseId)
    const learner = t.user(['learner'])
    const routes: [Parameters<TestLearning['call']>[1], string, unknown?][] = [
      ['POST', '/courses', { title: 'x' }],
      ['GET', '/courses'],
      ['GET', `/courses/${courseId}`],
      ['PATCH', `/courses/${courseId}`, { title: 'x' }],
      ['DELETE', `/courses/${courseId}`],
      ['POST', `/courses/${courseId}/sections`, { title: 'x' }],
      ['PATCH', `/courses/${courseId}/sections/${sectionId}`, { title: 'x' }],
      ['PUT', `/courses/${courseId}/sections/order`, { sectionIds: [sectionId] }],
      ['POST', `/courses/${courseId}/sections/${sectionId}/lessons`, text()],
      ['PATCH', `/courses/${courseId}/lessons/${lessonIds[0]}`, { title: 'x' }],
      ['DELETE', `/courses/${courseId}/lessons/${lessonIds[0]}`],
      ['POST', `/courses/${courseId}/submit`],
      ['POST', `/courses/${courseId}/publish`],
      ['POST', `/courses/${courseId}/archive`],
      ['GET', `/courses/${courseId}/versions`],
      ['POST', `/courses/${courseId}/instructors`, { userId: learner.userId }],
      ['PUT', `/courses/${courseId}/owner`, { userId: learner.userId }],
    ]
    for (const [method, url, body] of routes) {
      expect((await t.call(null, method, url, body)).statusCode, `${method} ${url}`).toBe(401)
      expect((await t.call(learner, method, url, body)).statusCode, `${method} ${url}`).toBe(403)
    }
    expect(await state(courseId)).toBe(before)
  })

  it("another instructor's course is a 404 and stays unchanged", async () => {
    const owner = instructor()
    const { courseId, sectionId, lessonIds } = await courseWithLessons(owner, 2)
    const before = await state(courseId)
    const other = instructor()
    const attempts = [
      await t.call(other, 'GET', `/courses/${courseId}`),
      await t.call(other, 'PATCH', `/courses/${courseId}`, { title: 'mine now' }),
      await t.call(other, 'DELETE', `/courses/${courseId}`),
      await t.call(other, 'POST', `/courses/${courseId}/sections`, { title: 'x' }),
      await t.call(other, 'DELETE', `/courses/${courseId}/sections/${sectionId}`),
      await t.call(other, 'PUT', `/courses/${courseId}/sections/${sectionId}/lessons/order`, {
        lessonIds: [...lessonIds].reverse(),
      }),
      await t.call(other, 'PATCH', `/courses/${courseId}/lessons/${lessonIds[0]}`, { title: 'x' }),
      await t.call(other, 'POST', `/courses/${courseId}/submit`),
      await t.call(other, 'POST', `/courses/${courseId}/archive`),
      await t.call(other, 'GET', `/courses/${courseId}/versions`),
      await t.call(other, 'GET', `/courses/${courseId}/instructors`),
      await t.call(other, 'POST', `/courses/${courseId}/instructors`, { userId: other.userId }),
    ]
    for (const res of attempts) expect(res.statusCode, res.body).toBe(404)
    expect(await state(courseId)).toBe(before)
  })

  it("another organization's course is a 404 to its instructors and org admins, and stays unchanged", async () => {
    const owner = instructor()
    const { courseId, lessonIds } = await courseWithLessons(owner, 1)
    const before = await state(courseId)
    const adminB = orgAdmin(t.orgB)
    const instructorB = instructor(t.orgB)
    for (const u of [adminB, instructorB]) {
      const attempts = [
        await t.call(u, 'GET', `/courses/${courseId}`),
        await t.call(u, 'PATCH', `/courses/${courseId}`, { title: 'x' }),
        await t.call(u, 'DELETE', `/courses/${courseId}`),
        await t.call(u, 'POST', `/courses/${courseId}/publish`),
        await t.call(u, 'POST', `/courses/${courseId}/archive`),
        await t.call(u, 'PATCH', `/courses/${courseId}/lessons/${lessonIds[0]}`, { title: 'x' }),
        await t.call(u, 'PUT', `/courses/${courseId}/owner`, { userId: u.userId }),
      ]
      for (const res of attempts) expect(res.statusCode, res.body).toBe(404)
      const list = (await t.call(u, 'GET', '/courses?limit=100')).json()
      expect(list.items.map((c: { id: string }) => c.id)).not.toContain(courseId)
    }
    expect(await state(courseId)).toBe(before)
  })

  it('co-instructors cannot delete, archive or manage instructors; instructors cannot approve, reject or transfer', async () => {
    const owner = instructor()
    const co = instructor()
    const third = instructor()
    await t.person(co)
    await t.person(third)
    const { courseId } = await courseWithLessons(owner, 1)
    await t.call(owner, 'POST', `/courses/${courseId}/instructors`, { userId: co.userId })
    await t.call(owner, 'POST', `/courses/${courseId}/submit`)
    const before = await state(courseId)
    expect((await t.call(co, 'DELETE', `/courses/${courseId}`)).statusCode).toBe(403)
    expect((await t.call(co, 'POST', `/courses/${courseId}/archive`)).statusCode).toBe(403)
    expect(
      (await t.call(co, 'POST', `/courses/${courseId}/instructors`, { userId: third.userId })).statusCode,
    ).toBe(403)
    expect((await t.call(co, 'DELETE', `/courses/${courseId}/instructors/${owner.userId}`)).statusCode).toBe(
      403,
    )
    for (const u of [owner, co]) {
      expect((await t.call(u, 'POST', `/courses/${courseId}/approve`)).statusCode).toBe(403)
      expect((await t.call(u, 'POST', `/courses/${courseId}/reject`, { note: 'no' })).statusCode).toBe(403)
      expect((await t.call(u, 'POST', `/courses/${courseId}/publish`)).statusCode).toBe(403)
      expect(
        (await t.call(u, 'PUT', `/courses/${courseId}/owner`, { userId: third.userId })).statusCode,
      ).toBe(403)
    }
    expect(await state(courseId)).toBe(before)
  })

  it('responses never leak the archived catalog stash; odd bodies never cause a 5xx', async () => {
    const u = instructor()
    const { courseId, sectionId } = await courseWithLessons(u, 1)
    const weird: unknown[] = [
      null,
      [],
      'string',
      42,
      { title: { $ne: 1 } },
      { title: 'x'.repeat(100_000) },
      { __proto__: { x: 1 } },
    ]
    for (const body of weird) {
      for (const [method, url] of [
        ['PATCH', `/courses/${courseId}`],
        ['POST', `/courses/${courseId}/sections/${sectionId}/lessons`],
        ['PUT', `/courses/${courseId}/sections/order`],
        ['POST', `/courses/${courseId}/reject`],
      ] as const) {
        const res = await t.call(u, method, url, body)
        expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)}`).toBeLessThan(500)
        expect(res.statusCode).toBeGreaterThanOrEqual(400)
      }
    }
    // NUL characters (which PostgreSQL refuses to store) are a 400, not a 500.
    const nul = [
      await t.call(u, 'POST', '/courses', { title: 'a\u0000b' }),
      await t.call(u, 'PATCH', `/courses/${courseId}`, { tags: ['ok', 'x\u0000'] }),
      await t.call(u, 'POST', `/courses/${courseId}/sections/${sectionId}/lessons`, {
        ...text(),
        content: { type: 'text', markdown: 'a\u0000' },
      }),
      await t.call(orgAdmin(), 'POST', `/courses/${courseId}/reject`, { note: '\u0000' }),
    ]
    for (const r of nul) expect(r.statusCode, r.body).toBe(400)
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/courses/${courseId}`,
      headers: { authorization: `Bearer ${await t.token(u)}`, 'content-type': 'application/json' },
      payload: '{"title": ',
    })
    expect(res.statusCode).toBe(400)
    const tree = await t.call(u, 'GET', `/courses/${courseId}`)
    expect(tree.body).not.toMatch(/archivedCatalogEntry|archived_catalog_entry/)
  })
})
