import { defineHandler, type EventHandler } from '@learnmesh/kernel'
import { tutoringBookingRejected } from '@learnmesh/contracts'
import type { RefundsService } from '../refunds/refunds.service.ts'

/**
 * tutoring.booking.rejected → refunds what is left of that order line (reason `booking_rejected`):
 * the booking saga's compensation for a paid lesson whose held slot could not be booked. The
 * refund takes the usual path (provider refund, ledger reversal from escrow, commerce.payment.refunded
 * listing the line as revoked). Exactly once: the inbox drops duplicate deliveries, and a line with
 * nothing left is not refunded again. Events without an org, naming another user's order, a line
 * that is not a tutoring line of it, or a line bought for another booking change nothing.
 */
export function onBookingRejected(refunds: RefundsService): EventHandler {
  return defineHandler({
    event: tutoringBookingRejected,
    async handle(tx, payload, envelope, { log }) {
      const context = {
        orderId: payload.orderId,
        orderItemId: payload.orderItemId,
        bookingId: payload.bookingId,
      }
      if (!envelope.orgId) {
        log.warn(context, 'booking.rejected without orgId: ignored')
        return
      }
      const refund = await refunds.refundTutoringLineInTx(
        tx,
        {
          orgId: envelope.orgId,
          orderId: payload.orderId,
          orderItemId: payload.orderItemId,
          userId: payload.learnerId,
          reason: 'booking_rejected',
          bookingId: payload.bookingId,
        },
        envelope.traceparent,
      )
      log.info(
        { ...context, refundId: refund?.id ?? null, reason: payload.reason },
        refund ? 'booking rejected: line refunded' : 'booking rejected: nothing to refund',
      )
    },
  }) as EventHandler
}
