import {
  AppError,
  newId,
  notFound,
  type Database,
  type Principal,
  type Role,
  type Tx,
} from '@learnmesh/kernel'
import type { IdentityConfig } from '../config.ts'
import { randomToken, sha256 } from '../shared/crypto.ts'
import { membershipChanged, requestEmail, webLink, type TraceMeta } from '../shared/events.ts'
import { createUsersRepository } from '../users/users.repository.ts'
import { createSessionsRepository } from '../sessions/sessions.repository.ts'
import { createOrgsRepository, type OrgRow } from './orgs.repository.ts'

const orgsRepo = createOrgsRepository()
const usersRepo = createUsersRepository()
const sessionsRepo = createSessionsRepository()

/** The organization with this slug, created when missing (the default org at first start, seeds). */
export async function ensureOrg(tx: Tx, slug: string, name: string): Promise<OrgRow> {
  const existing = await orgsRepo.findOrgBySlug(tx, slug)
  if (existing) return existing
  const created = await orgsRepo.insertOrg(tx, { id: newId('org'), slug, name })
  return created ?? (await orgsRepo.findOrgBySlug(tx, slug))!
}

/** Adds roles to a user's membership (creating it) and publishes identity.membership.changed. */
export async function joinOrg(
  tx: Tx,
  input: {
    orgId: string
    userId: string
    roles: Role[]
    changedBy: string | null
    traceparent: string | null
  },
): Promise<string[]> {
  const before = await orgsRepo.findMembership(tx, input.orgId, input.userId)
  const row = await orgsRepo.upsertMembership(tx, input.orgId, input.userId, input.roles)
  await membershipChanged(
    tx,
    {
      userId: input.userId,
      orgId: input.orgId,
      roles: row.roles,
      change: before ? 'roles_changed' : 'joined',
      changedBy: input.changedBy,
    },
    input.traceparent,
  )
  return row.roles
}

/**
 * Organizations, memberships and invitations. Authorization is checked against the database
 * (not only the token's roles, which may be up to ACCESS_TOKEN_TTL_SECONDS old): an org_admin
 * membership or the platform-admin flag. Non-members learn nothing about an organization (404).
 */
