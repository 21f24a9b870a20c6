import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { newId, sql } from '@learnmesh/kernel'
import { createTestLearning, type TestLearning, type TestUser } from '../test-helpers.ts'
import { catalogEntries, courseVersions } from '../db/schema.ts'
import type { CourseSnapshot } from '../shared/snapshot.ts'

let t: TestLearning
beforeAll(async () => {
  // Caching is tested on its own below; here every request must see the rows as they are.
  t = await createTestLearning({ env: { CATALOG_CACHE_TTL_MS: '0' } })
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

/** A catalog row straight into the table (what publishing would project). */
async function entry(orgId: string, o: Entry = {}): Promise<string> {
  const courseId = o.courseId ?? newId('crs')
  await t.db.insert(catalogEntries).values({
    courseId,
    orgId,
    visibility: 'public',
    slug: `c-${courseId.slice(-16)}`,
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
  return courseId
}

/** A published course (draft, version 1 snapshot, catalog row) whose catalog row gets `o`. */
async function publishedEntry(
  orgId: string,
  o: Entry & { visibility?: 'public' | 'org' } = {},
): Promise<string> {
  const { courseId } = await t.publishedCourse(t.user(['instructor'], orgId), {
    visibility: o.visibility ?? 'public',
  })
  await t.db.update(catalogEntries).set(o).where(eq(catalogEntries.courseId, courseId))
  return courseId
}

type Item = { id: string; title: string; highlight?: string; [k: string]: unknown }
type Facet = { value: string; label: string | null; count: number }
type Body = {
  items: Item[]
  total: number
  sort: string
  nextCursor: string | null
  facets: Record<'category' | 'level' | 'language' | 'price' | 'rating', Facet[]>
}

async function search(u: TestUser | null, query: string): Promise<Body> {
  const res = await t.call(u, 'GET', `/catalog?${query}`)
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as Body
}

const ids = (b: Body) => b.items.map((i) => i.id)
const count = (facets: Facet[], value: string) => facets.find((f) => f.value === value)?.count ?? 0

/** Every page of a query, following nextCursor. */
async function allPages(u: TestUser | null, query: string, limit: number): Promise<string[]> {
  const out: string[] = []
  let cursor: string | null = null
  for (let i = 0; i < 100; i++) {
    const body: Body = await search(
      u,
      `${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    )
    out.push(...ids(body))
    expect(body.items.length).toBeLessThanOrEqual(limit)
    cursor = body.nextCursor
    if (!cursor) return out
  }
  throw new Error('pagination did not end')
}

describe('happy', () => {
  it('shows anonymous visitors the public courses of every organization, never org-only ones', async () => {
    const w = word()
    const a = await entry(t.orgA, { title: `${w} alpha` })
    const b = await entry(t.orgB, { title: `${w} beta` })
    const hidden = await entry(t.orgA, { title: `${w} internal`, visibility: 'org' })
    const body = await search(null, `q=${w}`)
    expect(ids(body).sort()).toEqual([a, b].sort())
    expect(ids(body)).not.toContain(hidden)
    expect(body.total).toBe(2)
  })

  it('shows a member the public catalog plus their own organization’s org-only courses', async () => {
    const w = word()
    const pub = await entry(t.orgB, { title: `${w} public` })
    const mine = await entry(t.orgA, { title: `${w} ours`, visibility: 'org' })
    const theirs = await entry(t.orgB, { title: `${w} theirs`, visibility: 'org' })
    const body = await search(t.user(['learner'], t.orgA), `q=${w}`)
    expect(ids(body).sort()).toEqual([pub, mine].sort())
    expect(ids(body)).not.toContain(theirs)
  })

  it('shows only the member’s organization with scope=org (the private catalog)', async () => {
    const org = newId('org')
    const pub = await entry(org, { title: 'Our public course' })
    const priv = await entry(org, { title: 'Our private course', visibility: 'org' })
    await entry(t.orgB, { title: 'Not ours' })
    const body = await search(t.user(['learner'], org), 'scope=org')
    expect(ids(body).sort()).toEqual([pub, priv].sort())
  })

  it('ranks a title match above a subtitle match above a description match', async () => {
    const w = word()
    const inDescription = await entry(t.orgA, { title: 'Gardening', description: `all about ${w} here` })
    const inTitle = await entry(t.orgA, { title: `Mastering ${w}` })
    const inSubtitle = await entry(t.orgA, { title: 'Cooking', subtitle: `with ${w}` })
    const body = await search(null, `q=${w}`)
    expect(body.sort).toBe('relevance')
    expect(ids(body)).toEqual([inTitle, inSubtitle, inDescription])
  })

  it('understands web-search syntax: phrases and exclusions', async () => {
    const w = word()
    const x = word()
    const phrase = await entry(t.orgA, { title: `${w} advanced topics` })
    const other = await entry(t.orgA, { title: `advanced ${w} ${x}` })
    expect(ids(await search(null, `q=${encodeURIComponent(`"${w} advanced"`)}`))).toEqual([phrase])
    expect(ids(await search(null, `q=${encodeURIComponent(`${w} -${x}`)}`))).toEqual([phrase])
    expect(ids(await search(null, `q=${encodeURIComponent(`${w} ${x}`)}`))).toEqual([other])
  })

  it('filters by category, level, language, price band, minimum rating and tags', async () => {
    const org = newId('org')
    const me = t.user(['learner'], org)
    const py = await entry(org, {
      categorySlug: 'programming',
      categoryName: 'Programming',
      level: 'beginner',
      language: 'en',
      priceMinor: 0,
      rating: 4.7,
      tags: ['python', 'data'],
    })
    const js = await entry(org, {
      categorySlug: 'programming',
      categoryName: 'Programming',
      level: 'advanced',
      language: 'pt-BR',
      priceMinor: 2999,
      rating: 3.9,
      tags: ['javascript'],
    })
    const art = await entry(org, {
      categorySlug: 'design',
      categoryName: 'Design',
      level: 'intermediate',
      language: 'en',
      priceMinor: 15000,
      rating: 4.5,
      tags: ['data'],
    })
    const q = (s: string) => search(me, `scope=org&${s}`).then((b) => ids(b).sort())
    expect(await q('category=programming')).toEqual([py, js].sort())
    expect(await q('category=programming&category=design')).toEqual([py, js, art].sort())
    expect(await q('level=advanced')).toEqual([js])
    expect(await q('language=pt-BR')).toEqual([js])
    expect(await q('price=free')).toEqual([py])
    expect(await q('price=20_50&price=gte_100')).toEqual([js, art].sort())
    expect(await q('price=lt_20')).toEqual([])
    expect(await q('minRating=4.5')).toEqual([py, art].sort())
    expect(await q('tags=data')).toEqual([py, art].sort())
    expect(await q('tags=data&tags=python')).toEqual([py])
    expect(await q('category=programming&minRating=4')).toEqual([py])
  })

  it('counts facets disjunctively: each dimension ignores its own filter, the total applies all', async () => {
    const org = newId('org')
    const me = t.user(['learner'], org)
    const w = word()
    const rows: Entry[] = [
      { categorySlug: 'music', categoryName: 'Music', level: 'beginner', priceMinor: 0, rating: 4.6 },
      { categorySlug: 'music', categoryName: 'Music', level: 'advanced', priceMinor: 1500, rating: 3.2 },
      { categorySlug: 'music', categoryName: 'Music', level: 'beginner', priceMinor: 4500, rating: 4.1 },
      {
        categorySlug: 'art',
        categoryName: 'Art',
        level: 'beginner',
        priceMinor: 12000,
        rating: 2.5,
        language: 'fr',
      },
    ]
    for (const r of rows) await entry(org, { title: `${w} course`, ...r })
    // Browsing (facets from the cube) and searching (facets in SQL) must agree on the same set.
    for (const base of ['scope=org', `scope=org&q=${w}`]) {
      const body = await search(me, `${base}&category=music&level=beginner`)
      expect(body.total).toBe(2)
      expect(count(body.facets.category, 'music')).toBe(2) // level=beginner applied, category ignored
      expect(count(body.facets.category, 'art')).toBe(1)
      expect(body.facets.category.find((f) => f.value === 'art')?.label).toBe('Art')
      expect(count(body.facets.level, 'beginner')).toBe(2) // category=music applied, level ignored
      expect(count(body.facets.level, 'advanced')).toBe(1)
      expect(count(body.facets.level, 'intermediate')).toBe(0)
      expect(count(body.facets.price, 'free')).toBe(1)
      expect(count(body.facets.price, '20_50')).toBe(1)
      expect(count(body.facets.price, 'gte_100')).toBe(0)
      expect(count(body.facets.rating, '4.5')).toBe(1)
      expect(count(body.facets.rating, '4')).toBe(2)
      expect(count(body.facets.rating, '1')).toBe(2)
      expect(count(body.facets.language, 'en')).toBe(2)
      expect(count(body.facets.language, 'fr')).toBe(0)
    }
    const unfiltered = await search(me, 'scope=org')
    expect(unfiltered.total).toBe(4)
    expect(count(unfiltered.facets.language, 'fr')).toBe(1)
    expect(count(unfiltered.facets.rating, '2')).toBe(4)
  })

  it('sorts by each allowed order, ties broken by id', async () => {
    const org = newId('org')
    const me = t.user(['learner'], org)
    const day = 86_400_000
    const a = await entry(org, {
      title: 'Banana',
      enrollmentCount: 5,
      rating: 4,
      priceMinor: 100,
      publishedAt: new Date(Date.now() - 3 * day),
    })
    const b = await entry(org, {
      title: 'apple',
      enrollmentCount: 50,
      rating: 3,
      priceMinor: 900,
      publishedAt: new Date(Date.now() - 2 * day),
    })
    const c = await entry(org, {
      title: 'Cherry',
      enrollmentCount: 1,
      rating: 5,
      priceMinor: 500,
      publishedAt: new Date(Date.now() - day),
    })
    const order = (sort: string) => search(me, `scope=org&sort=${sort}`).then(ids)
    expect(await order('newest')).toEqual([c, b, a])
    expect(await order('popular')).toEqual([b, a, c])
    expect(await order('rating')).toEqual([c, a, b])
    expect(await order('price_asc')).toEqual([a, c, b])
    expect(await order('price_desc')).toEqual([b, c, a])
    const byTitle = await order('title')
    expect(byTitle.indexOf(a)).toBeLessThan(byTitle.indexOf(c))
    expect((await search(me, 'scope=org')).sort).toBe('newest')
  })

  it('pages through every sort with the cursor without duplicates or gaps (ties included)', async () => {
    const org = newId('org')
    const me = t.user(['learner'], org)
    const w = word()
    const when = new Date()
    const all: string[] = []
    for (let i = 0; i < 23; i++) {
      all.push(
        await entry(org, {
          // Many equal keys: identical titles, prices, ratings, counts and publication times.
          title: i % 2 ? `${w} same title` : `${w} ${w} other title`,
          priceMinor: (i % 3) * 1000,
          rating: i % 4,
          enrollmentCount: i % 5,
          publishedAt: i % 2 ? when : new Date(when.getTime() - i * 1000),
        }),
      )
    }
    for (const sort of ['relevance', 'newest', 'popular', 'rating', 'price_asc', 'price_desc', 'title']) {
      const full = ids(await search(me, `scope=org&q=${w}&sort=${sort}&limit=50`))
      const paged = await allPages(me, `scope=org&q=${w}&sort=${sort}`, 5)
      expect(paged, sort).toEqual(full)
      expect(new Set(paged).size).toBe(23)
      expect([...paged].sort()).toEqual([...all].sort())
    }
    // Browsing (no q) pages the same way.
    expect((await allPages(me, 'scope=org&sort=newest', 4)).sort()).toEqual([...all].sort())
  })

  it('highlights the matched words of the description, HTML-escaped', async () => {
    const w = word()
    await entry(t.orgA, { title: `About ${w}`, description: `Learn <b>${w}</b> & more from experts.` })
    const [item] = (await search(null, `q=${w}`)).items
    expect(item!.highlight).toContain(`<mark>${w}</mark>`)
    expect(item!.highlight).toContain('&lt;b&gt;')
    expect(item!.highlight).not.toContain('<b>')
  })

  it('returns every documented field of an item', async () => {
    const w = word()
    const id = await entry(t.orgA, {
      title: `Full ${w}`,
      subtitle: 'Sub',
      categorySlug: 'science',
      categoryName: 'Science',
      tags: ['lab'],
      level: 'advanced',
      language: 'de',
      priceMinor: 4999,
      currency: 'EUR',
      rating: 4.25,
      ratingCount: 12,
      enrollmentCount: 340,
      instructorNames: ['Ada Lovelace'],
      lessonCount: 7,
      durationSeconds: 3600,
    })
    const [item] = (await search(null, `q=${w}`)).items
    expect(item).toMatchObject({
      id,
      slug: `c-${id.slice(-16)}`,
      title: `Full ${w}`,
      subtitle: 'Sub',
      category: { slug: 'science', name: 'Science' },
      tags: ['lab'],
      level: 'advanced',
      language: 'de',
      price: { amountMinor: 4999, currency: 'EUR' },
      rating: 4.25,
      ratingCount: 12,
      enrollmentCount: 340,
      instructorNames: ['Ada Lovelace'],
      lessonCount: 7,
      durationSeconds: 3600,
    })
    expect(new Date(item!.publishedAt as string).toISOString()).toBe(item!.publishedAt)
  })

  it('autocompletes titles by prefix and by similarity (typos), top 8', async () => {
    const w = word()
    const prefix = await entry(t.orgA, { title: `${w}ology for beginners`, enrollmentCount: 3 })
    const inside = await entry(t.orgB, { title: `Modern ${w}ology`, enrollmentCount: 9 })
    for (let i = 0; i < 10; i++) await entry(t.orgA, { title: `${w}ology part ${i}` })
    const res = await t.call(null, 'GET', `/catalog/autocomplete?q=${w}olo`)
    expect(res.statusCode).toBe(200)
    const items = res.json().items as { id: string; title: string }[]
    expect(items).toHaveLength(8)
    expect(items.every((i) => i.title.toLowerCase().includes(`${w}ology`))).toBe(true)
    const typo = await t.call(
      null,
      'GET',
      `/catalog/autocomplete?q=${encodeURIComponent(`modern ${w}ologi`)}`,
    )
    expect((typo.json().items as { id: string }[])[0]!.id).toBe(inside)
    const exact = await t.call(null, 'GET', `/catalog/autocomplete?q=${encodeURIComponent(`${w}ology for`)}`)
    expect((exact.json().items as { id: string }[])[0]!.id).toBe(prefix)
  })

  it('serves a course page by id or slug with its outline and preview content', async () => {
    const owner = t.user(['instructor'], t.orgA)
    const { courseId, snapshot } = await t.publishedCourse(owner, {
      title: 'Page course',
      sections: [
        {
          title: 'Start',
          lessons: [
            { type: 'video', title: 'Welcome', durationSeconds: 120 },
            { type: 'text', title: 'Reading' },
          ],
        },
        { title: 'Check', lessons: [{ type: 'quiz', title: 'Quiz 1' }] },
      ],
    })
    const preview: CourseSnapshot = structuredClone(snapshot)
    preview.sections[0]!.lessons[0]!.isPreview = true
    preview.sections[1]!.lessons[0]!.isPreview = true // a quiz never shows its content
    await t.db.update(courseVersions).set({ snapshot: preview }).where(eq(courseVersions.courseId, courseId))
    await t.db
      .update(catalogEntries)
      .set({ description: 'Long description', lessonCount: 3 })
      .where(eq(catalogEntries.courseId, courseId))

    const byId = await t.call(null, 'GET', `/catalog/courses/${courseId}`)
    expect(byId.statusCode, byId.body).toBe(200)
    const page = byId.json()
    expect(page).toMatchObject({
      id: courseId,
      title: 'Page course',
      description: 'Long description',
      version: 1,
    })
    expect(page.outline).toHaveLength(2)
    const [welcome, reading] = page.outline[0].lessons
    expect(welcome).toMatchObject({ title: 'Welcome', type: 'video', isPreview: true, durationSeconds: 120 })
    expect(welcome.content).toEqual({
      type: 'video',
      url: 'https://media.example.test/v.mp4',
      durationSeconds: 120,
    })
    expect(reading.isPreview).toBe(false)
    expect(reading.content).toBeUndefined()
    expect(page.outline[1].lessons[0].content).toBeUndefined()

    const bySlug = await t.call(null, 'GET', `/catalog/courses/${page.slug}`)
    expect(bySlug.statusCode).toBe(200)
    expect(bySlug.json().id).toBe(courseId)
  })

  it('prefers the member’s own organization when two organizations use the same slug', async () => {
    const slug = `shared-${word()}`
    const a = await publishedEntry(t.orgA, { slug })
    const b = await publishedEntry(t.orgB, { slug })
    const asB = await t.call(t.user(['learner'], t.orgB), 'GET', `/catalog/courses/${slug}`)
    expect(asB.json().id).toBe(b)
    const asA = await t.call(t.user(['learner'], t.orgA), 'GET', `/catalog/courses/${slug}`)
    expect(asA.json().id).toBe(a)
  })

  it('falls back to newest when relevance is asked without a text query', async () => {
    const body = await search(null, 'sort=relevance&limit=1')
    expect(body.sort).toBe('newest')
  })
})

describe('caching', () => {
  it('lets shared caches (the gateway) reuse anonymous searches for CATALOG_SHARED_MAX_AGE_S, never a member’s', async () => {
    const org = newId('org')
    const anonymous = await t.call(null, 'GET', '/catalog?q=shared')
    expect(anonymous.headers['cache-control']).toBe('public, max-age=0, s-maxage=5')
    const member = await t.call(t.user(['learner'], org), 'GET', '/catalog?q=shared')
    expect(member.statusCode).toBe(200)
    expect(member.headers['cache-control']).toBe('private, no-cache')
    const own = await t.call(t.user(['learner'], org), 'GET', '/catalog?q=shared&scope=org')
    expect(own.headers['cache-control']).toBe('private, no-cache')
    // Errors are never marked shareable.
    const bad = await t.call(null, 'GET', '/catalog?sort=nope')
    expect(bad.statusCode).toBe(400)
    expect(bad.headers['cache-control'] ?? '').not.toMatch(/public|s-maxage/)
    const off = await createTestLearning({ env: { CATALOG_SHARED_MAX_AGE_S: '0' } })
    try {
      const res = await off.call(null, 'GET', '/catalog?q=shared')
      expect(res.headers['cache-control']).toBe('no-cache')
    } finally {
      await off.close()
    }
  })

  it('reuses results for the TTL, per audience, and sees new courses after it', async () => {
    const cached = await createTestLearning({
      env: { CATALOG_CACHE_TTL_MS: '300', CATALOG_CACHE_MAX_TTL_MS: '300' },
    })
    try {
      const org = newId('org')
      const me = cached.user(['learner'], org)
      const add = (o: Entry) =>
        cached.db.insert(catalogEntries).values({
          courseId: newId('crs'),
          orgId: org,
          visibility: 'org',
          slug: `s-${Math.random()}`.replace('.', ''),
          title: 'Cached',
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
      await add({})
      const first = (await cached.call(me, 'GET', '/catalog?scope=org')).json()
      expect(first.total).toBe(1)
      await add({})
      const again = (await cached.call(me, 'GET', '/catalog?scope=org')).json()
      expect(again.items).toHaveLength(1) // within the TTL: the cached page
      // Another organization's member never gets this cache entry.
      const other = (
        await cached.call(cached.user(['learner'], newId('org')), 'GET', '/catalog?scope=org')
      ).json()
      expect(other.total).toBe(0)
      // After the TTL a stale answer may be served once more while it reloads (twice for counts:
      // the cube under them reloads the same way); the new course shows up within a few TTLs.
      await new Promise((r) => setTimeout(r, 300))
      let later = (await cached.call(me, 'GET', '/catalog?scope=org')).json()
      for (let i = 0; i < 30 && (later.total !== 2 || later.items.length !== 2); i++) {
        await new Promise((r) => setTimeout(r, 100))
        later = (await cached.call(me, 'GET', '/catalog?scope=org')).json()
      }
      expect(later.items).toHaveLength(2)
      expect(later.total).toBe(2)
    } finally {
      await cached.close()
    }
  })
  it('pages through cached searches like uncached ones (later pages reuse the cached facets)', async () => {
    const cached = await createTestLearning({ env: { CATALOG_CACHE_TTL_MS: '60000' } })
    try {
      const org = newId('org')
      const me = cached.user(['learner'], org)
      const w = word()
      for (let i = 0; i < 13; i++) {
        await cached.db.insert(catalogEntries).values({
          courseId: newId('crs'),
          orgId: org,
          visibility: 'org',
          slug: `p-${i}-${w}`,
          title: i % 3 ? `${w} course` : `${w} ${w} course`,
          subtitle: '',
          description: '',
          tags: ['t'],
          level: 'beginner',
          language: 'en',
          priceMinor: (i % 4) * 1000,
          currency: 'USD',
          version: 1,
          publishedAt: new Date(),
        })
      }
      for (const query of [`q=${w}`, `q=${w}&sort=price_asc`, 'tags=t&sort=title']) {
        const get = async (url: string) => (await cached.call(me, 'GET', url)).json() as Body
        const full = await get(`/catalog?scope=org&${query}&limit=50`)
        const seen: string[] = []
        let page = await get(`/catalog?scope=org&${query}&limit=4`)
        seen.push(...ids(page))
        while (page.nextCursor) {
          page = await get(`/catalog?scope=org&${query}&limit=4&cursor=${page.nextCursor}`)
          expect(page.total).toBe(13)
          seen.push(...ids(page))
        }
        expect(seen, query).toEqual(ids(full))
        expect(full.total).toBe(13)
      }
    } finally {
      await cached.close()
    }
  })
})

describe('errors', () => {
  it('rejects unknown sorts, limits out of 1–50, long q, unknown parameters and bad filter values', async () => {
    for (const query of [
      'sort=cheapest',
      'sort=price',
      'limit=0',
      'limit=51',
      'limit=abc',
      `q=${'a'.repeat(201)}`,
      'foo=bar',
      'offset=20',
      'price=cheap',
      'level=expert',
      'minRating=3.3',
      'minRating=6',
      'category=Not%20A%20Slug',
      'language=english!',
      'scope=everyone',
      'q=a&q=b',
    ]) {
      const res = await t.call(null, 'GET', `/catalog?${query}`)
      expect(res.statusCode, query).toBe(400)
      expect(res.headers['content-type']).toContain('application/problem+json')
    }
  })

  it('rejects a tampered, foreign or garbage cursor with a 400', async () => {
    const org = newId('org')
    const me = t.user(['learner'], org)
    for (let i = 0; i < 3; i++) await entry(org, { title: `Cursor ${i}`, enrollmentCount: i })
    const first = await search(me, 'scope=org&sort=popular&limit=1')
    const cursor = first.nextCursor!
    expect(cursor).toBeTruthy()
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as Record<string, string>
    const forge = (o: Record<string, unknown>) =>
      Buffer.from(JSON.stringify({ ...decoded, ...o })).toString('base64url')
    const bad = [
      'garbage',
      'x'.repeat(40),
      Buffer.from('not json').toString('base64url'),
      Buffer.from('null').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
      forge({ k: "1'; drop table learning.catalog_entries; --" }),
      forge({ k: '99999999999' }),
      forge({ k: 7 }),
      forge({ i: 'crs_nothex' }),
      forge({ s: 'newest' }),
      forge({ h: 'abc' }),
    ]
    for (const c of bad) {
      const res = await t.call(me, 'GET', `/catalog?scope=org&sort=popular&limit=1&cursor=${c}`)
      expect(res.statusCode, c).toBe(400)
    }
    // A valid cursor of one sort or query is refused by another.
    expect(
      (await t.call(me, 'GET', `/catalog?scope=org&sort=rating&limit=1&cursor=${cursor}`)).statusCode,
    ).toBe(400)
    expect(
      (await t.call(me, 'GET', `/catalog?scope=org&sort=popular&level=advanced&cursor=${cursor}`)).statusCode,
    ).toBe(400)
    // Forged keys of the right type for other sorts that PostgreSQL would refuse to cast.
    const ts = await search(me, 'scope=org&sort=newest&limit=1')
    const tsDecoded = JSON.parse(Buffer.from(ts.nextCursor!, 'base64url').toString()) as Record<
      string,
      string
    >
    for (const k of ['2026-13-40T25:61:00.000000Z', '99999-01-01T00:00:00.000000Z', 'yesterday']) {
      const c = Buffer.from(JSON.stringify({ ...tsDecoded, k })).toString('base64url')
      expect(
        (await t.call(me, 'GET', `/catalog?scope=org&sort=newest&limit=1&cursor=${c}`)).statusCode,
        k,
      ).toBe(400)
    }
    const page2 = await t.call(me, 'GET', `/catalog?scope=org&sort=popular&limit=1&cursor=${cursor}`)
    expect(page2.statusCode).toBe(200)
  })

  it('never answers 5xx to odd text queries', async () => {
    const odd = [
      `&|!:*()'"\\`,
      '!!!',
      '&',
      '|',
      ':*',
      "'",
      '"',
      '""',
      '"unclosed phrase',
      '-',
      '--',
      'or',
      'a or',
      'and',
      'the',
      '<->',
      '(((',
      ')))',
      '\\',
      '%',
      '_',
      '$1',
      '😀 emoji',
      'ñandú über',
      '日本語',
      '\u0001\u0002',
      ' '.repeat(50),
      'x'.repeat(200),
      "'; drop table learning.catalog_entries; --",
    ]
    for (const q of odd) {
      for (const url of [
        `/catalog?q=${encodeURIComponent(q)}`,
        `/catalog?q=${encodeURIComponent(q)}&sort=relevance&tags=${encodeURIComponent(q.slice(0, 50) || 'x')}`,
        `/catalog/autocomplete?q=${encodeURIComponent(q.length >= 2 ? q.slice(0, 100) : `${q}ab`)}`,
      ]) {
        const res = await t.call(null, 'GET', url)
        expect(res.statusCode, `${url} → ${res.body}`).toBeLessThan(500)
      }
    }
    const counted = await t.database.query<{ n: number }>(
      sql`select count(*)::int as n from learning.catalog_entries`,
    )
    expect(counted[0]!.n).toBeGreaterThan(0)
  })

  it('rejects autocomplete queries shorter than 2 characters or longer than 100', async () => {
    for (const q of ['', 'a', '%20%20', 'x'.repeat(101)]) {
      const res = await t.call(null, 'GET', `/catalog/autocomplete?q=${q}`)
      expect(res.statusCode, q).toBe(400)
    }
    expect((await t.call(null, 'GET', '/catalog/autocomplete')).statusCode).toBe(400)
    expect((await t.call(null, 'GET', '/catalog/autocomplete?q=ab&limit=3')).statusCode).toBe(400)
  })

  it('answers 404 for a course that does not exist and 400 for a malformed id', async () => {
    expect((await t.call(null, 'GET', `/catalog/courses/${newId('crs')}`)).statusCode).toBe(404)
    expect((await t.call(null, 'GET', '/catalog/courses/no-such-slug')).statusCode).toBe(404)
    expect((await t.call(null, 'GET', `/catalog/courses/${encodeURIComponent("a'b")}`)).statusCode).toBe(400)
  })

  it('returns an empty page, not an error, when nothing matches', async () => {
    const body = await search(null, `q=${word()}`)
    expect(body).toMatchObject({ items: [], total: 0, nextCursor: null })
  })
})

describe('security', () => {
  it('requires sign-in for the private catalog (scope=org), in search and autocomplete', async () => {
    expect((await t.call(null, 'GET', '/catalog?scope=org')).statusCode).toBe(401)
    expect((await t.call(null, 'GET', '/catalog/autocomplete?q=ab&scope=org')).statusCode).toBe(401)
  })

  it('rejects an invalid token instead of treating the caller as anonymous', async () => {
    const res = await t.app.inject({ url: '/catalog', headers: { authorization: 'Bearer not.a.token' } })
    expect(res.statusCode).toBe(401)
  })

  it('hides another organization’s org-only course everywhere: search, autocomplete, course page', async () => {
    const w = word()
    const slug = `secret-${w}`
    const secret = await publishedEntry(t.orgB, { title: `${w} secret`, slug, visibility: 'org' })
    const outsider = t.user(['org_admin'], t.orgA)
    const insider = t.user(['learner'], t.orgB)
    for (const u of [null, outsider]) {
      expect(ids(await search(u, `q=${w}`))).toEqual([])
      const ac = await t.call(u, 'GET', `/catalog/autocomplete?q=${w}`)
      expect(ac.json().items).toEqual([])
      expect((await t.call(u, 'GET', `/catalog/courses/${secret}`)).statusCode).toBe(404)
      expect((await t.call(u, 'GET', `/catalog/courses/${slug}`)).statusCode).toBe(404)
    }
    expect((await search(outsider, `scope=org&q=${w}`)).items).toEqual([])
    // Its own members see it.
    expect(ids(await search(insider, `q=${w}`))).toEqual([secret])
    expect((await t.call(insider, 'GET', `/catalog/courses/${slug}`)).statusCode).toBe(200)
  })

  it('never exposes lesson content of non-preview lessons or quiz and assignment references', async () => {
    const owner = t.user(['instructor'], t.orgA)
    const { courseId } = await t.publishedCourse(owner, {
      sections: [{ lessons: [{ type: 'quiz' }, { type: 'assignment' }, { type: 'text' }] }],
    })
    const res = await t.call(null, 'GET', `/catalog/courses/${courseId}`)
    expect(res.statusCode).toBe(200)
    expect(res.body).not.toMatch(/quizId|assignmentId|markdown|quz_|asg_/)
  })

  it('cannot be steered into other rows by a cursor from another organization’s query', async () => {
    const org = newId('org')
    for (let i = 0; i < 3; i++) await entry(org, { title: `Other ${i}`, visibility: 'org' })
    const other = await search(t.user(['learner'], org), 'scope=org&limit=1')
    const res = await t.call(
      t.user(['learner'], t.orgA),
      'GET',
      `/catalog?scope=org&limit=1&cursor=${other.nextCursor!}`,
    )
    // Same query shape, so the cursor is accepted, but it only positions: the rows are still the caller's.
    expect(res.statusCode).toBe(200)
    for (const item of (res.json() as Body).items) {
      const [row] = await t.db.select().from(catalogEntries).where(eq(catalogEntries.courseId, item.id))
      expect(row!.orgId).toBe(t.orgA)
    }
  })

  it('rejects NUL bytes in text parameters with a 400 and changes nothing', async () => {
    const before = await t.database.query<{ n: number }>(
      sql`select count(*)::int as n from learning.catalog_entries`,
    )
    for (const url of ['/catalog?q=a%00b', '/catalog?tags=a%00', '/catalog/autocomplete?q=ab%00']) {
      expect((await t.call(null, 'GET', url)).statusCode, url).toBe(400)
    }
    const after = await t.database.query<{ n: number }>(
      sql`select count(*)::int as n from learning.catalog_entries`,
    )
    expect(after).toEqual(before)
  })
})
