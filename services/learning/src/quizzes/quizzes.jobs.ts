import { defineJob, Type, type JobDefinition, type RecurringJob } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { createQuizzesService, EXPIRE_ATTEMPT_JOB } from './quizzes.service.ts'

/**
 * Timed quizzes: starting a timed attempt schedules `learning.quiz_attempt.expire` (key = attempt
 * id) one second after deadline + grace; it grades the attempt as `expired` with the answers saved
 * in time, unless the learner submitted first (then it does nothing).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function quizJobs(deps: LearningDeps): (JobDefinition<any> | RecurringJob)[] {
  const service = createQuizzesService(deps)
  return [
    defineJob({
      name: EXPIRE_ATTEMPT_JOB,
      payload: Type.Object({ attemptId: Type.String() }),
      retry: { maxAttempts: 20, baseDelayMs: 1000, maxDelayMs: 60_000 },
      async handle(tx, payload) {
        await service.expireFromJob(tx, payload.attemptId)
        // The runner commits after this returns; events then reach the relay on its next pass.
        deps.wakeRelay()
      },
    }),
  ]
}
