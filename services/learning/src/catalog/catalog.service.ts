import { AppError } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { loadSnapshot } from '../shared/access.ts'
import type { CourseSnapshot } from '../shared/snapshot.ts'
import { catalogCacheOptions, createTtlCache } from './catalog.cache.ts'
import {
  audienceKey,
  decodeCursor,
  encodeCursor,
  estimateFacets,
  facetsFromCells,
  searchKey,
  type Audience,
  type CatalogSearch,
  type CatalogSort,
  type CubeCell,
  type Facets,
} from './catalog.query.ts'
import {
  createCatalogRepository,
  type CatalogListRow,
  type CatalogPageRow,
  type SearchSample,
} from './catalog.repository.ts'

/** A page of catalog results with the facet counts of the whole result set. */
export interface CatalogResult {
  rows: CatalogListRow[]
  sort: CatalogSort
  nextCursor: string | null
  total: number
  /** True when `total` is an estimate (a broad text search: see `CATALOG_SEARCH_BOUND`). */
  totalApproximate: boolean
  facets: Facets
  /** True when the facet counts are estimates scaled up from a bounded sample of the matches. */
  facetsApproximate: boolean
}

/** Facet counts and total of a search, and whether they are estimates. */
interface Counts {
  total: number
  facets: Facets
  approximate: boolean
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

/**
 * The catalog: search with facets and keyset pages, autocomplete, course pages. Reads only
 * `catalog_entries` (the authoring area's projection) and published snapshots.
 */
export function createCatalogService(deps: LearningDeps) {
  const repo = createCatalogRepository(deps.database)
  // How many matches a text search reads at most, to rank and to count.
  const bound = deps.config.CATALOG_SEARCH_BOUND
  // Results and facet counts: fresh for the TTL, then served for one more TTL while reloaded.
  const cacheOptions = catalogCacheOptions(deps.config, (error) =>
    deps.logger.warn({ err: error }, 'catalog cache refresh failed'),
  )
  const facetCache = createTtlCache<Counts>(cacheOptions)
  const suggestions = createTtlCache<{ course_id: string; slug: string; title: string }[]>(cacheOptions)
  // Cube parts (the public one and one per organization): a stale part keeps being served while
  // one background load replaces it, so after warm-up no request waits for a full-catalog GROUP BY.
  const cubes = createTtlCache<CubeCell[]>(cacheOptions)
  // Bounded samples of text/tag searches, keyed without the facet filters: every filter
  // combination of one query counts its facets from the same sample.
  const samples = createTtlCache<SearchSample>(cacheOptions)

  const cubeKey = (part: CubePart) => ('orgId' in part ? `${part.orgId}:${part.visibility}` : 'public')

  function cubePart(part: CubePart): Promise<CubeCell[]> {
    return cubes.get(cubeKey(part), () => repo.cube(part))
  }

  /**
   * Facet counts and total: from the cube when browsing (exact) once it is cached, else from the
   * search's bounded sample (exact when it holds every match, else scaled up and rounded).
   * `sampled` is a sample the caller already read (a page cut from the sample reads it too).
   */
  function counts(audience: Audience, search: CatalogSearch, sampled?: SearchSample): Promise<Counts> {
    const browse = search.q === null && search.filters.tags.length === 0
    const parts = cubeParts(audience)
    if (browse && !parts.every((part) => cubes.has(cubeKey(part)))) {
      // The cube is a GROUP BY over every visible course (seconds at a million): load it in the
      // background and answer from the bounded sample meanwhile, so no request waits for it.
      // Without a cache (TTL 0) it would never be reused: browsing always counts the sample.
      if (deps.config.CATALOG_CACHE_TTL_MS > 0)
        for (const part of parts)
          cubePart(part).catch((error: unknown) => deps.logger.warn({ err: error }, 'catalog cube failed'))
      return fromSample(audience, search)
    }
    return facetCache.get(`${audienceKey(audience)}|${searchKey(search)}`, async () => {
      if (browse) {
        const cells = await Promise.all(parts.map(cubePart))
        return { ...facetsFromCells(cells.flat(), search.filters), approximate: false }
      }
      return fromSample(audience, search, sampled)
    })
  }

  /** The samples cache key: the audience, text and tags (not the facet filters, sort or cursor). */
  const sampleKey = (audience: Audience, search: CatalogSearch) =>
    `${audienceKey(audience)}|${JSON.stringify([search.q, search.filters.tags])}`

  /** Counts from the search's bounded sample: exact when it holds every match, else estimated. */
  async function fromSample(
    audience: Audience,
    search: CatalogSearch,
    sampled?: SearchSample,
  ): Promise<Counts> {
    const sample = await samples.get(
      sampleKey(audience, search),
      async () => sampled ?? repo.sample({ audience, q: search.q, tags: search.filters.tags, bound }),
    )
    const counted = facetsFromCells(sample.cells, search.filters)
    if (sample.complete) return { ...counted, approximate: false }
    return { ...estimateFacets(counted, sample.scale), approximate: true }
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
      let page: CatalogListRow[]
      let c: Counts
      const input = { audience, ...search, sort, after, limit: options.limit }
      if (search.q === null && search.filters.tags.length === 0) {
        // Browsing: an index walk in the sort's order; counts from the cube.
        ;[page, c] = await Promise.all([repo.page(input), counts(audience, search)])
      } else {
        // A broad query in a sort other than relevance: the first matches walking the sort's
        // index are the exact page. Otherwise (relevance, or too few matches in the window) the
        // page is cut from the bounded sample, read in the same statement.
        // A sample known to hold every match sorts it exactly: no walk needed.
        const walked =
          sort === 'relevance' || samples.peek(sampleKey(audience, search))?.complete
            ? []
            : await repo.walkPage({ ...input, window: bound })
        if (walked.length > options.limit) {
          page = walked
          c = await counts(audience, search)
        } else {
          const sampled = await repo.samplePage({ ...input, bound })
          page = sampled.rows
          c = await counts(audience, search, sampled.sample)
        }
      }
      const rows = page.slice(0, options.limit)
      const last = rows[rows.length - 1]
      const nextCursor =
        page.length > options.limit && last
          ? encodeCursor(sort, search, { key: last.sort_key, id: last.course_id })
          : null
      return {
        rows,
        sort,
        nextCursor,
        total: c.total,
        totalApproximate: c.approximate,
        facets: c.facets,
        facetsApproximate: c.approximate,
      }
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
