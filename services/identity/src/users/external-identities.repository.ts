import { and, eq } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { externalIdentities } from '../db/schema.ts'

/** An external_identities row. */
export type ExternalIdentityRow = typeof externalIdentities.$inferSelect

/** Data access for accounts at external OpenID Connect providers. */
export function createExternalIdentitiesRepository() {
  return {
    /** The link for (provider, subject). */
    async find(db: DbOrTx, provider: string, subject: string): Promise<ExternalIdentityRow | undefined> {
      const [row] = await db
        .select()
        .from(externalIdentities)
        .where(and(eq(externalIdentities.provider, provider), eq(externalIdentities.subject, subject)))
        .limit(1)
      return row
    },
    /** Links (provider, subject) to a user; a concurrent identical link is ignored. */
    async insert(db: DbOrTx, row: typeof externalIdentities.$inferInsert): Promise<void> {
      await db.insert(externalIdentities).values(row).onConflictDoNothing()
    },
  }
}
