import { defineRecurring, type JobDefinition, type RecurringJob } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { payoutProviderFrom } from '../payouts/payout-provider.ts'
import { reservePayouts, runPayouts, sendPendingPayouts } from '../payouts/payouts.service.ts'

/** Delay between a networked payout run's commit and its sending (outside the job's transaction). */
export const PAYOUT_SEND_DELAY_MS = 1000

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
        const run = { periodEnd: job.runAt, minimumMinor: deps.config.PAYOUT_MINIMUM_MINOR }
        if (provider.local) {
          const made = await runPayouts(tx, provider, run)
          if (made.length > 0) deps.logger.info({ payouts: made.length }, 'payout run')
          return
        }
        // Networked rail: reserve here; send every pending payout (this run's and any a crash left)
        // outside any transaction once this one has committed (docs/ledger.md, "Payouts").
        const reserved = await reservePayouts(tx, provider, run)
        if (reserved.length > 0) deps.logger.info({ payouts: reserved.length }, 'payouts reserved')
        setTimeout(() => {
          sendPendingPayouts(deps, provider).catch((err: unknown) =>
            deps.logger.error({ err: (err as Error).message }, 'sending pending payouts failed'),
          )
        }, PAYOUT_SEND_DELAY_MS).unref()
      },
    }),
  ]
}
