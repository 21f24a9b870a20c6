import {
  AppError,
  newId,
  type Database,
  type DbOrTx,
  type Role,
  roles as knownRoles,
} from '@learnmesh/kernel'
import type { IdentityConfig } from '../config.ts'
import type {
  ExternalIdentityInput,
  ExternalSignInResult,
  IdentityDeps,
  IssueTokenInput,
  KeyStore,
  SignInWithExternalIdentity,
  TokenPair,
  TokenService,
} from '../deps.ts'
import { randomToken, sha256 } from '../shared/crypto.ts'
import { createUsersRepository, type UserRow } from '../users/users.repository.ts'
import { createExternalIdentitiesRepository } from '../users/external-identities.repository.ts'
import { presentUser } from '../users/users.presenter.ts'
import { createUserTx } from '../users/users.service.ts'
import { ensureOrg } from '../orgs/orgs.service.ts'
import { userVerified } from '../shared/events.ts'
import { createOrgsRepository } from '../orgs/orgs.repository.ts'
import { createSessionsRepository, type SessionRow } from './sessions.repository.ts'

/** Only known roles ever reach a token. */
export function toRoles(values: string[]): Role[] {
  return values.filter((r): r is Role => (knownRoles as readonly string[]).includes(r))
}

/**
 * Sessions and tokens. A session is one refresh-token family: each refresh token is 32 random
 * bytes (base64url), stored as its SHA-256, used once and replaced by the next. Presenting a used
 * one again means two parties hold the family (theft or a replay), so the whole session is revoked
 * and even the token that replaced it stops working. One exception, the reuse grace
 * (REFRESH_REUSE_GRACE_SECONDS, 0 disables it): the token whose rotation is the session's latest,
 * presented again within the grace, gets a new pair for the same session (the client most likely
 * lost the answer to a reload or another tab) and the successor it never received is superseded,
 * so the session still has one live refresh token; presenting that successor later is a reuse.
 * Sessions expire REFRESH_TOKEN_TTL_DAYS after their last refresh.
 */
