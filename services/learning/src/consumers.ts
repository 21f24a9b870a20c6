import type { EventHandler } from '@learnmesh/kernel'
import type { LearningDeps } from './deps.ts'
import { peopleHandlers } from './people/people.handlers.ts'
import { enrollmentHandlers } from './enrollments/enrollments.handlers.ts'
import { certificateHandlers } from './certificates/certificates.handlers.ts'
import { subscriptionHandlers } from './subscriptions/subscriptions.handlers.ts'

/** Every event learning consumes, with its handler. */
export function learningHandlers(deps: LearningDeps): EventHandler[] {
  return [
    ...peopleHandlers(),
    ...enrollmentHandlers(deps),
    ...certificateHandlers(deps),
    ...subscriptionHandlers(),
  ]
}
