import type { JobDefinition, RecurringJob } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it: payouts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ledgerJobs(_deps: CommerceDeps): (JobDefinition<any> | RecurringJob)[] {
  return []
}