export function createTokenService(options: {
  database: Database
  config: IdentityConfig
  keys: KeyStore
}): TokenService & {
  /** Revokes a user's session (their own only); false when it is not a live session of theirs. */
  revokeSession(userId: string, sessionId: string, reason: string): Promise<boolean>
  /** Revokes the session a refresh token belongs to (logout without an access token). */
  revokeByRefreshToken(refreshToken: string): Promise<boolean>
  /** A user's live sessions. */
  listSessions(userId: string): Promise<SessionRow[]>
  /** True when the session exists, belongs to the user, is not revoked and has not expired. */
  isLive(sessionId: string, userId: string): Promise<boolean>
  /** Moves a live session to another organization the user belongs to and issues a new pair. */
  switchOrg(input: {
    userId: string
    sessionId: string
    orgId: string
    ip: string | null
    userAgent: string | null
  }): Promise<TokenPair>
} {
  const { database, config, keys } = options
  const sessionsRepo = createSessionsRepository()
  const usersRepo = createUsersRepository()
  const orgsRepo = createOrgsRepository()
  const ttlMs = config.REFRESH_TOKEN_TTL_DAYS * 86_400_000
  const graceMs = config.REFRESH_REUSE_GRACE_SECONDS * 1000

  /**
   * A used token presented again is a benign replay, not theft, when reuse grace is on, it was used
   * less than REFRESH_REUSE_GRACE_SECONDS ago, and its rotation is still the session's last one
   * (`usedAt` equals the session's `lastUsedAt`, both stamped with the same instant): nobody has
   * refreshed with its successor or switched organization since.
   */
  function isGraceReuse(usedAt: Date, lastUsedAt: Date, now: Date): boolean {
    const age = now.getTime() - usedAt.getTime()
    return graceMs > 0 && usedAt.getTime() === lastUsedAt.getTime() && age >= 0 && age < graceMs
  }

  /** Loads what the access token says about the user in the org; throws when they may not have one. */
  async function claimsFor(db: DbOrTx, userId: string, orgId: string) {
    const user = await usersRepo.findById(db, userId)
    if (!user || user.status !== 'active')
      throw new AppError('invalid_credentials', 'This account cannot sign in')
    const membership = await orgsRepo.findMembership(db, orgId, userId)
    if (!membership) throw new AppError('forbidden', 'You are not a member of this organization')
    return { roles: toRoles(membership.roles), padm: user.platformAdmin }
  }

  async function newRefreshToken(db: DbOrTx, sessionId: string): Promise<string> {
    const token = randomToken(32)
    await sessionsRepo.insertRefreshToken(db, { id: newId('rtk'), sessionId, tokenHash: sha256(token) })
    return token
  }

  async function sign(
    userId: string,
    orgId: string,
    sessionId: string,
    c: { roles: Role[]; padm: boolean },
    refreshToken: string,
    db?: DbOrTx,
  ): Promise<TokenPair> {
    const { token, expiresIn } = await keys.signAccessToken(
      { sub: userId, org: orgId, roles: c.roles, padm: c.padm, sid: sessionId },
      db,
    )
    return { accessToken: token, refreshToken, expiresIn, tokenType: 'Bearer', sessionId }
  }

  async function open(db: DbOrTx, input: IssueTokenInput) {
    const c = await claimsFor(db, input.userId, input.orgId)
    const session = await sessionsRepo.insertSession(db, {
      id: newId('ses'),
      userId: input.userId,
      orgId: input.orgId,
      method: input.method,
      ip: input.ip,
      userAgent: input.userAgent?.slice(0, 512) ?? null,
      expiresAt: new Date(Date.now() + ttlMs),
    })
    const refreshToken = await newRefreshToken(db, session.id)
    return { c, session, refreshToken }
  }

  return {
    async issueTokenPair(input, tx) {
      const { c, session, refreshToken } = tx
        ? await open(tx, input)
        : await database.db.transaction((t) => open(t, input))
      return sign(input.userId, input.orgId, session.id, c, refreshToken, tx)
    },

    async refresh(refreshToken, meta) {
      const tokenHash = sha256(refreshToken)
      const outcome = await database.db.transaction(async (tx) => {
        const found = await sessionsRepo.findRefreshToken(tx, tokenHash)
        if (!found) return { kind: 'invalid' as const }
        // The session row lock serialises every refresh of the family; the token is read again under
        // it, so a concurrent refresh with the same token sees the first one's outcome.
        const session = await sessionsRepo.findSession(tx, found.sessionId, true)
        if (!session || session.revokedAt || session.expiresAt.getTime() <= Date.now())
          return { kind: 'invalid' as const }
        const row = await sessionsRepo.findRefreshToken(tx, tokenHash)
        // Gone meanwhile: an org switch dropped it (unknown, not reused).
        if (!row || row.sessionId !== session.id) return { kind: 'invalid' as const }
        const now = new Date()
        const withinGrace = !!row.usedAt && isGraceReuse(row.usedAt, session.lastUsedAt, now)
        if (!withinGrace && (row.usedAt || !(await sessionsRepo.claimRefreshToken(tx, row.id, now)))) {
          await sessionsRepo.revoke(tx, session.id, 'refresh_token_reused')
          return { kind: 'reused' as const }
        }
        let c: { roles: Role[]; padm: boolean }
        try {
          c = await claimsFor(tx, session.userId, session.orgId)
        } catch {
          await sessionsRepo.revoke(tx, session.id, 'membership_ended')
          return { kind: 'invalid' as const }
        }
        // Grace: the successor issued for this token was never received (a reload or a second tab
        // raced the refresh). It stops working before its replacement exists, so the session keeps
        // a single live refresh token; lastUsedAt stays the time of the rotation being replayed.
        if (withinGrace) await sessionsRepo.supersedeUnusedTokens(tx, session.id)
        const next = await newRefreshToken(tx, session.id)
        await sessionsRepo.updateSession(tx, session.id, {
          ...(withinGrace ? {} : { lastUsedAt: now }),
          expiresAt: new Date(now.getTime() + ttlMs),
          ip: meta.ip,
          userAgent: meta.userAgent?.slice(0, 512) ?? session.userAgent,
        })
        return { kind: 'ok' as const, session, c, next }
      })
      if (outcome.kind === 'reused') {
        throw new AppError(
          'token_reused',
          'This refresh token was already used; the session has been ended for safety',
        )
      }
      if (outcome.kind === 'invalid') throw new AppError('invalid_token', 'Refresh token is not valid')
      return sign(outcome.session.userId, outcome.session.orgId, outcome.session.id, outcome.c, outcome.next)
    },

    async revokeSession(userId, sessionId, reason) {
      return sessionsRepo.revoke(database.db, sessionId, reason, userId)
    },

    async revokeByRefreshToken(refreshToken) {
      const row = await sessionsRepo.findRefreshToken(database.db, sha256(refreshToken))
      if (!row) return false
      return sessionsRepo.revoke(database.db, row.sessionId, 'logout')
    },

    listSessions: (userId) => sessionsRepo.listActive(database.db, userId),

    async isLive(sessionId, userId) {
      const s = await sessionsRepo.findSession(database.db, sessionId)
      return !!s && s.userId === userId && !s.revokedAt && s.expiresAt.getTime() > Date.now()
    },

    async switchOrg(input) {
      const { c, refreshToken } = await database.db.transaction(async (tx) => {
        const session = await sessionsRepo.findSession(tx, input.sessionId, true)
        if (!session || session.userId !== input.userId || session.revokedAt)
          throw new AppError('invalid_token', 'Session has ended')
        const membership = await orgsRepo.findMembership(tx, input.orgId, input.userId)
        if (!membership) throw new AppError('not_found', 'Organization not found')
        const claims = await claimsFor(tx, input.userId, input.orgId)
        // The tokens issued for the previous organization stop being refreshable.
        await sessionsRepo.dropUnusedTokens(tx, session.id)
        await sessionsRepo.updateSession(tx, session.id, {
          orgId: input.orgId,
          lastUsedAt: new Date(),
          ip: input.ip,
        })
        return { c: claims, refreshToken: await newRefreshToken(tx, session.id) }
      })
      return sign(input.userId, input.orgId, input.sessionId, c, refreshToken)
    },
  }
}

