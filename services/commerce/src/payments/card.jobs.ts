import { defineRecurring, type RecurringJob } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { createCheckoutArea } from '../orders/checkout.area.ts'

/** Name of the recurring job that cancels orders whose card payment was abandoned. */
export const CARD_EXPIRE_JOB = 'commerce.payments.expire_abandoned'

/**
 * The abandoned card payment expiry (every 10 minutes): orders whose payment is still
 * `requires_action` / `requires_payment` CARD_PAYMENT_WINDOW_HOURS after it started are cancelled
 * (the PaymentIntent too). Every provider but stellar, which has its own (commerce.stellar.expire_unpaid).
 */
export function cardJobs(deps: CommerceDeps): RecurringJob[] {
  if (deps.config.PAYMENT_PROVIDER === 'stellar') return []
  const area = createCheckoutArea(deps)
  return [
    defineRecurring({
      name: CARD_EXPIRE_JOB,
      cron: '*/10 * * * *',
      async handle(tx) {
        const before = new Date(Date.now() - deps.config.CARD_PAYMENT_WINDOW_HOURS * 3_600_000)
        const outcomes = await area.checkout.expireAbandonedCards(tx, before)
        if (Object.keys(outcomes).length > 0) {
          deps.logger.info({ outcomes }, 'abandoned card payments expired')
          if (outcomes.captured) deps.wakeRelay()
        }
      },
    }),
  ]
}
