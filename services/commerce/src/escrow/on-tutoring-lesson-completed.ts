import { defineHandler } from '@learnmesh/kernel'
import { tutoringLessonCompleted } from '@learnmesh/contracts'
import type { CommerceDeps } from '../deps.ts'
import { commissionPolicyFrom } from '../ledger/commission.ts'
import { settleLesson } from './escrow.service.ts'

/**
 * tutoring.lesson.completed → release that lesson's share of the escrow hold: commission to
 * platform revenue, the rest to the tutor's payable; the tutor's hours taught grow. Exactly once
 * per booking (inbox + escrow_lessons + ledger (escrow_release, bookingId)).
 */
export function onTutoringLessonCompleted(deps: CommerceDeps) {
  const policy = commissionPolicyFrom(deps.config)
  return defineHandler({
    event: tutoringLessonCompleted,
    async handle(tx, payload, envelope, { log }) {
      if (!envelope.orgId) {
        log.warn('tutoring.lesson.completed without an organization: ignored')
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
          outcome: 'completed',
          minutes: payload.minutes,
        },
        log,
      )
    },
  })
}
