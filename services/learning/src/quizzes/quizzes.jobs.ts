import type { JobDefinition, RecurringJob } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function quizJobs(_deps: LearningDeps): (JobDefinition<any> | RecurringJob)[] {
  return []
}
