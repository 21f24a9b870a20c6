import type { Enrollment } from '../shared/access.ts'
import type { CourseSnapshot, SnapshotLesson } from '../shared/snapshot.ts'
import { missingPrerequisites } from './lesson-state.ts'
import type { ProgressRow } from './progress.service.ts'

/** The outline of the enrolled version with the learner's state per lesson. */
export function presentOutline(input: {
  enrollment: Enrollment
  snapshot: CourseSnapshot
  progress: Map<string, ProgressRow>
  completed: Set<string>
}) {
  const { enrollment, snapshot, progress, completed } = input
  const last = enrollment.lastLessonId
  return {
    courseId: enrollment.courseId,
    enrollmentId: enrollment.id,
    version: enrollment.version,
    title: snapshot.title,
    progressPercent: enrollment.progressPercent,
    completedAt: enrollment.completedAt?.toISOString() ?? null,
    resume: last ? { lessonId: last, positionSeconds: progress.get(last)?.positionSeconds ?? 0 } : null,
    sections: snapshot.sections.map((s) => ({
      id: s.id,
      title: s.title,
      lessons: s.lessons.map((l) => {
        const p = progress.get(l.id)
        const missing = missingPrerequisites(snapshot, l, completed)
        return {
          id: l.id,
          title: l.title,
          type: l.type,
          durationSeconds: l.durationSeconds,
          completed: !!p?.completedAt,
          completedAt: p?.completedAt?.toISOString() ?? null,
          positionSeconds: p?.positionSeconds ?? 0,
          maxPositionSeconds: p?.maxPositionSeconds ?? 0,
          locked: missing.length > 0,
          missingPrerequisiteIds: missing,
        }
      }),
    })),
  }
}

/** One lesson's content for an enrolled learner. */
export function presentLesson(lesson: SnapshotLesson, progress: ProgressRow | undefined) {
  return {
    id: lesson.id,
    title: lesson.title,
    type: lesson.type,
    durationSeconds: lesson.durationSeconds,
    content: lesson.content,
    completed: !!progress?.completedAt,
    positionSeconds: progress?.positionSeconds ?? 0,
  }
}
