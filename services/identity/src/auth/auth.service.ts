import { AppError, newId, type Database, type Tx } from '@learnmesh/kernel'
import type { IdentityConfig } from '../config.ts'
import type { FullTokenService } from '../sessions/sessions.service.ts'
import type { TokenPair } from '../deps.ts'
import { randomToken, sha256 } from '../shared/crypto.ts'
import { requestEmail, userVerified, webLink, type TraceMeta } from '../shared/events.ts'
import { assertPasswordAcceptable, type PasswordHasher } from '../shared/passwords.ts'
import { createUsersRepository, type UserRow } from '../users/users.repository.ts'
import { createUserTx } from '../users/users.service.ts'
import { createOrgsRepository } from '../orgs/orgs.repository.ts'
import { acceptInvitationTx, ensureOrg } from '../orgs/orgs.service.ts'
import { createSessionsRepository } from '../sessions/sessions.repository.ts'
import type { TotpService } from '../totp/totp.service.ts'
import { createTotpRepository } from '../totp/totp.repository.ts'
import { createEmailTokensRepository } from './email-tokens.repository.ts'
import type { EmailThrottle, LoginLimiter } from './limits.ts'

/** Where a request comes from (for limits and the session list) and its trace context (for events). */
export interface ClientMeta extends TraceMeta {
  ip: string
  userAgent: string | null
}

/**
 * Registration, password sign-in (with the TOTP second step), email verification and password
 * reset. Tokens sent by email are 32 random bytes stored as SHA-256, single use and expiring; the
 * email itself is requested through the outbox in the transaction that creates the token.
 */
