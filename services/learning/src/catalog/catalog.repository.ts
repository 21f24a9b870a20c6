import { sql, type SQL } from 'drizzle-orm'
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

/** Raw facet counts of a full-text (or tag-filtered) result set. */
export interface FacetRow {
  dim: 'category' | 'level' | 'language' | 'price' | 'rating' | 'total'
  value: string | null
  label: string | null
  count: number
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

function tagsSql(f: CatalogFilters): SQL[] {
  return f.tags.length ? [sql`e.tags @> array[${list(f.tags)}]::text[]`] : []
}

/** The facet counts (and total) of the rows of a relation named `e`, each dimension without its own filter. */
function facetUnion(filters: CatalogFilters): SQL {
  const dims = dimensionSql(filters)
  const except = (skip: Dim | null) =>
    and((Object.entries(dims) as [Dim, SQL][]).filter(([d]) => d !== skip).map(([, c]) => c))
  return sql`select 'category' as dim, e.category_slug as value, min(e.category_name) as label, count(*)::int as count
      from e where e.category_slug is not null and ${except('category')} group by e.category_slug
    union all select 'level', e.level, null, count(*)::int from e where ${except('level')} group by e.level
    union all select 'language', e.language, null, count(*)::int from e where ${except('language')} group by e.language
    union all select 'price', ${BAND}, null, count(*)::int from e where ${except('price')} group by 2
    union all select 'rating', ${HALF_STARS}::text, null, count(*)::int from e where ${except('rating')} group by 2
    union all select 'total', null, null, count(*)::int from e where ${except(null)}`
}

function querySource(q: string | null): SQL {
  return q === null ? sql`${T} e` : sql`${T} e, websearch_to_tsquery('english', ${q}) query`
}

/** Catalog reads. Raw SQL: full-text ranking, keyset row comparisons and grouping need it. */
export function createCatalogRepository(database: Database) {
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
      where.push(...Object.values(dimensionSql(input.filters)), ...tagsSql(input.filters))
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
      // Highlights only for the page's rows (ts_headline re-parses the text), HTML-escaped first so
      // the only markup in them is <mark>.
      return database.query<CatalogListRow>(sql`select p.*, ts_headline('english',
          replace(replace(replace(p.description, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
          websearch_to_tsquery('english', ${input.q}),
          'StartSel=<mark>, StopSel=</mark>, MaxWords=30, MinWords=12, MaxFragments=1') as highlight
        from (${inner}) p order by p.sk ${dir}, p.course_id ${dir}`)
    },

    /**
     * Disjunctive facet counts over the matches of a text query and/or tags (one scan of the
     * matches): each dimension ignores its own filter; `total` applies every filter.
     */
    async facets(input: {
      audience: Audience
      q: string | null
      filters: CatalogFilters
    }): Promise<FacetRow[]> {
      const base: SQL[] = [visibilitySql(input.audience), ...tagsSql(input.filters)]
      if (input.q !== null) base.push(sql`e.search @@ query`)
      // The conditions are written against `e`; the CTE keeps the matched rows under that name.
      return database.query<FacetRow>(sql`with e as materialized (
          select e.category_slug, e.category_name, e.level, e.language, e.price_minor, e.rating
          from ${querySource(input.q)} where ${and(base)})
        ${facetUnion(input.filters)}`)
    },

    /**
     * A page and the facet counts of a text (or tag) search in one scan of the matches: the
     * matched rows' narrow facet and sort columns are materialized once, the page is cut from
     * them, and only its rows are read in full (and highlighted). What a first page costs.
     */
    async pageWithFacets(input: {
      audience: Audience
      q: string | null
      filters: CatalogFilters
      sort: CatalogSort
      after: CursorPosition | null
      limit: number
    }): Promise<{ rows: CatalogListRow[]; facets: FacetRow[] }> {
      const s = SORTS[input.sort]
      const base: SQL[] = [visibilitySql(input.audience), ...tagsSql(input.filters)]
      if (input.q !== null) base.push(sql`e.search @@ query`)
      const dir = sql.raw(s.desc ? 'desc' : 'asc')
      const pageWhere: SQL[] = [...Object.values(dimensionSql(input.filters))]
      if (input.after) {
        const op = sql.raw(s.desc ? '<' : '>')
        pageWhere.push(
          sql`(e.sk, e.course_id) ${op} (${input.after.key}::${sql.raw(s.cast)}, ${input.after.id})`,
        )
      }
      const highlight =
        input.q === null
          ? sql`null::text`
          : sql`ts_headline('english',
              replace(replace(replace(c.description, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
              websearch_to_tsquery('english', ${input.q}),
              'StartSel=<mark>, StopSel=</mark>, MaxWords=30, MinWords=12, MaxFragments=1')`
      const [result] = await database.query<{
        rows: CatalogListRow[]
        facets: FacetRow[]
      }>(sql`with e as materialized (
          select e.course_id, e.category_slug, e.category_name, e.level, e.language, e.price_minor, e.rating,
            ${s.key} as sk, ${s.text} as sort_key
          from ${querySource(input.q)} where ${and(base)}),
        page as (select e.course_id, e.sk, e.sort_key from e where ${and(pageWhere)}
          order by e.sk ${dir}, e.course_id ${dir} limit ${input.limit + 1}),
        facets as (${facetUnion(input.filters)})
        select
          (select coalesce(json_agg(r order by r.sk ${dir}, r.course_id ${dir}), '[]'::json) from (
            select ${columns('c')}, p.sk, p.sort_key, ${highlight} as highlight
            from page p join ${T} c on c.course_id = p.course_id) r) as rows,
          (select coalesce(json_agg(f), '[]'::json) from facets f) as facets`)
      return result ?? { rows: [], facets: [] }
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
