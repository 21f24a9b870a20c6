import { defineHandler, type EventHandler } from '@learnmesh/kernel'
import { commerceSubscriptionCancelled } from '@learnmesh/contracts'
import { applySubscriptionEvent } from './subscription-access.service.ts'

/** commerce.subscription.cancelled → access and the subscription's enrollments end at `effectiveAt`. */
export const onSubscriptionCancelled = defineHandler({
  event: commerceSubscriptionCancelled,
  async handle(tx, payload, envelope, { log }) {
    await applySubscriptionEvent(
      tx,
      envelope.orgId,
      payload,
      { status: 'cancelled', until: new Date(payload.effectiveAt) },
      log,
    )
  },
}) as EventHandler
