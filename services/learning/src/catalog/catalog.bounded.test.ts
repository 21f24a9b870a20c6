import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { createTestLearning, type TestLearning, type TestUser } from '../test-helpers.ts'
import { catalogEntries } from '../db/schema.ts'

// Text searches read at most CATALOG_SEARCH_BOUND + 1 matches (here 5 + 1): relevance ranks that
// sample, facet counts and the total are estimated from it. These tests cross the bound with a
// handful of rows; catalog.postgres.test.ts does the same on PostgreSQL.
const BOUND = 5

let t: TestLearning
beforeAll(async () => {
  t = await createTestLearning({ env: { CATALOG_CACHE_TTL_MS: '0', CATALOG_SEARCH_BOUND: String(BOUND) } })
})
afterAll(() => t.close())

/** A word no other test uses (letters only, so the English stemmer leaves it alone). */
function word(): string {
  const letters = 'bcdfghjklmnpqrstvwxz'
  let w = 'qz'
  for (let i = 0; i < 9; i++) w += letters[Math.floor(Math.random() * letters.length)]
  return w
}

type Entry = Partial<typeof catalogEntries.$inferInsert>

/** Catalog rows straight into the table, in this order (storage order in a fresh table). */
async function entries(orgId: string, rows: Entry[]): Promise<string[]> {
  const ids: string[] = []
  for (const o of rows) {
    const courseId = newId('crs')
    ids.push(courseId)
    await t.db.insert(catalogEntries).values({
      courseId,
      orgId,
      visibility: 'public',
      slug: `b-${courseId.slice(-16)}`,
      title: 'Untitled course',
      subtitle: '',
      description: '',
      tags: [],
      level: 'beginner',
      language: 'en',
      priceMinor: 0,
      currency: 'USD',
      version: 1,
      publishedAt: new Date(),
      ...o,
    })
  }
  return ids
}

type Facet = { value: string; count: number }
type Body = {
  items: { id: string; level: string }[]
  total: number
  totalApproximate: boolean
  facetsApproximate: boolean
  sort: string
  nextCursor: string | null
  facets: Record<'category' | 'level' | 'language' | 'price' | 'rating', Facet[]>
}

async function search(u: TestUser | null, query: string): Promise<Body> {
  const res = await t.call(u, 'GET', `/catalog?${query}`)
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as Body
}

