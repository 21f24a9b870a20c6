import { createHash } from 'node:crypto'
import { AppError } from '@learnmesh/kernel'

/**
 * Pure catalog query logic (no SQL, no Fastify): sort orders, price bands, rating buckets, the
 * opaque keyset cursor, cache keys and facet counting over the pre-aggregated "cube".
 */

/** Sort orders a client may ask for; anything else is a 400 (the route's enum). */
export const CATALOG_SORTS = [
  'relevance',
  'newest',
  'popular',
  'rating',
  'price_asc',
  'price_desc',
  'title',
] as const
/** A catalog sort order. */
export type CatalogSort = (typeof CATALOG_SORTS)[number]

/** Levels a course may have. */
export const LEVELS = ['beginner', 'intermediate', 'advanced', 'all_levels'] as const

/**
 * Price bands in major units (the catalog's display price; currencies with 2 decimals assumed):
 * free = 0, lt_20 = (0, 20), 20_50 = [20, 50), 50_100 = [50, 100), gte_100 = [100, ∞).
 */
export const PRICE_BANDS = ['free', 'lt_20', '20_50', '50_100', 'gte_100'] as const
/** A price band. */
export type PriceBand = (typeof PRICE_BANDS)[number]

/** Minor-unit bounds of each band: [min inclusive, max exclusive] (null = open). */
export const PRICE_BAND_BOUNDS: Record<PriceBand, [number | null, number | null]> = {
  free: [null, 1],
  lt_20: [1, 2000],
  '20_50': [2000, 5000],
  '50_100': [5000, 10000],
  gte_100: [10000, null],
}

/** The band of a price in minor units. */
export function priceBandOf(priceMinor: number): PriceBand {
  if (priceMinor <= 0) return 'free'
  if (priceMinor < 2000) return 'lt_20'
  if (priceMinor < 5000) return '20_50'
  if (priceMinor < 10000) return '50_100'
  return 'gte_100'
}

/** The "rating ≥ x" facet buckets, best first. A minRating filter must be a multiple of 0.5. */
export const RATING_FACETS = [4.5, 4, 3.5, 3, 2, 1] as const

/** Who is browsing, which decides the rows they may see. */
export type Audience =
  | { kind: 'anonymous' }
  /** A signed-in member: every public course plus their own organization's `org` courses. */
  | { kind: 'member'; orgId: string }
  /** The private catalog (scope=org): only their organization's courses. */
  | { kind: 'org'; orgId: string }

/** Normalized filters (arrays sorted and de-duplicated so equal queries share a cache entry). */
export interface CatalogFilters {
  categories: string[]
  levels: string[]
  languages: string[]
  prices: PriceBand[]
  /** Multiple of 0.5 in 0–5, or null. */
  minRating: number | null
  /** Every one of these tags (AND). */
  tags: string[]
}

/** A normalized search: the text query (null = browse) and the filters. */
export interface CatalogSearch {
  q: string | null
  filters: CatalogFilters
}

const uniqSorted = <T extends string>(values: T[] | undefined): T[] => [...new Set(values ?? [])].sort()

/** Normalizes raw (already schema-validated) query values. */
export function normalizeSearch(input: {
  q?: string | undefined
  category?: string[] | undefined
  level?: string[] | undefined
  language?: string[] | undefined
  price?: PriceBand[] | undefined
  minRating?: number | undefined
  tags?: string[] | undefined
}): CatalogSearch {
  const q = input.q?.trim().replace(/\s+/g, ' ') ?? ''
  return {
    q: q === '' ? null : q,
    filters: {
      categories: uniqSorted(input.category),
      levels: uniqSorted(input.level),
      languages: uniqSorted(input.language),
      prices: uniqSorted(input.price),
      minRating: input.minRating === undefined || input.minRating <= 0 ? null : input.minRating,
      tags: uniqSorted(input.tags?.map((t) => t.toLowerCase())),
    },
  }
}

/** A stable key of the audience (for caches). */
export function audienceKey(audience: Audience): string {
  return audience.kind === 'anonymous' ? 'anon' : `${audience.kind}:${audience.orgId}`
}

/** A stable key of a search (for caches and to bind cursors to the query they came from). */
export function searchKey(search: CatalogSearch): string {
  const f = search.filters
  return JSON.stringify([search.q, f.categories, f.levels, f.languages, f.prices, f.minRating, f.tags])
}

