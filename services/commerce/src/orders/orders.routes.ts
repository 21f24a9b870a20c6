import { requireAuth, requireRole, bearer, problems, traceparentOf, type App } from '@learnmesh/kernel'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Idempotency, IdempotentRequest, IdempotentResponse } from '../shared/idempotency.ts'
import type { PaymentsCore } from '../payments/payments.service.ts'
import type { RefundsService } from '../refunds/refunds.service.ts'
import type { SelfRefunds } from '../refunds/self-refund.ts'
import { presentOrder, presentOrderPage, presentRefund, withLinesGlance } from './orders.presenter.ts'
import {
  CheckoutBody,
  IdempotencyHeaders,
  MyOrdersQuery,
  OrderItemParams,
  OrderListSchema,
  OrderParams,
  OrderSchema,
  OrgOrdersQuery,
  RefundBody,
  RefundResponse,
  SandboxCompleteBody,
  SandboxParams,
} from './orders.schemas.ts'
import type { CheckoutService } from './checkout.service.ts'

const tags = ['orders']

/** What identifies a request for its Idempotency-Key: the caller, the header, method, path and body. */
function idempotentRequest(
  request: FastifyRequest,
  principal: { orgId: string; userId: string },
): IdempotentRequest {
  return {
    principal: `${principal.orgId}/${principal.userId}`,
    key: request.headers['idempotency-key'],
    method: request.method,
    path: request.url.split('?')[0]!,
    body: request.body ?? null,
  }
}

/** Runs a money-moving handler under the caller's Idempotency-Key and sends its (maybe stored) response. */
async function idempotent<T>(
  idem: Idempotency,
  request: FastifyRequest,
  reply: FastifyReply,
  principal: { orgId: string; userId: string },
  run: () => Promise<IdempotentResponse<T>>,
): Promise<T> {
  const result = await idem.run(
    idempotentRequest(request, principal),
    run,
    () => void reply.header('idempotent-replayed', 'true'),
  )
  return answer(reply, result)
}

/** Sets the (maybe stored) response's status and returns its body (an older stored order completed). */
function answer<T>(reply: FastifyReply, result: IdempotentResponse<T>): T {
  reply.code(result.status)
  return withLinesGlance(result.body)
}

/** Checkout, orders, refunds and the sandbox's action page. */
export function ordersRoutes(
  app: App,
  s: {
    checkout: CheckoutService
    refunds: RefundsService
    selfRefunds: SelfRefunds
    payments: PaymentsCore
    idempotency: Idempotency
  },
): void {
  app.post(
    '/checkout',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Turn my cart into an order and pay it (Idempotency-Key required)',
        headers: IdempotencyHeaders,
        body: CheckoutBody,
        response: { 201: OrderSchema, ...problems(400, 401, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = requireAuth(request)
      const result = await s.checkout.checkoutOnce(
        p,
        request.body ?? {},
        traceparentOf(request),
        idempotentRequest(request, p),
        (detail) => ({ status: 201, body: presentOrder(detail) }),
        () => void reply.header('idempotent-replayed', 'true'),
      )
      return answer(reply, result)
    },
  )

  app.post(
    '/orders/:orderId/confirm',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Retry or confirm the payment of my unpaid order (Idempotency-Key required)',
        headers: IdempotencyHeaders,
        params: OrderParams,
        body: CheckoutBody,
        response: { 200: OrderSchema, ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = requireAuth(request)
      return idempotent(s.idempotency, request, reply, p, async () => ({
        status: 200,
        body: presentOrder(
          await s.checkout.confirm(p, request.params.orderId, request.body ?? {}, traceparentOf(request)),
        ),
      }))
    },
  )

  app.post(
    '/orders/:orderId/cancel',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Cancel an unpaid order (its buyer or an org admin)',
        params: OrderParams,
        response: { 200: OrderSchema, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const p = requireAuth(request)
      return presentOrder(await s.checkout.cancel(p, request.params.orderId))
    },
  )

  app.get(
    '/orders/mine',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My orders, newest first',
        querystring: MyOrdersQuery,
        response: { 200: OrderListSchema, ...problems(400, 401) },
      },
    },
    async (request) => {
      const p = requireAuth(request)
      const { limit, after } = request.query
      return presentOrderPage(await s.checkout.listMine(p, { limit, ...(after ? { after } : {}) }))
    },
  )

  app.get(
    '/orders',
    {
      schema: {
        tags,
        security: bearer,
        summary: "The organization's orders with filters (org_admin)",
        querystring: OrgOrdersQuery,
        response: { 200: OrderListSchema, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      const { limit, after, status, userId, from, to } = request.query
      const page = await s.checkout.listOrg(p.orgId, {
        limit,
        ...(after ? { after } : {}),
        ...(status ? { status } : {}),
        ...(userId ? { userId } : {}),
        ...(from ? { from: new Date(from) } : {}),
        ...(to ? { to: new Date(to) } : {}),
      })
      return presentOrderPage(page)
    },
  )

  app.get(
    '/orders/:orderId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'An order with lines, payments and refunds (its buyer or an org admin)',
        params: OrderParams,
        response: { 200: OrderSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const p = requireAuth(request)
      const order = await s.checkout.visibleOrder(p, request.params.orderId)
      return presentOrder(await s.checkout.detail(p.orgId, order.id))
    },
  )

  app.post(
    '/orders/:orderId/refunds',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Refund an order in full or in part (org_admin; Idempotency-Key required)',
        headers: IdempotencyHeaders,
        params: OrderParams,
        body: RefundBody,
        response: { 201: RefundResponse, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = requireRole(request, 'org_admin')
      return idempotent(s.idempotency, request, reply, p, async () => {
        const refund = await s.refunds.refund(p, request.params.orderId, request.body, traceparentOf(request))
        return {
          status: 201,
          body: {
            refund: presentRefund(refund),
            order: presentOrder(await s.checkout.detail(p.orgId, refund.orderId)),
          },
        }
      })
    },
  )

  app.post(
    '/orders/:orderId/items/:orderItemId/refund',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'Refund a course I bought, in full, within COURSE_REFUND_WINDOW_DAYS of payment (its buyer; Idempotency-Key required)',
        headers: IdempotencyHeaders,
        params: OrderItemParams,
        response: { 201: RefundResponse, ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = requireAuth(request)
      const { orderId, orderItemId } = request.params
      return idempotent(s.idempotency, request, reply, p, async () => {
        const refund = await s.selfRefunds.refundCourseLine(p, orderId, orderItemId, traceparentOf(request))
        return {
          status: 201,
          body: {
            refund: presentRefund(refund),
            order: presentOrder(await s.checkout.detail(p.orgId, refund.orderId)),
          },
        }
      })
    },
  )

  app.post(
    '/sandbox/payments/:providerRef/complete',
    {
      schema: {
        tags: ['sandbox'],
        security: bearer,
        summary: 'Sandbox: complete (or fail) the action a payment requires, as its buyer',
        params: SandboxParams,
        body: SandboxCompleteBody,
        response: { 200: OrderSchema, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const p = requireAuth(request)
      const orderId = await s.payments.completeSandboxAction(
        p,
        request.params.providerRef,
        request.body?.outcome ?? 'succeeded',
      )
      return presentOrder(await s.checkout.detail(p.orgId, orderId))
    },
  )
}
