import { defineRecurring, type JobDefinition, type RecurringJob } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { payoutProviderFrom } from '../payouts/payout-provider.ts'
import { reservePayouts, runPayouts, sendPendingPayouts } from '../payouts/payouts.service.ts'

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
        // Networked rail: reserve here; afterCommit sends (docs/ledger.md, "Payouts").
        const reserved = await reservePayouts(tx, provider, run)
        if (reserved.length > 0) deps.logger.info({ payouts: reserved.length }, 'payouts reserved')
      },
      /**
       * A networked rail is called only once the reservation has committed, outside any transaction:
       * every pending payout of the rail (this run's and any a crash or an unanswered call left), each
       * settled in its own short transaction. A run that rolled back sends nothing. A failure here is
       * logged; the payouts stay pending for the next run (re-sending pays once: the payout id is
       * the rail's idempotency key).
       */
      async afterCommit() {
        if (provider.local) return
        const settled = await sendPendingPayouts(deps, provider)
        if (settled.length > 0) deps.logger.info({ payouts: settled.length }, 'payouts sent')
      },
    }),
  ]
}
