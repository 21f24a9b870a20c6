import { defineHandler, type EventHandler } from '@learnmesh/kernel'
import { learningCourseCompleted } from '@learnmesh/contracts'
import type { LearningDeps } from '../deps.ts'
import { createCertificatesService } from './certificates.service.ts'

/**
 * learning.course.completed → a certificate for the enrollment, issued in the inbox transaction.
 * Idempotent twice over: the inbox ignores a redelivered event id, and an enrollment that already
 * has a certificate (unique index) is left alone, whatever the event id.
 */
export function certificateHandlers(deps: LearningDeps): EventHandler[] {
  const certificates = createCertificatesService(deps)
  return [
    defineHandler({
      event: learningCourseCompleted,
      async handle(tx, payload, envelope, context) {
        await certificates.issue(tx, payload, { traceparent: envelope.traceparent, log: context.log })
      },
    }) as EventHandler,
  ]
}
