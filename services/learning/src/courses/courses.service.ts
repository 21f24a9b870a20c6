import { AppError, newId, type Principal, type Tx } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { isCourseAdmin } from '../shared/access.ts'
import { createCoursesRepository, type CourseRow, type CoursesRepository } from './courses.repository.ts'
import { createDraftAccess, type DraftAccess, type EditorRole } from './draft.ts'
import { normalizeCurrency, normalizeLanguage, normalizeTags, slugify } from './normalize.ts'

/** Course metadata an editor may set. */
export interface CourseMetadataInput {
  title?: string
  slug?: string
  subtitle?: string
  description?: string
  categoryId?: string | null
  tags?: string[]
  level?: 'beginner' | 'intermediate' | 'advanced' | 'all_levels'
  language?: string
  priceMinor?: number
  currency?: string
  visibility?: 'public' | 'org'
}

/** A course row with the caller's relation to it. */
export interface CourseView {
  course: CourseRow
  role: EditorRole
}

/**
 * Normalized metadata: tags, language and currency canonicalized, the category checked to exist
 * in the organization (422 otherwise).
 */
async function normalizeMetadata(
  tx: Tx,
  repo: CoursesRepository,
  orgId: string,
  input: CourseMetadataInput,
): Promise<Partial<CourseRow>> {
  const out: Partial<CourseRow> = {}
  if (input.title !== undefined) out.title = input.title.trim()
  if (input.subtitle !== undefined) out.subtitle = input.subtitle.trim()
  if (input.description !== undefined) out.description = input.description
  if (input.tags !== undefined) out.tags = normalizeTags(input.tags)
  if (input.level !== undefined) out.level = input.level
  if (input.language !== undefined) out.language = normalizeLanguage(input.language)
  if (input.priceMinor !== undefined) out.priceMinor = input.priceMinor
  if (input.currency !== undefined) out.currency = normalizeCurrency(input.currency)
  if (input.visibility !== undefined) out.visibility = input.visibility
  if (input.categoryId !== undefined) {
    if (input.categoryId !== null && !(await repo.findCategory(tx, orgId, input.categoryId, true)))
      throw new AppError('unprocessable', 'No such category in this organization')
    out.categoryId = input.categoryId
  }
  return out
}

/**
 * Courses as authored: creation, the editor's list and tree, metadata, deletion, co-instructors,
 * ownership and version history. Every write goes through the draft gate (draft.ts).
 */
