import { snapshotLessons } from '../shared/snapshot.ts'
import type { CourseRow, InstructorRow, LessonRow, SectionRow, VersionRow } from './courses.repository.ts'
import type { EditorRole } from './draft.ts'

/** A course's metadata and workflow state for its editors (never the archived-catalog stash). */
export function presentCourse(row: CourseRow, myRole: EditorRole) {
  return {
    id: row.id,
    orgId: row.orgId,
    slug: row.slug,
    title: row.title,
    subtitle: row.subtitle,
    description: row.description,
    categoryId: row.categoryId,
    tags: row.tags,
    level: row.level,
    language: row.language,
    priceMinor: row.priceMinor,
    currency: row.currency,
    visibility: row.visibility,
    status: row.status,
    ownerId: row.ownerId,
    publishedVersion: row.publishedVersion,
    hasUnpublishedChanges: row.hasUnpublishedChanges,
    review: {
      pending: row.reviewRequestedAt !== null,
      requestedAt: row.reviewRequestedAt?.toISOString() ?? null,
      requestedBy: row.reviewRequestedBy,
      note: row.reviewNote,
    },
    revision: row.revision,
    myRole,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

/** A draft lesson. */
export function presentLesson(row: LessonRow) {
  return {
    id: row.id,
    sectionId: row.sectionId,
    type: row.type,
    title: row.title,
    position: row.position,
    durationSeconds: row.durationSeconds,
    content: row.content as unknown as Record<string, unknown>,
    prerequisiteIds: row.prerequisiteIds,
    isPreview: row.isPreview,
  }
}

/** A section with its lessons in order. */
export function presentSection(row: SectionRow, lessons: LessonRow[]) {
  return {
    id: row.id,
    title: row.title,
    position: row.position,
    lessons: lessons
      .filter((l) => l.sectionId === row.id)
      .sort((a, b) => a.position - b.position || a.id.localeCompare(b.id))
      .map(presentLesson),
  }
}

/** An instructor with their name ('' when learning has not heard of them). */
export function presentInstructor(row: InstructorRow & { displayName: string | null }) {
  return {
    userId: row.userId,
    role: row.role,
    displayName: row.displayName ?? '',
    addedAt: row.addedAt.toISOString(),
  }
}

/** The full draft tree for editors. */
export function presentTree(input: {
  course: CourseRow
  role: EditorRole
  sections: SectionRow[]
  lessons: LessonRow[]
  instructors: (InstructorRow & { displayName: string | null })[]
}) {
  return {
    ...presentCourse(input.course, input.role),
    instructors: input.instructors.map(presentInstructor),
    sections: input.sections.map((s) => presentSection(s, input.lessons)),
    lessonCount: input.lessons.length,
    durationSeconds: input.lessons.reduce((sum, l) => sum + l.durationSeconds, 0),
  }
}

/** A published version, summarized. */
export function presentVersionSummary(row: VersionRow) {
  return {
    version: row.version,
    title: row.snapshot.title,
    lessonCount: snapshotLessons(row.snapshot).length,
    publishedBy: row.publishedBy,
    publishedAt: row.publishedAt.toISOString(),
  }
}

/** A published version with its snapshot. */
export function presentVersion(row: VersionRow) {
  return {
    ...presentVersionSummary(row),
    snapshot: row.snapshot as unknown as Record<string, unknown>,
  }
}
