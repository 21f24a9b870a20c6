import { AppError, writeEvent, type Principal, type Tx } from '@learnmesh/kernel'
import { learningCourseArchived, learningCoursePublished } from '@learnmesh/contracts'
import type { LearningDeps } from '../deps.ts'
import { outbox } from '../db/schema.ts'
import { isCourseAdmin } from '../shared/access.ts'
import type { CourseSnapshot, LessonType, SnapshotSection } from '../shared/snapshot.ts'
import type { CatalogRow, CourseRow, CoursesRepository } from './courses.repository.ts'
import type { DraftAccess, EditorRole } from './draft.ts'

/** Trace context of the request causing a change. */
export interface TraceMeta {
  /** W3C traceparent of the request, or null. */
  traceparent: string | null
}

/** A course after a workflow move, with the caller's relation to it. */
export interface WorkflowResult {
  course: CourseRow
  role: EditorRole
}

/** The status a course returns to when no review is pending: live courses stay `published`. */
function restingStatus(course: CourseRow): 'draft' | 'published' {
  return course.publishedVersion > 0 ? 'published' : 'draft'
}

const clearReview = { reviewRequestedAt: null, reviewRequestedBy: null }

/**
 * The publishing workflow: draft → in_review → published → archived (docs/authoring.md has the
 * state table). Publishing freezes the draft into the next immutable course_versions row,
 * projects it into catalog_entries and writes learning.course.published; learners enrolled in an
 * earlier version keep it.
 */
