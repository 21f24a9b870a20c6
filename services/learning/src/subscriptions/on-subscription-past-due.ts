import { defineHandler, type EventHandler } from '@learnmesh/kernel'
import { commerceSubscriptionPastDue } from '@learnmesh/contracts'
import { applySubscriptionEvent } from './subscription-access.service.ts'

/**
 * commerce.subscription.past_due → access is kept while commerce retries the renewal: until
 * `graceUntil` (the last retry). The retry's outcome (renewed or cancelled) follows.
 */
export const onSubscriptionPastDue = defineHandler({
  event: commerceSubscriptionPastDue,
  async handle(tx, payload, envelope, { log }) {
    await applySubscriptionEvent(
      tx,
      envelope.orgId,
      payload,
      { status: 'past_due', until: new Date(payload.graceUntil) },
      log,
    )
  },
}) as EventHandler
