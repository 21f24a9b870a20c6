import { requireAuth, bearer, problems, type App } from '@learnmesh/kernel'
import type { TutoringDeps } from '../deps.ts'
import { rejectNulBytes } from '../profiles/profiles.http.ts'
import { presentMatchRequest } from './matching.presenter.ts'
import {
  MatchRequestBody,
  MatchRequestParams,
  MatchRequestSchema,
  ReplacementBody,
} from './matching.schemas.ts'
import { createMatchingService } from './matching.service.ts'

const tags = ['matching']
const security = bearer

/** Matching: a learner's request → ranked tutors with explanations; replacements after a trial. */
export async function matchingRoutes(app: App, deps: TutoringDeps): Promise<void> {
  const matching = createMatchingService(deps)

  app.post(
    '/match-requests',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary:
          'Rank the tutors of my organization for a request, with a per-factor explanation (signed in)',
        body: MatchRequestBody,
        response: { 201: MatchRequestSchema, ...problems(400, 401, 422) },
      },
    },
    async (request, reply) => {
      const row = await matching.request(requireAuth(request), request.body)
      reply.code(201)
      return presentMatchRequest(row)
    },
  )

  app.get(
    '/match-requests/:matchRequestId',
    {
      schema: {
        tags,
        security,
        summary: 'One of my match requests with the answer it got',
        params: MatchRequestParams,
        response: { 200: MatchRequestSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) =>
      presentMatchRequest(await matching.get(requireAuth(request), request.params.matchRequestId)),
  )

  app.post(
    '/match-requests/:matchRequestId/replacement',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary:
          'After a trial: rank again without that tutor nor any I replaced before (one per trial booking; a repeat returns it)',
        params: MatchRequestParams,
        body: ReplacementBody,
        response: { 200: MatchRequestSchema, 201: MatchRequestSchema, ...problems(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const { row, created } = await matching.replacement(
        requireAuth(request),
        request.params.matchRequestId,
        request.body,
      )
      reply.code(created ? 201 : 200)
      return presentMatchRequest(row)
    },
  )
}
