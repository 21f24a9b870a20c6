import { requireRole, bearer, problems, type App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { presentCategory } from './categories.presenter.ts'
import {
  CategoriesResponse,
  CategoryParams,
  CategorySchema,
  CreateCategoryBody,
  ListCategoriesQuery,
  UpdateCategoryBody,
} from './categories.schemas.ts'
import { createCategoriesService } from './categories.service.ts'
import { rejectNulBytes } from '../courses/route-helpers.ts'

const tags = ['categories']
const security = bearer

/** Course categories of an organization (registered by coursesRoutes). */
export function categoriesRoutes(app: App, deps: LearningDeps): void {
  const categories = createCategoriesService(deps.database)

  app.get(
    '/categories',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security: [...security, {}],
        summary: "My organization's categories; with orgId (or anonymously), those the public catalog uses",
        querystring: ListCategoriesQuery,
        response: { 200: CategoriesResponse, ...problems(400, 401) },
      },
    },
    async (request) => {
      const rows = await categories.list(request.principal, request.query.orgId)
      return { items: rows.map(presentCategory) }
    },
  )

  app.post(
    '/categories',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Create a category (org_admin)',
        body: CreateCategoryBody,
        response: { 201: CategorySchema, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const principal = requireRole(request, 'org_admin')
      const row = await categories.create(principal, request.body)
      reply.code(201)
      return presentCategory(row)
    },
  )

  app.patch(
    '/categories/:categoryId',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Rename a category (org_admin)',
        params: CategoryParams,
        body: UpdateCategoryBody,
        response: { 200: CategorySchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'org_admin')
      return presentCategory(await categories.update(principal, request.params.categoryId, request.body))
    },
  )

  app.delete(
    '/categories/:categoryId',
    {
      preValidation: rejectNulBytes,
      schema: {
        tags,
        security,
        summary: 'Delete an unused category (org_admin; in use → 409)',
        params: CategoryParams,
        response: { 204: { type: 'null' }, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = requireRole(request, 'org_admin')
      await categories.remove(principal, request.params.categoryId)
      reply.code(204)
    },
  )
}
