import { requireRole, bearer, problems, type App } from '@learnmesh/kernel'
import { presentCoupon } from './coupons.presenter.ts'
import {
  CouponListSchema,
  CouponParams,
  CouponSchema,
  CreateCouponBody,
  ListCouponsQuery,
  UpdateCouponBody,
} from './coupons.schemas.ts'
import type { CouponsService } from './coupons.service.ts'

const tags = ['coupons']

/** Coupons: org admins create, list, read and (de)activate them. */
export function couponsRoutes(app: App, s: { coupons: CouponsService }): void {
  app.post(
    '/coupons',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Create a coupon (org_admin)',
        body: CreateCouponBody,
        response: { 201: CouponSchema, ...problems(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const p = requireRole(request, 'org_admin')
      const row = await s.coupons.create(p.orgId, request.body)
      reply.code(201)
      return presentCoupon(row)
    },
  )

  app.get(
    '/coupons',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'List coupons (org_admin)',
        querystring: ListCouponsQuery,
        response: { 200: CouponListSchema, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      const { limit, after } = request.query
      const rows = await s.coupons.list(p.orgId, { limit: limit + 1, ...(after ? { after } : {}) })
      const items = rows.slice(0, limit)
      return {
        items: items.map(presentCoupon),
        nextCursor: rows.length > limit ? items[items.length - 1]!.id : null,
      }
    },
  )

  app.get(
    '/coupons/:couponId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'A coupon (org_admin)',
        params: CouponParams,
        response: { 200: CouponSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      return presentCoupon(await s.coupons.get(p.orgId, request.params.couponId))
    },
  )

  app.patch(
    '/coupons/:couponId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Deactivate a coupon or change its end (org_admin)',
        params: CouponParams,
        body: UpdateCouponBody,
        response: { 200: CouponSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      return presentCoupon(await s.coupons.update(p.orgId, request.params.couponId, request.body))
    },
  )
}
