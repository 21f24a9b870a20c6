import { Type } from '@learnmesh/kernel'
import { CATALOG_SORTS, LEVELS, PRICE_BANDS } from './catalog.query.ts'

const Slug = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,99}$', description: 'A category slug.' })
const Language = Type.String({
  pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$',
  description: 'A BCP 47 language tag, e.g. `en`, `pt-BR`.',
})

/** GET /catalog query: text, filters, sort, page. Unknown parameters are a 400. */
export const CatalogQuery = Type.Object(
  {
    /** Full-text query (web-search syntax: words, "phrases", -exclusions, or). */
    q: Type.Optional(
      Type.String({
        maxLength: 200,
        pattern: '^[^\\u0000]*$',
        description: 'Full-text query (≤ 200 chars).',
      }),
    ),
    /** `all` (default): the public catalog plus your organization's; `org`: only your organization's (sign-in required). */
    scope: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('org')], { default: 'all' })),
    /** Category slugs (repeat the parameter to pick several: OR). */
    category: Type.Optional(Type.Array(Slug, { maxItems: 20 })),
    /** Levels (OR). */
    level: Type.Optional(Type.Array(Type.Union(LEVELS.map((l) => Type.Literal(l))), { maxItems: 4 })),
    /** Languages (OR). */
    language: Type.Optional(Type.Array(Language, { maxItems: 20 })),
    /** Price bands in major units (OR): free, lt_20, 20_50, 50_100, gte_100. */
    price: Type.Optional(Type.Array(Type.Union(PRICE_BANDS.map((b) => Type.Literal(b))), { maxItems: 5 })),
    /** Minimum average rating, 0–5 in steps of 0.5. */
    minRating: Type.Optional(Type.Number({ minimum: 0, maximum: 5, multipleOf: 0.5 })),
    /** Tags the course must all have (AND). */
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 50, pattern: '^[^\\u0000]*$' }), { maxItems: 10 }),
    ),
    /** Sort order; default `relevance` with `q`, `newest` without. */
    sort: Type.Optional(Type.Union(CATALOG_SORTS.map((s) => Type.Literal(s)))),
    /** `nextCursor` of the previous page (same query and sort). */
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, pattern: '^[A-Za-z0-9_-]+$' })),
    /** Page size, 1–50. */
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
  },
  { additionalProperties: false },
)

/** A price as shown in the catalog. */
export const PriceSchema = Type.Object({
  /** Amount in minor units (0 = free). */
  amountMinor: Type.Integer(),
  /** ISO 4217 currency. */
  currency: Type.String(),
})

/** A category reference. */
export const CategorySchema = Type.Object({
  /** Category slug (filter value). */
  slug: Type.String(),
  /** Display name. */
  name: Type.String(),
})

const itemFields = {
  /** Course id (`crs_...`). */
  id: Type.String(),
  /** URL-safe name, unique within its organization. */
  slug: Type.String(),
  /** Title. */
  title: Type.String(),
  /** Subtitle. */
  subtitle: Type.String(),
  /** Category, or null. */
  category: Type.Union([CategorySchema, Type.Null()]),
  /** Tags. */
  tags: Type.Array(Type.String()),
  /** beginner | intermediate | advanced | all_levels. */
  level: Type.String(),
  /** BCP 47 language tag. */
  language: Type.String(),
  /** Display price. */
  price: PriceSchema,
  /** Average rating 0–5 (0 when unrated). */
  rating: Type.Number(),
  /** Number of ratings. */
  ratingCount: Type.Integer(),
  /** Number of enrollments. */
  enrollmentCount: Type.Integer(),
  /** Instructors' names. */
  instructorNames: Type.Array(Type.String()),
  /** Lessons in the published version. */
  lessonCount: Type.Integer(),
  /** Total expected duration. */
  durationSeconds: Type.Integer(),
  /** When the latest version was published (ISO 8601). */
  publishedAt: Type.String(),
}

/** A catalog search result. */
export const CatalogItemSchema = Type.Object({
  ...itemFields,
  /** With `q`: a description excerpt, HTML-escaped, matched words in `<mark>…</mark>`. */
  highlight: Type.Optional(Type.String()),
})

