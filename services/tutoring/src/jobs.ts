import type { JobDefinition, RecurringJob } from '@learnmesh/kernel'
import type { TutoringDeps } from './deps.ts'
import { bookingsJobs } from './bookings/bookings.jobs.ts'

/** Every job type tutoring runs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function tutoringJobs(deps: TutoringDeps): (JobDefinition<any> | RecurringJob)[] {
  return [...bookingsJobs(deps)]
}
