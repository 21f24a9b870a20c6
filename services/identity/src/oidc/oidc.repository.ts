import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { oidcLogins } from '../db/schema.ts'

/** An OIDC sign-in in flight, as stored. */
export type OidcLoginRow = typeof oidcLogins.$inferSelect

/** What starting a sign-in stores. */
export interface NewOidcLogin {
  stateHash: string
  provider: string
  codeVerifier: string
  nonce: string
  returnTo: string
  expiresAt: Date
}

/** Outcome of claiming a `state` at the callback. */
export type ClaimedState =
  { status: 'claimed'; login: OidcLoginRow } | { status: 'unknown' } | { status: 'used' }

/** Drizzle access to identity.oidc_logins; every one-time step is a single conditional UPDATE. */
export function createOidcRepository(db: DbOrTx) {
  return {
    /** Stores a started sign-in. */
    async insert(login: NewOidcLogin): Promise<void> {
      await db.insert(oidcLogins).values(login)
    },

    /**
     * Marks the sign-in of `stateHash` at `provider` as called back, atomically: of two concurrent
     * callbacks with the same state exactly one gets `claimed`. Expiry is the caller's check.
     */
    async claimState(stateHash: string, provider: string, now: Date): Promise<ClaimedState> {
      const [login] = await db
        .update(oidcLogins)
        .set({ callbackAt: now })
        .where(
          and(
            eq(oidcLogins.stateHash, stateHash),
            eq(oidcLogins.provider, provider),
            isNull(oidcLogins.callbackAt),
          ),
        )
        .returning()
      if (login) return { status: 'claimed', login }
      const [existing] = await db
        .select({ callbackAt: oidcLogins.callbackAt })
        .from(oidcLogins)
        .where(and(eq(oidcLogins.stateHash, stateHash), eq(oidcLogins.provider, provider)))
      return existing ? { status: 'used' } : { status: 'unknown' }
    },

    /** Records who signed in and the hashed login code; the row's expiry becomes the code's. */
    async attachLoginCode(
      stateHash: string,
      input: { userId: string; loginCodeHash: string; expiresAt: Date },
    ): Promise<void> {
      await db
        .update(oidcLogins)
        .set({ userId: input.userId, loginCodeHash: input.loginCodeHash, expiresAt: input.expiresAt })
        .where(eq(oidcLogins.stateHash, stateHash))
    },

    /** Uses a login code once: returns the row when the code exists, is unused and unexpired. */
    async useLoginCode(loginCodeHash: string, now: Date): Promise<OidcLoginRow | undefined> {
      const [login] = await db
        .update(oidcLogins)
        .set({ loginCodeUsedAt: now })
        .where(
          and(
            eq(oidcLogins.loginCodeHash, loginCodeHash),
            isNull(oidcLogins.loginCodeUsedAt),
            gt(oidcLogins.expiresAt, now),
          ),
        )
        .returning()
      return login
    },

    /** Deletes sign-ins that expired before `before` (they can no longer be used for anything). */
    async purgeExpired(before: Date): Promise<number> {
      const rows = await db
        .delete(oidcLogins)
        .where(lt(oidcLogins.expiresAt, before))
        .returning({ one: sql<number>`1` })
      return rows.length
    },
  }
}

/** The repository's type. */
export type OidcRepository = ReturnType<typeof createOidcRepository>
