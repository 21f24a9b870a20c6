import type { JobDefinition, RecurringJob } from '@learnmesh/kernel'
import type { CommerceDeps } from './deps.ts'
import { checkoutJobs } from './orders/checkout.jobs.ts'
import { ledgerJobs } from './ledger/ledger.jobs.ts'
import { subscriptionJobs } from './subscriptions/subscriptions.jobs.ts'
import { stellarJobs } from './payments/stellar.jobs.ts'
import { cardJobs } from './payments/card.jobs.ts'
import { refundJobs } from './refunds/refunds.jobs.ts'

/** Every job type commerce runs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function commerceJobs(deps: CommerceDeps): (JobDefinition<any> | RecurringJob)[] {
  return [
    ...checkoutJobs(deps),
    ...ledgerJobs(deps),
    ...subscriptionJobs(deps),
    ...stellarJobs(deps),
    ...cardJobs(deps),
    ...refundJobs(deps),
  ]
}
