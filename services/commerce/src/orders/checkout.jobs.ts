import type { JobDefinition, RecurringJob } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it: abandoned payment expiry, late-webhook reconciliation. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function checkoutJobs(_deps: CommerceDeps): (JobDefinition<any> | RecurringJob)[] {
  return []
}
