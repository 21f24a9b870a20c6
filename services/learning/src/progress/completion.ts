import { and, eq, isNotNull, sql } from 'drizzle-orm'
import { writeEvent, type Tx } from '@learnmesh/kernel'
import { learningCourseCompleted, learningProgressUpdated } from '@learnmesh/contracts'
import { enrollments, lessonProgress, outbox } from '../db/schema.ts'
import type { Enrollment } from '../shared/access.ts'
import { snapshotLessons, type CourseSnapshot } from '../shared/snapshot.ts'

/** What completing a lesson changed. */
export interface CompletionResult {
  /** False when the lesson was already complete (nothing changed, no event). */
  changed: boolean
  progressPercent: number
  /** True when this completion finished the course. */
  courseCompleted: boolean
}

/**
 * Marks a lesson of an enrollment complete inside the caller's transaction (quizzes call it on a
 * passing attempt, assignments on a passing grade, progress on a watched video or a read text).
 * Recomputes the course percentage over the enrolled version's lessons, writes
 * learning.progress.updated and, when every lesson is done, sets completed_at and writes
 * learning.course.completed. Idempotent: completing a completed lesson changes nothing.
 * The caller wakes the relay after commit.
 */
export async function completeLesson(
  tx: Tx,
  input: { enrollment: Enrollment; snapshot: CourseSnapshot; lessonId: string; traceparent?: string | null },
): Promise<CompletionResult> {
  const { enrollment, snapshot, lessonId } = input
  const now = new Date()
  const inserted = await tx
    .insert(lessonProgress)
    .values({
      enrollmentId: enrollment.id,
      lessonId,
      orgId: enrollment.orgId,
      userId: enrollment.userId,
      completedAt: now,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: [lessonProgress.enrollmentId, lessonProgress.lessonId],
      set: { completedAt: now, updatedAt: now },
      setWhere: sql`${lessonProgress.completedAt} is null`,
    })
    .returning({ lessonId: lessonProgress.lessonId })
  if (inserted.length === 0) {
    return { changed: false, progressPercent: enrollment.progressPercent, courseCompleted: false }
  }
  const lessonIds = new Set(snapshotLessons(snapshot).map((l) => l.id))
  const done = await tx
    .select({ lessonId: lessonProgress.lessonId })
    .from(lessonProgress)
    .where(and(eq(lessonProgress.enrollmentId, enrollment.id), isNotNull(lessonProgress.completedAt)))
  const completedCount = done.filter((d) => lessonIds.has(d.lessonId)).length
  const percent = lessonIds.size === 0 ? 100 : Math.floor((completedCount * 100) / lessonIds.size)
  const finished = completedCount >= lessonIds.size && enrollment.completedAt === null
  await tx
    .update(enrollments)
    .set({
      progressPercent: percent,
      lastLessonId: lessonId,
      lastActivityAt: now,
      ...(finished ? { completedAt: now } : {}),
    })
    .where(eq(enrollments.id, enrollment.id))
  const meta = { orgId: enrollment.orgId, traceparent: input.traceparent ?? null }
  await writeEvent(tx, outbox, learningProgressUpdated, {
    aggregateId: enrollment.id,
    ...meta,
    payload: {
      enrollmentId: enrollment.id,
      courseId: enrollment.courseId,
      userId: enrollment.userId,
      lessonId,
      progressPercent: percent,
    },
  })
  if (finished) {
    await writeEvent(tx, outbox, learningCourseCompleted, {
      aggregateId: enrollment.id,
      ...meta,
      payload: {
        enrollmentId: enrollment.id,
        courseId: enrollment.courseId,
        userId: enrollment.userId,
        courseVersion: enrollment.version,
        completedAt: now.toISOString(),
      },
    })
  }
  return { changed: true, progressPercent: percent, courseCompleted: finished }
}
