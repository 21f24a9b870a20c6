import { defineRecurring, type RecurringJob } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { createPaymentProvider } from '../payments/provider.ts'
import { createRefundsService } from './refunds.service.ts'

/** Name of the recurring job that sends unanswered refunds to a networked provider. */
export const REFUND_SEND_JOB = 'commerce.refunds.send_pending'

/**
 * Every minute, with a networked payment provider (Stripe, Stellar): the automatic refunds the
 * consumers reserved (`pending`, never sent: no provider call inside an inbox transaction) and
 * request-made refunds whose call got no answer are sent to the provider after the job's commit,
 * outside any transaction (`afterCommit`), each answer recorded in its own short transaction
 * (refunds.service.ts `sendPending`). The job's transaction claims nothing: the kernel runs one
 * occurrence on one replica, and the provider dedupes by refund id should two runs ever overlap.
 * None with a local provider (the sandbox answers inside the consumer's transaction).
 */
export function refundJobs(deps: CommerceDeps): RecurringJob[] {
  const provider = createPaymentProvider(deps.config)
  if (provider.local) return []
  const refunds = createRefundsService(deps, provider)
  return [
    defineRecurring({
      name: REFUND_SEND_JOB,
      cron: '* * * * *',
      async handle() {},
      async afterCommit() {
        const outcomes = await refunds.sendPending()
        if (Object.keys(outcomes).length > 0) deps.logger.info({ outcomes }, 'pending refunds sent')
      },
    }),
  ]
}
