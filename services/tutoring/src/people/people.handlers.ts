import { defineHandler, type EventHandler } from '@learnmesh/kernel'
import { identityUserRegistered } from '@learnmesh/contracts'
import { people } from '../db/schema.ts'

/**
 * Tutoring keeps a copy of each person's name (for bookings, rosters and calendar entries) from
 * identity.user.registered: it never reads identity's schema. An idempotent upsert.
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
  ]
}
