import type { CategoryRow } from './categories.repository.ts'

/** A category. */
export function presentCategory(row: CategoryRow) {
  return {
    id: row.id,
    orgId: row.orgId,
    slug: row.slug,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
  }
}
