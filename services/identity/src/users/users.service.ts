import { identityUserRegistered } from '@learnmesh/contracts'
import { AppError, newId, writeEvent, type Database, type Role, type Tx } from '@learnmesh/kernel'
import { outbox } from '../db/schema.ts'
import type { TokenService } from '../deps.ts'
import { assertPasswordAcceptable, type PasswordHasher } from '../shared/passwords.ts'
import { requestEmail, userVerified, type TraceMeta } from '../shared/events.ts'
import { createSessionsRepository } from '../sessions/sessions.repository.ts'
import { joinOrg } from '../orgs/orgs.service.ts'
import { createUsersRepository, type UserRow } from './users.repository.ts'
import type { LoginLimiter } from '../auth/limits.ts'

const usersRepo = createUsersRepository()
const sessionsRepo = createSessionsRepository()

/** What a new account is made of. */
export interface NewUserInput {
  email: string
  displayName: string
  /** argon2id hash, or null for accounts that sign in only through OIDC. */
  passwordHash: string | null
  verified: boolean
  platformAdmin?: boolean
  /** The organization to join and land in. */
  orgId: string
  /** Roles there; omitted when an invitation grants them instead. */
  roles: Role[] | null
  via: 'password' | 'oidc' | 'invitation' | 'seed'
  /** W3C traceparent of the request creating the account (null for seeds); carried by its events. */
  traceparent: string | null
}

/**
 * Creates a user (and membership) in the caller's transaction and publishes
 * identity.user.registered. Throws 409 `already_exists` when the email is taken.
 */
export async function createUserTx(tx: Tx, input: NewUserInput): Promise<UserRow> {
  const now = new Date()
  const user = await usersRepo.insert(tx, {
    id: newId('usr'),
    email: input.email.toLowerCase(),
    displayName: input.displayName,
    passwordHash: input.passwordHash,
    emailVerifiedAt: input.verified ? now : null,
    platformAdmin: input.platformAdmin ?? false,
    defaultOrgId: input.orgId,
    passwordChangedAt: input.passwordHash ? now : null,
  })
  if (!user) throw new AppError('already_exists', 'An account with this email already exists')
  if (input.roles)
    await joinOrg(tx, {
      orgId: input.orgId,
      userId: user.id,
      roles: input.roles,
      changedBy: null,
      traceparent: input.traceparent,
    })
  await writeEvent(tx, outbox, identityUserRegistered, {
    aggregateId: user.id,
    orgId: input.orgId,
    traceparent: input.traceparent,
    payload: {
      userId: user.id,
      email: user.email,
      displayName: user.displayName,
      orgId: input.orgId,
      via: input.via,
    },
  })
  if (input.verified) await userVerified(tx, user, input.traceparent)
  return user
}

/** The signed-in user's own account: profile, password, and the platform-admin user list. */
export function createUsersService(options: {
  database: Database
  passwords: PasswordHasher
  limiter: LoginLimiter
  tokens: TokenService
  wakeRelay: () => void
}) {
  const { database, passwords, limiter, wakeRelay } = options
  return {
    /** The user, or 401 when the account is gone. */
    async get(userId: string): Promise<UserRow> {
      const user = await usersRepo.findById(database.db, userId)
      if (!user) throw new AppError('invalid_token', 'Account not found')
      return user
    },
    /** Changes the display name (the only field a user may change on themselves). */
    async update(userId: string, patch: { displayName?: string }): Promise<UserRow> {
      const user = await usersRepo.update(
        database.db,
        userId,
        patch.displayName === undefined ? {} : { displayName: patch.displayName.trim() },
      )
      if (!user) throw new AppError('invalid_token', 'Account not found')
      return user
    },
    /**
     * Changes the password after checking the current one (failures count towards the brute-force
     * limit); ends every other session and emails a notice.
     */
    async changePassword(
      input: {
        userId: string
        sessionId: string
        currentPassword: string
        newPassword: string
        ip: string
      },
      meta: TraceMeta,
    ): Promise<void> {
      const user = await usersRepo.findById(database.db, input.userId)
      if (!user) throw new AppError('invalid_token', 'Account not found')
      const subject = { userId: user.id, email: user.email, ip: input.ip }
      await limiter.assertAllowed(subject)
      if (!user.passwordHash || !(await passwords.verify(user.passwordHash, input.currentPassword))) {
        await limiter.recordFailure(subject)
        throw new AppError('invalid_credentials', 'The current password is not correct')
      }
      const normalized = assertPasswordAcceptable(input.newPassword, 'newPassword')
      const hash = await passwords.hash(normalized)
      await database.db.transaction(async (tx) => {
        await usersRepo.update(tx, user.id, { passwordHash: hash, passwordChangedAt: new Date() })
        await sessionsRepo.revokeAllForUser(tx, user.id, 'password_changed', input.sessionId)
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
    /** A page of users for platform admins. */
    async list(page: {
      after?: string
      limit: number
      email?: string
    }): Promise<{ items: UserRow[]; nextCursor: string | null }> {
      const rows = await usersRepo.page(database.db, { ...page, limit: page.limit + 1 })
      const items = rows.slice(0, page.limit)
      return { items, nextCursor: rows.length > page.limit ? items[items.length - 1]!.id : null }
    },
  }
}

/** The users service type. */
export type UsersService = ReturnType<typeof createUsersService>
