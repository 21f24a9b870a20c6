import { requireRole, Type, bearer, problems, type App } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { createSequencesService } from './sequences.service.ts'

const tags = ['sequences']

const SequenceSchema = Type.Object({
  id: Type.String(),
  label: Type.String(),
  /** The event that enrolls people. */
  startedBy: Type.String(),
  /** The event that stops a person's sequence (its goal). */
  goalEvent: Type.String(),
  steps: Type.Array(
    Type.Object({ step: Type.Integer(), afterHours: Type.Integer(), subject: Type.String() }),
  ),
  paused: Type.Boolean(),
  pausedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** This organization's people in the sequence, by status. */
  enrollments: Type.Object({ active: Type.Integer(), completed: Type.Integer(), stopped: Type.Integer() }),
})
const Params = Type.Object({ id: Type.String({ pattern: '^[a-z0-9_-]{1,64}$' }) })

/** Email sequences (drip campaigns): org admins see them and pause or resume them. */
export async function sequencesRoutes(app: App, deps: CommunicationDeps): Promise<void> {
  const s = createSequencesService(deps)

  app.get(
    '/sequences',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Email sequences with my organization’s enrollment counts (org_admin)',
        response: { 200: Type.Object({ items: Type.Array(SequenceSchema) }), ...problems(401, 403) },
      },
    },
    async (request) => s.list(requireRole(request, 'org_admin')),
  )

  app.post(
    '/sequences/:id/pause',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Pause a sequence for my organization (org_admin)',
        params: Params,
        response: { 200: SequenceSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => s.pause(requireRole(request, 'org_admin'), request.params.id),
  )

  app.post(
    '/sequences/:id/resume',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Resume a paused sequence (org_admin)',
        params: Params,
        response: { 200: SequenceSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => s.resume(requireRole(request, 'org_admin'), request.params.id),
  )
}
