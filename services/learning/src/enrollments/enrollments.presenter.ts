import type { CohortRow, EnrollmentView } from './enrollments.repository.ts'
import { enrollmentStatus } from './status.ts'

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null)

/** An enrollment with its computed status, cohort and resume point. */
export function presentEnrollment(row: EnrollmentView, now = new Date()) {
  return {
    id: row.id,
    orgId: row.orgId,
    courseId: row.courseId,
    courseTitle: row.courseTitle,
    userId: row.userId,
    displayName: row.displayName,
    version: row.version,
    source: row.source,
    sourceRef: row.sourceRef,
    status: enrollmentStatus(row, row.cohortStartsAt, now),
    cohort:
      row.cohortId && row.cohortStartsAt
        ? { id: row.cohortId, name: row.cohortName ?? '', startsAt: row.cohortStartsAt.toISOString() }
        : null,
    expiresAt: iso(row.expiresAt),
    enrolledAt: row.enrolledAt.toISOString(),
    revokedAt: iso(row.revokedAt),
    completedAt: iso(row.completedAt),
    progressPercent: row.progressPercent,
    resume: row.lastLessonId
      ? {
          lessonId: row.lastLessonId,
          positionSeconds: row.resumePositionSeconds ?? 0,
          at: iso(row.lastActivityAt),
        }
      : null,
  }
}

/** A cohort with its taken seats. */
export function presentCohort(row: CohortRow & { seatsTaken: number }) {
  return {
    id: row.id,
    courseId: row.courseId,
    name: row.name,
    startsAt: row.startsAt.toISOString(),
    endsAt: iso(row.endsAt),
    capacity: row.capacity,
    seatsTaken: row.seatsTaken,
  }
}
