import { defineHandler, type EventHandler } from '@learnmesh/kernel'
import { and, eq } from 'drizzle-orm'
import { identityMembershipChanged, identityUserRegistered } from '@learnmesh/contracts'
import { orgMembers, people } from '../db/schema.ts'

/**
 * Learning keeps a copy of each person's name (for certificates, rosters and grading views) from
 * identity.user.registered, and of their memberships from identity.membership.changed: it never
 * reads identity's schema. Both are idempotent upserts (a removal deletes).
 */
export function peopleHandlers(): EventHandler[] {
  return [
    defineHandler({
      event: identityUserRegistered,
      async handle(tx, payload) {
        await tx
          .insert(people)
          .values({
            userId: payload.userId,
            orgId: payload.orgId,
            displayName: payload.displayName,
            email: payload.email,
          })
          .onConflictDoUpdate({
            target: people.userId,
            set: { displayName: payload.displayName, email: payload.email, updatedAt: new Date() },
          })
      },
    }) as EventHandler,
    defineHandler({
      event: identityMembershipChanged,
      async handle(tx, payload) {
        if (payload.change === 'removed') {
          await tx
            .delete(orgMembers)
            .where(and(eq(orgMembers.orgId, payload.orgId), eq(orgMembers.userId, payload.userId)))
          return
        }
        await tx
          .insert(orgMembers)
          .values({ orgId: payload.orgId, userId: payload.userId, roles: payload.roles })
          .onConflictDoUpdate({
            target: [orgMembers.orgId, orgMembers.userId],
            set: { roles: payload.roles, updatedAt: new Date() },
          })
      },
    }) as EventHandler,
  ]
}