/** One facet value and how many results choosing it would give. */
export const FacetValueSchema = Type.Object({
  /** The filter value to send back. */
  value: Type.String(),
  /** Display name where one exists (categories). */
  label: Type.Union([Type.String(), Type.Null()]),
  /** Results with this value (every other dimension's filters applied). */
  count: Type.Integer(),
})

/** Facet counts per dimension (disjunctive: each ignores its own filter). */
export const FacetsSchema = Type.Object({
  /** By category slug. */
  category: Type.Array(FacetValueSchema),
  /** By level (every level listed). */
  level: Type.Array(FacetValueSchema),
  /** By language. */
  language: Type.Array(FacetValueSchema),
  /** By price band (every band listed). */
  price: Type.Array(FacetValueSchema),
  /** Courses rated at least `value` (4.5, 4, 3.5, 3, 2, 1). */
  rating: Type.Array(FacetValueSchema),
})

/** GET /catalog. */
export const CatalogResponse = Type.Object({
  /** The page. */
  items: Type.Array(CatalogItemSchema),
  /** Results matching every filter (an estimate, rounded to 2 significant figures, when `totalApproximate`). */
  total: Type.Integer(),
  /** True when `total` is estimated from a sample of a broad text search's matches. */
  totalApproximate: Type.Boolean(),
  /** Facet counts of the result set. */
  facets: FacetsSchema,
  /** True when the facet counts are estimates (a broad text search: scaled up from a sample, rounded). */
  facetsApproximate: Type.Boolean(),
  /** The sort applied. */
  sort: Type.String(),
  /** Cursor of the next page, or null on the last one. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})

/** GET /catalog/autocomplete query. */
export const AutocompleteQuery = Type.Object(
  {
    /** What the user typed so far: 2–100 characters. */
    q: Type.String({ minLength: 2, maxLength: 100, pattern: '^[^\\u0000]*[^\\u0000\\s][^\\u0000]*$' }),
    /** `all` (default) or `org` (only your organization's; sign-in required). */
    scope: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('org')], { default: 'all' })),
  },
  { additionalProperties: false },
)

/** GET /catalog/autocomplete. */
export const AutocompleteResponse = Type.Object({
  /** Up to 8 suggestions, best first. */
  items: Type.Array(
    Type.Object({
      /** Course id. */
      id: Type.String(),
      /** Course slug. */
      slug: Type.String(),
      /** Title. */
      title: Type.String(),
    }),
  ),
})

/** Path of a course page: its id (`crs_...`) or its slug. */
export const CourseParams = Type.Object(
  {
    /** Course id or slug. */
    idOrSlug: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' }),
  },
  { additionalProperties: false },
)

/** Preview content of a lesson (only lessons marked as preview; never quizzes or assignments). */
export const PreviewContentSchema = Type.Union([
  Type.Object({
    /** video */
    type: Type.Literal('video'),
    /** Playback URL. */
    url: Type.String(),
    /** Length in seconds. */
    durationSeconds: Type.Number(),
  }),
  Type.Object({
    /** text */
    type: Type.Literal('text'),
    /** Markdown. */
    markdown: Type.String(),
  }),
  Type.Object({
    /** resource */
    type: Type.Literal('resource'),
    /** Download URL. */
    url: Type.String(),
    /** File name. */
    fileName: Type.String(),
    /** Size, when known. */
    sizeBytes: Type.Union([Type.Integer(), Type.Null()]),
  }),
])

/** A lesson in a course page's outline. */
export const OutlineLessonSchema = Type.Object({
  /** Lesson id. */
  id: Type.String(),
  /** Title. */
  title: Type.String(),
  /** video | text | quiz | assignment | resource. */
  type: Type.String(),
  /** Expected duration. */
  durationSeconds: Type.Integer(),
  /** Free preview: its content is included. */
  isPreview: Type.Boolean(),
  /** Content, for preview lessons only. */
  content: Type.Optional(PreviewContentSchema),
})

/** GET /catalog/courses/:idOrSlug. */
export const CoursePageSchema = Type.Object({
  ...itemFields,
  /** Full description. */
  description: Type.String(),
  /** Published version shown. */
  version: Type.Integer(),
  /** Sections and lessons of that version. */
  outline: Type.Array(
    Type.Object({
      /** Section id. */
      id: Type.String(),
      /** Section title. */
      title: Type.String(),
      /** Lessons in order. */
      lessons: Type.Array(OutlineLessonSchema),
    }),
  ),
})