/** Every page of a query, following nextCursor. */
async function allPages(query: string, limit: number): Promise<string[]> {
  const out: string[] = []
  let cursor: string | null = null
  for (let i = 0; i < 100; i++) {
    const body: Body = await search(
      null,
      `${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    )
    out.push(...body.items.map((item) => item.id))
    cursor = body.nextCursor
    if (!cursor) return out
  }
  throw new Error('pagination did not end')
}

describe('happy', () => {
  it('counts exactly, without the approximate flags, while the matches fit in the bound', async () => {
    const w = word()
    await entries(t.orgA, [
      { title: `${w} one`, level: 'advanced' },
      { title: `${w} two` },
      { title: `${w} three` },
      { title: `${w} four`, priceMinor: 2500 },
    ])
    const body = await search(null, `q=${w}&level=beginner`)
    expect(body.total).toBe(3)
    expect(body.totalApproximate).toBe(false)
    expect(body.facetsApproximate).toBe(false)
    expect(body.facets.level.find((f) => f.value === 'advanced')?.count).toBe(1)
    expect(body.facets.price.find((f) => f.value === '20_50')?.count).toBe(1)
  })

  it('estimates the total and facet counts beyond the bound and says so', async () => {
    const w = word()
    await entries(
      t.orgA,
      Array.from({ length: 12 }, (_, i) => ({ title: `${w} ${i}`, level: i % 2 ? 'advanced' : 'beginner' })),
    )
    const body = await search(null, `q=${w}`)
    expect(body.totalApproximate).toBe(true)
    expect(body.facetsApproximate).toBe(true)
    // Scaled up from the 6 sampled matches (never below them), rounded to 2 significant figures.
    expect(body.total).toBeGreaterThanOrEqual(BOUND + 1)
    expect(String(body.total).replace(/^(\d{2})0*$/, '$1').length).toBeLessThanOrEqual(2)
    const levels = body.facets.level.filter((f) => f.count > 0).map((f) => f.value)
    expect(levels.sort()).toEqual(['advanced', 'beginner'])
  })

  it('pages exactly in another sort when walking its index fills the page (a broad query)', async () => {
    const w = word()
    // The most popular courses of the catalog: walking the popularity index finds them first.
    const ids = await entries(
      t.orgA,
      Array.from({ length: 12 }, (_, i) => ({ title: `${w} ${i}`, enrollmentCount: 1_000_000 + i * 7 })),
    )
    expect(await allPages(`q=${w}&sort=popular`, 2)).toEqual([...ids].reverse())
  })

  it('otherwise orders the sample in the requested sort, without repeats', async () => {
    const w = word()
    // More popular courses that do not match fill the index window: the page comes from the sample.
    await entries(
      t.orgA,
      Array.from({ length: 6 }, () => ({ title: 'Popular filler', enrollmentCount: 2_000_000 })),
    )
    const ids = await entries(
      t.orgA,
      Array.from({ length: 12 }, (_, i) => ({ title: `${w} ${i}`, enrollmentCount: (i * 5) % 12 })),
    )
    const first = await search(null, `q=${w}&sort=popular&limit=3`)
    const sampled = ids.slice(0, BOUND + 1)
    const popularity = new Map(ids.map((id, i) => [id, (i * 5) % 12]))
    const best = [...sampled].sort((a, b) => popularity.get(b)! - popularity.get(a)!).slice(0, 3)
    expect(first.items.map((i) => i.id)).toEqual(best)
    // Later pages continue strictly after the cursor: never a repeat, never out of order.
    const paged = await allPages(`q=${w}&sort=popular`, 2)
    expect(new Set(paged).size).toBe(paged.length)
    const order = paged.map((id) => popularity.get(id)!)
    expect(order).toEqual([...order].sort((a, b) => b - a))
  })

  it('ranks the sampled matches beyond the bound: a title match before description matches', async () => {
    const w = word()
    const described = (n: number) =>
      Array.from({ length: n }, () => ({ title: 'Another course', description: `mentions ${w}` }))
    const ids = await entries(t.orgA, [
      ...described(2),
      { title: `${w} handbook`, description: `all about ${w}` },
      ...described(7),
    ])
    const body = await search(null, `q=${w}`)
    expect(body.items[0]!.id).toBe(ids[2])
    expect(body.items).toHaveLength(BOUND + 1)
    expect(body.totalApproximate).toBe(true)
  })

  it('pages through the bounded ranking without repeats or gaps, the same ranking every time', async () => {
    const w = word()
    await entries(
      t.orgA,
      Array.from({ length: 11 }, (_, i) => ({
        title: i % 3 ? 'Some course' : `${w} course ${i}`,
        subtitle: i % 2 ? `${w} inside` : '',
        description: `${w} `.repeat(1 + (i % 4)),
      })),
    )
    const oneShot = (await search(null, `q=${w}&limit=50`)).items.map((i) => i.id)
    // Relevance reaches the sample: bound + 1 rows, then the cursor ends.
    expect(oneShot).toHaveLength(BOUND + 1)
    const paged = await allPages(`q=${w}`, 2)
    expect(paged).toEqual(oneShot)
    expect(await allPages(`q=${w}`, 4)).toEqual(oneShot)
  })

  it('applies every filter to the ranked sample beyond the bound', async () => {
    const w = word()
    await entries(
      t.orgA,
      Array.from({ length: 10 }, (_, i) => ({ title: `${w} ${i}`, level: i % 2 ? 'advanced' : 'beginner' })),
    )
    const body = await search(null, `q=${w}&level=advanced`)
    expect(body.items.length).toBeGreaterThan(0)
    expect(body.items.every((i) => i.level === 'advanced')).toBe(true)
    expect(body.totalApproximate).toBe(true)
  })

  it('samples tag searches the same way and still pages through all of them by date', async () => {
    const w = word()
    await entries(
      t.orgA,
      Array.from({ length: 8 }, (_, i) => ({ title: `Tagged ${i}`, tags: [w] })),
    )
    const body = await search(null, `tags=${w}`)
    expect(body.facetsApproximate).toBe(true)
    expect(new Set(await allPages(`tags=${w}`, 3)).size).toBe(8)
  })
})

describe('errors', () => {
  it('rejects a relevance cursor used with another query with a 400', async () => {
    const w = word()
    await entries(
      t.orgA,
      Array.from({ length: 8 }, (_, i) => ({ title: `${w} ${i}` })),
    )
    const first = await search(null, `q=${w}&limit=2`)
    expect(first.nextCursor).not.toBeNull()
    const res = await t.call(null, 'GET', `/catalog?q=${w}x&limit=2&cursor=${first.nextCursor}`)
    expect(res.statusCode).toBe(400)
  })
})

describe('security', () => {
  it('samples only what the caller may see: another organization’s org-only matches never count', async () => {
    const w = word()
    await entries(
      t.orgB,
      Array.from({ length: 10 }, (_, i) => ({ title: `${w} private ${i}`, visibility: 'org' })),
    )
    const visible = await entries(t.orgA, [{ title: `${w} a` }, { title: `${w} b` }, { title: `${w} c` }])
    const anonymous = await search(null, `q=${w}`)
    expect(anonymous.total).toBe(3)
    expect(anonymous.totalApproximate).toBe(false)
    expect(anonymous.items.map((i) => i.id).sort()).toEqual([...visible].sort())
    const member = await search(t.user(['learner'], t.orgA), `q=${w}`)
    expect(member.total).toBe(3)
    const insider = await search(t.user(['learner'], t.orgB), `q=${w}&scope=org`)
    expect(insider.totalApproximate).toBe(true)
    expect(insider.items.every((i) => !visible.includes(i.id))).toBe(true)
  })
})
