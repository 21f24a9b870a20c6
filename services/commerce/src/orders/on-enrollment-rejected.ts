import { defineHandler, type EventHandler } from '@learnmesh/kernel'
import { learningEnrollmentRejected } from '@learnmesh/contracts'
import type { RefundsService } from '../refunds/refunds.service.ts'

/**
 * learning.enrollment.rejected → refunds what is left of that order's course line (reason
 * `enrollment_rejected`): the saga's compensation for a paid course that cannot be delivered.
 * Idempotent: the inbox drops duplicate deliveries, and a line with nothing left is not refunded
 * again. Events without an org or naming another user's order change nothing.
 */
export function onEnrollmentRejected(refunds: RefundsService): EventHandler {
  return defineHandler({
    event: learningEnrollmentRejected,
    async handle(tx, payload, envelope, { log }) {
      if (!envelope.orgId) {
        log.warn({ orderId: payload.orderId }, 'enrollment.rejected without orgId: ignored')
        return
      }
      const outcome = await refunds.refundRejectedEnrollment(
        tx,
        {
          orgId: envelope.orgId,
          orderId: payload.orderId,
          courseId: payload.courseId,
          userId: payload.userId,
        },
        envelope.traceparent,
      )
      log.info(
        { orderId: payload.orderId, courseId: payload.courseId, outcome },
        'enrollment rejected: compensation',
      )
    },
  }) as EventHandler
}