export function createAuthService(options: {
  database: Database
  config: IdentityConfig
  passwords: PasswordHasher
  tokens: FullTokenService
  limiter: LoginLimiter
  emailThrottle: EmailThrottle
  totp: TotpService
  wakeRelay: () => void
}) {
  const { database, config, passwords, tokens, limiter, emailThrottle, totp, wakeRelay } = options
  const usersRepo = createUsersRepository()
  const orgsRepo = createOrgsRepository()
  const sessionsRepo = createSessionsRepository()
  const emailTokens = createEmailTokensRepository()
  const totpRepo = createTotpRepository()

  async function sendVerification(tx: Tx, user: UserRow, traceparent: string | null): Promise<void> {
    const wait = await emailThrottle.take(tx, user.id, 'verify_email')
    if (wait !== null)
      throw new AppError(
        'rate_limited',
        'A verification email was sent to you moments ago: check your inbox (and spam folder), or ask again later',
        { retryAfter: wait },
      )
    const token = randomToken(32)
    const expiresAt = new Date(Date.now() + config.EMAIL_TOKEN_TTL_MINUTES * 60_000)
    await emailTokens.replace(tx, {
      id: newId('etk'),
      userId: user.id,
      purpose: 'verify_email',
      tokenHash: sha256(token),
      expiresAt,
    })
    await requestEmail(
      tx,
      {
        template: 'verify_email',
        to: user.email,
        userId: user.id,
        orgId: user.defaultOrgId,
        link: webLink(config.PUBLIC_URL, '/verify-email', token),
        expiresAt,
        data: { displayName: user.displayName },
      },
      traceparent,
    )
  }

  /** The organization a sign-in lands in: the default one if still a member, else any membership. */
  async function landingOrg(user: UserRow): Promise<string> {
    if (await orgsRepo.findMembership(database.db, user.defaultOrgId, user.id)) return user.defaultOrgId
    const [first] = await orgsRepo.listForUser(database.db, user.id)
    if (!first) throw new AppError('forbidden', 'This account does not belong to any organization')
    return first.org.id
  }

  return {
    /**
     * Creates an account and signs it in. Without an invitation the user joins the default
     * organization as a learner and gets a verification email; with one, they join the inviting
     * organization with the invited roles and their email counts as verified (the link reached it).
     */
    async register(
      input: { email: string; password: string; displayName: string; invitationToken?: string },
      meta: ClientMeta,
    ): Promise<{ user: UserRow; tokens: TokenPair }> {
      const email = input.email.trim().toLowerCase()
      const normalized = assertPasswordAcceptable(input.password)
      const passwordHash = await passwords.hash(normalized)
      const result = await database.db.transaction(async (tx) => {
        let user: UserRow
        let orgId: string
        if (input.invitationToken) {
          const invitation = await orgsRepo.findInvitationByHash(tx, sha256(input.invitationToken))
          if (
            !invitation ||
            invitation.acceptedAt ||
            invitation.revokedAt ||
            invitation.expiresAt.getTime() <= Date.now()
          ) {
            throw new AppError('gone', 'This invitation is no longer valid')
          }
          if (invitation.email !== email)
            throw new AppError('forbidden', 'This invitation was sent to another email address')
          orgId = invitation.orgId
          user = await createUserTx(tx, {
            email,
            displayName: input.displayName.trim(),
            passwordHash,
            verified: true,
            orgId,
            roles: null,
            via: 'invitation',
            traceparent: meta.traceparent,
          })
          await acceptInvitationTx(tx, {
            token: input.invitationToken,
            userId: user.id,
            email,
            traceparent: meta.traceparent,
          })
        } else {
          const org = await ensureOrg(tx, config.DEFAULT_ORG_SLUG, config.DEFAULT_ORG_NAME)
          orgId = org.id
          user = await createUserTx(tx, {
            email,
            displayName: input.displayName.trim(),
            passwordHash,
            verified: false,
            orgId,
            roles: ['learner'],
            via: 'password',
            traceparent: meta.traceparent,
          })
          await sendVerification(tx, user, meta.traceparent)
        }
        const pair = await tokens.issueTokenPair(
          { userId: user.id, orgId, method: 'password', ip: meta.ip, userAgent: meta.userAgent },
          tx,
        )
        return { user, tokens: pair }
      })
      wakeRelay()
      return result
    },

    /**
     * Password sign-in. Unknown accounts cost the same argon2 work as known ones. Users with 2FA get
     * a 401 `mfa_required` carrying an `mfaToken` for POST /auth/login/mfa.
     */
    async login(input: { email: string; password: string }, meta: ClientMeta): Promise<TokenPair> {
      const email = input.email.trim().toLowerCase()
      const user = await usersRepo.findByEmail(database.db, email)
      const subject = { userId: user?.id ?? null, email, ip: meta.ip }
      await limiter.assertAllowed(subject)
      let ok = false
      if (user?.passwordHash) ok = await passwords.verify(user.passwordHash, input.password)
      else await passwords.verifyDummy(input.password)
      if (!user || !ok || user.status !== 'active') {
        await limiter.recordFailure(subject)
        throw new AppError('invalid_credentials', 'Email or password is not correct')
      }
      const orgId = await landingOrg(user)
      if (user.totpEnabledAt) {
        const mfaToken = randomToken(32)
        await totpRepo.insertChallenge(database.db, {
          id: newId('mfa'),
          tokenHash: sha256(mfaToken),
          userId: user.id,
          orgId,
          method: 'password',
          expiresAt: new Date(Date.now() + config.MFA_CHALLENGE_TTL_SECONDS * 1000),
        })
        throw new AppError('mfa_required', 'Enter the code from your authenticator app or a recovery code', {
          mfaToken,
          expiresIn: config.MFA_CHALLENGE_TTL_SECONDS,
        })
      }
      await limiter.recordSuccess(subject)
      return tokens.issueTokenPair({
        userId: user.id,
        orgId,
        method: 'password',
        ip: meta.ip,
        userAgent: meta.userAgent,
      })
    },

    /** Finishes a 2FA sign-in with a TOTP code or a recovery code. Wrong codes count towards the limits. */
    async loginMfa(
      input: { mfaToken: string; code?: string; recoveryCode?: string },
      meta: ClientMeta,
    ): Promise<TokenPair> {
      if (!input.code === !input.recoveryCode)
        throw new AppError('validation_failed', 'Send exactly one of code or recoveryCode')
      const tokenHash = sha256(input.mfaToken)
      const peek = await totpRepo.findLiveChallenge(database.db, tokenHash, config.MFA_MAX_ATTEMPTS)
      if (!peek) throw new AppError('invalid_token', 'This sign-in step has expired; sign in again')
      const peekUser = await usersRepo.findById(database.db, peek.userId)
      if (!peekUser) throw new AppError('invalid_token', 'This sign-in step has expired; sign in again')
      const subject = { userId: peekUser.id, email: peekUser.email, ip: meta.ip }
      await limiter.assertAllowed(subject)
      const outcome = await database.db.transaction(async (tx) => {
        const challenge = await totpRepo.findLiveChallenge(tx, tokenHash, config.MFA_MAX_ATTEMPTS)
        if (!challenge) return { kind: 'expired' as const }
        const user = await usersRepo.findById(tx, challenge.userId)
        if (!user || user.status !== 'active') return { kind: 'expired' as const }
        if (!(await totp.checkSecondFactor(tx, user, input))) {
          await totpRepo.addAttempt(tx, challenge.id)
          return { kind: 'wrong' as const }
        }
        if (!(await totpRepo.useChallenge(tx, challenge.id))) return { kind: 'expired' as const }
        return { kind: 'ok' as const, challenge }
      })
      if (outcome.kind === 'expired')
        throw new AppError('invalid_token', 'This sign-in step has expired; sign in again')
      if (outcome.kind === 'wrong') {
        await limiter.recordFailure(subject)
        throw new AppError('invalid_credentials', 'The code is not correct')
      }
      await limiter.recordSuccess(subject)
      const method = input.code ? 'password+totp' : 'password+recovery_code'
      return tokens.issueTokenPair({
        userId: outcome.challenge.userId,
        orgId: outcome.challenge.orgId,
        method,
        ip: meta.ip,
        userAgent: meta.userAgent,
      })
    },

    /** Confirms an email address with the token from the verification link. */
    async verifyEmail(token: string, meta: TraceMeta): Promise<void> {
      await database.db.transaction(async (tx) => {
        const row = await emailTokens.consume(tx, sha256(token), 'verify_email')
        if (!row) throw new AppError('gone', 'This verification link is invalid, used or expired')
        const user = await usersRepo.findById(tx, row.userId)
        if (!user) throw new AppError('gone', 'This verification link is invalid, used or expired')
        if (user.emailVerifiedAt) return
        await usersRepo.update(tx, user.id, { emailVerifiedAt: new Date() })
        await userVerified(tx, user, meta.traceparent)
      })
      wakeRelay()
    },

    /** Sends a new verification link (the previous one stops working). */
    async resendVerification(userId: string, meta: TraceMeta): Promise<void> {
      await database.db.transaction(async (tx) => {
        const user = await usersRepo.findById(tx, userId)
        if (!user) throw new AppError('invalid_token', 'Account not found')
        if (user.emailVerifiedAt) throw new AppError('conflict', 'Your email address is already verified')
        await sendVerification(tx, user, meta.traceparent)
      })
      wakeRelay()
    },

    /**
     * Starts a password reset. Answers the same way, after about the same work, whether or not
     * the email belongs to an account, so it cannot be used to discover accounts.
     */
    async forgotPassword(emailInput: string, meta: TraceMeta): Promise<void> {
      const email = emailInput.trim().toLowerCase()
      const token = randomToken(32)
      const tokenHash = sha256(token)
      const expiresAt = new Date(Date.now() + config.PASSWORD_RESET_TTL_MINUTES * 60_000)
      const user = await usersRepo.findByEmail(database.db, email)
      await database.db.transaction(async (tx) => {
        if (!user || user.status !== 'active') {
          // Same shape of work as below: a write-free round trip inside a transaction.
          await usersRepo.findById(tx, user?.id ?? 'usr_none')
          return
        }
        // Asked too often for this account: answered the same, nothing sent (the last link still works).
        if ((await emailThrottle.take(tx, user.id, 'password_reset')) !== null) return
        await emailTokens.replace(tx, {
          id: newId('etk'),
          userId: user.id,
          purpose: 'password_reset',
          tokenHash,
          expiresAt,
        })
        await requestEmail(
          tx,
          {
            template: 'password_reset',
            to: user.email,
            userId: user.id,
            orgId: null,
            link: webLink(config.PUBLIC_URL, '/reset-password', token),
            expiresAt,
            data: { displayName: user.displayName },
          },
          meta.traceparent,
        )
      })
      wakeRelay()
    },

    /** Sets a new password with a reset token; every session of the user ends. */
    async resetPassword(input: { token: string; password: string }, meta: TraceMeta): Promise<void> {
      const normalized = assertPasswordAcceptable(input.password)
      const passwordHash = await passwords.hash(normalized)
      await database.db.transaction(async (tx) => {
        const row = await emailTokens.consume(tx, sha256(input.token), 'password_reset')
        if (!row) throw new AppError('gone', 'This reset link is invalid, used or expired')
        const user = await usersRepo.findById(tx, row.userId)
        if (!user) throw new AppError('gone', 'This reset link is invalid, used or expired')
        const now = new Date()
        // The link reached the inbox, which proves the address as well.
        await usersRepo.update(tx, user.id, {
          passwordHash,
          passwordChangedAt: now,
          emailVerifiedAt: user.emailVerifiedAt ?? now,
        })
        if (!user.emailVerifiedAt) await userVerified(tx, user, meta.traceparent)
        await sessionsRepo.revokeAllForUser(tx, user.id, 'password_reset')
        await requestEmail(
          tx,
          {
            template: 'password_changed',
            to: user.email,
            userId: user.id,
            orgId: null,
            link: null,
            expiresAt: null,
          },
          meta.traceparent,
        )
      })
      wakeRelay()
    },
  }
}

/** The auth service type. */
export type AuthService = ReturnType<typeof createAuthService>