export function createOrgsService(options: {
  database: Database
  config: IdentityConfig
  wakeRelay: () => void
}) {
  const { database, config, wakeRelay } = options

  async function assertAdmin(tx: Tx, principal: Principal, orgId: string): Promise<OrgRow> {
    const org = await orgsRepo.findOrg(tx, orgId)
    if (!org) throw notFound('Organization')
    if (principal.platformAdmin) return org
    const membership = await orgsRepo.findMembership(tx, orgId, principal.userId)
    if (!membership) throw notFound('Organization')
    if (!membership.roles.includes('org_admin'))
      throw new AppError('forbidden', 'This needs the org_admin role in this organization')
    return org
  }

  /** Throws when removing `userId`'s org_admin role would leave the organization without one. */
  async function assertNotLastAdmin(tx: Tx, orgId: string, userId: string): Promise<void> {
    const admins = await orgsRepo.lockAdmins(tx, orgId)
    if (admins.length === 1 && admins[0] === userId) {
      throw new AppError('conflict', 'An organization must keep at least one org_admin')
    }
  }

  return {
    /** The caller's organizations. */
    listMine: (userId: string) => orgsRepo.listForUser(database.db, userId),

    /** Creates an organization; a verified user becomes its org_admin. */
    async create(principal: Principal, input: { slug: string; name: string }, meta: TraceMeta) {
      const org = await database.db.transaction(async (tx) => {
        const user = await usersRepo.findById(tx, principal.userId)
        if (!user) throw new AppError('invalid_token', 'Account not found')
        if (!user.emailVerifiedAt)
          throw new AppError(
            'email_not_verified',
            'Verify your email address before creating an organization',
          )
        const created = await orgsRepo.insertOrg(tx, {
          id: newId('org'),
          slug: input.slug,
          name: input.name,
          createdBy: user.id,
        })
        if (!created) throw new AppError('already_exists', 'An organization with this slug already exists')
        await joinOrg(tx, {
          orgId: created.id,
          userId: user.id,
          roles: ['org_admin'],
          changedBy: user.id,
          traceparent: meta.traceparent,
        })
        return created
      })
      wakeRelay()
      return { org, roles: ['org_admin'] }
    },

    /** A page of members (org_admin). */
    async listMembers(principal: Principal, orgId: string, page: { after?: string; limit: number }) {
      return database.db.transaction(async (tx) => {
        await assertAdmin(tx, principal, orgId)
        return orgsRepo.listMembers(tx, orgId, page)
      })
    },

    /** Replaces a member's roles (org_admin; never one's own; the last org_admin stays). */
    async changeRoles(principal: Principal, orgId: string, userId: string, roles: Role[], meta: TraceMeta) {
      if (userId === principal.userId && !principal.platformAdmin) {
        throw new AppError('forbidden', 'You cannot change your own roles')
      }
      const result = await database.db.transaction(async (tx) => {
        await assertAdmin(tx, principal, orgId)
        const membership = await orgsRepo.findMembership(tx, orgId, userId, true)
        if (!membership) throw notFound('Member')
        if (membership.roles.includes('org_admin') && !roles.includes('org_admin'))
          await assertNotLastAdmin(tx, orgId, userId)
        const row = await orgsRepo.setRoles(tx, orgId, userId, [...new Set(roles)].sort())
        await membershipChanged(
          tx,
          { userId, orgId, roles: row!.roles, change: 'roles_changed', changedBy: principal.userId },
          meta.traceparent,
        )
        return row!
      })
      wakeRelay()
      return result
    },

    /** Removes a member (org_admin, or the member leaving); ends their sessions in that organization. */
    async removeMember(principal: Principal, orgId: string, userId: string, meta: TraceMeta) {
      await database.db.transaction(async (tx) => {
        if (userId !== principal.userId) await assertAdmin(tx, principal, orgId)
        const membership = await orgsRepo.findMembership(tx, orgId, userId, true)
        if (!membership) throw notFound('Member')
        if (membership.roles.includes('org_admin')) await assertNotLastAdmin(tx, orgId, userId)
        await orgsRepo.deleteMembership(tx, orgId, userId)
        await sessionsRepo.revokeAllForUserInOrg(tx, userId, orgId, 'membership_removed')
        await membershipChanged(
          tx,
          { userId, orgId, roles: [], change: 'removed', changedBy: principal.userId },
          meta.traceparent,
        )
      })
      wakeRelay()
    },

    /** Invites an email address with roles (org_admin); the link goes out through the outbox. */
    async invite(
      principal: Principal,
      orgId: string,
      input: { email: string; roles: Role[] },
      meta: TraceMeta,
    ) {
      const email = input.email.toLowerCase()
      const invitation = await database.db.transaction(async (tx) => {
        const org = await assertAdmin(tx, principal, orgId)
        const existing = await usersRepo.findByEmail(tx, email)
        if (existing && (await orgsRepo.findMembership(tx, orgId, existing.id))) {
          throw new AppError('already_exists', 'This person is already a member')
        }
        const inviter = await usersRepo.findById(tx, principal.userId)
        const token = randomToken(32)
        const expiresAt = new Date(Date.now() + config.INVITATION_TTL_DAYS * 86_400_000)
        const row = await orgsRepo.insertInvitation(tx, {
          id: newId('inv'),
          orgId,
          email,
          roles: [...new Set(input.roles)].sort(),
          tokenHash: sha256(token),
          invitedBy: principal.userId,
          expiresAt,
        })
        await requestEmail(
          tx,
          {
            template: 'invitation',
            to: email,
            userId: existing?.id ?? null,
            orgId,
            link: webLink(config.PUBLIC_URL, '/accept-invitation', token),
            expiresAt,
            data: {
              orgName: org.name,
              orgId,
              invitedBy: inviter?.displayName ?? '',
              roles: row.roles.join(','),
            },
          },
          meta.traceparent,
        )
        return row
      })
      wakeRelay()
      return invitation
    },

    /** Pending invitations (org_admin). */
    async listInvitations(principal: Principal, orgId: string) {
      return database.db.transaction(async (tx) => {
        await assertAdmin(tx, principal, orgId)
        return orgsRepo.listPendingInvitations(tx, orgId)
      })
    },

    /** Revokes a pending invitation (org_admin). */
    async revokeInvitation(principal: Principal, orgId: string, id: string) {
      await database.db.transaction(async (tx) => {
        await assertAdmin(tx, principal, orgId)
        if (!(await orgsRepo.revokeInvitation(tx, orgId, id))) throw notFound('Invitation')
      })
    },

    /** Accepts an invitation for the signed-in user, whose email must be the invited one. */
    async accept(principal: Principal, token: string, meta: TraceMeta) {
      const result = await database.db.transaction(async (tx) => {
        const user = await usersRepo.findById(tx, principal.userId)
        if (!user) throw new AppError('invalid_token', 'Account not found')
        return acceptInvitationTx(tx, {
          token,
          userId: user.id,
          email: user.email,
          traceparent: meta.traceparent,
        })
      })
      wakeRelay()
      return result
    },
  }
}

/**
 * Accepts an invitation inside a transaction: checks it is pending, unexpired and addressed to
 * `email`, adds the roles and marks it accepted. Shared by registration and POST /invitations/accept.
 */
export async function acceptInvitationTx(
  tx: Tx,
  input: { token: string; userId: string; email: string; traceparent: string | null },
) {
  const invitation = await orgsRepo.findInvitationByHash(tx, sha256(input.token), true)
  if (
    !invitation ||
    invitation.acceptedAt ||
    invitation.revokedAt ||
    invitation.expiresAt.getTime() <= Date.now()
  ) {
    throw new AppError('gone', 'This invitation is no longer valid')
  }
  if (invitation.email !== input.email.toLowerCase()) {
    throw new AppError('forbidden', 'This invitation was sent to another email address')
  }
  if (!(await orgsRepo.markAccepted(tx, invitation.id, input.userId)))
    throw new AppError('gone', 'This invitation is no longer valid')
  const roles = await joinOrg(tx, {
    orgId: invitation.orgId,
    userId: input.userId,
    roles: invitation.roles as Role[],
    changedBy: invitation.invitedBy,
    traceparent: input.traceparent,
  })
  return { orgId: invitation.orgId, roles }
}

/** The organizations service type. */
export type OrgsService = ReturnType<typeof createOrgsService>