export function createCoursesService(
  deps: LearningDeps,
  shared?: { repo: CoursesRepository; access: DraftAccess },
) {
  const { database } = deps
  const repo = shared?.repo ?? createCoursesRepository()
  const access = shared?.access ?? createDraftAccess(database, repo)

  return {
    /** Creates a draft course owned by the caller (slug from the title unless given; 409 when taken). */
    async create(principal: Principal, input: CourseMetadataInput & { title: string }): Promise<CourseView> {
      const slug = input.slug ?? slugify(input.title)
      const course = await database.db.transaction(async (tx) => {
        const meta = await normalizeMetadata(tx, repo, principal.orgId, input)
        const now = new Date()
        const created = await repo.insertCourse(tx, {
          ...meta,
          id: newId('crs'),
          orgId: principal.orgId,
          slug,
          title: input.title.trim(),
          ownerId: principal.userId,
          status: 'draft',
          createdAt: now,
          updatedAt: now,
        })
        if (!created)
          throw new AppError(
            'conflict',
            `A course with the slug '${slug}' already exists in this organization`,
            {
              slug,
            },
          )
        await repo.upsertInstructor(tx, {
          courseId: created.id,
          userId: principal.userId,
          orgId: principal.orgId,
          role: 'owner',
        })
        return created
      })
      return { course, role: 'owner' }
    },

    /**
     * A page of courses: the caller's own and co-taught ones; org admins see every course of the
     * organization.
     */
    async list(
      principal: Principal,
      page: { limit: number; after?: string; status?: string; reviewPending?: boolean },
    ): Promise<{ items: CourseView[]; nextCursor: string | null }> {
      const admin = isCourseAdmin(principal)
      const rows = await repo.listCourses(database.db, {
        orgId: principal.orgId,
        ...(admin ? {} : { userId: principal.userId }),
        ...(page.status ? { status: page.status } : {}),
        ...(page.reviewPending ? { reviewPending: true } : {}),
        ...(page.after ? { after: page.after } : {}),
        limit: page.limit + 1,
      })
      const items = rows.slice(0, page.limit)
      const roles = await repo.rolesOf(
        database.db,
        principal.userId,
        items.map((c) => c.id),
      )
      return {
        items: items.map((course) => ({
          course,
          role: (roles.get(course.id) as EditorRole | undefined) ?? 'admin',
        })),
        nextCursor: rows.length > page.limit ? items[items.length - 1]!.id : null,
      }
    },

    /** The full draft (sections → lessons with content) and instructors, for editors. */
    async tree(principal: Principal, courseId: string) {
      return database.db.transaction(async (tx) => {
        const e = await access.editable(tx, principal, courseId)
        const sections = await repo.listSections(tx, courseId)
        const lessons = await repo.listLessons(tx, courseId)
        const instructors = await repo.listInstructors(tx, courseId)
        return { ...e, sections, lessons, instructors }
      })
    },

    /** Updates metadata (optimistic concurrency on `revision`). */
    async update(
      principal: Principal,
      courseId: string,
      input: CourseMetadataInput,
      expected: number | undefined,
    ): Promise<CourseView> {
      if (Object.keys(input).length === 0) throw new AppError('bad_request', 'Nothing to change')
      const { course, role } = await access.change(
        principal,
        courseId,
        expected,
        { draft: true },
        async (tx, e) => {
          const set = await normalizeMetadata(tx, repo, principal.orgId, input)
          if (input.slug !== undefined && input.slug !== e.course.slug) {
            if (e.course.publishedVersion > 0)
              throw new AppError(
                'conflict',
                'The slug of a published course cannot change (links point to it)',
              )
            if (await repo.slugTaken(tx, principal.orgId, input.slug, courseId))
              throw new AppError(
                'conflict',
                `A course with the slug '${input.slug}' already exists in this organization`,
              )
            set.slug = input.slug
          }
          return { value: null, set }
        },
      )
      return { course, role }
    },

    /** Deletes a never-published course (owner or org admin); a published one must be archived. */
    async remove(principal: Principal, courseId: string, expected: number | undefined): Promise<void> {
      await database.db.transaction(async (tx) => {
        const e = await access.editable(tx, principal, courseId, true)
        if (!access.canManage(principal, e))
          throw new AppError('forbidden', 'Only the course owner or an org admin can delete a course')
        if (expected !== undefined && expected !== e.course.revision)
          throw new AppError('conflict', `The course changed since revision ${expected}; reload and retry`, {
            currentRevision: e.course.revision,
          })
        if (e.course.publishedVersion > 0)
          throw new AppError(
            'conflict',
            'A course that was published cannot be deleted (learners may be enrolled); archive it instead',
          )
        await repo.deleteCourseTree(tx, principal.orgId, courseId)
      })
    },

    // --- instructors ---------------------------------------------------------------------------

    /** The course's instructors (any editor). */
    async instructors(principal: Principal, courseId: string) {
      return database.db.transaction(async (tx) => {
        await access.editable(tx, principal, courseId)
        return repo.listInstructors(tx, courseId)
      })
    },

    /** Adds a co-instructor: a person of the organization (owner or org admin). */
    async addInstructor(principal: Principal, courseId: string, userId: string) {
      const { value } = await access.change(
        principal,
        courseId,
        undefined,
        { manage: true, draft: true },
        async (tx) => {
          if (!(await repo.findPersonInOrg(tx, principal.orgId, userId)))
            throw new AppError('unprocessable', 'This user is not a member of the organization')
          if (await repo.findInstructor(tx, courseId, userId))
            throw new AppError('conflict', 'This user already teaches the course')
          await repo.upsertInstructor(tx, { courseId, userId, orgId: principal.orgId, role: 'co_instructor' })
          return { value: await repo.listInstructors(tx, courseId) }
        },
      )
      return value
    },

    /** Removes a co-instructor (owner or org admin); the owner cannot be removed (transfer first). */
    async removeInstructor(principal: Principal, courseId: string, userId: string): Promise<void> {
      await access.change(principal, courseId, undefined, { manage: true, draft: true }, async (tx) => {
        const member = await repo.findInstructor(tx, courseId, userId)
        if (!member) throw new AppError('not_found', 'This user does not teach the course')
        if (member.role === 'owner')
          throw new AppError('conflict', 'The owner cannot be removed; transfer the ownership first')
        await repo.deleteInstructor(tx, courseId, userId)
        return { value: null }
      })
    },

    /** Makes another person of the organization the owner (org admin); the old owner stays as co-instructor. */
    async transferOwnership(principal: Principal, courseId: string, userId: string): Promise<CourseView> {
      const { course, role } = await access.change(
        principal,
        courseId,
        undefined,
        { draft: true, anyState: true },
        async (tx, e) => {
          if (!isCourseAdmin(principal))
            throw new AppError('forbidden', 'Only an org admin can transfer the ownership of a course')
          if (e.course.ownerId === userId) throw new AppError('conflict', 'This user already owns the course')
          if (!(await repo.findPersonInOrg(tx, principal.orgId, userId)))
            throw new AppError('unprocessable', 'This user is not a member of the organization')
          await repo.upsertInstructor(tx, {
            courseId,
            userId: e.course.ownerId,
            orgId: principal.orgId,
            role: 'co_instructor',
          })
          await repo.upsertInstructor(tx, { courseId, userId, orgId: principal.orgId, role: 'owner' })
          return { value: null, set: { ownerId: userId } }
        },
      )
      return { course, role }
    },

    // --- versions ------------------------------------------------------------------------------

    /** Published versions, newest first (editors). */
    async versions(principal: Principal, courseId: string) {
      return database.db.transaction(async (tx) => {
        await access.editable(tx, principal, courseId)
        return repo.listVersions(tx, courseId)
      })
    },

    /** One published version with its snapshot (editors). */
    async version(principal: Principal, courseId: string, version: number) {
      return database.db.transaction(async (tx) => {
        await access.editable(tx, principal, courseId)
        const row = await repo.findVersion(tx, courseId, version)
        if (!row) throw new AppError('not_found', 'Version not found')
        return row
      })
    },
  }
}

/** The courses service. */
export type CoursesService = ReturnType<typeof createCoursesService>
