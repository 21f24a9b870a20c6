import type { JobDefinition, RecurringJob } from '@learnmesh/kernel'
import type { CommunicationDeps } from './deps.ts'
import { emailJobs } from './email/email.jobs.ts'
import { reminderJobs } from './triggers/reminders.jobs.ts'
import { pushJobs } from './push/push.send.ts'
import { sequenceJobs } from './sequences/sequences.jobs.ts'

/** Every job type communication runs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function communicationJobs(deps: CommunicationDeps): (JobDefinition<any> | RecurringJob)[] {
  return [...emailJobs(deps), ...reminderJobs(deps), ...pushJobs(deps), ...sequenceJobs(deps)]
}