/** The keyset position after the last row of a page: its sort key (as text) and course id. */
export interface CursorPosition {
  key: string
  id: string
}

const COURSE_ID = /^crs_[0-9a-f]{32}$/
const INT_KEY = /^-?\d{1,10}$/
const REAL_KEY = /^-?\d+(\.\d+)?(e[-+]?\d{1,3})?$/i
const TS_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/

function queryHash(search: CatalogSearch, sort: CatalogSort): string {
  return createHash('sha256')
    .update(`${sort}|${searchKey(search)}`)
    .digest('base64url')
    .slice(0, 12)
}

/** Encodes the opaque cursor: base64url of JSON { s: sort, k: sort key, i: course id, h: query hash }. */
export function encodeCursor(sort: CatalogSort, search: CatalogSearch, position: CursorPosition): string {
  return Buffer.from(
    JSON.stringify({ s: sort, k: position.key, i: position.id, h: queryHash(search, sort) }),
  ).toString('base64url')
}

/** True when `key` is a well-formed sort key for `sort` (so it can be cast in SQL without an error). */
export function validSortKey(sort: CatalogSort, key: string): boolean {
  switch (sort) {
    case 'popular':
    case 'price_asc':
    case 'price_desc': {
      if (!INT_KEY.test(key)) return false
      const n = Number(key)
      return n >= -2147483648 && n <= 2147483647
    }
    case 'relevance':
    case 'rating': {
      if (!REAL_KEY.test(key)) return false
      const n = Number(key)
      return Number.isFinite(n) && Math.abs(n) < 1e30
    }
    case 'newest': {
      if (!TS_KEY.test(key)) return false
      const ms = Date.parse(key.slice(0, 23) + 'Z')
      return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 23) === key.slice(0, 23)
    }
    case 'title':
      return key.length <= 1000 && !key.includes('\u0000')
  }
}

/**
 * Decodes a cursor for this sort and query. Anything that is not a cursor this server issued for
 * the same sort and query (garbage, edited fields, another query's cursor) is a 400.
 */
export function decodeCursor(cursor: string, sort: CatalogSort, search: CatalogSearch): CursorPosition {
  const invalid = () => new AppError('bad_request', 'Invalid cursor: start again from the first page')
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw invalid()
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid()
  const { s, k, i, h } = parsed as Record<string, unknown>
  if (s !== sort || typeof k !== 'string' || typeof i !== 'string' || typeof h !== 'string') throw invalid()
  if (!COURSE_ID.test(i) || !validSortKey(sort, k) || h !== queryHash(search, sort)) throw invalid()
  return { key: k, id: i }
}

/** One cell of the cube: how many courses share these facet values. */
export interface CubeCell {
  category: string | null
  categoryName: string | null
  level: string
  language: string
  band: PriceBand
  /** floor(rating × 2): 0–10. */
  halfStars: number
  count: number
}

/** One facet value and how many results it would give. */
export interface FacetValue {
  value: string
  label: string | null
  count: number
}

/** The facet counts of a result set. */
export interface Facets {
  category: FacetValue[]
  level: FacetValue[]
  language: FacetValue[]
  price: FacetValue[]
  rating: FacetValue[]
}

/**
 * Disjunctive facet counts and the total from cube cells: each dimension's counts apply every
 * filter except that dimension's own (so picking "beginner" still shows how many "advanced" there
 * are), the total applies them all. Tags are not in the cube: the caller only uses it without tags.
 * One pass: a cell failing no filter counts everywhere, failing exactly one counts only in that
 * dimension, failing more counts nowhere.
 */
