import { defineHandler, type EventHandler } from '@learnmesh/kernel'
import { commerceSubscriptionRenewed } from '@learnmesh/contracts'
import { applySubscriptionEvent } from './subscription-access.service.ts'

/** commerce.subscription.renewed → access (and subscription enrollments) extended to the new period end. */
export const onSubscriptionRenewed = defineHandler({
  event: commerceSubscriptionRenewed,
  async handle(tx, payload, envelope, { log }) {
    await applySubscriptionEvent(
      tx,
      envelope.orgId,
      payload,
      { status: 'active', until: new Date(payload.currentPeriodEnd) },
      log,
    )
  },
}) as EventHandler
