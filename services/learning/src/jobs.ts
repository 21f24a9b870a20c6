import type { JobDefinition, RecurringJob } from '@learnmesh/kernel'
import type { LearningDeps } from './deps.ts'
import { quizJobs } from './quizzes/quizzes.jobs.ts'

/** Every job type learning runs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function learningJobs(deps: LearningDeps): (JobDefinition<any> | RecurringJob)[] {
  return [...quizJobs(deps)]
}
