import { defineRecurring, type JobContext, type RecurringJob } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { createCheckoutArea } from '../orders/checkout.area.ts'
import { createCardExpiry } from './card.expiry.ts'

/** Name of the recurring job that cancels orders whose card payment was abandoned. */
export const CARD_EXPIRE_JOB = 'commerce.payments.expire_abandoned'

/** The token a run claims its orders with: one per occurrence and attempt of the job. */
export function cardExpiryToken(job: JobContext): string {
  return `${job.id}:${job.runAt.toISOString()}:${job.attempt}`
}

/**
 * The abandoned card payment expiry (every 10 minutes): orders whose payment is still
 * `requires_action` / `requires_payment` CARD_PAYMENT_WINDOW_HOURS after it started are cancelled
 * (the PaymentIntent too), unless the customer paid meanwhile. The job's transaction only claims
 * them; the provider is called after its commit, outside any transaction (`afterCommit`), and each
 * answer is recorded in its own short transaction (card.expiry.ts). Every provider but stellar,
 * which has its own (commerce.stellar.expire_unpaid). Orders that never reached the provider are
 * commerce.orders.expire_abandoned's.
 */
export function cardJobs(deps: CommerceDeps): RecurringJob[] {
  if (deps.config.PAYMENT_PROVIDER === 'stellar') return []
  const expiry = createCardExpiry(deps, createCheckoutArea(deps))
  return [
    defineRecurring({
      name: CARD_EXPIRE_JOB,
      cron: '*/10 * * * *',
      async handle(tx, job) {
        await expiry.claim(tx, cardExpiryToken(job))
      },
      async afterCommit(job) {
        const outcomes = await expiry.settle(cardExpiryToken(job))
        if (Object.keys(outcomes).length > 0)
          deps.logger.info({ outcomes }, 'abandoned card payments expired')
      },
    }),
  ]
}
