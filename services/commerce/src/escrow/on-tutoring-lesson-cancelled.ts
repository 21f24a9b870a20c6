import { defineHandler } from '@learnmesh/kernel'
import { tutoringLessonCancelled } from '@learnmesh/contracts'
import type { CommerceDeps } from '../deps.ts'
import { commissionPolicyFrom } from '../ledger/commission.ts'
import { settleLesson } from './escrow.service.ts'

/**
 * tutoring.lesson.cancelled → `refundable: true`: the lesson's share is marked refundable on the
 * hold (no money moves: the checkout area's refund path posts the refund); `refundable: false`
 * (the learner forfeits under tutoring's cancellation policy): the share is released like a
 * delivered lesson, without counting hours taught. Exactly once per booking.
 */
export function onTutoringLessonCancelled(deps: CommerceDeps) {
  const policy = commissionPolicyFrom(deps.config)
  return defineHandler({
    event: tutoringLessonCancelled,
    async handle(tx, payload, envelope, { log }) {
      if (!envelope.orgId) {
        log.warn('tutoring.lesson.cancelled without an organization: ignored')
        return
      }
      await settleLesson(
        tx,
        policy,
        {
          orgId: envelope.orgId,
          bookingId: payload.bookingId,
          orderItemId: payload.orderItemId,
          tutorId: payload.tutorId,
          outcome: payload.refundable ? 'cancelled_refundable' : 'cancelled_forfeited',
          minutes: 0,
        },
        log,
      )
    },
  })
}
