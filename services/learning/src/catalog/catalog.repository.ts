import { sql, type SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type { Database } from '@learnmesh/kernel'
import {
  escapeLike,
  PRICE_BAND_BOUNDS,
  type Audience,
  type CatalogFilters,
  type CatalogSort,
  type CursorPosition,
  type CubeCell,
  type PriceBand,
} from './catalog.query.ts'

/** A catalog row as the list and the course page read it. */
export interface CatalogRow {
  course_id: string
  org_id: string
  slug: string
  title: string
  subtitle: string
  category_slug: string | null
  category_name: string | null
  tags: string[]
  level: string
  language: string
  price_minor: number
  currency: string
  rating: number
  rating_count: number
  enrollment_count: number
  instructor_names: string[]
  lesson_count: number
  duration_seconds: number
  published_at: Date | string
}

/** A list row: the catalog fields, its sort key as text (for the cursor) and a highlight when searching. */
export interface CatalogListRow extends CatalogRow {
  sort_key: string
  highlight: string | null
}

/** A course page row: the list fields plus the full description and the published version. */
export interface CatalogPageRow extends CatalogRow {
  description: string
  version: number
}

/**
 * A bounded sample of a text (or tag) search's matches, grouped like the cube: the first `limit`
 * matches in storage order (every match when there are fewer) and what is needed to scale them.
 */
export interface SearchSample {
  /** Course counts per facet cell among the sampled matches. */
  cells: CubeCell[]
  /** Matches read (at most limit + 1). */
  sampled: number
  /** True when the sample is every match (fewer than limit + 1): counts from it are exact. */
  complete: boolean
  /** Estimated matches per sampled match (1 when complete): the table's pages ÷ the pages scanned. */
  scale: number
}

const T = sql.raw('learning.catalog_entries')
const COLUMN_NAMES = [
  'course_id',
  'org_id',
  'slug',
  'title',
  'subtitle',
  'category_slug',
  'category_name',
  'tags',
  'level',
  'language',
  'price_minor',
  'currency',
  'rating',
  'rating_count',
  'enrollment_count',
  'instructor_names',
  'lesson_count',
  'duration_seconds',
  'published_at',
]
/** The catalog fields of table alias `alias`. */
const columns = (alias: string): SQL => sql.raw(COLUMN_NAMES.map((c) => `${alias}.${c}`).join(', '))
const COLUMNS = columns('e')
// Weights {D, C, B, A}: a title (A) match counts 5× a description (C) match.
const RANK = sql.raw(`ts_rank_cd('{0.1, 0.2, 0.4, 1.0}'::real[], e.search, query)`)
const BAND = sql.raw(
  `case when e.price_minor <= 0 then 'free' when e.price_minor < 2000 then 'lt_20'
   when e.price_minor < 5000 then '20_50' when e.price_minor < 10000 then '50_100' else 'gte_100' end`,
)
const HALF_STARS = sql.raw(`least(greatest(floor(e.rating * 2), 0), 10)::int`)

/** What each sort orders by: the key expression, its SQL type (to cast a cursor's key) and direction. */
const SORTS: Record<CatalogSort, { key: SQL; text: SQL; cast: string; desc: boolean }> = {
  relevance: { key: RANK, text: sql`${RANK}::text`, cast: 'real', desc: true },
  newest: {
    key: sql.raw('e.published_at'),
    text: sql.raw(`to_char(e.published_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`),
    cast: 'timestamptz',
    desc: true,
  },
  popular: {
    key: sql.raw('e.enrollment_count'),
    text: sql.raw('e.enrollment_count::text'),
    cast: 'integer',
    desc: true,
  },
  rating: { key: sql.raw('e.rating'), text: sql.raw('e.rating::text'), cast: 'real', desc: true },
  price_asc: {
    key: sql.raw('e.price_minor'),
    text: sql.raw('e.price_minor::text'),
    cast: 'integer',
    desc: false,
  },
  price_desc: {
    key: sql.raw('e.price_minor'),
    text: sql.raw('e.price_minor::text'),
    cast: 'integer',
    desc: true,
  },
  title: { key: sql.raw('e.title'), text: sql.raw('e.title'), cast: 'text', desc: false },
}

const and = (parts: SQL[]): SQL => (parts.length ? sql.join(parts, sql` and `) : sql`true`)
const list = (values: string[]): SQL =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )

