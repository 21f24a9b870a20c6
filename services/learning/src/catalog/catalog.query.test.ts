import { describe, expect, it } from 'vitest'
import { createTtlCache } from './catalog.cache.ts'
import {
  decodeCursor,
  encodeCursor,
  escapeLike,
  estimateFacets,
  facetsFromCells,
  normalizeSearch,
  priceBandOf,
  roundEstimate,
  validSortKey,
  type CubeCell,
} from './catalog.query.ts'

const id = `crs_${'a'.repeat(32)}`

describe('happy', () => {
  it('rounds estimates to two significant figures, never down to 0', () => {
    expect([0, 0.2, 1, 7.4, 42, 137, 13_847, 995_001].map(roundEstimate)).toEqual([
      0, 1, 1, 7, 42, 140, 14_000, 1_000_000,
    ])
  })

  it('scales sampled facet counts and the total, keeping each dimension’s order', () => {
    const cells: CubeCell[] = [
      {
        category: 'dev',
        categoryName: 'Dev',
        level: 'beginner',
        language: 'en',
        band: 'free',
        halfStars: 9,
        count: 30,
      },
      {
        category: 'ops',
        categoryName: 'Ops',
        level: 'advanced',
        language: 'es',
        band: 'gte_100',
        halfStars: 6,
        count: 10,
      },
    ]
    const counted = facetsFromCells(cells, normalizeSearch({ level: ['beginner'] }).filters)
    const estimate = estimateFacets(counted, 123.4)
    expect(counted.total).toBe(30)
    expect(estimate.total).toBe(3700)
    // The ops course fails the level filter: it only counts under level.
    expect(estimate.facets.category.map((f) => [f.value, f.count])).toEqual([['dev', 3700]])
    expect(estimate.facets.level.find((f) => f.value === 'advanced')?.count).toBe(1200)
  })

  it('normalizes searches so equal queries share a key', () => {
    const a = normalizeSearch({
      q: '  python   data ',
      level: ['advanced', 'beginner', 'advanced'],
      tags: ['X'],
    })
    expect(a).toEqual({
      q: 'python data',
      filters: {
        categories: [],
        levels: ['advanced', 'beginner'],
        languages: [],
        prices: [],
        minRating: null,
        tags: ['x'],
      },
    })
    expect(normalizeSearch({ q: '   ' }).q).toBeNull()
    expect(normalizeSearch({ minRating: 0 }).filters.minRating).toBeNull()
  })

  it('puts prices in bands by major units', () => {
    expect([0, 1, 1999, 2000, 4999, 5000, 9999, 10000].map(priceBandOf)).toEqual([
      'free',
      'lt_20',
      'lt_20',
      '20_50',
      '20_50',
      '50_100',
      '50_100',
      'gte_100',
    ])
  })

  it('round-trips a cursor for the same sort and query', () => {
    const search = normalizeSearch({ q: 'go' })
    const c = encodeCursor('newest', search, { key: '2026-01-02T03:04:05.123456Z', id })
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeCursor(c, 'newest', search)).toEqual({ key: '2026-01-02T03:04:05.123456Z', id })
  })

  it('counts facets disjunctively from cube cells', () => {
    const cell = (o: Partial<CubeCell>): CubeCell => ({
      category: 'a',
      categoryName: 'A',
      level: 'beginner',
      language: 'en',
      band: 'free',
      halfStars: 8,
      count: 1,
      ...o,
    })
    const cells = [
      cell({ count: 2 }),
      cell({ level: 'advanced', count: 3 }),
      cell({ category: 'b', categoryName: 'B', count: 5 }),
      cell({ category: 'b', level: 'advanced', count: 7 }), // fails both filters: counted nowhere
    ]
    const { total, facets } = facetsFromCells(
      cells,
      normalizeSearch({ category: ['a'], level: ['beginner'] }).filters,
    )
    expect(total).toBe(2)
    expect(facets.category).toEqual([
      { value: 'b', label: 'B', count: 5 },
      { value: 'a', label: 'A', count: 2 },
    ])
    expect(facets.level.find((f) => f.value === 'advanced')!.count).toBe(3)
    expect(facets.rating.find((f) => f.value === '4')!.count).toBe(2)
    expect(facets.rating.find((f) => f.value === '4.5')!.count).toBe(0)
  })

  it('peeks at a servable entry without loading it', async () => {
    let clock = 0
    const cache = createTtlCache<string>({ ttlMs: 100, staleMs: 100, maxEntries: 5, now: () => clock })
    expect(cache.peek('k')).toBeUndefined()
    await cache.get('k', async () => 'v')
    clock = 150
    expect(cache.peek('k')).toBe('v')
    clock = 250
    expect(cache.peek('k')).toBeUndefined()
  })

  it('caches for the TTL, shares concurrent loads, serves stale while reloading', async () => {
    let clock = 0
    let loads = 0
    const cache = createTtlCache<number>({ ttlMs: 100, staleMs: 100, maxEntries: 2, now: () => clock })
    const load = async () => ++loads
    expect(await Promise.all([cache.get('k', load), cache.get('k', load)])).toEqual([1, 1])
    clock = 150
    expect(await cache.get('k', load)).toBe(1) // stale, reload started
    await Promise.resolve()
    expect(await cache.get('k', load)).toBe(2)
    clock = 1000
    expect(await cache.get('k', load)).toBe(3) // too old to serve: waits for the load
    await cache.get('a', load)
    await cache.get('b', load)
    expect(cache.size()).toBe(2) // bounded: the oldest went
    expect(cache.has('k')).toBe(false)
  })
})

describe('errors', () => {
  it('refuses sort keys that PostgreSQL could not cast', () => {
    expect(validSortKey('popular', '12')).toBe(true)
    expect(validSortKey('popular', '99999999999')).toBe(false)
    expect(validSortKey('rating', '4.5')).toBe(true)
    expect(validSortKey('rating', 'NaN')).toBe(false)
    expect(validSortKey('relevance', '1e-05')).toBe(true)
    expect(validSortKey('newest', '2026-02-30T00:00:00.000000Z')).toBe(false)
    expect(validSortKey('title', 'a\u0000b')).toBe(false)
  })

  it('rejects cursors of another sort or query, or edited', () => {
    const search = normalizeSearch({ q: 'go' })
    const c = encodeCursor('popular', search, { key: '5', id })
    expect(() => decodeCursor(c, 'rating', search)).toThrow(/cursor/)
    expect(() => decodeCursor(c, 'popular', normalizeSearch({ q: 'rust' }))).toThrow(/cursor/)
    const edited = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(c, 'base64url').toString()), k: '6' }),
    ).toString('base64url')
    expect(decodeCursor(edited, 'popular', search).key).toBe('6') // keys are positions, not secrets
    expect(() => decodeCursor('%%%', 'popular', search)).toThrow(/cursor/)
  })
})

describe('security', () => {
  it('escapes LIKE wildcards in autocomplete text', () => {
    expect(escapeLike('50%_off\\')).toBe('50\\%\\_off\\\\')
  })
})
