import { and, eq } from 'drizzle-orm'
import { AppError, type Principal } from '@learnmesh/kernel'
import { enrollments, lessonProgress } from '../db/schema.ts'
import type { LearningDeps } from '../deps.ts'
import { requireActiveEnrollment, type Enrollment } from '../shared/access.ts'
import { findSnapshotLesson, type CourseSnapshot, type SnapshotLesson } from '../shared/snapshot.ts'
import { createEnrollmentsRepository } from '../enrollments/enrollments.repository.ts'
import { completeLesson, type CompletionResult } from './completion.ts'
import { missingPrerequisites } from './lesson-state.ts'

const repo = createEnrollmentsRepository()

/** A lesson_progress row. */
export type ProgressRow = typeof lessonProgress.$inferSelect

/** Lessons that complete elsewhere, and where. */
const completesElsewhere: Partial<Record<SnapshotLesson['type'], string>> = {
  video: 'A video lesson completes when enough of it has been watched (heartbeats)',
  quiz: 'A quiz lesson completes when an attempt passes the quiz',
  assignment: 'An assignment lesson completes when a submission is graded as passing',
}

/**
 * What an enrolled learner studies: the outline of their version with per-lesson state, one
 * lesson's content, and completing text and resource lessons. Every call goes through
 * requireActiveEnrollment (404 not enrolled or another org's; 403 revoked, expired, cohort not started).
 */
export function createProgressService(deps: LearningDeps) {
  const db = deps.database.db

  async function active(principal: Principal, courseId: string) {
    return requireActiveEnrollment(db, principal, courseId, (cohortId) => repo.cohortStartsAt(db, cohortId))
  }

  async function progressOf(enrollmentId: string): Promise<Map<string, ProgressRow>> {
    const rows = await db.select().from(lessonProgress).where(eq(lessonProgress.enrollmentId, enrollmentId))
    return new Map(rows.map((r) => [r.lessonId, r]))
  }

  function completedSet(progress: Map<string, ProgressRow>): Set<string> {
    return new Set([...progress.values()].filter((r) => r.completedAt).map((r) => r.lessonId))
  }

  function lessonOrThrow(snapshot: CourseSnapshot, lessonId: string): SnapshotLesson {
    const lesson = findSnapshotLesson(snapshot, lessonId)
    if (!lesson) throw new AppError('not_found', 'Lesson not found in your version of this course')
    return lesson
  }

  function assertUnlocked(snapshot: CourseSnapshot, lesson: SnapshotLesson, completed: Set<string>): void {
    const missing = missingPrerequisites(snapshot, lesson, completed)
    if (missing.length === 0) return
    const titles = missing.map((id) => findSnapshotLesson(snapshot, id)?.title ?? id)
    throw new AppError('forbidden', `Complete these lessons first: ${titles.join(', ')}`, {
      missingPrerequisiteIds: missing,
    })
  }

  return {
    /** The enrolled version's outline with each lesson's state, the course percentage and the resume point. */
    async outline(principal: Principal, courseId: string) {
      const { enrollment, snapshot } = await active(principal, courseId)
      const progress = await progressOf(enrollment.id)
      return { enrollment, snapshot, progress, completed: completedSet(progress) }
    },

    /** One lesson of the enrolled version, unless prerequisites lock it (403 naming them). */
    async lesson(principal: Principal, courseId: string, lessonId: string) {
      const { enrollment, snapshot } = await active(principal, courseId)
      const lesson = lessonOrThrow(snapshot, lessonId)
      const progress = await progressOf(enrollment.id)
      assertUnlocked(snapshot, lesson, completedSet(progress))
      return { enrollment, lesson, progress: progress.get(lesson.id) }
    },

    /** Marks a text or resource lesson complete (video, quiz and assignment lessons complete elsewhere: 409). */
    async complete(
      principal: Principal,
      courseId: string,
      lessonId: string,
      meta: { traceparent: string | null },
    ): Promise<{ enrollment: Enrollment; result: CompletionResult }> {
      const { enrollment, snapshot } = await active(principal, courseId)
      const lesson = lessonOrThrow(snapshot, lessonId)
      const elsewhere = completesElsewhere[lesson.type]
      if (elsewhere) throw new AppError('conflict', elsewhere)
      assertUnlocked(snapshot, lesson, completedSet(await progressOf(enrollment.id)))
      const result = await db.transaction(async (tx) => {
        // Lock the enrollment so two completions cannot both decide they finished the course.
        const [locked] = await tx
          .select()
          .from(enrollments)
          .where(and(eq(enrollments.id, enrollment.id), eq(enrollments.orgId, principal.orgId)))
          .for('update')
        return completeLesson(tx, {
          enrollment: locked ?? enrollment,
          snapshot,
          lessonId,
          traceparent: meta.traceparent,
        })
      })
      if (result.changed) deps.wakeRelay()
      return { enrollment, result }
    },
  }
}

/** The progress service type. */
export type ProgressService = ReturnType<typeof createProgressService>
