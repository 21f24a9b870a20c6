import { defineHandler, type EventHandler } from '@learnmesh/kernel'
import { commerceOrderPaid, commercePaymentRefunded } from '@learnmesh/contracts'
import type { TutoringDeps } from '../deps.ts'
import { createBookingsService } from './bookings.service.ts'

/**
 * Events the bookings area consumes. commerce.order.paid books paid holds (or rejects them:
 * tutoring.booking.rejected) and turns package lines into lesson credits; commerce.payment.refunded
 * cancels the open lessons of fully refunded tutoring lines. Each runs in the inbox's transaction.
 */
export function bookingsHandlers(deps: TutoringDeps): EventHandler[] {
  const service = createBookingsService(deps)
  return [
    defineHandler({
      event: commerceOrderPaid,
      async handle(tx, payload, envelope, { log }) {
        if (!envelope.orgId) {
          log.warn({ orderId: payload.orderId }, 'commerce.order.paid without an organization: ignored')
          return
        }
        await service.onOrderPaid(tx, envelope.orgId, payload, log, envelope.traceparent)
      },
    }) as EventHandler,
    defineHandler({
      event: commercePaymentRefunded,
      async handle(tx, payload, envelope, { log }) {
        if (!envelope.orgId) {
          log.warn({ orderId: payload.orderId }, 'commerce.payment.refunded without an organization: ignored')
          return
        }
        await service.onPaymentRefunded(tx, envelope.orgId, payload, log)
      },
    }) as EventHandler,
  ]
}
