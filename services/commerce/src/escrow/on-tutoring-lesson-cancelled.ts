import { defineHandler } from '@learnmesh/kernel'
import { tutoringLessonCancelled } from '@learnmesh/contracts'
import type { CommerceDeps } from '../deps.ts'
import { commissionPolicyFrom } from '../ledger/commission.ts'
import { lessonShare } from '../ledger/money.ts'
import { createOrdersRepository } from '../orders/orders.repository.ts'
import type { RefundsService } from '../refunds/refunds.service.ts'
import { refundPart, settleLesson } from './escrow.service.ts'

const ordersRepo = createOrdersRepository()

/**
 * tutoring.lesson.cancelled → the lesson's share of the escrow hold is settled by the percent the
 * learner gets back, `refundPercent` (absent: 100 when `refundable`, else 0):
 * - 100: the share is marked refundable and refunded to the customer at once through the normal
 *   refund path (provider refund, ledger escrow → customer, commerce.payment.refunded);
 * - 0 (the learner forfeits): the share is released like a delivered lesson, without counting
 *   hours taught;
 * - in between: `refundPart(share, percent)` (half up) is refunded, the rest released.
 * The customer's refund is the same part of the lesson's share of what the line charged (tax
 * included: `lessonShare(line amount, lessons, k)`). Exactly once per booking (inbox,
 * escrow_lessons, the ledger's (escrow_release, bookingId) uniqueness; a duplicate settles nothing
 * and so refunds nothing). The order row (after its payments: docs/checkout.md#lock-order) is
 * locked first, like every refund path, so a concurrent admin refund cannot deadlock with it.
 */
export function onTutoringLessonCancelled(deps: CommerceDeps, refunds: RefundsService) {
  const policy = commissionPolicyFrom(deps.config)
  return defineHandler({
    event: tutoringLessonCancelled,
    async handle(tx, payload, envelope, { log }) {
      const orgId = envelope.orgId
      if (!orgId) {
        log.warn('tutoring.lesson.cancelled without an organization: ignored')
        return
      }
      const percent = payload.refundPercent ?? (payload.refundable ? 100 : 0)
      const order = await ordersRepo.lockOrderWithPayments(tx, orgId, payload.orderId)
      const settled = await settleLesson(
        tx,
        policy,
        {
          orgId,
          bookingId: payload.bookingId,
          orderItemId: payload.orderItemId,
          tutorId: payload.tutorId,
          outcome:
            percent >= 100
              ? 'cancelled_refundable'
              : percent <= 0
                ? 'cancelled_forfeited'
                : 'cancelled_partial',
          refundPercent: percent,
          minutes: 0,
        },
        log,
      )
      if (settled.status !== 'released' && settled.status !== 'marked_refundable') return
      if (settled.refundShareMinor === 0 || !order) return
      const item = (await ordersRepo.items(tx, order.id)).find((i) => i.id === payload.orderItemId)
      if (!item) return
      const gross = lessonShare(item.amountMinor, settled.lessonsTotal, settled.lessonIndex)
      const amountMinor = percent >= 100 ? gross : refundPart(gross, percent)
      if (amountMinor <= 0) return
      const refund = await refunds.refundTutoringLineInTx(
        tx,
        {
          orgId,
          orderId: order.id,
          orderItemId: item.id,
          userId: payload.learnerId,
          amountMinor,
          reason: 'lesson_cancelled',
        },
        envelope.traceparent,
      )
      log.info(
        { bookingId: payload.bookingId, orderItemId: item.id, percent, refundId: refund?.id ?? null },
        refund ? 'lesson cancelled: share refunded' : 'lesson cancelled: nothing left to refund',
      )
    },
  })
}
