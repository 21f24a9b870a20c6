import { AppError, requireRole, bearer, problems, type App } from '@learnmesh/kernel'
import { presentPrice, presentProduct } from './products.presenter.ts'
import {
  CreatePriceBody,
  CreateProductBody,
  ListProductsQuery,
  PriceLookupQuery,
  PriceParams,
  PriceSchema,
  ProductListSchema,
  ProductParams,
  ProductSchema,
  ProductWithPricesSchema,
  UpdatePriceBody,
  UpdateProductBody,
} from './products.schemas.ts'
import type { ProductsService } from './products.service.ts'

const tags = ['products']

/** Products and prices: managed by org admins; the price lookup is public. */
export function productsRoutes(app: App, s: { products: ProductsService }): void {
  app.post(
    '/products',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Create a product; a subscription plan may have a description (org_admin)',
        body: CreateProductBody,
        response: { 201: ProductSchema, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const p = requireRole(request, 'org_admin')
      const row = await s.products.create(p.orgId, request.body)
      reply.code(201)
      return presentProduct(row)
    },
  )

  app.get(
    '/products',
    {
      schema: {
        tags,
        security: bearer,
        summary: "List the organization's products (org_admin)",
        querystring: ListProductsQuery,
        response: { 200: ProductListSchema, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      const { limit, after, type } = request.query
      const rows = await s.products.list(p.orgId, {
        limit: limit + 1,
        ...(after ? { after } : {}),
        ...(type ? { type } : {}),
      })
      const items = rows.slice(0, limit)
      return {
        items: items.map(presentProduct),
        nextCursor: rows.length > limit ? items[items.length - 1]!.id : null,
      }
    },
  )

  app.get(
    '/products/:productId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'A product with all its prices (org_admin)',
        params: ProductParams,
        response: { 200: ProductWithPricesSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      const r = await s.products.get(p.orgId, request.params.productId)
      return { product: presentProduct(r.product), prices: r.prices.map(presentPrice) }
    },
  )

  app.patch(
    '/products/:productId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Change title, description (plans), payee or active flag (org_admin)',
        params: ProductParams,
        body: UpdateProductBody,
        response: { 200: ProductSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      return presentProduct(await s.products.update(p.orgId, request.params.productId, request.body))
    },
  )

  app.post(
    '/products/:productId/prices',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Add a price to a product (org_admin)',
        params: ProductParams,
        body: CreatePriceBody,
        response: { 201: PriceSchema, ...problems(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const p = requireRole(request, 'org_admin')
      const row = await s.products.createPrice(p.orgId, request.params.productId, request.body)
      reply.code(201)
      return presentPrice(row)
    },
  )

  app.patch(
    '/prices/:priceId',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Activate or deactivate a price (org_admin)',
        params: PriceParams,
        body: UpdatePriceBody,
        response: { 200: PriceSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const p = requireRole(request, 'org_admin')
      return presentPrice(
        await s.products.setPriceActive(p.orgId, request.params.priceId, request.body.active),
      )
    },
  )

  app.get(
    '/prices',
    {
      schema: {
        tags,
        summary: 'Public price lookup for a product ref (e.g. a course id)',
        querystring: PriceLookupQuery,
        response: { 200: ProductWithPricesSchema, ...problems(400, 404) },
      },
    },
    async (request) => {
      const { productType, ref, orgId } = request.query
      // Prices are public: any organization's catalog may be looked up; signed-in callers default to theirs.
      const org = orgId ?? request.principal?.orgId
      if (!org) throw new AppError('bad_request', 'orgId is required when not signed in')
      const r = await s.products.lookup(org, productType, ref)
      return { product: presentProduct(r.product), prices: r.prices.map(presentPrice) }
    },
  )
}