/** The rows an audience may see. */
export function visibilitySql(audience: Audience): SQL {
  switch (audience.kind) {
    case 'anonymous':
      return sql`e.visibility = 'public'`
    case 'member':
      return sql`(e.visibility = 'public' or e.org_id = ${audience.orgId})`
    case 'org':
      return sql`e.org_id = ${audience.orgId}`
  }
}

function bandSql(band: PriceBand): SQL {
  const [min, max] = PRICE_BAND_BOUNDS[band]
  if (min === null) return sql`e.price_minor < ${max}`
  if (max === null) return sql`e.price_minor >= ${min}`
  return sql`(e.price_minor >= ${min} and e.price_minor < ${max})`
}

type Dim = 'category' | 'level' | 'language' | 'price' | 'rating'

/** One SQL condition per active filter dimension (tags are not a facet dimension: see `tagsSql`). */
function dimensionSql(f: CatalogFilters): Partial<Record<Dim, SQL>> {
  const out: Partial<Record<Dim, SQL>> = {}
  if (f.categories.length) out.category = sql`e.category_slug in (${list(f.categories)})`
  if (f.levels.length) out.level = sql`e.level in (${list(f.levels)})`
  if (f.languages.length) out.language = sql`e.language in (${list(f.languages)})`
  if (f.prices.length) out.price = sql`(${sql.join(f.prices.map(bandSql), sql` or `)})`
  if (f.minRating !== null) out.rating = sql`e.rating >= ${f.minRating}`
  return out
}

function tagsSql(tags: string[]): SQL[] {
  return tags.length ? [sql`e.tags @> array[${list(tags)}]::text[]`] : []
}

/**
 * An excerpt of `<alias>.description` with the query's words in <mark>: HTML-escaped first, so <mark> is
 * the only markup it can contain. Only computed for a page's rows (ts_headline re-parses the text).
 */
function highlightSql(q: string, alias: string): SQL {
  return sql`ts_headline('english',
    replace(replace(replace(${sql.raw(alias)}.description, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
    websearch_to_tsquery('english', ${q}),
    'StartSel=<mark>, StopSel=</mark>, MaxWords=30, MinWords=12, MaxFragments=1')`
}

function querySource(q: string | null): SQL {
  return q === null ? sql`${T} e` : sql`${T} e, websearch_to_tsquery('english', ${q}) query`
}

/**
 * CTE `e`: the first bound + 1 matches of a text (and/or tag) search for an audience, in storage
 * order (run it through `inStorageOrder`), without the facet filters: the narrow columns the facet
 * cells, the filters and the sort keys need, and each row's heap page. Reads at most bound + 1 matching rows
 * whatever the number of matches (a sequential scan stops early; a bitmap scan reads only pages
 * with matches, in order).
 */
function sampleSql(input: {
  audience: Audience
  q: string | null
  tags: string[]
  bound: number
  /** Whether the statement ranks the sample (relevance): only then is each row's tsvector copied. */
  ranked?: boolean
}): SQL {
  const where: SQL[] = [visibilitySql(input.audience), ...tagsSql(input.tags)]
  if (input.q !== null) where.push(sql`e.search @@ query`)
  return sql`e as materialized (
    select e.course_id, e.category_slug, e.category_name, e.level, e.language, e.price_minor, e.rating,
      e.enrollment_count, e.published_at, e.title, ${input.ranked ? sql`e.search` : sql`null::tsvector as search`},
      (e.ctid::text::point)[0]::int as blk
    from ${querySource(input.q)} where ${and(where)} limit ${input.bound + 1})`
}

/** The sample's size, last page read, the table's pages and facet cells (over CTE `e`). */
const sampleSummary = sql`(select count(*)::int from e) as n,
  (select coalesce(max(e.blk), 0) from e) as last_block,
  (pg_relation_size('learning.catalog_entries') / current_setting('block_size')::int)::int as blocks,
  (select coalesce(json_agg(c), '[]'::json) from (
    select e.category_slug as category, min(e.category_name) as category_name, e.level, e.language,
      ${BAND} as band, ${HALF_STARS} as half_stars, count(*)::int as count
    from e group by 1, 3, 4, 5, 6) c) as cells`

