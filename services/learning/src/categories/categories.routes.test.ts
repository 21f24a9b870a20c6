import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { newId } from '@learnmesh/kernel'
import { createTestLearning, type TestLearning } from '../test-helpers.ts'
import { catalogEntries, categories } from '../db/schema.ts'

let t: TestLearning
beforeAll(async () => {
  t = await createTestLearning()
})
afterAll(() => t.close())

const admin = (org?: string) => t.user(['org_admin'], org)

async function category(orgId = t.orgA, body: Record<string, unknown> = {}) {
  const res = await t.call(admin(orgId), 'POST', '/categories', {
    name: `Cat ${newId('x').slice(-8)}`,
    ...body,
  })
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { id: string; slug: string; name: string; orgId: string }
}

async function rows(orgId: string) {
  return JSON.stringify(
    await t.db.select().from(categories).where(eq(categories.orgId, orgId)).orderBy(categories.id),
  )
}

describe('happy', () => {
  it('an org admin creates a category (slug from the name), renames it and deletes it', async () => {
    const a = admin()
    const created = await t.call(a, 'POST', '/categories', { name: ' Data Science & AI ' })
    expect(created.statusCode).toBe(201)
    expect(created.json()).toMatchObject({
      name: 'Data Science & AI',
      slug: 'data-science-ai',
      orgId: t.orgA,
    })
    const id = created.json().id
    const renamed = await t.call(a, 'PATCH', `/categories/${id}`, { name: 'Data', slug: 'data' })
    expect(renamed.json()).toMatchObject({ id, name: 'Data', slug: 'data' })
    expect((await t.call(a, 'DELETE', `/categories/${id}`)).statusCode).toBe(204)
    expect(await t.db.select().from(categories).where(eq(categories.id, id))).toEqual([])
  })

  it('anyone in the organization lists its categories by name', async () => {
    const c1 = await category(t.orgA, { name: 'Zoology' })
    const c2 = await category(t.orgA, { name: 'Astronomy' })
    const res = await t.call(t.user(['learner']), 'GET', '/categories')
    expect(res.statusCode).toBe(200)
    const names = res.json().items.map((c: { name: string }) => c.name)
    expect(names.indexOf('Astronomy')).toBeLessThan(names.indexOf('Zoology'))
    expect(res.json().items.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([c1.id, c2.id]))
  })

  it("the public listing shows only categories used by the organization's public catalog", async () => {
    const used = await category(t.orgB, { name: 'Used publicly' })
    const unused = await category(t.orgB, { name: 'Internal only' })
    const orgOnly = await category(t.orgB, { name: 'Org-visible course' })
    const owner = t.user(['instructor'], t.orgB)
    const pub = await t.publishedCourse(owner)
    const priv = await t.publishedCourse(owner, { visibility: 'org' })
    await t.db
      .update(catalogEntries)
      .set({ categoryId: used.id })
      .where(eq(catalogEntries.courseId, pub.courseId))
    await t.db
      .update(catalogEntries)
      .set({ categoryId: orgOnly.id })
      .where(eq(catalogEntries.courseId, priv.courseId))
    for (const who of [null, t.user(['learner'], t.orgA)]) {
      const res = await t.call(who, 'GET', `/categories?orgId=${t.orgB}`)
      expect(res.statusCode).toBe(200)
      expect(res.json().items.map((c: { id: string }) => c.id)).toEqual([used.id])
    }
    // Members of the organization see all of them.
    const inside = (await t.call(t.user(['learner'], t.orgB), 'GET', `/categories?orgId=${t.orgB}`)).json()
    expect(inside.items.map((c: { id: string }) => c.id)).toEqual(
      expect.arrayContaining([used.id, unused.id, orgOnly.id]),
    )
  })

  it('renaming a category updates the catalog entries that show it', async () => {
    const c = await category()
    const { courseId } = await t.publishedCourse(t.user(['instructor']))
    await t.db
      .update(catalogEntries)
      .set({ categoryId: c.id, categoryName: c.name, categorySlug: c.slug })
      .where(eq(catalogEntries.courseId, courseId))
    await t.call(admin(), 'PATCH', `/categories/${c.id}`, { name: 'Renamed', slug: `renamed-${c.slug}` })
    const [entry] = await t.db.select().from(catalogEntries).where(eq(catalogEntries.courseId, courseId))
    expect(entry).toMatchObject({ categoryName: 'Renamed', categorySlug: `renamed-${c.slug}` })
  })
})

