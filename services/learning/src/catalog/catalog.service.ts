import { AppError } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { loadSnapshot } from '../shared/access.ts'
import type { CourseSnapshot } from '../shared/snapshot.ts'
import { catalogCacheOptions, createTtlCache } from './catalog.cache.ts'
import {
  audienceKey,
  buildFacets,
  decodeCursor,
  encodeCursor,
  facetsFromCells,
  searchKey,
  type Audience,
  type CatalogSearch,
  type CatalogSort,
  type CubeCell,
  type Facets,
  type FacetValue,
} from './catalog.query.ts'
import {
  createCatalogRepository,
  type CatalogListRow,
  type CatalogPageRow,
  type FacetRow,
} from './catalog.repository.ts'

/** A page of catalog results with the facet counts of the whole result set. */
export interface CatalogResult {
  rows: CatalogListRow[]
  sort: CatalogSort
  nextCursor: string | null
  total: number
  facets: Facets
}

/** How many suggestions autocomplete returns. */
export const AUTOCOMPLETE_LIMIT = 8

type CubePart = { visibility: 'public' } | { orgId: string; visibility: 'public' | 'org' }

/** The cube parts whose union is what an audience sees (each part is cached on its own). */
function cubeParts(audience: Audience): CubePart[] {
  switch (audience.kind) {
    case 'anonymous':
      return [{ visibility: 'public' }]
    case 'member':
      return [{ visibility: 'public' }, { orgId: audience.orgId, visibility: 'org' }]
    case 'org':
      return [
        { orgId: audience.orgId, visibility: 'public' },
        { orgId: audience.orgId, visibility: 'org' },
      ]
  }
}

function facetsFromRows(rows: FacetRow[], search: CatalogSearch): { total: number; facets: Facets } {
  const categories: FacetValue[] = []
  const level = new Map<string, number>()
  const language = new Map<string, number>()
  const price = new Map<string, number>()
  const halves = new Array<number>(11).fill(0)
  let total = 0
  for (const r of rows) {
    if (r.dim === 'total') total = r.count
    else if (r.dim === 'category' && r.value !== null)
      categories.push({ value: r.value, label: r.label, count: r.count })
    else if (r.dim === 'level' && r.value !== null) level.set(r.value, r.count)
    else if (r.dim === 'language' && r.value !== null) language.set(r.value, r.count)
    else if (r.dim === 'price' && r.value !== null) price.set(r.value, r.count)
    else if (r.dim === 'rating' && r.value !== null) halves[Number(r.value)] = r.count
  }
  return { total, facets: buildFacets(categories, level, language, price, halves, search.filters) }
}

/**
 * The catalog: search with facets and keyset pages, autocomplete, course pages. Reads only
 * `catalog_entries` (the authoring area's projection) and published snapshots.
 */
export function createCatalogService(deps: LearningDeps) {
  const repo = createCatalogRepository(deps.database)
  // Results and facet counts: fresh for the TTL, then served for one more TTL while reloaded.
  const cacheOptions = catalogCacheOptions(deps.config, (error) =>
    deps.logger.warn({ err: error }, 'catalog cache refresh failed'),
  )
  const facetCache = createTtlCache<{ total: number; facets: Facets }>(cacheOptions)
  const suggestions = createTtlCache<{ course_id: string; slug: string; title: string }[]>(cacheOptions)
  // Cube parts (the public one and one per organization): a stale part keeps being served while
  // one background load replaces it, so after warm-up no request waits for a full-catalog GROUP BY.
  const cubes = createTtlCache<CubeCell[]>(cacheOptions)

  function cubePart(part: CubePart): Promise<CubeCell[]> {
    const key = 'orgId' in part ? `${part.orgId}:${part.visibility}` : 'public'
    return cubes.get(key, () => repo.cube(part))
  }

  const facetKey = (audience: Audience, search: CatalogSearch) =>
    `${audienceKey(audience)}|${searchKey(search)}`

  function counts(audience: Audience, search: CatalogSearch, load?: () => Promise<FacetRow[]>) {
    return facetCache.get(facetKey(audience, search), async () => {
      // Browsing without text or tags: the facet counts come from the cube, whatever the filters.
      if (search.q === null && search.filters.tags.length === 0) {
        const parts = await Promise.all(cubeParts(audience).map(cubePart))
        return facetsFromCells(parts.flat(), search.filters)
      }
      return facetsFromRows(await (load ? load() : repo.facets({ audience, ...search })), search)
    })
  }

  return {
    /** One page of results in `sort` order after `cursor`, with the facet counts of the whole result set. */
    async search(
      audience: Audience,
      search: CatalogSearch,
      options: { sort?: CatalogSort | undefined; cursor?: string | undefined; limit: number },
    ): Promise<CatalogResult> {
      // Relevance needs a text query; without one it falls back to newest (as does no sort at all).
      const sort: CatalogSort =
        options.sort && !(options.sort === 'relevance' && search.q === null)
          ? options.sort
          : search.q === null
            ? 'newest'
            : 'relevance'
      const after = options.cursor ? decodeCursor(options.cursor, sort, search) : null
      const input = { audience, ...search, sort, after, limit: options.limit }
      // Pages are cached as whole responses by the route. A text or tag search whose facets are not
      // cached either reads its matches once for both.
      const sqlFacets = search.q !== null || search.filters.tags.length > 0
      let both: Promise<{ rows: CatalogListRow[]; facets: FacetRow[] }> | undefined
      const combined =
        sqlFacets && !facetCache.has(facetKey(audience, search))
          ? () => (both ??= repo.pageWithFacets(input))
          : undefined
      const [page, { total, facets }] = await Promise.all([
        combined ? combined() : repo.page(input).then((rows) => ({ rows })),
        counts(audience, search, combined && (async () => (await combined()).facets)),
      ])
      const rows = page.rows.slice(0, options.limit)
      const last = rows[rows.length - 1]
      const nextCursor =
        page.rows.length > options.limit && last
          ? encodeCursor(sort, search, { key: last.sort_key, id: last.course_id })
          : null
      return { rows, sort, nextCursor, total, facets }
    },

    /** Up to 8 titles matching what the user typed so far. */
    async autocomplete(audience: Audience, q: string) {
      const text = q.trim().replace(/\s+/g, ' ')
      if (text.length < 2) return []
      return suggestions.get(`${audienceKey(audience)}|${text.toLowerCase()}`, () =>
        repo.autocomplete({ audience, q: text, limit: AUTOCOMPLETE_LIMIT }),
      )
    },

    /** A published course the audience may see, with its latest published version's snapshot; else 404. */
    async course(
      audience: Audience,
      idOrSlug: string,
    ): Promise<{ row: CatalogPageRow; snapshot: CourseSnapshot }> {
      const row = await repo.findVisible(audience, idOrSlug)
      if (!row) throw new AppError('not_found', 'Course not found')
      const snapshot = await loadSnapshot(deps.database.db, row.course_id, row.version)
      return { row, snapshot }
    },
  }
}

/** What createCatalogService returns. */
export type CatalogService = ReturnType<typeof createCatalogService>
