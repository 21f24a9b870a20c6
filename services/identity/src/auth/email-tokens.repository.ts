import { and, eq, gt, isNull } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { emailTokens } from '../db/schema.ts'

/** What an email token is for. */
export type EmailTokenPurpose = 'verify_email' | 'password_reset'
/** An email_tokens row. */
export type EmailTokenRow = typeof emailTokens.$inferSelect

/** Data access for single-use, hashed email tokens. */
export function createEmailTokensRepository() {
  return {
    /** Stores a new token and voids the user's earlier unused ones of the same purpose (only the latest link works). */
    async replace(
      db: DbOrTx,
      row: { id: string; userId: string; purpose: EmailTokenPurpose; tokenHash: string; expiresAt: Date },
    ): Promise<void> {
      await db
        .update(emailTokens)
        .set({ usedAt: new Date() })
        .where(
          and(
            eq(emailTokens.userId, row.userId),
            eq(emailTokens.purpose, row.purpose),
            isNull(emailTokens.usedAt),
          ),
        )
      await db.insert(emailTokens).values(row)
    },
    /**
     * Consumes a live token of this purpose: marks it used and returns it, or undefined when it is
     * unknown, used or expired. Single statement, so it cannot be consumed twice.
     */
    async consume(
      db: DbOrTx,
      tokenHash: string,
      purpose: EmailTokenPurpose,
    ): Promise<EmailTokenRow | undefined> {
      const [row] = await db
        .update(emailTokens)
        .set({ usedAt: new Date() })
        .where(
          and(
            eq(emailTokens.tokenHash, tokenHash),
            eq(emailTokens.purpose, purpose),
            isNull(emailTokens.usedAt),
            gt(emailTokens.expiresAt, new Date()),
          ),
        )
        .returning()
      return row
    },
  }
}

/** The email tokens repository type. */
export type EmailTokensRepository = ReturnType<typeof createEmailTokensRepository>
