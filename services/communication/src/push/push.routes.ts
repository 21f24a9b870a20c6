import { requireAuth, bearer, problems, type App } from '@learnmesh/kernel'
import type { CommunicationDeps } from '../deps.ts'
import { createPushService } from './push.service.ts'
import {
  SubscribeBody,
  SubscriptionList,
  SubscriptionParams,
  SubscriptionSchema,
  VapidPublicKey,
} from './push.schemas.ts'

const tags = ['push']

/** Web push: the VAPID public key, and each browser's subscription. */
export async function pushRoutes(app: App, deps: CommunicationDeps): Promise<void> {
  const s = createPushService(deps)

  app.get(
    '/push/vapid-public-key',
    {
      schema: {
        tags,
        summary: 'The VAPID public key (applicationServerKey) browsers subscribe with',
        response: { 200: VapidPublicKey },
      },
    },
    async () => s.publicKey(),
  )

  app.post(
    '/push/subscriptions',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Subscribe this browser to my notifications (the PushSubscription JSON)',
        body: SubscribeBody,
        response: { 200: SubscriptionSchema, 201: SubscriptionSchema, ...problems(400, 401, 422) },
      },
    },
    async (request, reply) => {
      const ua = request.headers['user-agent']
      const r = await s.subscribe(requireAuth(request), request.body, typeof ua === 'string' ? ua : null)
      return reply.code(r.created ? 201 : 200).send(r.subscription)
    },
  )

  app.get(
    '/push/subscriptions',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My subscribed browsers',
        response: { 200: SubscriptionList, ...problems(401) },
      },
    },
    async (request) => s.list(requireAuth(request)),
  )

  app.delete(
    '/push/subscriptions/:id',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Unsubscribe one of my browsers',
        params: SubscriptionParams,
        response: { 204: { type: 'null' }, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      await s.unsubscribe(requireAuth(request), request.params.id)
      reply.code(204)
    },
  )
}
