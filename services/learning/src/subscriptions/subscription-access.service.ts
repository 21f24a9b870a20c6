import type { Logger, Tx } from '@learnmesh/kernel'
import type { SubscriptionEntitlement } from '../db/schema.ts'
import { createSubscriptionAccessRepository } from './subscription-access.repository.ts'

const repo = createSubscriptionAccessRepository()

/** What every commerce.subscription.* event tells learning. */
export interface SubscriptionFacts {
  subscriptionId: string
  userId: string
  productId: string
  planRef: string
  entitlement: SubscriptionEntitlement
}

/**
 * Applies a subscription event to its access row and the enrollments it created, under the row's
 * lock. Rules: `cancelled` is final (a late activated/renewed/past_due for it changes nothing);
 * otherwise `activeUntil` only moves forward (events may arrive out of order) and the subscription
 * enrollments' expiry follows it. A cancellation sets both to its effective time.
 */
export async function applySubscriptionEvent(
  tx: Tx,
  orgId: string | null,
  facts: SubscriptionFacts,
  change: { status: 'trialing' | 'active' | 'past_due' | 'cancelled'; until: Date },
  log: Pick<Logger, 'info' | 'warn'>,
): Promise<void> {
  if (!orgId) {
    log.warn({ subscriptionId: facts.subscriptionId }, 'subscription event without an organization: ignored')
    return
  }
  const current = await repo.lock(tx, facts.subscriptionId)
  if (current && (current.userId !== facts.userId || current.orgId !== orgId)) {
    log.warn({ subscriptionId: facts.subscriptionId }, 'subscription event for another user or org: ignored')
    return
  }
  if (current?.status === 'cancelled') {
    log.info(
      { subscriptionId: facts.subscriptionId, status: change.status },
      'subscription already ended: ignored',
    )
    return
  }
  const until =
    change.status === 'cancelled' || !current || current.activeUntil.getTime() < change.until.getTime()
      ? change.until
      : current.activeUntil
  await repo.upsert(tx, {
    subscriptionId: facts.subscriptionId,
    orgId,
    userId: facts.userId,
    productId: facts.productId,
    planRef: facts.planRef,
    entitlement: facts.entitlement,
    status: change.status,
    activeUntil: until,
  })
  const enrollments = await repo.setEnrollmentsExpiry(tx, facts.subscriptionId, until)
  log.info(
    {
      subscriptionId: facts.subscriptionId,
      status: change.status,
      activeUntil: until.toISOString(),
      enrollments,
    },
    'subscription access',
  )
}
