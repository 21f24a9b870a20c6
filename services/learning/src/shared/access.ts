import { and, eq } from 'drizzle-orm'
import { AppError, type DbOrTx, type Principal } from '@learnmesh/kernel'
import { courseInstructors, courses, courseVersions, enrollments } from '../db/schema.ts'
import type { CourseSnapshot } from './snapshot.ts'

/** An enrollment row. */
export type Enrollment = typeof enrollments.$inferSelect
/** A draft course row. */
export type Course = typeof courses.$inferSelect

// Published versions never change, so they are cached by (course, version) in process memory:
// a learner's every request reads its snapshot. Bounded; evicts the oldest entry.
const SNAPSHOT_CACHE_MAX = 500
const snapshotCache = new Map<string, CourseSnapshot>()

/** A published version's snapshot (cached: versions are immutable), or a 404. */
export async function loadSnapshot(db: DbOrTx, courseId: string, version: number): Promise<CourseSnapshot> {
  const key = `${courseId}@${version}`
  const cached = snapshotCache.get(key)
  if (cached) return cached
  const [row] = await db
    .select({ snapshot: courseVersions.snapshot })
    .from(courseVersions)
    .where(and(eq(courseVersions.courseId, courseId), eq(courseVersions.version, version)))
  if (!row) throw new AppError('not_found', 'Course version not found')
  if (snapshotCache.size >= SNAPSHOT_CACHE_MAX) snapshotCache.delete(snapshotCache.keys().next().value!)
  snapshotCache.set(key, row.snapshot)
  return row.snapshot
}

/** Why an enrollment gives no access right now, or null when it does. */
export function accessProblem(
  enrollment: Enrollment,
  cohortStartsAt: Date | null,
  now = new Date(),
): string | null {
  if (enrollment.status === 'revoked') return 'Your access to this course was revoked'
  if (enrollment.expiresAt && enrollment.expiresAt.getTime() <= now.getTime())
    return `Your access to this course expired on ${enrollment.expiresAt.toISOString()}`
  if (cohortStartsAt && cohortStartsAt.getTime() > now.getTime())
    return `Your cohort starts on ${cohortStartsAt.toISOString()}`
  return null
}

/** The caller's own enrollment in a course (any status), scoped to their organization, or undefined. */
export async function findOwnEnrollment(
  db: DbOrTx,
  principal: Principal,
  courseId: string,
): Promise<Enrollment | undefined> {
  const [row] = await db
    .select()
    .from(enrollments)
    .where(
      and(
        eq(enrollments.courseId, courseId),
        eq(enrollments.userId, principal.userId),
        eq(enrollments.orgId, principal.orgId),
      ),
    )
  return row
}

/**
 * The caller's enrollment in a course that gives access now, with the snapshot of the version it is
 * pinned to. Not enrolled (or another organization's enrollment) → 404; revoked, expired or a
 * cohort that has not started → 403 saying which.
 */
export async function requireActiveEnrollment(
  db: DbOrTx,
  principal: Principal,
  courseId: string,
  cohortStartsAt: (cohortId: string) => Promise<Date | null> = async () => null,
): Promise<{ enrollment: Enrollment; snapshot: CourseSnapshot }> {
  const found = await findOwnEnrollment(db, principal, courseId)
  const enrollment = requireAccess(found, found?.cohortId ? await cohortStartsAt(found.cohortId) : null)
  return { enrollment, snapshot: await loadSnapshot(db, courseId, enrollment.version) }
}

/**
 * The checks of `requireActiveEnrollment` for an enrollment the caller read itself (with its
 * cohort's start, null when none): none → 404; revoked, expired or cohort not started → 403.
 */
export function requireAccess(
  enrollment: Enrollment | null | undefined,
  cohortStartsAt: Date | null,
  now = new Date(),
): Enrollment {
  if (!enrollment) throw new AppError('not_found', 'Enrollment not found')
  const why = accessProblem(enrollment, enrollment.cohortId ? cohortStartsAt : null, now)
  if (why) throw new AppError('forbidden', why)
  return enrollment
}

/** True for org admins and platform admins: they manage every course of their organization. */
export function isCourseAdmin(principal: Principal): boolean {
  return principal.platformAdmin || principal.roles.includes('org_admin')
}

/**
 * The draft course the caller may edit: its owner, a co-instructor, or an org admin of its
 * organization. Any other caller gets a 404, as if it did not exist (drafts are private).
 */
export async function requireEditableCourse(
  db: DbOrTx,
  principal: Principal,
  courseId: string,
): Promise<Course> {
  const [course] = await db
    .select()
    .from(courses)
    .where(and(eq(courses.id, courseId), eq(courses.orgId, principal.orgId)))
  if (!course) throw new AppError('not_found', 'Course not found')
  if (isCourseAdmin(principal)) return course
  const [member] = await db
    .select({ userId: courseInstructors.userId })
    .from(courseInstructors)
    .where(and(eq(courseInstructors.courseId, courseId), eq(courseInstructors.userId, principal.userId)))
  if (!member) throw new AppError('not_found', 'Course not found')
  return course
}

/**
 * The ids of the courses a user owns or co-teaches in an organization, as a subquery (for
 * `inArray(x.courseId, …)`): the list form of `requireEditableCourse` without its org-admin rule,
 * which callers apply themselves.
 */
export function taughtCourseIds(db: DbOrTx, orgId: string, userId: string) {
  return db
    .select({ id: courseInstructors.courseId })
    .from(courseInstructors)
    .where(and(eq(courseInstructors.userId, userId), eq(courseInstructors.orgId, orgId)))
}
