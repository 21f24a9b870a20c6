import type { CourseSnapshot, SnapshotLesson } from '../shared/snapshot.ts'
import { snapshotLessons } from '../shared/snapshot.ts'

/**
 * The prerequisites of a lesson the learner has not completed yet. A prerequisite id that is not a
 * lesson of the snapshot (a draft edit gone wrong) is ignored rather than locking the lesson forever.
 */
export function missingPrerequisites(
  snapshot: CourseSnapshot,
  lesson: SnapshotLesson,
  completed: ReadonlySet<string>,
): string[] {
  if (lesson.prerequisiteIds.length === 0) return []
  const known = new Set(snapshotLessons(snapshot).map((l) => l.id))
  return lesson.prerequisiteIds.filter((id) => known.has(id) && !completed.has(id))
}

/** Seconds of a video a learner must reach for it to complete (threshold × duration, rounded up). */
export function completionPoint(
  content: { durationSeconds: number; completionThreshold?: number },
  defaultThreshold: number,
): number {
  const t = content.completionThreshold
  const threshold = typeof t === 'number' && t > 0 && t <= 1 ? t : defaultThreshold
  return Math.ceil(Math.max(0, content.durationSeconds) * threshold)
}

/** Furthest a heartbeat may report beyond a video's length (players overshoot by a tick). */
export const HEARTBEAT_SLACK_SECONDS = 15

/** True when a reported position is plausible for a video of this length. */
export function positionAllowed(positionSeconds: number, durationSeconds: number): boolean {
  return (
    Number.isFinite(positionSeconds) &&
    positionSeconds >= 0 &&
    positionSeconds <= Math.max(0, durationSeconds) + HEARTBEAT_SLACK_SECONDS
  )
}
