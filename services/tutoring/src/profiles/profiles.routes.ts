import { requireRole, bearer, problems, traceparentOf, type App } from '@learnmesh/kernel'
import type { TutoringDeps } from '../deps.ts'
import { createAreasService } from './areas.service.ts'
import { presentArea, presentProfile } from './profiles.presenter.ts'
import { createProfilesRepository } from './profiles.repository.ts'
import { createProfilesService } from './profiles.service.ts'
import { readOrg, rejectNulBytes, revisionOf, withEtag } from './profiles.http.ts'
import {
  AreaBody,
  AreaParams,
  AreasResponse,
  PatchProfileBody,
  PublicProfileQuery,
  PutProfileBody,
  ReviewBody,
  ReviewQueueQuery,
  ReviewQueueSchema,
  SearchQuery,
  SearchResponse,
  ServiceAreaSchema,
  TutorParams,
  TutorProfileSchema,
  WorkflowBody,
} from './profiles.schemas.ts'
import { createSearchService } from './search.service.ts'

const tags = ['tutors']
const security = bearer
// Anonymous visitors may read listed profiles (with orgId); a token widens nothing but the default org.
const optionalSecurity: { [label: string]: string[] }[] = [{}, { bearer: [] }]

/**
 * Tutor profiles: the tutor's own profile and its workflow (list, unlist, verification request),
 * service areas, the admins' verification queue and decisions, public profiles and search.
 */
