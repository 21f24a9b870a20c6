import {
  AppError,
  requireAuth,
  requireRole,
  bearer,
  problems,
  type App,
  type Principal,
} from '@learnmesh/kernel'
import type { FastifyRequest } from 'fastify'
import type { TutoringDeps } from '../deps.ts'
import { createAvailabilityService } from './availability.service.ts'
import { presentAvailability, presentException, presentSlots } from './availability.presenter.ts'
import {
  AddExceptionBody,
  AvailabilitySchema,
  ExceptionParams,
  ExceptionSchema,
  ReplaceWeeklyBody,
  SlotsQuery,
  SlotsResponse,
  TutorParams,
  TutorQuery,
} from './availability.schemas.ts'

const tags = ['availability']

/**
 * The audience of a public read: a signed-in caller's organization (a platform admin may name
 * another), or the `orgId` an anonymous caller names.
 */
function audience(
  request: FastifyRequest,
  orgId: string | undefined,
): { orgId: string; viewer: Principal | null } {
  const p = request.principal ?? null
  if (p) {
    if (orgId && orgId !== p.orgId && !p.platformAdmin) throw new AppError('not_found', 'Tutor not found')
    return { orgId: orgId ?? p.orgId, viewer: p }
  }
  if (!orgId) throw new AppError('bad_request', 'Anonymous callers name the organization with ?orgId=')
  return { orgId, viewer: null }
}

/** Weekly availability, exceptions (time off, extra windows) and open slots in the viewer's time zone. */
export async function availabilityRoutes(app: App, deps: TutoringDeps): Promise<void> {
  const s = createAvailabilityService(deps)

  app.get(
    '/tutors/me/availability',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My weekly availability (in my time zone) and upcoming exceptions',
        response: { 200: AvailabilitySchema, ...problems(401, 404) },
      },
    },
    async (request) => {
      const r = await s.mine(requireAuth(request))
      return presentAvailability(r.profile, r.rules, r.exceptions)
    },
  )

  app.put(
    '/tutors/me/availability',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Replace my weekly availability',
        description:
          'Windows are local wall-clock times in the tutor’s time zone, so 09:00–17:00 stays 09:00–17:00 across DST changes. Overlapping windows on a weekday are refused (422).',
        body: ReplaceWeeklyBody,
        response: { 200: AvailabilitySchema, ...problems(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'tutor')
      const r = await s.replaceWeekly(p, request.body.weekly)
      const mine = await s.mine(p)
      return presentAvailability(r.profile, r.rules, mine.exceptions)
    },
  )

  app.post(
    '/tutors/me/availability/exceptions',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Add time off (`unavailable`) or an extra window (`available`)',
        body: AddExceptionBody,
        response: { 201: ExceptionSchema, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = requireRole(request, 'tutor')
      reply.code(201)
      return presentException(await s.addException(p, request.body))
    },
  )

  app.delete(
    '/tutors/me/availability/exceptions/:id',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Remove one of my exceptions',
        params: ExceptionParams,
        response: { 204: { type: 'null', description: 'Removed' }, ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      await s.removeException(requireAuth(request), request.params.id)
      reply.code(204)
    },
  )

  app.get(
    '/tutors/:tutorId/availability',
    {
      schema: {
        tags,
        summary: 'A tutor’s weekly availability and upcoming time off',
        params: TutorParams,
        querystring: TutorQuery,
        response: { 200: AvailabilitySchema, ...problems(400, 404) },
      },
    },
    async (request) => {
      const a = audience(request, request.query.orgId)
      const r = await s.ofTutor(a.orgId, request.params.tutorId, a.viewer?.userId ?? null)
      return presentAvailability(r.profile, r.rules, r.exceptions)
    },
  )

  app.get(
    '/tutors/:tutorId/slots',
    {
      schema: {
        tags,
        summary: 'Open lesson slots, with local times in the viewer’s time zone',
        description:
          'Slots inside the tutor’s availability, after the minimum notice and before the booking horizon, that collide with no booking (buffers included). Up to 31 days per request.',
        params: TutorParams,
        querystring: SlotsQuery,
        response: { 200: SlotsResponse, ...problems(400, 404, 422) },
      },
    },
    async (request) => {
      const a = audience(request, request.query.orgId)
      const { orgId: _o, ...q } = request.query
      const r = await s.slots(a.orgId, request.params.tutorId, a.viewer?.userId ?? null, q)
      return presentSlots(r.profile.id, q.minutes, r.timeZone, r.slots)
    },
  )
}