export function facetsFromCells(
  cells: CubeCell[],
  filters: CatalogFilters,
): { total: number; facets: Facets } {
  const cats = filters.categories.length ? new Set(filters.categories) : null
  const levels = filters.levels.length ? new Set(filters.levels) : null
  const langs = filters.languages.length ? new Set<string>(filters.languages) : null
  const prices = filters.prices.length ? new Set<string>(filters.prices) : null
  const minHalves = filters.minRating === null ? null : filters.minRating * 2
  const cat = new Map<string, { label: string | null; count: number }>()
  const level = new Map<string, number>()
  const language = new Map<string, number>()
  const price = new Map<string, number>()
  const halves = new Array<number>(11).fill(0)
  let total = 0
  for (const c of cells) {
    // Which filters the cell fails: none, exactly one (`only`), or more.
    let failed = 0
    let only = -1
    if (cats && !(c.category !== null && cats.has(c.category))) {
      failed++
      only = 0
    }
    if (levels && !levels.has(c.level)) {
      failed++
      only = 1
    }
    if (langs && !langs.has(c.language)) {
      failed++
      only = 2
    }
    if (prices && !prices.has(c.band)) {
      failed++
      only = 3
    }
    if (minHalves !== null && c.halfStars < minHalves) {
      failed++
      only = 4
    }
    if (failed > 1) continue
    if (failed === 0) total += c.count
    if ((failed === 0 || only === 0) && c.category !== null) {
      const e = cat.get(c.category)
      if (e) e.count += c.count
      else cat.set(c.category, { label: c.categoryName, count: c.count })
    }
    if (failed === 0 || only === 1) level.set(c.level, (level.get(c.level) ?? 0) + c.count)
    if (failed === 0 || only === 2) language.set(c.language, (language.get(c.language) ?? 0) + c.count)
    if (failed === 0 || only === 3) price.set(c.band, (price.get(c.band) ?? 0) + c.count)
    if (failed === 0 || only === 4) halves[Math.max(0, Math.min(10, c.halfStars))]! += c.count
  }
  return {
    total,
    facets: buildFacets(
      [...cat].map(([value, e]) => ({ value, label: e.label, count: e.count })),
      level,
      language,
      price,
      halves,
      filters,
    ),
  }
}

/** Orders and completes raw facet counts (fixed dimensions list every value, even at 0; selected values always appear). */
export function buildFacets(
  categories: FacetValue[],
  level: Map<string, number>,
  language: Map<string, number>,
  price: Map<string, number>,
  halves: number[],
  filters: CatalogFilters,
): Facets {
  const byCount = (a: FacetValue, b: FacetValue) => b.count - a.count || a.value.localeCompare(b.value)
  const withSelected = (values: FacetValue[], selected: string[]) => {
    for (const s of selected)
      if (!values.some((v) => v.value === s)) values.push({ value: s, label: null, count: 0 })
    return values
  }
  let atLeast = 0
  const cumulative = new Map<number, number>()
  for (let h = 10; h >= 0; h--) {
    atLeast += halves[h] ?? 0
    cumulative.set(h, atLeast)
  }
  return {
    category: withSelected(categories, filters.categories).sort(byCount),
    level: LEVELS.map((value) => ({ value, label: null, count: level.get(value) ?? 0 })),
    language: withSelected(
      [...language].map(([value, count]) => ({ value, label: null, count })),
      filters.languages,
    ).sort(byCount),
    price: PRICE_BANDS.map((value) => ({ value, label: null, count: price.get(value) ?? 0 })),
    rating: RATING_FACETS.map((r) => ({ value: String(r), label: null, count: cumulative.get(r * 2) ?? 0 })),
  }
}

/** Escapes LIKE wildcards so user text matches literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/**
 * An estimate shown as one: `count` rounded to two significant figures (13,847 → 14,000), never
 * rounded down to 0 when something was counted.
 */
export function roundEstimate(count: number): number {
  if (count <= 0) return 0
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(count)) - 1)
  return Math.max(1, Math.round(count / magnitude) * magnitude)
}

/**
 * Facet counts and total counted in a sample of the matches, scaled to estimates for all of them
 * (`scale` = estimated matches per sampled match) and rounded (`roundEstimate`). The order of each
 * dimension's values is kept (it was by count in the sample).
 */
export function estimateFacets(
  counted: { total: number; facets: Facets },
  scale: number,
): { total: number; facets: Facets } {
  const scaled = (values: FacetValue[]) =>
    values.map((v) => ({ ...v, count: roundEstimate(v.count * scale) }))
  const f = counted.facets
  return {
    total: roundEstimate(counted.total * scale),
    facets: {
      category: scaled(f.category),
      level: scaled(f.level),
      language: scaled(f.language),
      price: scaled(f.price),
      rating: scaled(f.rating),
    },
  }
}
