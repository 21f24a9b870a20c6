import { desc, eq, gt, isNull, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { signingKeys } from '../db/schema.ts'

/** A signing_keys row. */
export type SigningKeyRow = typeof signingKeys.$inferSelect

/** Data access for identity.signing_keys. */
export function createKeysRepository() {
  return {
    /** Serialises key management across replicas for the rest of the transaction. */
    async lock(db: DbOrTx): Promise<void> {
      await db.execute(sql`select pg_advisory_xact_lock(hashtext('identity.signing_keys'))`)
    },
    /** The newest key that still signs. */
    async findActive(db: DbOrTx): Promise<SigningKeyRow | undefined> {
      const [row] = await db
        .select()
        .from(signingKeys)
        .where(isNull(signingKeys.retiredAt))
        .orderBy(desc(signingKeys.createdAt))
        .limit(1)
      return row
    },
    /** The key with this kid. */
    async find(db: DbOrTx, kid: string): Promise<SigningKeyRow | undefined> {
      const [row] = await db.select().from(signingKeys).where(eq(signingKeys.kid, kid)).limit(1)
      return row
    },
    /** Keys whose public half is still published: active, or retired with tokens that may not have expired. */
    async listPublished(db: DbOrTx, now: Date): Promise<SigningKeyRow[]> {
      return db
        .select()
        .from(signingKeys)
        .where(or(isNull(signingKeys.unpublishAt), gt(signingKeys.unpublishAt, now)))
        .orderBy(desc(signingKeys.createdAt))
    },
    /** Inserts a key. */
    async insert(db: DbOrTx, row: typeof signingKeys.$inferInsert): Promise<void> {
      await db.insert(signingKeys).values(row)
    },
    /** Retires every still-signing key except `keepKid`, scheduling its unpublication. */
    async retireOthers(db: DbOrTx, keepKid: string, retiredAt: Date, unpublishAt: Date): Promise<string[]> {
      const rows = await db
        .update(signingKeys)
        .set({ retiredAt, unpublishAt })
        .where(sql`${signingKeys.retiredAt} is null and ${signingKeys.kid} <> ${keepKid}`)
        .returning({ kid: signingKeys.kid })
      return rows.map((r) => r.kid)
    },
  }
}

/** The keys repository type. */
export type KeysRepository = ReturnType<typeof createKeysRepository>