export function createPublishingService(
  deps: LearningDeps,
  shared: { repo: CoursesRepository; access: DraftAccess },
) {
  const { config, wakeRelay } = deps
  const { repo, access } = shared

  /** The draft as a snapshot for `version`; 422 when it has no lesson or a dangling reference. */
  async function buildSnapshot(tx: Tx, course: CourseRow, version: number): Promise<CourseSnapshot> {
    const sectionRows = await repo.listSections(tx, course.id)
    const lessonRows = await repo.listLessons(tx, course.id)
    if (lessonRows.length === 0)
      throw new AppError('unprocessable', 'A course needs at least one lesson to be published')
    for (const l of lessonRows) {
      const c = l.content
      if (c.type === 'quiz' && !(await repo.quizExists(tx, course.orgId, course.id, c.quizId)))
        throw new AppError('unprocessable', `Lesson '${l.title}' points at a quiz that no longer exists`)
      if (
        c.type === 'assignment' &&
        !(await repo.assignmentExists(tx, course.orgId, course.id, c.assignmentId))
      )
        throw new AppError(
          'unprocessable',
          `Lesson '${l.title}' points at an assignment that no longer exists`,
        )
    }
    const instructors = await repo.listInstructors(tx, course.id)
    const sections: SnapshotSection[] = sectionRows.map((s) => ({
      id: s.id,
      title: s.title,
      lessons: lessonRows
        .filter((l) => l.sectionId === s.id)
        .sort((a, b) => a.position - b.position || a.id.localeCompare(b.id))
        .map((l) => ({
          id: l.id,
          title: l.title,
          type: l.type as LessonType,
          durationSeconds: l.durationSeconds,
          content: l.content,
          prerequisiteIds: l.prerequisiteIds,
          isPreview: l.isPreview,
        })),
    }))
    return {
      courseId: course.id,
      version,
      title: course.title,
      subtitle: course.subtitle,
      description: course.description,
      level: course.level,
      language: course.language,
      categoryId: course.categoryId,
      tags: course.tags,
      instructorIds: instructors.map((i) => i.userId),
      sections,
    }
  }

  /** Publishes the locked course row's draft as its next version (inside the caller's transaction). */
  async function publishLocked(
    tx: Tx,
    principal: Principal,
    course: CourseRow,
    meta: TraceMeta,
  ): Promise<Partial<CourseRow>> {
    if (course.status === 'archived')
      throw new AppError('conflict', 'Unarchive the course before publishing it')
    if (course.publishedVersion > 0 && !course.hasUnpublishedChanges)
      throw new AppError('conflict', `Nothing changed since version ${course.publishedVersion}`)
    const version = course.publishedVersion + 1
    const snapshot = await buildSnapshot(tx, course, version)
    const now = new Date()
    await repo.insertVersion(tx, {
      courseId: course.id,
      version,
      orgId: course.orgId,
      snapshot,
      publishedBy: principal.userId,
      publishedAt: now,
    })
    const category = course.categoryId
      ? await repo.findCategory(tx, course.orgId, course.categoryId)
      : undefined
    const lessons = snapshot.sections.flatMap((s) => s.lessons)
    await repo.upsertCatalogEntry(tx, {
      courseId: course.id,
      orgId: course.orgId,
      visibility: course.visibility,
      slug: course.slug,
      title: course.title,
      subtitle: course.subtitle,
      description: course.description,
      categoryId: category ? category.id : null,
      categorySlug: category?.slug ?? null,
      categoryName: category?.name ?? null,
      tags: course.tags,
      level: course.level,
      language: course.language,
      priceMinor: course.priceMinor,
      currency: course.currency,
      instructorNames: await repo.namesOf(tx, snapshot.instructorIds),
      lessonCount: lessons.length,
      durationSeconds: lessons.reduce((sum, l) => sum + l.durationSeconds, 0),
      version,
      publishedAt: now,
    })
    await writeEvent(tx, outbox, learningCoursePublished, {
      aggregateId: course.id,
      orgId: course.orgId,
      traceparent: meta.traceparent,
      payload: {
        courseId: course.id,
        version,
        slug: course.slug,
        title: course.title,
        visibility: course.visibility === 'org' ? 'org' : 'public',
        ownerId: course.ownerId,
        instructorIds: snapshot.instructorIds,
        priceMinor: course.priceMinor,
        currency: course.currency,
        publishedBy: principal.userId,
      },
    })
    return {
      status: 'published',
      publishedVersion: version,
      hasUnpublishedChanges: false,
      reviewNote: null,
      ...clearReview,
    }
  }

  /** Runs a workflow move and wakes the relay when it wrote events. */
  async function move(
    principal: Principal,
    courseId: string,
    expected: number | undefined,
    options: { manage?: boolean },
    fn: (tx: Tx, course: CourseRow) => Promise<{ set: Partial<CourseRow>; events: boolean }>,
  ): Promise<WorkflowResult> {
    let events = false
    const { course, role } = await access.change(
      principal,
      courseId,
      expected,
      { anyState: true, ...options },
      async (tx, e) => {
        const r = await fn(tx, e.course)
        events = r.events
        return { value: null, set: r.set }
      },
    )
    if (events) wakeRelay()
    return { course, role }
  }

  function requireAdmin(principal: Principal, what: string): void {
    if (!isCourseAdmin(principal)) throw new AppError('forbidden', `Only an org admin can ${what}`)
  }

  function requirePending(course: CourseRow): void {
    if (!course.reviewRequestedAt) throw new AppError('conflict', 'No review is pending for this course')
  }

  return {
    /** Submits the draft for review (any editor). */
    async submit(principal: Principal, courseId: string, expected: number | undefined) {
      return move(principal, courseId, expected, {}, async (tx, course) => {
        if (course.status === 'archived') throw new AppError('conflict', 'Unarchive the course first')
        if (course.reviewRequestedAt)
          throw new AppError('conflict', 'The course is already waiting for review')
        if (course.publishedVersion > 0 && !course.hasUnpublishedChanges)
          throw new AppError('conflict', `Nothing changed since version ${course.publishedVersion}`)
        if ((await repo.prerequisiteGraph(tx, course.id)).size === 0)
          throw new AppError('unprocessable', 'A course needs at least one lesson to be published')
        return {
          set: {
            status: course.publishedVersion > 0 ? 'published' : 'in_review',
            reviewRequestedAt: new Date(),
            reviewRequestedBy: principal.userId,
          },
          events: false,
        }
      })
    },

    /** Withdraws a pending submission (any editor): the draft becomes editable again. */
    async withdraw(principal: Principal, courseId: string, expected: number | undefined) {
      return move(principal, courseId, expected, {}, async (_tx, course) => {
        requirePending(course)
        return { set: { status: restingStatus(course), ...clearReview }, events: false }
      })
    },

    /** Rejects a pending submission with a note (org admin). */
    async reject(principal: Principal, courseId: string, note: string, expected: number | undefined) {
      return move(principal, courseId, expected, {}, async (_tx, course) => {
        requireAdmin(principal, 'reject a course')
        requirePending(course)
        return {
          set: { status: restingStatus(course), reviewNote: note.trim(), ...clearReview },
          events: false,
        }
      })
    },

    /** Approves a pending submission: publishes it (org admin). */
    async approve(principal: Principal, courseId: string, expected: number | undefined, meta: TraceMeta) {
      return move(principal, courseId, expected, {}, async (tx, course) => {
        requireAdmin(principal, 'approve a course')
        requirePending(course)
        return { set: await publishLocked(tx, principal, course, meta), events: true }
      })
    },

    /**
     * Publishes directly: org admins always; other editors only when PUBLISH_REQUIRES_REVIEW is
     * false (otherwise 403: submit for review).
     */
    async publish(principal: Principal, courseId: string, expected: number | undefined, meta: TraceMeta) {
      const direct = isCourseAdmin(principal) || !config.PUBLISH_REQUIRES_REVIEW
      return move(principal, courseId, expected, {}, async (tx, course) => {
        if (!direct)
          throw new AppError('forbidden', 'Publishing needs an org admin’s review: submit the course')
        return { set: await publishLocked(tx, principal, course, meta), events: true }
      })
    },

    /**
     * Archives (owner or org admin): the catalog entry leaves (kept aside for unarchive), no new
     * enrollments; enrolled learners keep access. Cancels a pending review.
     */
    async archive(principal: Principal, courseId: string, expected: number | undefined, meta: TraceMeta) {
      return move(principal, courseId, expected, { manage: true }, async (tx, course) => {
        if (course.status === 'archived') throw new AppError('conflict', 'The course is already archived')
        const entry = await repo.findCatalogEntry(tx, course.id)
        if (entry) {
          await repo.deleteCatalogEntry(tx, course.id)
          await writeEvent(tx, outbox, learningCourseArchived, {
            aggregateId: course.id,
            orgId: course.orgId,
            traceparent: meta.traceparent,
            payload: { courseId: course.id, archivedBy: principal.userId },
          })
        }
        return {
          set: {
            status: 'archived',
            ...clearReview,
            archivedCatalogEntry: entry ? { ...entry, publishedAt: entry.publishedAt.toISOString() } : null,
          },
          events: Boolean(entry),
        }
      })
    },

    /** Unarchives (owner or org admin): the catalog entry returns as it was (counters kept). */
    async unarchive(principal: Principal, courseId: string, expected: number | undefined, meta: TraceMeta) {
      return move(principal, courseId, expected, { manage: true }, async (tx, course) => {
        if (course.status !== 'archived') throw new AppError('conflict', 'The course is not archived')
        const stash = course.archivedCatalogEntry as
          (Omit<CatalogRow, 'publishedAt'> & { publishedAt: string }) | null
        if (stash) {
          const entry: CatalogRow = { ...stash, publishedAt: new Date(stash.publishedAt) }
          await repo.upsertCatalogEntry(tx, entry)
          const version = await repo.findVersion(tx, course.id, entry.version)
          await writeEvent(tx, outbox, learningCoursePublished, {
            aggregateId: course.id,
            orgId: course.orgId,
            traceparent: meta.traceparent,
            payload: {
              courseId: course.id,
              version: entry.version,
              slug: entry.slug,
              title: entry.title,
              visibility: entry.visibility === 'org' ? 'org' : 'public',
              ownerId: course.ownerId,
              instructorIds: version?.snapshot.instructorIds ?? [course.ownerId],
              priceMinor: entry.priceMinor,
              currency: entry.currency,
              publishedBy: principal.userId,
            },
          })
        }
        return { set: { status: restingStatus(course), archivedCatalogEntry: null }, events: Boolean(stash) }
      })
    },
  }
}

/** The publishing service. */
export type PublishingService = ReturnType<typeof createPublishingService>
