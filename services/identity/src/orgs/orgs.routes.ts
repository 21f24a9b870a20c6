import { traceparentOf, problems, type App } from '@learnmesh/kernel'
import { clientMeta, requireSession } from '../shared/http.ts'
import type { RefreshCookies } from '../shared/refresh-cookie.ts'
import type { FullTokenService } from '../sessions/sessions.service.ts'
import { presentInvitation, presentMember, presentMyOrg } from './orgs.presenter.ts'
import {
  AcceptInvitationBody,
  ChangeRolesBody,
  CreateOrgBody,
  InvitationParams,
  InvitationSchema,
  InvitationsResponse,
  InviteBody,
  MemberParams,
  MembersQuery,
  MembersResponse,
  MembershipSchema,
  MyOrgSchema,
  MyOrgsResponse,
  OrgParams,
  SwitchResponse,
} from './orgs.schemas.ts'
import type { OrgsService } from './orgs.service.ts'

const tags = ['organizations']
const security = [{ bearer: [] }]

/** Organizations, members, roles and invitations. */
export function orgsRoutes(
  app: App,
  s: { orgs: OrgsService; tokens: FullTokenService; cookies: RefreshCookies },
): void {
  const session = (request: Parameters<typeof requireSession>[0]) => requireSession(request, s.tokens.isLive)

  app.get(
    '/orgs',
    {
      schema: {
        tags,
        security,
        summary: 'My organizations',
        response: { 200: MyOrgsResponse, ...problems(401) },
      },
    },
    async (request) => {
      const principal = await session(request)
      const rows = await s.orgs.listMine(principal.userId)
      return { items: rows.map((r) => presentMyOrg(r, principal.orgId)) }
    },
  )

  app.post(
    '/orgs',
    {
      schema: {
        tags,
        security,
        summary: 'Create an organization (verified users)',
        body: CreateOrgBody,
        response: { 201: MyOrgSchema, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const principal = await session(request)
      const { org, roles } = await s.orgs.create(principal, request.body, {
        traceparent: traceparentOf(request),
      })
      reply.code(201)
      return presentMyOrg({ org, roles }, principal.orgId)
    },
  )

  app.post(
    '/orgs/:orgId/switch',
    {
      schema: {
        tags,
        security,
        summary: 'Get tokens for another of my organizations',
        description:
          'With `X-Token-Transport: cookie` the new refresh token replaces the `lm_refresh` cookie instead of being returned.',
        params: OrgParams,
        response: { 200: SwitchResponse, ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      const principal = await session(request)
      const meta = clientMeta(request)
      const pair = await s.tokens.switchOrg({
        userId: principal.userId,
        sessionId: principal.sessionId,
        orgId: request.params.orgId,
        ip: meta.ip,
        userAgent: meta.userAgent,
      })
      return s.cookies.issue(request, reply, pair)
    },
  )

  app.get(
    '/orgs/:orgId/members',
    {
      schema: {
        tags,
        security,
        summary: 'List members (org_admin)',
        params: OrgParams,
        querystring: MembersQuery,
        response: { 200: MembersResponse, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = await session(request)
      const { limit, after } = request.query
      const rows = await s.orgs.listMembers(principal, request.params.orgId, {
        limit: limit + 1,
        ...(after ? { after } : {}),
      })
      const items = rows.slice(0, limit)
      return {
        items: items.map(presentMember),
        nextCursor: rows.length > limit ? items[items.length - 1]!.userId : null,
      }
    },
  )

  app.patch(
    '/orgs/:orgId/members/:userId',
    {
      schema: {
        tags,
        security,
        summary: "Change a member's roles (org_admin)",
        params: MemberParams,
        body: ChangeRolesBody,
        response: { 200: MembershipSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = await session(request)
      const row = await s.orgs.changeRoles(
        principal,
        request.params.orgId,
        request.params.userId,
        request.body.roles,
        { traceparent: traceparentOf(request) },
      )
      return { orgId: row.orgId, userId: row.userId, roles: row.roles }
    },
  )

  app.delete(
    '/orgs/:orgId/members/:userId',
    {
      schema: {
        tags,
        security,
        summary: 'Remove a member (org_admin) or leave',
        params: MemberParams,
        response: { 204: { type: 'null' }, ...problems(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = await session(request)
      await s.orgs.removeMember(principal, request.params.orgId, request.params.userId, {
        traceparent: traceparentOf(request),
      })
      reply.code(204)
    },
  )

  app.post(
    '/orgs/:orgId/invitations',
    {
      schema: {
        tags,
        security,
        summary: 'Invite someone by email (org_admin)',
        params: OrgParams,
        body: InviteBody,
        response: { 201: InvitationSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = await session(request)
      const row = await s.orgs.invite(principal, request.params.orgId, request.body, {
        traceparent: traceparentOf(request),
      })
      reply.code(201)
      return presentInvitation(row)
    },
  )

  app.get(
    '/orgs/:orgId/invitations',
    {
      schema: {
        tags,
        security,
        summary: 'Pending invitations (org_admin)',
        params: OrgParams,
        response: { 200: InvitationsResponse, ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const principal = await session(request)
      return { items: (await s.orgs.listInvitations(principal, request.params.orgId)).map(presentInvitation) }
    },
  )

  app.delete(
    '/orgs/:orgId/invitations/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Revoke an invitation (org_admin)',
        params: InvitationParams,
        response: { 204: { type: 'null' }, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = await session(request)
      await s.orgs.revokeInvitation(principal, request.params.orgId, request.params.id)
      reply.code(204)
    },
  )

  app.post(
    '/invitations/accept',
    {
      schema: {
        tags,
        security,
        summary: 'Accept an invitation',
        body: AcceptInvitationBody,
        response: { 200: MembershipSchema, ...problems(400, 401, 403, 410) },
      },
    },
    async (request) => {
      const principal = await session(request)
      const result = await s.orgs.accept(principal, request.body.token, {
        traceparent: traceparentOf(request),
      })
      return { orgId: result.orgId, userId: principal.userId, roles: result.roles }
    },
  )
}
