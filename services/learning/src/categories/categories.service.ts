import { AppError, newId, type Database, type Principal } from '@learnmesh/kernel'
import { slugify } from '../courses/normalize.ts'
import { createCategoriesRepository, type CategoryRow } from './categories.repository.ts'

/**
 * Course categories, per organization. Anyone in the organization lists them; org admins create,
 * rename and delete them (a category in use by a course or the catalog cannot be deleted: 409).
 */
export function createCategoriesService(database: Database) {
  const repo = createCategoriesRepository()

  return {
    /**
     * Categories of the caller's organization, or, for anonymous callers and other organizations,
     * only those of `orgId` that a course in the public catalog uses.
     */
    async list(principal: Principal | undefined, orgId: string | undefined): Promise<CategoryRow[]> {
      if (!principal && !orgId) throw new AppError('bad_request', 'Pass orgId to list categories anonymously')
      const target = orgId ?? principal!.orgId
      const own = principal !== undefined && principal.orgId === target
      return repo.list(database.db, target, !own)
    },

    /** Creates a category (slug from the name unless given; 409 when taken). */
    async create(principal: Principal, input: { name: string; slug?: string }): Promise<CategoryRow> {
      const slug = input.slug ?? slugify(input.name, 'category').slice(0, 64).replace(/-+$/, '')
      const created = await repo.insert(database.db, {
        id: newId('cat'),
        orgId: principal.orgId,
        slug,
        name: input.name.trim(),
      })
      if (!created)
        throw new AppError('conflict', `A category with the slug '${slug}' already exists`, { slug })
      return created
    },

    /** Renames a category (and the catalog entries showing it). */
    async update(
      principal: Principal,
      id: string,
      input: { name?: string; slug?: string },
    ): Promise<CategoryRow> {
      return database.db.transaction(async (tx) => {
        const row = await repo.find(tx, principal.orgId, id, true)
        if (!row) throw new AppError('not_found', 'Category not found')
        if (input.slug !== undefined && (await repo.slugTaken(tx, principal.orgId, input.slug, id)))
          throw new AppError('conflict', `A category with the slug '${input.slug}' already exists`)
        return repo.update(tx, row, {
          ...(input.name !== undefined ? { name: input.name.trim() } : {}),
          ...(input.slug !== undefined ? { slug: input.slug } : {}),
        })
      })
    },

    /** Deletes an unused category. */
    async remove(principal: Principal, id: string): Promise<void> {
      await database.db.transaction(async (tx) => {
        const row = await repo.find(tx, principal.orgId, id, true)
        if (!row) throw new AppError('not_found', 'Category not found')
        if (await repo.inUse(tx, principal.orgId, id))
          throw new AppError('conflict', 'Courses use this category; move them to another one first')
        await repo.remove(tx, principal.orgId, id)
      })
    },
  }
}
