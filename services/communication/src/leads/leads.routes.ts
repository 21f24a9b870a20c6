import { requireRole, bearer, problems, type App } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { createLeadsService } from './leads.service.ts'
import {
  CreateLeadBody,
  LeadList,
  LeadParams,
  LeadReceived,
  LeadSchema,
  ListLeadsQuery,
  UpdateLeadBody,
} from './leads.schemas.ts'

const tags = ['leads']

/** Leads: the public landing-page form, and the org admins' pipeline. */
export async function leadsRoutes(app: App, deps: CommunicationDeps): Promise<void> {
  const s = createLeadsService(deps)

  app.post(
    '/leads',
    {
      schema: {
        tags,
        summary: 'Send the landing-page contact form (anonymous; rate limited per IP and email)',
        body: CreateLeadBody,
        response: { 202: LeadReceived, ...problems(400, 404, 422, 429) },
      },
    },
    async (request, reply) => {
      await s.create(request.body, request.ip)
      return reply.code(202).send({ received: true })
    },
  )

  app.get(
    '/leads',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My organization’s leads, newest first (org_admin)',
        querystring: ListLeadsQuery,
        response: { 200: LeadList, ...problems(400, 401, 403) },
      },
    },
    async (request) => s.list(requireRole(request, 'org_admin'), request.query),
  )

  app.get(
    '/leads/:id',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'One lead (org_admin)',
        params: LeadParams,
        response: { 200: LeadSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => s.get(requireRole(request, 'org_admin'), request.params.id),
  )

  app.patch(
    '/leads/:id',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Change a lead’s status or notes (org_admin)',
        params: LeadParams,
        body: UpdateLeadBody,
        response: { 200: LeadSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => s.update(requireRole(request, 'org_admin'), request.params.id, request.body),
  )
}
