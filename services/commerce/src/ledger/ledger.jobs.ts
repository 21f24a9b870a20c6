import { defineRecurring, type JobDefinition, type RecurringJob } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { payoutProviderFrom } from '../payouts/payout-provider.ts'
import { runPayouts } from '../payouts/payouts.service.ts'

/** Name of the recurring payout run. */
export const PAYOUT_JOB = 'commerce.payouts.run'

/** The ledger area's jobs: the payout run on PAYOUT_SCHEDULE (its occurrence time is the period end). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ledgerJobs(deps: CommerceDeps): (JobDefinition<any> | RecurringJob)[] {
  const provider = payoutProviderFrom(deps.config)
  return [
    defineRecurring({
      name: PAYOUT_JOB,
      cron: deps.config.PAYOUT_SCHEDULE,
      retry: { maxAttempts: 5, baseDelayMs: 60_000 },
      async handle(tx, job) {
        const made = await runPayouts(tx, provider, {
          periodEnd: job.runAt,
          minimumMinor: deps.config.PAYOUT_MINIMUM_MINOR,
        })
        if (made.length > 0) deps.logger.info({ payouts: made.length }, 'payout run')
      },
    }),
  ]
}
