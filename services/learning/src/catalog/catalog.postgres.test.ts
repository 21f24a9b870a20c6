import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { createTokenVerifier, newId, sql, type App } from '@learnmesh/kernel'
import { createPostgresTestDatabase, createTestSigner, postgresAvailable } from '@learnmesh/kernel/testing'
import { buildApp } from '../app.ts'
import { loadLearningConfig } from '../config.ts'
import { catalogEntries } from '../db/schema.ts'
import { learningService } from '../service.ts'

// The catalog's SQL on real PostgreSQL 15 (the route tests run on PGlite): ranking, websearch
// syntax, disjunctive facets (cube and sample paths), keyset pages for every sort, the search bound,
// odd input.
const pg = await postgresAvailable()

describe.skipIf(!pg.ok)('catalog on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>
  let app: App
  let sign: (orgId: string) => Promise<string>
  let verifier: ReturnType<typeof createTokenVerifier>
  const org = newId('org')

  beforeAll(async () => {
    database = await createPostgresTestDatabase(learningService.migrations)
    const signer = await createTestSigner()
    verifier = createTokenVerifier({
      jwks: signer.jwks,
      issuer: signer.issuer,
      audience: signer.audience,
    })
    const config = loadLearningConfig({ CATALOG_CACHE_TTL_MS: '0' })
    app = await buildApp(
      { database, config, logger: pino({ level: 'silent' }), wakeRelay: () => {} },
      { verifier },
    )
    await app.ready()
    sign = (orgId) => signer.sign({ sub: newId('usr'), org: orgId, roles: ['learner'] })
    const rows = Array.from({ length: 37 }, (_, i) => ({
      courseId: newId('crs'),
      orgId: org,
      visibility: i % 5 === 4 ? 'org' : 'public',
      slug: `pg-${i}`,
      title: i === 0 ? 'Kubernetes in production' : i % 2 ? 'Cloud operations' : 'Shared title',
      subtitle: i === 1 ? 'with kubernetes' : '',
      description: i === 2 ? 'we mention kubernetes once' : 'plain text about <clouds> & more',
      categorySlug: ['ops', 'dev', 'data'][i % 3]!,
      categoryName: ['Ops', 'Dev', 'Data'][i % 3]!,
      tags: i % 2 ? ['cloud'] : ['cloud', 'k8s'],
      level: ['beginner', 'advanced'][i % 2]!,
      language: i % 4 ? 'en' : 'es',
      priceMinor: [0, 1500, 2500, 7500, 15000][i % 5]!,
      currency: 'USD',
      rating: (i % 11) / 2,
      enrollmentCount: i % 6,
      version: 1,
      publishedAt: new Date(Date.now() - (i % 4) * 1000),
    }))
    await database.db.insert(catalogEntries).values(rows)
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  const get = async (url: string, orgId?: string) => {
    const res = await app.inject({
      url,
      headers: orgId ? { authorization: `Bearer ${await sign(orgId)}` } : {},
    })
    return { status: res.statusCode, body: res.json() }
  }

  it('ranks title over subtitle over description matches', async () => {
    const { body } = await get('/catalog?q=kubernetes')
    expect(body.items.map((i: { slug: string }) => i.slug)).toEqual(['pg-0', 'pg-1', 'pg-2'])
    expect(body.items[2].highlight).toContain('<mark>kubernetes</mark>')
  })

  it('pages through every sort without duplicates or gaps, text and browse', async () => {
    for (const base of [
      'scope=org',
      'scope=org&q=cloud%20or%20shared%20or%20kubernetes',
      'scope=org&tags=cloud',
    ]) {
      for (const sort of ['relevance', 'newest', 'popular', 'rating', 'price_asc', 'price_desc', 'title']) {
        const full = (await get(`/catalog?${base}&sort=${sort}&limit=50`, org)).body
        const seen: string[] = []
        let cursor: string | null = null
        do {
          const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await get(
            `/catalog?${base}&sort=${sort}&limit=6${cursor ? `&cursor=${cursor}` : ''}`,
            org,
          )
          seen.push(...page.body.items.map((i) => i.id))
          cursor = page.body.nextCursor
        } while (cursor)
        expect(seen, `${base} ${sort}`).toEqual(full.items.map((i: { id: string }) => i.id))
        expect(new Set(seen).size).toBe(37)
      }
    }
  })

  it('counts facets the same way from the cube (browse) and in SQL (text search)', async () => {
    const filters = 'category=ops&level=advanced&price=free&price=gte_100&minRating=1'
    const browse = (await get(`/catalog?scope=org&${filters}`, org)).body
    const text = (await get(`/catalog?scope=org&q=cloud%20or%20shared%20or%20kubernetes&${filters}`, org))
      .body
    expect(text.total).toBe(browse.total)
    expect(text.facets).toEqual(browse.facets)
  })

  it('never answers 5xx to odd queries', async () => {
    for (const q of [`&|!:*()'"\\`, '"', '-', 'or', '<->', '😀', '\u0001', 'x'.repeat(200)]) {
      const { status } = await get(`/catalog?q=${encodeURIComponent(q)}`)
      expect(status, q).toBeLessThan(500)
      const ac = await get(`/catalog/autocomplete?q=${encodeURIComponent(`${q}ab`.slice(0, 100))}`)
      expect(ac.status, q).toBeLessThan(500)
    }
  })

  it('bounds text searches: samples the first matches, flags estimates, pages the sample stably', async () => {
    const bounded = await buildApp(
      {
        database,
        config: loadLearningConfig({ CATALOG_CACHE_TTL_MS: '0', CATALOG_SEARCH_BOUND: '5' }),
        logger: pino({ level: 'silent' }),
        wakeRelay: () => {},
      },
      { verifier },
    )
    try {
      const page = async (url: string) => (await bounded.inject({ url })).json()
      // Nearly every public course matches "cloud or shared": far more than the bound.
      const first = await page('/catalog?q=cloud%20or%20shared&limit=50')
      expect(first.items).toHaveLength(6)
      expect(first.totalApproximate).toBe(true)
      expect(first.facetsApproximate).toBe(true)
      const paged: string[] = []
      let cursor: string | null = null
      do {
        const next: { items: { id: string }[]; nextCursor: string | null } = await page(
          `/catalog?q=cloud%20or%20shared&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        )
        paged.push(...next.items.map((i) => i.id))
        cursor = next.nextCursor
      } while (cursor)
      expect(paged).toEqual(first.items.map((i: { id: string }) => i.id))
      // Three matches fit the bound: exact, not flagged.
      const narrow = await page('/catalog?q=kubernetes')
      expect(narrow.total).toBe(3)
      expect(narrow.totalApproximate).toBe(false)
    } finally {
      await bounded.close()
    }
  })

  it('treats quotes and backslashes in the text as text (the bounded statement inlines its parameters)', async () => {
    for (const q of [
      `'); delete from learning.catalog_entries; --`,
      `\\'); delete from learning.catalog_entries; --`,
      `kubernetes\\' or 1=1 --`,
      `$1 $2 cloud`,
    ]) {
      const { status, body } = await get(`/catalog?q=${encodeURIComponent(q)}&category=ops`)
      expect(status, q).toBe(200)
      expect(body.items.length, q).toBeLessThanOrEqual(13)
    }
    const [row] = await database.query<{ n: number }>(
      sql`select count(*)::int as n from learning.catalog_entries`,
    )
    expect(row?.n).toBe(37)
  })

  it('autocompletes with trigram similarity', async () => {
    const { body } = await get('/catalog/autocomplete?q=kubernets')
    expect(body.items[0].title).toBe('Kubernetes in production')
  })
})
