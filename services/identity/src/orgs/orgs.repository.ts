import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { invitations, memberships, organizations, users } from '../db/schema.ts'

/** An organizations row. */
export type OrgRow = typeof organizations.$inferSelect
/** A memberships row. */
export type MembershipRow = typeof memberships.$inferSelect
/** An invitations row. */
export type InvitationRow = typeof invitations.$inferSelect

/** Data access for organizations, memberships and invitations. */
export function createOrgsRepository() {
  return {
    /** The organization with this id. */
    async findOrg(db: DbOrTx, id: string): Promise<OrgRow | undefined> {
      const [row] = await db.select().from(organizations).where(eq(organizations.id, id)).limit(1)
      return row
    },
    /** The organization with this slug. */
    async findOrgBySlug(db: DbOrTx, slug: string): Promise<OrgRow | undefined> {
      const [row] = await db.select().from(organizations).where(eq(organizations.slug, slug)).limit(1)
      return row
    },
    /** Inserts an organization; undefined when the slug is taken. */
    async insertOrg(db: DbOrTx, row: typeof organizations.$inferInsert): Promise<OrgRow | undefined> {
      const [created] = await db.insert(organizations).values(row).onConflictDoNothing().returning()
      return created
    },
    /** One membership. Pass `lock` inside a transaction to lock the row. */
    async findMembership(
      db: DbOrTx,
      orgId: string,
      userId: string,
      lock = false,
    ): Promise<MembershipRow | undefined> {
      const q = db
        .select()
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
        .limit(1)
      const [row] = lock ? await q.for('update') : await q
      return row
    },
    /** Creates a membership or merges roles into an existing one; returns the resulting row. */
    async upsertMembership(
      db: DbOrTx,
      orgId: string,
      userId: string,
      roles: string[],
    ): Promise<MembershipRow> {
      const [row] = await db
        .insert(memberships)
        .values({ orgId, userId, roles })
        .onConflictDoUpdate({
          target: [memberships.orgId, memberships.userId],
          set: {
            roles: sql`(select array(select distinct unnest(${memberships.roles} || excluded.roles) order by 1))`,
            updatedAt: new Date(),
          },
        })
        .returning()
      return row!
    },
    /** Replaces a membership's roles. */
    async setRoles(
      db: DbOrTx,
      orgId: string,
      userId: string,
      roles: string[],
    ): Promise<MembershipRow | undefined> {
      const [row] = await db
        .update(memberships)
        .set({ roles, updatedAt: new Date() })
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
        .returning()
      return row
    },
    /** Deletes a membership; true when one was deleted. */
    async deleteMembership(db: DbOrTx, orgId: string, userId: string): Promise<boolean> {
      const rows = await db
        .delete(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
        .returning({ userId: memberships.userId })
      return rows.length === 1
    },
    /** Locks every org_admin membership of an organization and returns their user ids. */
    async lockAdmins(db: DbOrTx, orgId: string): Promise<string[]> {
      const rows = await db
        .select({ userId: memberships.userId })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), sql`'org_admin' = any(${memberships.roles})`))
        .for('update')
      return rows.map((r) => r.userId)
    },
    /** The organizations a user belongs to, with their roles there. */
    async listForUser(
      db: DbOrTx,
      userId: string,
    ): Promise<{ org: OrgRow; roles: string[]; joinedAt: Date }[]> {
      const rows = await db
        .select({ org: organizations, roles: memberships.roles, joinedAt: memberships.createdAt })
        .from(memberships)
        .innerJoin(organizations, eq(organizations.id, memberships.orgId))
        .where(eq(memberships.userId, userId))
        .orderBy(asc(organizations.name))
      return rows
    },
    /** A page of an organization's members (ordered by user id). */
    async listMembers(
      db: DbOrTx,
      orgId: string,
      options: { after?: string; limit: number },
    ): Promise<{ userId: string; email: string; displayName: string; roles: string[]; joinedAt: Date }[]> {
      return db
        .select({
          userId: memberships.userId,
          email: users.email,
          displayName: users.displayName,
          roles: memberships.roles,
          joinedAt: memberships.createdAt,
        })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(
          and(
            eq(memberships.orgId, orgId),
            options.after ? gt(memberships.userId, options.after) : undefined,
          ),
        )
        .orderBy(asc(memberships.userId))
        .limit(options.limit)
    },
    /** Inserts an invitation. */
    async insertInvitation(db: DbOrTx, row: typeof invitations.$inferInsert): Promise<InvitationRow> {
      const [created] = await db.insert(invitations).values(row).returning()
      return created!
    },
    /** The invitation with this token hash. */
    async findInvitationByHash(
      db: DbOrTx,
      tokenHash: string,
      lock = false,
    ): Promise<InvitationRow | undefined> {
      const q = db.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)).limit(1)
      const [row] = lock ? await q.for('update') : await q
      return row
    },
    /** The invitation with this id in this organization. */
    async findInvitation(db: DbOrTx, orgId: string, id: string): Promise<InvitationRow | undefined> {
      const [row] = await db
        .select()
        .from(invitations)
        .where(and(eq(invitations.orgId, orgId), eq(invitations.id, id)))
        .limit(1)
      return row
    },
    /** Pending (not accepted, not revoked) invitations of an organization, newest first. */
    async listPendingInvitations(db: DbOrTx, orgId: string): Promise<InvitationRow[]> {
      return db
        .select()
        .from(invitations)
        .where(
          and(eq(invitations.orgId, orgId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)),
        )
        .orderBy(sql`${invitations.createdAt} desc`)
        .limit(200)
    },
    /** Marks an invitation accepted (only if still pending); true on success. */
    async markAccepted(db: DbOrTx, id: string, userId: string): Promise<boolean> {
      const rows = await db
        .update(invitations)
        .set({ acceptedAt: new Date(), acceptedBy: userId })
        .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
        .returning({ id: invitations.id })
      return rows.length === 1
    },
    /** Revokes a pending invitation; true on success. */
    async revokeInvitation(db: DbOrTx, orgId: string, id: string): Promise<boolean> {
      const rows = await db
        .update(invitations)
        .set({ revokedAt: new Date() })
        .where(
          and(
            eq(invitations.orgId, orgId),
            eq(invitations.id, id),
            isNull(invitations.acceptedAt),
            isNull(invitations.revokedAt),
          ),
        )
        .returning({ id: invitations.id })
      return rows.length === 1
    },
  }
}

/** The organizations repository type. */
export type OrgsRepository = ReturnType<typeof createOrgsRepository>
