import { notFound, problems, type App } from '@learnmesh/kernel'
import { requireSession } from '../shared/http.ts'
import { presentSession } from './sessions.presenter.ts'
import { SessionListResponse, SessionParams } from './sessions.schemas.ts'
import type { FullTokenService } from './sessions.service.ts'

const tags = ['sessions']
const security = [{ bearer: [] }]

/** The caller's own sessions: list and revoke. */
export function sessionsRoutes(app: App, s: { tokens: FullTokenService }): void {
  app.get(
    '/sessions',
    {
      schema: {
        tags,
        security,
        summary: 'List my sessions',
        response: { 200: SessionListResponse, ...problems(401) },
      },
    },
    async (request) => {
      const principal = await requireSession(request, s.tokens.isLive)
      const rows = await s.tokens.listSessions(principal.userId)
      return { items: rows.map((r) => presentSession(r, principal.sessionId)) }
    },
  )

  app.delete(
    '/sessions/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Revoke one of my sessions',
        params: SessionParams,
        response: { 204: { type: 'null' }, ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      const principal = await requireSession(request, s.tokens.isLive)
      if (!(await s.tokens.revokeSession(principal.userId, request.params.id, 'revoked_by_user')))
        throw notFound('Session')
      reply.code(204)
    },
  )
}
