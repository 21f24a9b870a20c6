import { AppError, notFound, type Principal } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { createOrdersRepository, type RefundRow } from '../orders/orders.repository.ts'
import { SELF_REFUND_REASON, type RefundsService } from './refunds.service.ts'

const ordersRepo = createOrdersRepository()
const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Customer self-refunds: the buyer of a course line may refund it in full, without an admin, while
 * `now < paidAt + COURSE_REFUND_WINDOW_DAYS` (0 disables). The refund is the ordinary one
 * (`refunds.refund`: reserve under the order lock, provider, finalize once, ledger reversal,
 * commerce.payment.refunded revoking the course), reason `customer_request`, created by the buyer.
 * Tutoring lines are never self-refunded: their money follows the lessons (cancellations under
 * tutoring's policy). Someone else's order, or a line not of this order, is a 404.
 */
export function createSelfRefunds(deps: CommerceDeps, refunds: RefundsService) {
  const db = deps.database.db
  return {
    /** POST /orders/:orderId/items/:orderItemId/refund (the buyer). */
    async refundCourseLine(
      principal: Principal,
      orderId: string,
      orderItemId: string,
      traceparent: string | null,
      now: Date = new Date(),
    ): Promise<RefundRow> {
      const order = await ordersRepo.findOrder(db, principal.orgId, orderId)
      if (!order || order.userId !== principal.userId) throw notFound('Order')
      const item = (await ordersRepo.items(db, order.id)).find((i) => i.id === orderItemId)
      if (!item) throw notFound('Order line')
      const days = deps.config.COURSE_REFUND_WINDOW_DAYS
      if (days === 0) {
        throw new AppError('unprocessable', 'Self-service refunds are turned off; ask support for a refund', {
          reason: 'self_refund_disabled',
        })
      }
      if (item.productType !== 'course') {
        throw new AppError(
          'unprocessable',
          'Only a course can be refunded this way; tutoring lessons are refunded when cancelled under the tutor’s cancellation policy',
          { reason: 'not_self_refundable' },
        )
      }
      if (!order.paidAt) throw new AppError('conflict', `A ${order.status} order cannot be refunded`)
      const closesAt = new Date(order.paidAt.getTime() + days * DAY_MS)
      if (now.getTime() >= closesAt.getTime()) {
        throw new AppError(
          'unprocessable',
          `The ${days}-day refund window of this purchase closed on ${closesAt.toISOString()}`,
          { reason: 'refund_window_closed', closedAt: closesAt.toISOString() },
        )
      }
      return refunds.refund(
        principal,
        order.id,
        { items: [{ orderItemId: item.id }], reason: SELF_REFUND_REASON },
        traceparent,
      )
    },
  }
}

/** What createSelfRefunds returns. */
export type SelfRefunds = ReturnType<typeof createSelfRefunds>
