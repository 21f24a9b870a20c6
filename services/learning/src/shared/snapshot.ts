/**
 * The shape of lesson content and of a published course version. A published version is an
 * immutable JSON snapshot (course_versions.snapshot): enrolled learners keep studying the version
 * they enrolled in while instructors edit the draft, and everything a learner reads (outline,
 * lesson content, prerequisites, which quiz or assignment a lesson holds) comes from it.
 */

/** The lesson types; anything else is a 400. */
export const LESSON_TYPES = ['video', 'text', 'quiz', 'assignment', 'resource'] as const
/** A lesson type. */
export type LessonType = (typeof LESSON_TYPES)[number]

/** Content of a video lesson. */
export interface VideoContent {
  type: 'video'
  /** Playback URL (or a media asset reference once the media service exists). */
  url: string
  /** Video length in seconds. */
  durationSeconds: number
  /** Share of the video that must be watched for the lesson to complete (0–1). */
  completionThreshold: number
}
/** Content of a text lesson: markdown. */
export interface TextContent {
  type: 'text'
  markdown: string
}
/** A quiz lesson points at a quiz of the same course. */
export interface QuizContent {
  type: 'quiz'
  quizId: string
}
/** An assignment lesson points at an assignment of the same course. */
export interface AssignmentContent {
  type: 'assignment'
  assignmentId: string
}
/** A downloadable resource. */
export interface ResourceContent {
  type: 'resource'
  url: string
  fileName: string
  sizeBytes: number | null
}
/** Lesson content, discriminated by `type` (equal to the lesson's type). */
export type LessonContent = VideoContent | TextContent | QuizContent | AssignmentContent | ResourceContent

/** A lesson as frozen in a published version. */
export interface SnapshotLesson {
  id: string
  title: string
  type: LessonType
  durationSeconds: number
  content: LessonContent
  prerequisiteIds: string[]
  isPreview: boolean
}
/** A section as frozen in a published version. */
export interface SnapshotSection {
  id: string
  title: string
  lessons: SnapshotLesson[]
}
/** A published course version. */
export interface CourseSnapshot {
  courseId: string
  version: number
  title: string
  subtitle: string
  description: string
  level: string
  language: string
  categoryId: string | null
  tags: string[]
  instructorIds: string[]
  sections: SnapshotSection[]
}

/** Every lesson of a snapshot in course order. */
export function snapshotLessons(snapshot: CourseSnapshot): SnapshotLesson[] {
  return snapshot.sections.flatMap((s) => s.lessons)
}

/** A lesson of a snapshot by id, or undefined. */
export function findSnapshotLesson(snapshot: CourseSnapshot, lessonId: string): SnapshotLesson | undefined {
  for (const s of snapshot.sections) for (const l of s.lessons) if (l.id === lessonId) return l
  return undefined
}
