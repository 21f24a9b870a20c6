import { defineHandler, type EventHandler } from '@learnmesh/kernel'
import { tutoringTutorListed } from '@learnmesh/contracts'
import { sql } from 'drizzle-orm'
import type { CommunicationDeps } from '../deps.ts'
import { listedTutors } from '../db/schema.ts'

/**
 * tutoring.tutor.listed: who offers lessons, so learners of the org may message a tutor before
 * booking (chat contacts). Idempotent, and a late older delivery never overwrites a newer one
 * (events are not ordered): the row keeps the newest `occurredAt`.
 */
export function tutorListingHandlers(_deps: CommunicationDeps): EventHandler[] {
  return [
    defineHandler({
      event: tutoringTutorListed,
      async handle(tx, p, env) {
        if (!env.orgId) return
        const listedAt = new Date(env.occurredAt)
        await tx
          .insert(listedTutors)
          .values({ userId: p.tutorId, orgId: env.orgId, active: p.active, listedAt })
          .onConflictDoUpdate({
            target: listedTutors.userId,
            set: { orgId: env.orgId, active: p.active, listedAt },
            setWhere: sql`${listedTutors.listedAt} <= ${listedAt.toISOString()}::timestamptz`,
          })
      },
    }) as EventHandler,
  ]
}
