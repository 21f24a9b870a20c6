import { defineRecurring, type JobDefinition, type RecurringJob } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { createCheckoutArea } from '../orders/checkout.area.ts'
import { createStellarClient } from './stellar.client.ts'
import { stellarSettings } from './stellar.config.ts'
import { createStellarWatcher } from './stellar.watch.ts'

/** Name of the recurring job that reads incoming Stellar payments. */
export const STELLAR_WATCH_JOB = 'commerce.stellar.watch'
/** Name of the recurring job that cancels orders whose Stellar payment never came. */
export const STELLAR_EXPIRE_JOB = 'commerce.stellar.expire_unpaid'

/** Cron (with seconds) of the watcher: every STELLAR_POLL_SECONDS seconds. */
export function stellarWatchCron(pollSeconds: number): string {
  return `*/${pollSeconds} * * * * *`
}

/** The watcher job and the unpaid-order expiry, only when PAYMENT_PROVIDER is stellar. */
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
    defineRecurring({
      name: STELLAR_EXPIRE_JOB,
      cron: '*/10 * * * *',
      async handle(tx) {
        const before = new Date(Date.now() - deps.config.STELLAR_PAYMENT_WINDOW_HOURS * 3_600_000)
        const n = await area.checkout.expireUnpaidStellar(tx, before)
        if (n > 0) deps.logger.info({ orders: n }, 'unpaid stellar orders cancelled')
      },
    }),
  ]
}