describe('errors', () => {
  it('a taken slug is a 409; deleting a category in use is a 409; nothing changes', async () => {
    const c = await category(t.orgA, { slug: `taken-${newId('x').slice(-6)}` })
    const before = await rows(t.orgA)
    expect((await t.call(admin(), 'POST', '/categories', { name: 'Other', slug: c.slug })).statusCode).toBe(
      409,
    )
    const d = await category()
    const afterD = await rows(t.orgA)
    expect((await t.call(admin(), 'PATCH', `/categories/${d.id}`, { slug: c.slug })).statusCode).toBe(409)
    expect(await rows(t.orgA)).toBe(afterD)
    // In use by a draft course.
    const course = await t.call(t.user(['instructor']), 'POST', '/courses', {
      title: `Uses ${c.id}`,
      categoryId: c.id,
    })
    expect(course.statusCode).toBe(201)
    const del = await t.call(admin(), 'DELETE', `/categories/${c.id}`)
    expect(del.statusCode).toBe(409)
    expect(await t.db.select().from(categories).where(eq(categories.id, c.id))).toHaveLength(1)
    expect(before).not.toBe(afterD)
  })

  it('a category used only by the catalog cannot be deleted either', async () => {
    const c = await category()
    const { courseId } = await t.publishedCourse(t.user(['instructor']))
    await t.db.update(catalogEntries).set({ categoryId: c.id }).where(eq(catalogEntries.courseId, courseId))
    expect((await t.call(admin(), 'DELETE', `/categories/${c.id}`)).statusCode).toBe(409)
  })

  it('bad input is a 400; unknown categories a 404', async () => {
    const a = admin()
    for (const body of [{}, { name: '  ' }, { name: 'x', slug: 'Bad Slug' }, { name: 'x', extra: 1 }])
      expect((await t.call(a, 'POST', '/categories', body)).statusCode, JSON.stringify(body)).toBe(400)
    const c = await category()
    expect((await t.call(a, 'PATCH', `/categories/${c.id}`, {})).statusCode).toBe(400)
    expect((await t.call(a, 'PATCH', `/categories/${newId('cat')}`, { name: 'x' })).statusCode).toBe(404)
    expect((await t.call(a, 'DELETE', `/categories/${newId('cat')}`)).statusCode).toBe(404)
    expect((await t.call(a, 'POST', '/categories', { name: 'a\u0000b' })).statusCode).toBe(400)
    expect((await t.call(null, 'GET', '/categories')).statusCode).toBe(400)
    expect((await t.call(null, 'GET', '/categories?orgId=nope')).statusCode).toBe(400)
  })
})

describe('security', () => {
  it('only org admins create, rename and delete categories', async () => {
    const c = await category()
    const before = await rows(t.orgA)
    for (const u of [null, t.user(['learner']), t.user(['instructor'])]) {
      const expected = u ? 403 : 401
      expect((await t.call(u, 'POST', '/categories', { name: 'Nope' })).statusCode).toBe(expected)
      expect((await t.call(u, 'PATCH', `/categories/${c.id}`, { name: 'Nope' })).statusCode).toBe(expected)
      expect((await t.call(u, 'DELETE', `/categories/${c.id}`)).statusCode).toBe(expected)
    }
    expect(await rows(t.orgA)).toBe(before)
  })

  it("another organization's admin gets a 404 and changes nothing", async () => {
    const c = await category(t.orgA)
    const before = await rows(t.orgA)
    const b = admin(t.orgB)
    expect((await t.call(b, 'PATCH', `/categories/${c.id}`, { name: 'Hijacked' })).statusCode).toBe(404)
    expect((await t.call(b, 'DELETE', `/categories/${c.id}`)).statusCode).toBe(404)
    const listed = (await t.call(b, 'GET', '/categories')).json()
    expect(listed.items.map((x: { id: string }) => x.id)).not.toContain(c.id)
    expect(await rows(t.orgA)).toBe(before)
  })
})
