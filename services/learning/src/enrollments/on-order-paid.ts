import { eq } from 'drizzle-orm'
import { AppError, defineHandler, writeEvent, type EventHandler, type Tx } from '@learnmesh/kernel'
import { commerceOrderPaid, learningEnrollmentRejected } from '@learnmesh/contracts'
import { outbox, people } from '../db/schema.ts'
import { createEnrollmentsRepository } from './enrollments.repository.ts'
import { enroll } from './enrollments.service.ts'

const repo = createEnrollmentsRepository()

/**
 * commerce.order.paid → one enrollment (source `order`, sourceRef the order id) per bought course.
 * Idempotent twice over: the inbox drops a redelivered event, and (course, user) is unique, so a
 * second order for a course the buyer already has changes nothing; a revoked or expired enrollment
 * is reactivated (they paid again). The enrollment belongs to the envelope's organization (the
 * buyer's), else the buyer's registration org, else the course's.
 *
 * A course that does not exist or was never published cannot be enrolled in: the handler logs it
 * (`enrollment_impossible`, with order and course), writes `learning.enrollment.rejected` in the same
 * transaction, and carries on rather than failing forever; commerce's saga compensates by refunding
 * that line. A course archived after the purchase is still honoured: the buyer paid and archiving
 * keeps existing access.
 */
/** Tells commerce (saga compensation) that a paid course line cannot become an enrollment. */
async function reject(
  tx: Tx,
  input: {
    orderId: string
    courseId: string
    userId: string
    orgId: string | null
    traceparent: string | null
  },
  reason: 'course_unavailable' | 'course_unknown',
): Promise<void> {
  await writeEvent(tx, outbox, learningEnrollmentRejected, {
    aggregateId: input.orderId,
    orgId: input.orgId,
    traceparent: input.traceparent,
    payload: { orderId: input.orderId, courseId: input.courseId, userId: input.userId, reason },
  })
}

export const onOrderPaid = defineHandler({
  event: commerceOrderPaid,
  async handle(tx, payload, envelope, { log }) {
    for (const item of payload.items) {
      if (item.productType !== 'course') continue
      const courseId = item.productRef
      const target = await repo.findTarget(tx, courseId)
      if (!target || target.publishedVersion === 0) {
        log.error(
          { orderId: payload.orderId, courseId, userId: payload.userId, reason: 'course_not_published' },
          'enrollment_impossible: paid course does not exist or was never published',
        )
        await reject(
          tx,
          { ...payload, courseId, orgId: envelope.orgId, traceparent: envelope.traceparent },
          target ? 'course_unavailable' : 'course_unknown',
        )
        continue
      }
      let orgId = envelope.orgId
      if (!orgId) {
        const [person] = await tx
          .select({ orgId: people.orgId })
          .from(people)
          .where(eq(people.userId, payload.userId))
        orgId = person?.orgId ?? target.orgId
      }
      try {
        const result = await enroll(tx, {
          userId: payload.userId,
          orgId,
          courseId,
          version: target.publishedVersion,
          source: 'order',
          sourceRef: payload.orderId,
          cohortId: null,
          expiresAt: null,
          reactivate: 'always',
          traceparent: envelope.traceparent,
        })
        log.info(
          { orderId: payload.orderId, courseId, enrollmentId: result.enrollment.id, changed: result.changed },
          'order enrollment',
        )
      } catch (err) {
        // enroll() only throws AppErrors before writing (enrolled through another organization).
        if (!(err instanceof AppError)) throw err
        log.error(
          { orderId: payload.orderId, courseId, userId: payload.userId, reason: err.message },
          'enrollment_impossible',
        )
        await reject(
          tx,
          { ...payload, courseId, orgId: envelope.orgId, traceparent: envelope.traceparent },
          'course_unavailable',
        )
      }
    }
  },
}) as EventHandler
