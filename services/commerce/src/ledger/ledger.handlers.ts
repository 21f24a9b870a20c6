import type { EventHandler } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { onTutoringLessonCancelled } from '../escrow/on-tutoring-lesson-cancelled.ts'
import { onTutoringLessonCompleted } from '../escrow/on-tutoring-lesson-completed.ts'

/** The ledger area's consumers: tutoring.lesson.completed / cancelled settle escrow. */
export function ledgerHandlers(deps: CommerceDeps): EventHandler[] {
  return [onTutoringLessonCompleted(deps), onTutoringLessonCancelled(deps)] as EventHandler[]
}
