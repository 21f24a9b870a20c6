import { defineRecurring, type JobDefinition, type RecurringJob } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { createCheckoutArea } from '../orders/checkout.area.ts'
import { createStellarClient } from './stellar.client.ts'
import { stellarSettings } from './stellar.config.ts'
import { createStellarWatcher } from './stellar.watch.ts'

/** Name of the recurring job that reads incoming Stellar payments. */
export const STELLAR_WATCH_JOB = 'commerce.stellar.watch'

/** Cron (with seconds) of the watcher: every STELLAR_POLL_SECONDS seconds. */
export function stellarWatchCron(pollSeconds: number): string {
  return `*/${pollSeconds} * * * * *`
}

/** The watcher job, only when PAYMENT_PROVIDER is stellar. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function stellarJobs(deps: CommerceDeps): (JobDefinition<any> | RecurringJob)[] {
  if (deps.config.PAYMENT_PROVIDER !== 'stellar') return []
  const area = createCheckoutArea(deps)
  const settings = stellarSettings(deps.config)
  const watcher = createStellarWatcher(deps, area.payments, createStellarClient(settings))
  return [
    defineRecurring({
      name: STELLAR_WATCH_JOB,
      cron: stellarWatchCron(settings.pollSeconds),
      retry: { maxAttempts: 3, baseDelayMs: 5_000 },
      async handle(tx) {
        const { outcomes } = await watcher.poll(tx)
        if (Object.keys(outcomes).length > 0) {
          deps.logger.info({ outcomes }, 'stellar payments read')
          if (outcomes.captured) deps.wakeRelay()
        }
      },
    }),
  ]
}
