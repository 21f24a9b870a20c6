import { requireAuth, problems, type App } from '@learnmesh/kernel'
import type { FastifyRequest } from 'fastify'
import type { LearningDeps } from '../deps.ts'
import { presentCatalogItem, presentCoursePage } from './catalog.presenter.ts'
import { audienceKey, normalizeSearch, searchKey, type Audience } from './catalog.query.ts'
import { catalogCacheOptions, createTtlCache } from './catalog.cache.ts'
import {
  AutocompleteQuery,
  AutocompleteResponse,
  CatalogQuery,
  CatalogResponse,
  CoursePageSchema,
  CourseParams,
} from './catalog.schemas.ts'
import { createCatalogService } from './catalog.service.ts'

const tags = ['catalog']
// Anonymous visitors are welcome; a bearer token widens what is visible (the member's own org).
const security: { [label: string]: string[] }[] = [{}, { bearer: [] }]

/**
 * Who is browsing: anonymous (public courses of every organization), a member (plus their own
 * organization's `org` courses) or, with scope=org, the private catalog (sign-in required).
 */
function audienceOf(request: FastifyRequest, scope: 'all' | 'org' | undefined): Audience {
  if (scope === 'org') return { kind: 'org', orgId: requireAuth(request).orgId }
  return request.principal ? { kind: 'member', orgId: request.principal.orgId } : { kind: 'anonymous' }
}

/** The course catalog: search with facets, autocomplete and public course pages. */
export function catalogRoutes(app: App, deps: LearningDeps): void {
  const catalog = createCatalogService(deps)
  const sharedMaxAge = deps.config.CATALOG_SHARED_MAX_AGE_S
  const sharedCacheControl = sharedMaxAge > 0 ? `public, max-age=0, s-maxage=${sharedMaxAge}` : 'no-cache'
  const responses = createTtlCache<string>(
    catalogCacheOptions(deps.config, (error) => deps.logger.warn({ err: error }, 'catalog refresh failed')),
  )

  app.get(
    '/catalog',
    {
      schema: {
        tags,
        security,
        summary: 'Search and browse the catalog (facets, sorting, keyset pages)',
        querystring: CatalogQuery,
        response: { 200: CatalogResponse, ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const q = request.query
      const audience = audienceOf(request, q.scope)
      const search = normalizeSearch({
        q: q.q,
        category: q.category,
        level: q.level,
        language: q.language,
        price: q.price,
        minRating: q.minRating,
        tags: q.tags,
      })
      // The serialized page is what gets cached: a hit costs neither presenting nor serializing.
      const key = `${audienceKey(audience)}|${q.sort ?? ''}|${q.limit}|${q.cursor ?? ''}|${searchKey(search)}`
      const body = await responses.get(key, async () => {
        const result = await catalog.search(audience, search, {
          sort: q.sort,
          cursor: q.cursor,
          limit: q.limit,
        })
        return reply.serialize({
          items: result.rows.map(presentCatalogItem),
          total: result.total,
          totalApproximate: result.totalApproximate,
          facets: result.facets,
          facetsApproximate: result.facetsApproximate,
          sort: result.sort,
          nextCursor: result.nextCursor,
        }) as string
      })
      // Anonymous answers are the same for everyone: a shared cache (the gateway's micro-cache) may
      // reuse them for a few seconds. Anything depending on who asks stays private.
      reply.header('cache-control', audience.kind === 'anonymous' ? sharedCacheControl : 'private, no-cache')
      // A string body is sent as is (already serialized by this route's response schema).
      return reply.type('application/json; charset=utf-8').send(body as never)
    },
  )

  app.get(
    '/catalog/autocomplete',
    {
      schema: {
        tags,
        security,
        summary: 'Course titles matching what was typed so far (top 8)',
        querystring: AutocompleteQuery,
        response: { 200: AutocompleteResponse, ...problems(400, 401) },
      },
    },
    async (request) => {
      const audience = audienceOf(request, request.query.scope)
      const rows = await catalog.autocomplete(audience, request.query.q)
      return { items: rows.map((r) => ({ id: r.course_id, slug: r.slug, title: r.title })) }
    },
  )

  app.get(
    '/catalog/courses/:idOrSlug',
    {
      schema: {
        tags,
        security,
        summary: 'A published course’s public page: details and outline (preview lessons included)',
        params: CourseParams,
        response: { 200: CoursePageSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const audience = audienceOf(request, 'all')
      const { row, snapshot } = await catalog.course(audience, request.params.idOrSlug)
      return presentCoursePage(row, snapshot)
    },
  )
}