interface SampleRow {
  n: number
  last_block: number
  blocks: number
  cells: {
    category: string | null
    category_name: string | null
    level: string
    language: string
    band: string
    half_stars: number
    count: number
  }[]
}

function toSample(row: SampleRow | undefined, bound: number): SearchSample {
  const n = row?.n ?? 0
  const complete = n <= bound
  // The matches are spread over the table as the sample is over the pages it was read from.
  const scale = complete ? 1 : Math.max(1, (row?.blocks ?? 0) / ((row?.last_block ?? 0) + 1))
  return {
    cells: (row?.cells ?? []).map((r) => ({
      category: r.category,
      categoryName: r.category_name,
      level: r.level,
      language: r.language,
      band: r.band as PriceBand,
      halfStars: r.half_stars,
      count: r.count,
    })),
    sampled: n,
    complete,
    scale,
  }
}

const dialect = new PgDialect()

/**
 * A parameter as a SQL literal (PostgreSQL's own quoting: quotes doubled, and backslashes doubled
 * in an E'' string), for the one statement that is sent inlined (see `inStorageOrder`). Only
 * strings and finite numbers occur there; anything else is a programming error.
 */
export function literal(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value !== 'string') throw new Error(`cannot inline a ${typeof value} parameter`)
  const quoted = `'${value.replace(/'/g, "''").replace(/\\/g, '\\\\')}'`
  return value.includes('\\') ? ` E${quoted}` : quoted
}

