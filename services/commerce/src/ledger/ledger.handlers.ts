import type { EventHandler } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { onTutoringLessonCancelled } from '../escrow/on-tutoring-lesson-cancelled.ts'
import { onTutoringLessonCompleted } from '../escrow/on-tutoring-lesson-completed.ts'
import { createPaymentProvider } from '../payments/provider.ts'
import { createRefundsService } from '../refunds/refunds.service.ts'

/**
 * The ledger area's consumers: tutoring.lesson.completed / cancelled settle escrow (a refundable
 * cancellation refunds its share through the checkout area's refund path).
 */
export function ledgerHandlers(deps: CommerceDeps): EventHandler[] {
  const refunds = createRefundsService(deps, createPaymentProvider(deps.config))
  return [onTutoringLessonCompleted(deps), onTutoringLessonCancelled(deps, refunds)] as EventHandler[]
}
