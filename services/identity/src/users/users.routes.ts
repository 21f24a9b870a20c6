import { requirePlatformAdmin, problems, type App } from '@learnmesh/kernel'
import { clientMeta, requireSession } from '../shared/http.ts'
import { UserSchema } from '../shared/schemas.ts'
import type { FullTokenService } from '../sessions/sessions.service.ts'
import { presentUser } from './users.presenter.ts'
import {
  AdminUsersQuery,
  AdminUsersResponse,
  ChangePasswordBody,
  MeResponse,
  UpdateMeBody,
} from './users.schemas.ts'
import type { UsersService } from './users.service.ts'

const security = [{ bearer: [] }]

/** The caller's account and the platform admins' user list. */
export function usersRoutes(app: App, s: { users: UsersService; tokens: FullTokenService }): void {
  app.get(
    '/me',
    {
      schema: {
        tags: ['me'],
        security,
        summary: 'My account',
        response: { 200: MeResponse, ...problems(401) },
      },
    },
    async (request) => {
      const principal = await requireSession(request, s.tokens.isLive)
      const user = await s.users.get(principal.userId)
      return {
        user: presentUser(user),
        orgId: principal.orgId,
        roles: principal.roles,
        sessionId: principal.sessionId,
      }
    },
  )

  app.patch(
    '/me',
    {
      schema: {
        tags: ['me'],
        security,
        summary: 'Change my display name',
        body: UpdateMeBody,
        response: { 200: UserSchema, ...problems(400, 401) },
      },
    },
    async (request) => {
      const principal = await requireSession(request, s.tokens.isLive)
      return presentUser(await s.users.update(principal.userId, request.body))
    },
  )

  app.post(
    '/me/password',
    {
      schema: {
        tags: ['me'],
        security,
        summary: 'Change my password',
        description: 'Ends every other session.',
        body: ChangePasswordBody,
        response: { 204: { type: 'null' }, ...problems(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const principal = await requireSession(request, s.tokens.isLive)
      const meta = clientMeta(request)
      await s.users.changePassword(
        { userId: principal.userId, sessionId: principal.sessionId, ...request.body, ip: meta.ip },
        meta,
      )
      reply.code(204)
    },
  )

  app.get(
    '/admin/users',
    {
      schema: {
        tags: ['admin'],
        security,
        summary: 'List users (platform admin)',
        querystring: AdminUsersQuery,
        response: { 200: AdminUsersResponse, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      requirePlatformAdmin(request)
      await requireSession(request, s.tokens.isLive)
      const page = await s.users.list(request.query)
      return { items: page.items.map(presentUser), nextCursor: page.nextCursor }
    },
  )
}
