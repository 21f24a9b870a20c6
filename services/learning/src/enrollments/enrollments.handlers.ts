import type { EventHandler } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { onOrderPaid } from './on-order-paid.ts'
import { onPaymentRefunded } from './on-payment-refunded.ts'

/** The events enrollments consume: paid orders enroll, refunds revoke. */
export function enrollmentHandlers(_deps: LearningDeps): EventHandler[] {
  return [onOrderPaid, onPaymentRefunded]
}
