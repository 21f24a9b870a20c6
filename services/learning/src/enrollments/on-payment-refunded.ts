import { defineHandler, type EventHandler } from '@learnmesh/kernel'
import { commercePaymentRefunded } from '@learnmesh/contracts'
import { createEnrollmentsRepository } from './enrollments.repository.ts'
import { revoke } from './enrollments.service.ts'

const repo = createEnrollmentsRepository()

/**
 * commerce.payment.refunded → revokes (reason `refund`) the enrollments bought by that order for
 * every course in `revokedItems`. Only an active enrollment whose source is that order is revoked:
 * access the learner holds through a grant or a later order stays. Idempotent (inbox, and a
 * revoked enrollment is left as it is).
 */
export const onPaymentRefunded = defineHandler({
  event: commercePaymentRefunded,
  async handle(tx, payload, envelope, { log }) {
    for (const item of payload.revokedItems) {
      if (item.productType !== 'course') continue
      const row = await repo.findByCourseUser(tx, item.productRef, payload.userId, true)
      if (!row || row.source !== 'order' || row.sourceRef !== payload.orderId || row.status !== 'active') {
        log.info(
          { orderId: payload.orderId, courseId: item.productRef, enrollmentId: row?.id ?? null },
          'refund: no enrollment of this order to revoke',
        )
        continue
      }
      await revoke(tx, row, 'refund', envelope.traceparent)
    }
  },
}) as EventHandler
