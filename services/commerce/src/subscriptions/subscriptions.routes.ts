import {
  AppError,
  requireAuth,
  requireRole,
  bearer,
  problems,
  traceparentOf,
  type App,
} from '@learnmesh/kernel'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { CommerceDeps } from '../deps.ts'
import { createCheckoutArea } from '../orders/checkout.area.ts'
import { IdempotencyHeaders } from '../orders/orders.schemas.ts'
import type { Idempotency, IdempotentResponse } from '../shared/idempotency.ts'
import { presentPrice, presentProduct } from '../products/products.presenter.ts'
import { presentCharge, presentSubscription } from './subscriptions.presenter.ts'
import {
  CancelNowBody,
  CancelNowResponse,
  EntitlementSchema,
  MySubscriptionsQuery,
  OrgSubscriptionsQuery,
  PaymentMethodBody,
  PlanCatalogSchema,
  PlanParams,
  PlansQuery,
  SubscriptionDetailSchema,
  SubscriptionListSchema,
  SubscriptionParams,
  SubscriptionSchema,
} from './subscriptions.schemas.ts'
import { createSubscriptionsService, type SubscriptionsService } from './subscriptions.service.ts'
import type { SubscriptionRow } from './subscriptions.repository.ts'

const tags = ['subscriptions']

/** Runs a money-moving handler under the caller's Idempotency-Key (as checkout and refunds do). */
async function idempotent<T>(
  idem: Idempotency,
  request: FastifyRequest,
  reply: FastifyReply,
  principal: { orgId: string; userId: string },
  run: () => Promise<IdempotentResponse<T>>,
): Promise<T> {
  const result = await idem.run(
    {
      principal: `${principal.orgId}/${principal.userId}`,
      key: request.headers['idempotency-key'],
      method: request.method,
      path: request.url.split('?')[0]!,
      body: request.body ?? null,
    },
    run,
    () => void reply.header('idempotent-replayed', 'true'),
  )
  reply.code(result.status)
  return result.body
}

function page(rows: SubscriptionRow[], limit: number) {
  const items = rows.slice(0, limit)
  return {
    items: items.map(presentSubscription),
    nextCursor: rows.length > limit ? items[items.length - 1]!.id : null,
  }
}

/** The subscriptions service wired to the checkout area's provider, payments core and refunds. */
export function createSubscriptionsArea(deps: CommerceDeps): {
  subscriptions: SubscriptionsService
  idempotency: Idempotency
} {
  const area = createCheckoutArea(deps)
  return {
    subscriptions: createSubscriptionsService(deps, area.provider, area.payments, area.refunds),
    idempotency: area.idempotency,
  }
}

/** Subscriptions (customer and org admin) and what plans grant (org admin). */
export function subscriptionsRoutes(app: App, deps: CommerceDeps): void {
  const { subscriptions: s, idempotency } = createSubscriptionsArea(deps)

  app.get(
    '/subscriptions/mine',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My subscriptions, newest first',
        querystring: MySubscriptionsQuery,
        response: { 200: SubscriptionListSchema, ...problems(400, 401) },
      },
    },
    async (request) => {
      const p = requireAuth(request)
      const { limit, after } = request.query
      return page(await s.listMine(p, { limit: limit + 1, ...(after ? { after } : {}) }), limit)
    },
  )

  app.get(
    '/subscriptions',
    {
      schema: {
        tags,
        security: bearer,
        summary: "The organization's subscriptions (org_admin)",
        querystring: OrgSubscriptionsQuery,
        response: { 200: SubscriptionListSchema, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      const { limit, after, status, userId } = request.query
      const rows = await s.listOrg(p, {
        limit: limit + 1,
        ...(after ? { after } : {}),
        ...(status ? { status } : {}),
        ...(userId ? { userId } : {}),
      })
      return page(rows, limit)
    },
  )

  app.get(
    '/subscriptions/:subscriptionId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'A subscription with its renewal attempts (its subscriber or an org admin)',
        params: SubscriptionParams,
        response: { 200: SubscriptionDetailSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const p = requireAuth(request)
      const { subscription, charges } = await s.get(p, request.params.subscriptionId)
      return { ...presentSubscription(subscription), charges: charges.map(presentCharge) }
    },
  )

  app.post(
    '/subscriptions/:subscriptionId/cancel',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Cancel at period end: access runs to the end of the paid period or trial',
        params: SubscriptionParams,
        response: { 200: SubscriptionSchema, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const p = requireAuth(request)
      return presentSubscription(await s.cancelAtPeriodEnd(p, request.params.subscriptionId))
    },
  )

  app.post(
    '/subscriptions/:subscriptionId/resume',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Undo a cancel at period end before the period ends',
        params: SubscriptionParams,
        response: { 200: SubscriptionSchema, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const p = requireAuth(request)
      return presentSubscription(await s.resume(p, request.params.subscriptionId))
    },
  )

  app.post(
    '/subscriptions/:subscriptionId/cancel-now',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'End a subscription now, optionally refunding the unused time (org_admin; Idempotency-Key required)',
        headers: IdempotencyHeaders,
        params: SubscriptionParams,
        body: CancelNowBody,
        response: { 200: CancelNowResponse, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = requireRole(request, 'org_admin')
      return idempotent(idempotency, request, reply, p, async () => {
        const r = await s.cancelNow(
          p,
          request.params.subscriptionId,
          request.body ?? {},
          traceparentOf(request),
        )
        return {
          status: 200,
          body: {
            subscription: presentSubscription(r.subscription),
            refundId: r.refundId,
            refundedMinor: r.refundedMinor,
          },
        }
      })
    },
  )

  app.put(
    '/subscriptions/:subscriptionId/payment-method',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Change the payment method renewals charge (the subscriber); a past-due one is retried soon',
        params: SubscriptionParams,
        body: PaymentMethodBody,
        response: { 200: SubscriptionSchema, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const p = requireAuth(request)
      return presentSubscription(
        await s.changePaymentMethod(p, request.params.subscriptionId, request.body.paymentMethod),
      )
    },
  )

  app.get(
    '/plans',
    {
      schema: {
        tags,
        summary:
          "An organization's subscription plans on sale, with their prices and what they grant (public)",
        querystring: PlansQuery,
        response: { 200: PlanCatalogSchema, ...problems(400) },
      },
    },
    async (request) => {
      // Public like GET /prices: what a plan costs and grants is what a plans page shows to anyone.
      const org = request.query.orgId ?? request.principal?.orgId
      if (!org) throw new AppError('bad_request', 'orgId is required when not signed in')
      const plans = await s.plansOnSale(org)
      return {
        items: plans.map((p) => ({
          product: presentProduct(p.product),
          prices: p.prices.map(presentPrice),
          entitlement: p.entitlement,
        })),
      }
    },
  )

  app.get(
    '/plans/:productId/entitlement',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'What a subscription plan grants (org_admin)',
        params: PlanParams,
        response: { 200: EntitlementSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => s.entitlement(requireRole(request, 'org_admin'), request.params.productId),
  )

  app.put(
    '/plans/:productId/entitlement',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'Set what a subscription plan grants: every course of the org, or a list of courses (org_admin)',
        params: PlanParams,
        body: EntitlementSchema,
        response: { 200: EntitlementSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) =>
      s.setEntitlement(requireRole(request, 'org_admin'), request.params.productId, request.body),
  )
}
