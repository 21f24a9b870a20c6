import { defineHandler, type EventHandler } from '@learnmesh/kernel'
import { commerceSubscriptionActivated } from '@learnmesh/contracts'
import { applySubscriptionEvent } from './subscription-access.service.ts'

/** commerce.subscription.activated → access to the plan's courses until the trial or first period ends. */
export const onSubscriptionActivated = defineHandler({
  event: commerceSubscriptionActivated,
  async handle(tx, payload, envelope, { log }) {
    await applySubscriptionEvent(
      tx,
      envelope.orgId,
      payload,
      { status: payload.status, until: new Date(payload.currentPeriodEnd) },
      log,
    )
  },
}) as EventHandler
