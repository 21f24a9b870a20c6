import { and, asc, eq, exists, ne } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { catalogEntries, categories, courses } from '../db/schema.ts'

/** A categories row. */
export type CategoryRow = typeof categories.$inferSelect

/** Data access for course categories. */
export function createCategoriesRepository() {
  return {
    /** An organization's categories by name; `publicOnly`: only those a public catalog entry uses. */
    async list(db: DbOrTx, orgId: string, publicOnly: boolean): Promise<CategoryRow[]> {
      return db
        .select()
        .from(categories)
        .where(
          and(
            eq(categories.orgId, orgId),
            publicOnly
              ? exists(
                  db
                    .select({ one: catalogEntries.courseId })
                    .from(catalogEntries)
                    .where(
                      and(
                        eq(catalogEntries.categoryId, categories.id),
                        eq(catalogEntries.orgId, orgId),
                        eq(catalogEntries.visibility, 'public'),
                      ),
                    ),
                )
              : undefined,
          ),
        )
        .orderBy(asc(categories.name), asc(categories.id))
    },

    /** A category of the organization; `lock` takes a row lock. */
    async find(db: DbOrTx, orgId: string, id: string, lock = false): Promise<CategoryRow | undefined> {
      const q = db
        .select()
        .from(categories)
        .where(and(eq(categories.id, id), eq(categories.orgId, orgId)))
      const [row] = lock ? await q.for('update') : await q
      return row
    },

    /** Inserts a category; undefined when the slug is taken in the organization. */
    async insert(db: DbOrTx, row: typeof categories.$inferInsert): Promise<CategoryRow | undefined> {
      const [created] = await db.insert(categories).values(row).onConflictDoNothing().returning()
      return created
    },

    /** True when another category of the organization has the slug. */
    async slugTaken(db: DbOrTx, orgId: string, slug: string, exceptId: string): Promise<boolean> {
      const rows = await db
        .select({ id: categories.id })
        .from(categories)
        .where(and(eq(categories.orgId, orgId), eq(categories.slug, slug), ne(categories.id, exceptId)))
      return rows.length > 0
    },

    /** Updates a category and the catalog entries that show it. */
    async update(db: DbOrTx, row: CategoryRow, set: { name?: string; slug?: string }): Promise<CategoryRow> {
      const [updated] = await db.update(categories).set(set).where(eq(categories.id, row.id)).returning()
      await db
        .update(catalogEntries)
        .set({ categoryName: updated!.name, categorySlug: updated!.slug })
        .where(and(eq(catalogEntries.categoryId, row.id), eq(catalogEntries.orgId, row.orgId)))
      return updated!
    },

    /** True when a course (draft) or a catalog entry of the organization uses the category. */
    async inUse(db: DbOrTx, orgId: string, id: string): Promise<boolean> {
      const drafts = await db
        .select({ id: courses.id })
        .from(courses)
        .where(and(eq(courses.orgId, orgId), eq(courses.categoryId, id)))
        .limit(1)
      if (drafts.length > 0) return true
      const listed = await db
        .select({ id: catalogEntries.courseId })
        .from(catalogEntries)
        .where(and(eq(catalogEntries.orgId, orgId), eq(catalogEntries.categoryId, id)))
        .limit(1)
      return listed.length > 0
    },

    /** Deletes a category. */
    async remove(db: DbOrTx, orgId: string, id: string): Promise<void> {
      await db.delete(categories).where(and(eq(categories.id, id), eq(categories.orgId, orgId)))
    },
  }
}
