import { AppError, type Database, type Principal, type Tx } from '@learnmesh/kernel'
import { isCourseAdmin } from '../shared/access.ts'
import type { CourseRow, CoursesRepository } from './courses.repository.ts'

/** The caller's relation to a course they may edit. */
export type EditorRole = 'owner' | 'co_instructor' | 'admin'

/** A course the caller may edit, and why. */
export interface Editable {
  course: CourseRow
  role: EditorRole
}

/** What a change of the course row does besides bumping the revision. */
export interface ChangeOptions {
  /** Only the owner or an org admin (co-instructors get a 403). */
  manage?: boolean
  /** A change of the draft's content: sets hasUnpublishedChanges (workflow moves do not). */
  draft?: boolean
  /** Allowed on an archived course or one waiting for review (workflow moves decide themselves). */
  anyState?: boolean
}

/** A change's result: a value for the response and fields to set on the course row. */
export interface ChangeResult<T> {
  value: T
  set?: Partial<CourseRow>
}

/**
 * The one gate every authoring write goes through: in a transaction, lock the course row (so
 * concurrent writes to one course serialize), check the caller may edit it (others' → 404, as if
 * it did not exist), that the state allows edits, and the expected revision; run the change; then
 * bump `revision` and `updatedAt` (and `hasUnpublishedChanges` for draft content) in the same
 * transaction. A thrown error rolls everything back.
 */
export function createDraftAccess(database: Database, repo: CoursesRepository) {
  /** The course the caller may edit with their role there, or a 404. */
  async function editable(tx: Tx, principal: Principal, courseId: string, lock = false): Promise<Editable> {
    const course = await repo.findCourse(tx, principal.orgId, courseId, lock)
    if (!course) throw new AppError('not_found', 'Course not found')
    const member = await repo.findInstructor(tx, courseId, principal.userId)
    if (member) return { course, role: member.role === 'owner' ? 'owner' : 'co_instructor' }
    if (isCourseAdmin(principal)) return { course, role: 'admin' }
    throw new AppError('not_found', 'Course not found')
  }

  /** True for the owner and org admins: they delete, archive and manage instructors. */
  function canManage(principal: Principal, e: Editable): boolean {
    return e.role === 'owner' || isCourseAdmin(principal)
  }

  /** Throws when the course's state forbids editing its draft. */
  function assertEditableState(course: CourseRow): void {
    if (course.status === 'archived')
      throw new AppError('conflict', 'This course is archived and read-only; unarchive it to edit')
    if (course.reviewRequestedAt)
      throw new AppError('conflict', 'This course is waiting for review; withdraw the submission to edit it')
  }

  /** Throws a 409 when the caller's expected revision is not the current one. */
  function assertRevision(course: CourseRow, expected: number | undefined): void {
    if (expected !== undefined && expected !== course.revision)
      throw new AppError(
        'conflict',
        `The course changed since revision ${expected} (now ${course.revision}); reload and retry`,
        { currentRevision: course.revision },
      )
  }

  /** Runs a change of a course (see the factory's doc); returns its value and the updated row. */
  async function change<T>(
    principal: Principal,
    courseId: string,
    expected: number | undefined,
    options: ChangeOptions,
    fn: (tx: Tx, e: Editable) => Promise<ChangeResult<T>>,
  ): Promise<{ value: T; course: CourseRow; role: EditorRole }> {
    return database.db.transaction(async (tx) => {
      const e = await editable(tx, principal, courseId, true)
      if (options.manage && !canManage(principal, e))
        throw new AppError('forbidden', 'Only the course owner or an org admin can do this')
      if (!options.anyState) assertEditableState(e.course)
      assertRevision(e.course, expected)
      const { value, set } = await fn(tx, e)
      const course = await repo.updateCourse(tx, principal.orgId, courseId, {
        ...set,
        revision: e.course.revision + 1,
        updatedAt: new Date(),
        ...(options.draft ? { hasUnpublishedChanges: true } : {}),
      })
      return { value, course, role: e.role }
    })
  }

  return { editable, canManage, change }
}

/** The draft gate. */
export type DraftAccess = ReturnType<typeof createDraftAccess>
