import { requireAuth, bearer, problems, type App } from '@learnmesh/kernel'
import type { FastifyRequest } from 'fastify'
import { presentCart } from './carts.presenter.ts'
import {
  AddItemBody,
  ApplyCouponBody,
  CartCouponParams,
  CartHeaders,
  CartItemParams,
  CartItemQuery,
  CartSchema,
} from './carts.schemas.ts'
import type { CartCaller, CartsService } from './carts.service.ts'

const tags = ['cart']
/** Cart routes work signed in (bearer) or as a guest (X-Cart-Token). */
const security = [...bearer, {}]

function caller(request: FastifyRequest): CartCaller {
  const token = request.headers['x-cart-token']
  return { principal: request.principal, token: typeof token === 'string' ? token : undefined }
}

/** The cart: persistent for signed-in users, token-identified for guests. */
export function cartsRoutes(app: App, s: { carts: CartsService }): void {
  app.get(
    '/cart',
    {
      schema: {
        tags,
        security,
        summary: 'My cart with totals (signed in, or guest via X-Cart-Token)',
        headers: CartHeaders,
        response: { 200: CartSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => presentCart(await s.carts.get(caller(request))),
  )

  app.post(
    '/cart/items',
    {
      schema: {
        tags,
        security,
        summary: 'Add an item (creates the cart; a new guest cart returns its token once)',
        headers: CartHeaders,
        body: AddItemBody,
        response: { 200: CartSchema, ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request) => presentCart(await s.carts.addItem(caller(request), request.body)),
  )

  app.delete(
    '/cart/items/:priceId',
    {
      schema: {
        tags,
        security,
        summary: 'Remove a line (`?reference=` removes only the line of that booking)',
        headers: CartHeaders,
        params: CartItemParams,
        querystring: CartItemQuery,
        response: { 200: CartSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) =>
      presentCart(await s.carts.removeItem(caller(request), request.params.priceId, request.query.reference)),
  )

  app.post(
    '/cart/coupons',
    {
      schema: {
        tags,
        security,
        summary: 'Apply a coupon code',
        headers: CartHeaders,
        body: ApplyCouponBody,
        response: { 200: CartSchema, ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request) => presentCart(await s.carts.applyCoupon(caller(request), request.body.code)),
  )

  app.delete(
    '/cart/coupons/:code',
    {
      schema: {
        tags,
        security,
        summary: 'Remove a coupon code',
        headers: CartHeaders,
        params: CartCouponParams,
        response: { 200: CartSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => presentCart(await s.carts.removeCoupon(caller(request), request.params.code)),
  )

  app.post(
    '/cart/merge',
    {
      schema: {
        tags,
        security: bearer,
        summary: "Merge a guest cart (X-Cart-Token) into the signed-in user's cart",
        headers: CartHeaders,
        response: { 200: CartSchema, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      return presentCart(await s.carts.merge(principal, caller(request).token))
    },
  )
}
