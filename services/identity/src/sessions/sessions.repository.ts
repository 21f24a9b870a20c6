import { and, desc, eq, gt, isNull, ne } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { refreshTokens, sessions } from '../db/schema.ts'

/** A sessions row. */
export type SessionRow = typeof sessions.$inferSelect
/** A refresh_tokens row. */
export type RefreshTokenRow = typeof refreshTokens.$inferSelect

/** `used_at` of a refresh token that was replaced before its holder ever used it (see `supersedeUnusedTokens`). */
export const SUPERSEDED_AT = new Date(0)

/** Data access for sessions and their refresh tokens. */
export function createSessionsRepository() {
  return {
    /** Inserts a session. */
    async insertSession(db: DbOrTx, row: typeof sessions.$inferInsert): Promise<SessionRow> {
      const [created] = await db.insert(sessions).values(row).returning()
      return created!
    },
    /** The session with this id; `lock` locks it for the rest of the transaction. */
    async findSession(db: DbOrTx, id: string, lock = false): Promise<SessionRow | undefined> {
      const q = db.select().from(sessions).where(eq(sessions.id, id)).limit(1)
      const [row] = lock ? await q.for('update') : await q
      return row
    },
    /** A user's live sessions, most recently used first. */
    async listActive(db: DbOrTx, userId: string): Promise<SessionRow[]> {
      return db
        .select()
        .from(sessions)
        .where(
          and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date())),
        )
        .orderBy(desc(sessions.lastUsedAt))
        .limit(100)
    },
    /** Updates a session. */
    async updateSession(db: DbOrTx, id: string, patch: Partial<typeof sessions.$inferInsert>): Promise<void> {
      await db.update(sessions).set(patch).where(eq(sessions.id, id))
    },
    /** Revokes one live session of a user; true when it was live. */
    async revoke(db: DbOrTx, id: string, reason: string, userId?: string): Promise<boolean> {
      const rows = await db
        .update(sessions)
        .set({ revokedAt: new Date(), revokedReason: reason })
        .where(
          and(
            eq(sessions.id, id),
            isNull(sessions.revokedAt),
            userId ? eq(sessions.userId, userId) : undefined,
          ),
        )
        .returning({ id: sessions.id })
      return rows.length === 1
    },
    /** Revokes every live session of a user, optionally but one; returns how many. */
    async revokeAllForUser(
      db: DbOrTx,
      userId: string,
      reason: string,
      exceptSessionId?: string,
    ): Promise<number> {
      const rows = await db
        .update(sessions)
        .set({ revokedAt: new Date(), revokedReason: reason })
        .where(
          and(
            eq(sessions.userId, userId),
            isNull(sessions.revokedAt),
            exceptSessionId ? ne(sessions.id, exceptSessionId) : undefined,
          ),
        )
        .returning({ id: sessions.id })
      return rows.length
    },
    /** Revokes a user's live sessions scoped to one organization (after removal from it). */
    async revokeAllForUserInOrg(db: DbOrTx, userId: string, orgId: string, reason: string): Promise<number> {
      const rows = await db
        .update(sessions)
        .set({ revokedAt: new Date(), revokedReason: reason })
        .where(and(eq(sessions.userId, userId), eq(sessions.orgId, orgId), isNull(sessions.revokedAt)))
        .returning({ id: sessions.id })
      return rows.length
    },
    /** Stores a refresh token's hash. */
    async insertRefreshToken(db: DbOrTx, row: typeof refreshTokens.$inferInsert): Promise<void> {
      await db.insert(refreshTokens).values(row)
    },
    /** The refresh token with this hash. */
    async findRefreshToken(db: DbOrTx, tokenHash: string): Promise<RefreshTokenRow | undefined> {
      const [row] = await db
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, tokenHash))
        .limit(1)
      return row
    },
    /** Marks a refresh token used (at `at`) if it was not yet; false means someone used it first (reuse). */
    async claimRefreshToken(db: DbOrTx, id: string, at: Date = new Date()): Promise<boolean> {
      const rows = await db
        .update(refreshTokens)
        .set({ usedAt: at })
        .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt)))
        .returning({ id: refreshTokens.id })
      return rows.length === 1
    },
    /**
     * Marks the unused refresh tokens of a session as used at {@link SUPERSEDED_AT} (the epoch): they
     * were issued but never delivered, and a replacement is being issued for the token that preceded
     * them (refresh reuse within the grace). Such a token is outside every grace window, so presenting
     * it later is a reuse and revokes the family: whoever holds it raced the legitimate client.
     */
    async supersedeUnusedTokens(db: DbOrTx, sessionId: string): Promise<number> {
      const rows = await db
        .update(refreshTokens)
        .set({ usedAt: SUPERSEDED_AT })
        .where(and(eq(refreshTokens.sessionId, sessionId), isNull(refreshTokens.usedAt)))
        .returning({ id: refreshTokens.id })
      return rows.length
    },
    /**
     * Deletes the unused refresh tokens of a session (it got a new one another way, e.g. an org
     * switch): they become unknown (401) rather than "reused", so a refresh racing the switch does
     * not end the session.
     */
    async dropUnusedTokens(db: DbOrTx, sessionId: string): Promise<void> {
      await db
        .delete(refreshTokens)
        .where(and(eq(refreshTokens.sessionId, sessionId), isNull(refreshTokens.usedAt)))
    },
  }
}

/** The sessions repository type. */
export type SessionsRepository = ReturnType<typeof createSessionsRepository>