/** Catalog reads. Raw SQL: full-text ranking, keyset row comparisons and grouping need it. */
export function createCatalogRepository(database: Database) {
  /**
   * Runs a bounded "first N matches" statement so that they are the first N in storage order, the
   * same on every call: no index scan (its order would be an index's), no synchronized sequential
   * scan (it may start mid-table where another scan is) and no parallel workers (interleaved
   * order). Bitmap and sequential scans both return rows in page order. The settings are local to
   * one transaction. On PostgreSQL that is one round trip: the settings and the statement go as one
   * simple-protocol query string (one implicit transaction, rolled back whole on an error), with
   * the statement's parameters inlined as escaped literals; PGlite runs an ordinary transaction.
   */
  async function inStorageOrder<R>(statement: SQL): Promise<R[]> {
    const settings = `select set_config('enable_indexscan', 'off', true),
      set_config('enable_indexonlyscan', 'off', true), set_config('synchronize_seqscans', 'off', true),
      set_config('max_parallel_workers_per_gather', '0', true)`
    if (database.pool) {
      const { sql: text, params } = dialect.sqlToQuery(statement)
      const inlined = text.replace(/\$(\d+)/g, (_, n: string) => literal(params[Number(n) - 1]))
      const results = (await database.pool.query(`${settings}; ${inlined}`)) as unknown as { rows: R[] }[]
      return results[1]?.rows ?? []
    }
    return database.db.transaction(async (tx) => {
      await tx.execute(sql.raw(settings))
      const result = await tx.execute(statement)
      return (result as unknown as { rows: R[] }).rows
    })
  }

  return {
    /** One page (limit + 1 rows, to know whether another page follows) in the sort's order. */
    async page(input: {
      audience: Audience
      q: string | null
      filters: CatalogFilters
      sort: CatalogSort
      after: CursorPosition | null
      limit: number
    }): Promise<CatalogListRow[]> {
      const s = SORTS[input.sort]
      const where: SQL[] = [visibilitySql(input.audience)]
      if (input.q !== null) where.push(sql`e.search @@ query`)
      where.push(...Object.values(dimensionSql(input.filters)), ...tagsSql(input.filters.tags))
      const dir = sql.raw(s.desc ? 'desc' : 'asc')
      if (input.after) {
        const op = sql.raw(s.desc ? '<' : '>')
        where.push(
          sql`(${s.key}, e.course_id) ${op} (${input.after.key}::${sql.raw(s.cast)}, ${input.after.id})`,
        )
      }
      const inner = sql`select ${COLUMNS}, e.description, ${s.key} as sk, ${s.text} as sort_key
        from ${querySource(input.q)}
        where ${and(where)}
        order by ${s.key} ${dir}, e.course_id ${dir}
        limit ${input.limit + 1}`
      if (input.q === null) {
        return database.query<CatalogListRow>(
          sql`select p.*, null as highlight from (${inner}) p order by p.sk ${dir}, p.course_id ${dir}`,
        )
      }
      // Highlights only for the page's rows.
      return database.query<CatalogListRow>(
        sql`select p.*, ${highlightSql(input.q, 'p')} as highlight
          from (${inner}) p order by p.sk ${dir}, p.course_id ${dir}`,
      )
    },

    /**
     * The sample of a text (and/or tag) search, grouped into cube cells: see `sampleSql`. The
     * caller counts every filter combination (disjunctive facets) from the same cells.
     */
    async sample(input: { audience: Audience; q: string | null; tags: string[]; bound: number }) {
      const [row] = await inStorageOrder<SampleRow>(sql`with ${sampleSql(input)} select ${sampleSummary}`)
      return toSample(row, input.bound)
    },

    /**
     * A page cut from a search's sample (see `sampleSql`), and the sample: the sampled matches that
     * pass the facet filters, in the sort's order (relevance: ts_rank_cd) after the cursor.
     * Bounded: at most bound + 1 rows are read and ordered however broad the query. With fewer
     * matches than that the sample is every match and the page is exact; otherwise it is the best
     * of the sample. The sample is the same on every page (same data, storage order), so keyset
     * pages neither repeat nor skip, and they end with the sample.
     */
    async samplePage(input: {
      audience: Audience
      q: string | null
      filters: CatalogFilters
      sort: CatalogSort
      after: CursorPosition | null
      limit: number
      bound: number
    }): Promise<{ sample: SearchSample; rows: CatalogListRow[] }> {
      const s = SORTS[input.sort]
      const dir = sql.raw(s.desc ? 'desc' : 'asc')
      const where = [...Object.values(dimensionSql(input.filters))]
      if (input.after) {
        const op = sql.raw(s.desc ? '<' : '>')
        where.push(
          sql`(${s.key}, e.course_id) ${op} (${input.after.key}::${sql.raw(s.cast)}, ${input.after.id})`,
        )
      }
      const source = input.q === null ? sql`e` : sql`e, websearch_to_tsquery('english', ${input.q}) query`
      const [row] = await inStorageOrder<SampleRow & { rows: CatalogListRow[] }>(sql`with ${sampleSql({
        ...input,
        tags: input.filters.tags,
        ranked: input.sort === 'relevance',
      })},
        p as (select e.course_id, ${s.key} as sk, ${s.text} as sort_key from ${source}
          where ${and(where)} order by 2 ${dir}, e.course_id ${dir} limit ${input.limit + 1})
        select ${sampleSummary},
          (select coalesce(json_agg(r order by r.sk ${dir}, r.course_id ${dir}), '[]'::json) from (
            select ${COLUMNS}, p.sk, p.sort_key,
              ${input.q === null ? sql`null::text` : highlightSql(input.q, 'e')} as highlight
            from p join ${T} e on e.course_id = p.course_id) r) as rows`)
      return { sample: toSample(row, input.bound), rows: row?.rows ?? [] }
    },

    /**
     * An exact page of a text (or tag) search in a sort other than relevance, read by walking at
     * most `window` rows of the sort's index after the cursor and keeping the matches: the first
     * matches in index order are the page. Cheap when the query is broad (what the sample cannot
     * sort exactly); when fewer than limit + 1 rows come back the caller cannot tell the page is
     * complete and uses `samplePage`.
     */
    async walkPage(input: {
      audience: Audience
      q: string | null
      filters: CatalogFilters
      sort: CatalogSort
      after: CursorPosition | null
      limit: number
      window: number
    }): Promise<CatalogListRow[]> {
      const s = SORTS[input.sort]
      const dir = sql.raw(s.desc ? 'desc' : 'asc')
      const inner: SQL[] = [visibilitySql(input.audience)]
      if (input.after) {
        const op = sql.raw(s.desc ? '<' : '>')
        inner.push(
          sql`(${s.key}, e.course_id) ${op} (${input.after.key}::${sql.raw(s.cast)}, ${input.after.id})`,
        )
      }
      const outer: SQL[] = [...Object.values(dimensionSql(input.filters)), ...tagsSql(input.filters.tags)]
      if (input.q !== null) outer.push(sql`e.search @@ query`)
      const walked = sql`(select ${COLUMNS}, e.description, e.search, ${s.key} as sk, ${s.text} as sort_key
        from ${T} e where ${and(inner)} order by ${s.key} ${dir}, e.course_id ${dir} limit ${input.window}) e`
      const source =
        input.q === null ? walked : sql`${walked}, websearch_to_tsquery('english', ${input.q}) query`
      return database.query<CatalogListRow>(sql`select ${COLUMNS}, e.sk, e.sort_key,
          ${input.q === null ? sql`null::text` : highlightSql(input.q, 'e')} as highlight
        from ${source} where ${and(outer)} order by e.sk ${dir}, e.course_id ${dir} limit ${input.limit + 1}`)
    },

    /** The cube: course counts per (category, level, language, price band, half-star rating) of some rows. */
    async cube(
      part: { visibility: 'public' } | { orgId: string; visibility: 'public' | 'org' },
    ): Promise<CubeCell[]> {
      const where =
        'orgId' in part
          ? part.visibility === 'public'
            ? sql`e.org_id = ${part.orgId} and e.visibility = 'public'`
            : sql`e.org_id = ${part.orgId} and e.visibility <> 'public'`
          : sql`e.visibility = 'public'`
      const rows = await database.query<{
        category: string | null
        category_name: string | null
        level: string
        language: string
        band: string
        half_stars: number
        count: number
      }>(sql`select e.category_slug as category, min(e.category_name) as category_name, e.level, e.language,
          ${BAND} as band, ${HALF_STARS} as half_stars, count(*)::int as count
        from ${T} e where ${where} group by 1, 3, 4, 5, 6`)
      return rows.map((r) => ({
        category: r.category,
        categoryName: r.category_name,
        level: r.level,
        language: r.language,
        band: r.band as PriceBand,
        halfStars: r.half_stars,
        count: r.count,
      }))
    },

    /** Titles for autocomplete: prefix matches first, then trigram word similarity, then popularity. */
    async autocomplete(input: { audience: Audience; q: string; limit: number }) {
      const prefix = `${escapeLike(input.q)}%`
      const wordPrefix = `% ${escapeLike(input.q)}%`
      return database.query<{
        course_id: string
        slug: string
        title: string
      }>(sql`select e.course_id, e.slug, e.title
        from ${T} e
        where ${visibilitySql(input.audience)}
          and (e.title ilike ${prefix} or e.title ilike ${wordPrefix} or ${input.q} <% e.title)
        order by (e.title ilike ${prefix}) desc, word_similarity(${input.q}, e.title) desc,
          e.enrollment_count desc, e.course_id
        limit ${input.limit}`)
    },

    /**
     * A course the audience may see, by id or slug. Slugs are unique per organization only: the
     * caller's own organization wins, then the earliest published.
     */
    async findVisible(audience: Audience, idOrSlug: string): Promise<CatalogPageRow | undefined> {
      const own = audience.kind === 'anonymous' ? sql`` : sql`(e.org_id = ${audience.orgId}) desc,`
      const [row] = await database.query<CatalogPageRow>(sql`select ${COLUMNS}, e.description, e.version
        from ${T} e
        where ${visibilitySql(audience)} and (e.course_id = ${idOrSlug} or e.slug = ${idOrSlug})
        order by (e.course_id = ${idOrSlug}) desc, ${own} e.published_at, e.course_id
        limit 1`)
      return row
    },
  }
}

/** What createCatalogRepository returns. */
export type CatalogRepository = ReturnType<typeof createCatalogRepository>