/** The full token service type (TokenService plus session management). */
export type FullTokenService = ReturnType<typeof createTokenService>

/**
 * Builds `signInWithExternalIdentity` (what the OIDC routes call after a verified callback; also on
 * `IdentityDeps.signInWithExternalIdentity`). In one transaction it:
 * 1. finds the user linked to (provider, subject);
 * 2. else links the user with the same email, only when the provider says the email is verified
 *    (an unverified local account found this way loses its password and sessions: whoever set
 *    them never proved the address, the classic account pre-hijacking);
 * 3. else creates a user (verified when the provider says so, no password, learner in the default
 *    organization) and publishes identity.user.registered with via 'oidc';
 * then opens a session with method `oidc:<provider>` and returns its tokens.
 */
export function createExternalSignIn(options: {
  database: Database
  config: IdentityConfig
  tokens: TokenService
  wakeRelay: () => void
}): SignInWithExternalIdentity {
  const { database, config, tokens, wakeRelay } = options
  const usersRepo = createUsersRepository()
  const orgsRepo = createOrgsRepository()
  const sessionsRepo = createSessionsRepository()
  const links = createExternalIdentitiesRepository()
  return async (input: ExternalIdentityInput): Promise<ExternalSignInResult> => {
    const result = await database.db.transaction(async (tx) => {
      let created = false
      let user: UserRow | undefined
      const link = await links.find(tx, input.provider, input.subject)
      if (link) user = await usersRepo.findById(tx, link.userId)
      if (!user) {
        const email = input.email?.trim().toLowerCase() || null
        const existing = email ? await usersRepo.findByEmail(tx, email) : undefined
        if (existing) {
          if (!input.emailVerified) {
            throw new AppError(
              'conflict',
              'An account with this email already exists; sign in with your password first',
            )
          }
          user = existing
          if (!existing.emailVerifiedAt) {
            user = (await usersRepo.update(tx, existing.id, {
              emailVerifiedAt: new Date(),
              passwordHash: null,
            }))!
            await sessionsRepo.revokeAllForUser(tx, existing.id, 'account_claimed_by_verified_email')
            await userVerified(tx, user, input.traceparent)
          }
        } else {
          if (!email) throw new AppError('bad_request', 'The provider did not share an email address')
          const org = await ensureOrg(tx, config.DEFAULT_ORG_SLUG, config.DEFAULT_ORG_NAME)
          user = await createUserTx(tx, {
            email,
            displayName: (input.displayName?.trim() || email.split('@')[0] || 'learner').slice(0, 100),
            passwordHash: null,
            verified: input.emailVerified,
            orgId: org.id,
            roles: ['learner'],
            via: 'oidc',
            traceparent: input.traceparent,
          })
          created = true
        }
        await links.insert(tx, { provider: input.provider, subject: input.subject, userId: user.id, email })
      }
      if (user.status !== 'active') throw new AppError('forbidden', 'This account cannot sign in')
      let orgId = user.defaultOrgId
      if (!(await orgsRepo.findMembership(tx, orgId, user.id))) {
        const [first] = await orgsRepo.listForUser(tx, user.id)
        if (!first) throw new AppError('forbidden', 'This account does not belong to any organization')
        orgId = first.org.id
      }
      const pair = await tokens.issueTokenPair(
        {
          userId: user.id,
          orgId,
          method: `oidc:${input.provider}`,
          ip: input.ip,
          userAgent: input.userAgent,
        },
        tx,
      )
      return { user, pair, created }
    })
    wakeRelay()
    return {
      accessToken: result.pair.accessToken,
      refreshToken: result.pair.refreshToken,
      expiresIn: result.pair.expiresIn,
      user: presentUser(result.user),
      created: result.created,
    }
  }
}

/**
 * Signs a user in from an external identity, given identity's deps (database, config, tokens).
 * Convenience wrapper over `createExternalSignIn` for callers holding an `IdentityDeps`.
 */
export function signInWithExternalIdentity(
  deps: Pick<IdentityDeps, 'database' | 'config' | 'tokens' | 'wakeRelay'>,
  input: ExternalIdentityInput,
): Promise<ExternalSignInResult> {
  return createExternalSignIn(deps)(input)
}
