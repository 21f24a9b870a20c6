import Type from 'typebox'
import { defineEvent } from './envelope.ts'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/** A course version was published (first publication or a new version). */
export const learningCoursePublished = defineEvent({
  type: 'learning.course.published',
  version: 1,
  producer: 'learning',
  description:
    'A course version went live in the catalog. Commerce may create its product, search indexes it; learners enrolled earlier stay on their version.',
  payload: Type.Object({
    courseId: Type.String(),
    version: Type.Integer({ minimum: 1 }),
    slug: Type.String(),
    title: Type.String(),
    visibility: Type.Union([Type.Literal('public'), Type.Literal('org')]),
    ownerId: Type.String(),
    instructorIds: Type.Array(Type.String()),
    /** Display price reference in minor units (0 = free); commerce owns the real price. */
    priceMinor: Type.Integer({ minimum: 0 }),
    currency: Type.String(),
    publishedBy: Type.String(),
  }),
})

/** A course was archived: no new enrollments; enrolled learners keep access. */
export const learningCourseArchived = defineEvent({
  type: 'learning.course.archived',
  version: 1,
  producer: 'learning',
  description: 'A course left the catalog. Existing enrollments keep their access.',
  payload: Type.Object({ courseId: Type.String(), archivedBy: Type.String() }),
})

/** A learner got access to a course. */
export const learningEnrollmentCreated = defineEvent({
  type: 'learning.enrollment.created',
  version: 1,
  producer: 'learning',
  description: 'A learner was enrolled (free course, paid order, admin grant or subscription).',
  payload: Type.Object({
    enrollmentId: Type.String(),
    courseId: Type.String(),
    userId: Type.String(),
    courseVersion: Type.Integer({ minimum: 1 }),
    source: Type.Union([
      Type.Literal('free'),
      Type.Literal('order'),
      Type.Literal('grant'),
      Type.Literal('subscription'),
    ]),
    /** The order id for paid enrollments, the granting admin for grants. */
    sourceRef: Nullable(Type.String()),
    cohortId: Nullable(Type.String()),
    expiresAt: Nullable(Type.String({ format: 'date-time' })),
  }),
})

/** A learner lost access to a course (admin revoke or refund). */
export const learningEnrollmentRevoked = defineEvent({
  type: 'learning.enrollment.revoked',
  version: 1,
  producer: 'learning',
  description: 'An enrollment was revoked by an org admin or because its payment was refunded.',
  payload: Type.Object({
    enrollmentId: Type.String(),
    courseId: Type.String(),
    userId: Type.String(),
    reason: Type.Union([Type.Literal('admin'), Type.Literal('refund')]),
  }),
})

/** A learner completed a lesson (course progress changed). Not sent per video heartbeat. */
export const learningProgressUpdated = defineEvent({
  type: 'learning.progress.updated',
  version: 1,
  producer: 'learning',
  description: 'A lesson was completed; carries the course percentage. Heartbeats do not produce events.',
  payload: Type.Object({
    enrollmentId: Type.String(),
    courseId: Type.String(),
    userId: Type.String(),
    lessonId: Type.String(),
    progressPercent: Type.Integer({ minimum: 0, maximum: 100 }),
  }),
})

/** A learner completed every lesson of a course. */
export const learningCourseCompleted = defineEvent({
  type: 'learning.course.completed',
  version: 1,
  producer: 'learning',
  description: 'Every lesson of the enrolled version is complete; a certificate follows.',
  payload: Type.Object({
    enrollmentId: Type.String(),
    courseId: Type.String(),
    userId: Type.String(),
    courseVersion: Type.Integer({ minimum: 1 }),
    completedAt: Type.String({ format: 'date-time' }),
  }),
})

/** A quiz attempt was graded. */
export const learningQuizGraded = defineEvent({
  type: 'learning.quiz.graded',
  version: 1,
  producer: 'learning',
  description: 'A quiz attempt was submitted (or timed out) and auto-graded.',
  payload: Type.Object({
    attemptId: Type.String(),
    quizId: Type.String(),
    courseId: Type.String(),
    userId: Type.String(),
    score: Type.Integer({ minimum: 0 }),
    maxScore: Type.Integer({ minimum: 0 }),
    passed: Type.Boolean(),
  }),
})

/** An assignment submission was graded. */
export const learningSubmissionGraded = defineEvent({
  type: 'learning.submission.graded',
  version: 1,
  producer: 'learning',
  description: 'An instructor graded an assignment submission; the learner is notified.',
  payload: Type.Object({
    submissionId: Type.String(),
    assignmentId: Type.String(),
    courseId: Type.String(),
    userId: Type.String(),
    score: Type.Integer({ minimum: 0 }),
    maxScore: Type.Integer({ minimum: 0 }),
    gradedBy: Type.String(),
  }),
})

/** A certificate of completion was issued. */
export const learningCertificateIssued = defineEvent({
  type: 'learning.certificate.issued',
  version: 1,
  producer: 'learning',
  description: 'A certificate (PDF + Open Badges 3.0 credential) exists; anyone can verify it by its code.',
  payload: Type.Object({
    certificateId: Type.String(),
    code: Type.String(),
    courseId: Type.String(),
    userId: Type.String(),
    enrollmentId: Type.String(),
    verifyUrl: Type.String(),
  }),
})

/** A paid order could not become an enrollment (course withdrawn): commerce compensates with a refund. */
export const learningEnrollmentRejected = defineEvent({
  type: 'learning.enrollment.rejected',
  version: 1,
  producer: 'learning',
  description:
    'commerce.order.paid named a course that can no longer be enrolled in (archived, deleted, unknown). Commerce refunds the line (saga compensation).',
  payload: Type.Object({
    orderId: Type.String(),
    courseId: Type.String(),
    userId: Type.String(),
    reason: Type.Union([Type.Literal('course_unavailable'), Type.Literal('course_unknown')]),
  }),
})

/** A certificate was revoked by an org admin: it now verifies as revoked. */
export const learningCertificateRevoked = defineEvent({
  type: 'learning.certificate.revoked',
  version: 1,
  producer: 'learning',
  description: 'An org admin revoked a certificate; public verification now reports it as revoked.',
  payload: Type.Object({
    certificateId: Type.String(),
    code: Type.String(),
    courseId: Type.String(),
    userId: Type.String(),
    revokedBy: Type.String(),
  }),
})