export async function profilesRoutes(app: App, deps: TutoringDeps): Promise<void> {
  const repo = createProfilesRepository()
  const profiles = createProfilesService(deps, repo)
  const areas = createAreasService(deps, repo)
  const search = createSearchService(deps, repo)
  const tutor = (request: Parameters<typeof requireRole>[0]) => requireRole(request, 'tutor')
  const meta = (request: { headers: Record<string, string | string[] | undefined> }) => ({
    traceparent: traceparentOf(request),
  })

  app.get(
    '/tutors',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security: optionalSecurity,
        summary:
          'Search listed tutors of an organization, or of all organizations when anonymous without orgId (filters, distance, keyset pages)',
        querystring: SearchQuery,
        response: { 200: SearchResponse, ...problems(400, 401, 422) },
      },
    },
    async (request) => {
      const { orgId, cursor, limit, ...params } = request.query
      // Anonymous without orgId: every organization's listed tutors (listed profiles are public anyway).
      return search.search(orgId ?? request.principal?.orgId ?? null, params, {
        limit,
        ...(cursor ? { cursor } : {}),
      })
    },
  )

  app.get(
    '/tutors/me',
    {
      schema: {
        tags,
        security,
        summary: 'My tutor profile (tutor)',
        response: { 200: TutorProfileSchema, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const view = await profiles.mine(tutor(request))
      withEtag(reply, view.profile.revision)
      return presentProfile(view, 'owner')
    },
  )

  app.put(
    '/tutors/me',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Create my profile (a draft) or replace it whole (tutor; If-Match or revision: stale → 409)',
        body: PutProfileBody,
        response: { 200: TutorProfileSchema, 201: TutorProfileSchema, ...problems(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = tutor(request)
      const { revision: _revision, ...input } = request.body
      const { view, created } = await profiles.put(
        principal,
        input,
        revisionOf(request, request.body),
        meta(request),
      )
      withEtag(reply, view.profile.revision)
      reply.code(created ? 201 : 200)
      return presentProfile(view, 'owner')
    },
  )

  app.patch(
    '/tutors/me',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Change some fields of my profile (tutor; If-Match or revision: stale → 409)',
        body: PatchProfileBody,
        response: { 200: TutorProfileSchema, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = tutor(request)
      const { revision: _revision, ...input } = request.body
      const view = await profiles.patch(principal, input, revisionOf(request, request.body), meta(request))
      withEtag(reply, view.profile.revision)
      return presentProfile(view, 'owner')
    },
  )

  const workflow = (
    path: string,
    summary: string,
    run: (
      principal: ReturnType<typeof tutor>,
      expected: number | undefined,
      request: { headers: Record<string, string | string[] | undefined> },
    ) => ReturnType<typeof profiles.list>,
  ) =>
    app.post(
      `/tutors/me/${path}`,
      {
        // The body is optional (only `revision`): validate an absent one as {}.
        preValidation: async (request) => {
          request.body ??= {}
          await rejectNulBytes(request)
        },
        schema: {
          tags,
          security,
          summary,
          body: WorkflowBody,
          response: { 200: TutorProfileSchema, ...problems(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const principal = tutor(request)
        const view = await run(principal, revisionOf(request, request.body), request)
        withEtag(reply, view.profile.revision)
        return presentProfile(view, 'owner')
      },
    )

  workflow(
    'list',
    'List my profile: searchable and bookable (needs a complete profile: 422 with `missing`)',
    (p, rev, r) => profiles.list(p, rev, meta(r)),
  )
  workflow('unlist', 'Unlist my profile: out of search, commerce archives my lesson products', (p, rev, r) =>
    profiles.unlist(p, rev, meta(r)),
  )
  workflow(
    'verification',
    "Ask the organization's admins to verify my profile (unverified or rejected → pending)",
    (p, rev) => profiles.submitForReview(p, rev),
  )

  // --- service areas ------------------------------------------------------------------------------

  app.get(
    '/tutors/me/areas',
    {
      schema: {
        tags,
        security,
        summary: 'My in-person service areas (tutor)',
        response: { 200: AreasResponse, ...problems(401, 403, 404) },
      },
    },
    async (request) => ({ items: (await areas.list(tutor(request))).map((a) => presentArea(a)) }),
  )

  app.post(
    '/tutors/me/areas',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Add a service area: a centre with a radius (≤ 200 km) or postal codes (tutor)',
        body: AreaBody,
        response: { 201: ServiceAreaSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const row = await areas.create(tutor(request), request.body)
      reply.code(201)
      return presentArea(row)
    },
  )

  app.put(
    '/tutors/me/areas/:areaId',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Replace a service area (tutor)',
        params: AreaParams,
        body: AreaBody,
        response: { 200: ServiceAreaSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => presentArea(await areas.replace(tutor(request), request.params.areaId, request.body)),
  )

  app.delete(
    '/tutors/me/areas/:areaId',
    {
      schema: {
        tags,
        security,
        summary: 'Delete a service area (tutor; a listed in-person profile keeps one: 422)',
        params: AreaParams,
        response: { 204: { type: 'null' }, ...problems(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await areas.remove(tutor(request), request.params.areaId)
      reply.code(204)
    },
  )

  // --- verification (org admins) ------------------------------------------------------------------

  app.get(
    '/tutors/review-queue',
    {
      schema: {
        tags,
        security,
        summary: 'Profiles waiting for verification, oldest request first (org_admin)',
        querystring: ReviewQueueQuery,
        response: { 200: ReviewQueueSchema, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'org_admin')
      const views = await profiles.reviewQueue(principal, request.query.limit)
      return { items: views.map((v) => presentProfile(v, 'admin')) }
    },
  )

  for (const decision of ['verify', 'reject'] as const) {
    app.post(
      `/tutors/:tutorId/${decision}`,
      {
        preValidation: async (request) => {
          request.body ??= {}
          await rejectNulBytes(request)
        },
        schema: {
          tags,
          security,
          summary:
            decision === 'verify'
              ? 'Verify a pending profile (org_admin; never one’s own)'
              : 'Reject a pending profile or revoke a verification, with a note (org_admin)',
          params: TutorParams,
          body: ReviewBody,
          response: { 200: TutorProfileSchema, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const principal = requireRole(request, 'org_admin')
        const view = await profiles.review(principal, request.params.tutorId, decision, request.body.note)
        return presentProfile(view, 'admin')
      },
    )
  }

  // --- public profile -----------------------------------------------------------------------------

  app.get(
    '/tutors/:tutorId',
    {
      schema: {
        tags,
        security: optionalSecurity,
        summary:
          "A tutor's profile: listed ones for everyone (orgId when anonymous), any for its owner and admins",
        params: TutorParams,
        querystring: PublicProfileQuery,
        response: { 200: TutorProfileSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const orgId = readOrg(request.principal, request.query.orgId)
      const { view, audience } = await profiles.get(request.principal, orgId, request.params.tutorId)
      return presentProfile(view, audience)
    },
  )
}
