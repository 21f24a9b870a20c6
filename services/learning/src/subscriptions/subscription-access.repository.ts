import { and, desc, eq, gt, sql } from 'drizzle-orm'
import type { DbOrTx, Tx } from '@learnmesh/kernel'
import { enrollments, subscriptionAccess, type SubscriptionEntitlement } from '../db/schema.ts'

/** A subscription_access row. */
export type SubscriptionAccessRow = typeof subscriptionAccess.$inferSelect

/** Data access for subscription access and the enrollments it created. */
export function createSubscriptionAccessRepository() {
  return {
    /** One subscription's access (locked FOR UPDATE). */
    async lock(tx: Tx, subscriptionId: string): Promise<SubscriptionAccessRow | undefined> {
      const [r] = await tx
        .select()
        .from(subscriptionAccess)
        .where(eq(subscriptionAccess.subscriptionId, subscriptionId))
        .for('update')
      return r
    },
    /** Inserts or replaces a subscription's access. */
    async upsert(tx: Tx, row: typeof subscriptionAccess.$inferInsert): Promise<void> {
      await tx
        .insert(subscriptionAccess)
        .values(row)
        .onConflictDoUpdate({
          target: subscriptionAccess.subscriptionId,
          set: {
            entitlement: row.entitlement,
            status: row.status,
            activeUntil: row.activeUntil,
            updatedAt: sql`now()`,
          },
        })
    },
    /** A user's access in an org that still runs at `now`, latest ending first. */
    async liveFor(db: DbOrTx, orgId: string, userId: string, now: Date): Promise<SubscriptionAccessRow[]> {
      return db
        .select()
        .from(subscriptionAccess)
        .where(
          and(
            eq(subscriptionAccess.orgId, orgId),
            eq(subscriptionAccess.userId, userId),
            gt(subscriptionAccess.activeUntil, now),
          ),
        )
        .orderBy(desc(subscriptionAccess.activeUntil))
    },
    /** Sets the expiry of the active enrollments a subscription created; returns how many. */
    async setEnrollmentsExpiry(tx: Tx, subscriptionId: string, expiresAt: Date): Promise<number> {
      const rows = await tx
        .update(enrollments)
        .set({ expiresAt })
        .where(
          and(
            eq(enrollments.source, 'subscription'),
            eq(enrollments.sourceRef, subscriptionId),
            eq(enrollments.status, 'active'),
          ),
        )
        .returning({ id: enrollments.id })
      return rows.length
    },
  }
}

/** Whether an entitlement of `orgId`'s plan covers a course (only courses of that org are ever covered). */
export function covers(
  access: { orgId: string; entitlement: SubscriptionEntitlement },
  course: { courseId: string; orgId: string },
): boolean {
  if (course.orgId !== access.orgId) return false
  return access.entitlement.scope === 'all_courses' || access.entitlement.courseIds.includes(course.courseId)
}
