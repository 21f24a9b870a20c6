import { and, asc, desc, eq, exists, inArray, isNotNull, lt, max, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import {
  assignments,
  catalogEntries,
  categories,
  courseInstructors,
  courses,
  courseVersions,
  lessons,
  orgMembers,
  people,
  questions,
  quizzes,
  sections,
} from '../db/schema.ts'
import { taughtCourseIds } from '../shared/access.ts'

/** A draft course row. */
export type CourseRow = typeof courses.$inferSelect
/** A section row. */
export type SectionRow = typeof sections.$inferSelect
/** A lesson row. */
export type LessonRow = typeof lessons.$inferSelect
/** A course_instructors row. */
export type InstructorRow = typeof courseInstructors.$inferSelect
/** A catalog_entries row without its generated search column. */
export type CatalogRow = Omit<typeof catalogEntries.$inferSelect, 'search'>
/** A course_versions row. */
export type VersionRow = typeof courseVersions.$inferSelect

/** Every catalog column except the generated `search` vector. */
const catalogColumns = {
  courseId: catalogEntries.courseId,
  orgId: catalogEntries.orgId,
  visibility: catalogEntries.visibility,
  slug: catalogEntries.slug,
  title: catalogEntries.title,
  subtitle: catalogEntries.subtitle,
  description: catalogEntries.description,
  categoryId: catalogEntries.categoryId,
  categorySlug: catalogEntries.categorySlug,
  categoryName: catalogEntries.categoryName,
  tags: catalogEntries.tags,
  level: catalogEntries.level,
  language: catalogEntries.language,
  priceMinor: catalogEntries.priceMinor,
  currency: catalogEntries.currency,
  rating: catalogEntries.rating,
  ratingCount: catalogEntries.ratingCount,
  enrollmentCount: catalogEntries.enrollmentCount,
  instructorNames: catalogEntries.instructorNames,
  lessonCount: catalogEntries.lessonCount,
  durationSeconds: catalogEntries.durationSeconds,
  version: catalogEntries.version,
  publishedAt: catalogEntries.publishedAt,
}

/** Data access for courses, their structure, instructors, versions and catalog entries. */
export function createCoursesRepository() {
  return {
    /** A course of the organization; `lock` takes a row lock (use inside a transaction). */
    async findCourse(db: DbOrTx, orgId: string, id: string, lock = false): Promise<CourseRow | undefined> {
      const q = db
        .select()
        .from(courses)
        .where(and(eq(courses.id, id), eq(courses.orgId, orgId)))
      const [row] = lock ? await q.for('update') : await q
      return row
    },

    /** Inserts a course; undefined when the slug is taken in the organization. */
    async insertCourse(db: DbOrTx, row: typeof courses.$inferInsert): Promise<CourseRow | undefined> {
      const [created] = await db.insert(courses).values(row).onConflictDoNothing().returning()
      return created
    },

    /** True when another course of the organization uses the slug. */
    async slugTaken(db: DbOrTx, orgId: string, slug: string, exceptId?: string): Promise<boolean> {
      const rows = await db
        .select({ id: courses.id })
        .from(courses)
        .where(and(eq(courses.orgId, orgId), eq(courses.slug, slug)))
      return rows.some((r) => r.id !== exceptId)
    },

    /** Updates a course row and returns it. */
    async updateCourse(
      db: DbOrTx,
      orgId: string,
      id: string,
      set: Partial<typeof courses.$inferInsert>,
    ): Promise<CourseRow> {
      const [row] = await db
        .update(courses)
        .set(set)
        .where(and(eq(courses.id, id), eq(courses.orgId, orgId)))
        .returning()
      return row!
    },

    /**
     * A page of the organization's courses, newest first, after the cursor. With `userId`, only
     * courses that user owns or co-teaches.
     */
    async listCourses(
      db: DbOrTx,
      input: {
        orgId: string
        userId?: string
        status?: string
        reviewPending?: boolean
        after?: string
        limit: number
      },
    ): Promise<CourseRow[]> {
      const where = and(
        eq(courses.orgId, input.orgId),
        input.status ? eq(courses.status, input.status) : undefined,
        input.reviewPending ? isNotNull(courses.reviewRequestedAt) : undefined,
        input.after ? lt(courses.id, input.after) : undefined,
        input.userId ? inArray(courses.id, taughtCourseIds(db, input.orgId, input.userId)) : undefined,
      )
      return db.select().from(courses).where(where).orderBy(desc(courses.id)).limit(input.limit)
    },

    /**
     * Deletes a course and everything authored in it: structure, instructors, and its quizzes,
     * question bank and assignments (only for never-published drafts: nobody can be enrolled).
     */
    async deleteCourseTree(db: DbOrTx, orgId: string, courseId: string): Promise<void> {
      await db.delete(lessons).where(and(eq(lessons.courseId, courseId), eq(lessons.orgId, orgId)))
      await db.delete(sections).where(and(eq(sections.courseId, courseId), eq(sections.orgId, orgId)))
      await db
        .delete(courseInstructors)
        .where(and(eq(courseInstructors.courseId, courseId), eq(courseInstructors.orgId, orgId)))
      await db.delete(quizzes).where(and(eq(quizzes.courseId, courseId), eq(quizzes.orgId, orgId)))
      await db.delete(questions).where(and(eq(questions.courseId, courseId), eq(questions.orgId, orgId)))
      await db
        .delete(assignments)
        .where(and(eq(assignments.courseId, courseId), eq(assignments.orgId, orgId)))
      await db.delete(courses).where(and(eq(courses.id, courseId), eq(courses.orgId, orgId)))
    },

    // --- instructors -------------------------------------------------------------------------

    /** The instructor row of a user on a course. */
    async findInstructor(db: DbOrTx, courseId: string, userId: string): Promise<InstructorRow | undefined> {
      const [row] = await db
        .select()
        .from(courseInstructors)
        .where(and(eq(courseInstructors.courseId, courseId), eq(courseInstructors.userId, userId)))
      return row
    },

    /** The user's role on each of these courses (courses they do not teach are absent). */
    async rolesOf(db: DbOrTx, userId: string, courseIds: string[]): Promise<Map<string, string>> {
      if (courseIds.length === 0) return new Map()
      const rows = await db
        .select({ courseId: courseInstructors.courseId, role: courseInstructors.role })
        .from(courseInstructors)
        .where(and(eq(courseInstructors.userId, userId), inArray(courseInstructors.courseId, courseIds)))
      return new Map(rows.map((r) => [r.courseId, r.role]))
    },

    /** A course's instructors with names: owner first, then by date added. */
    async listInstructors(
      db: DbOrTx,
      courseId: string,
    ): Promise<(InstructorRow & { displayName: string | null })[]> {
      return db
        .select({
          courseId: courseInstructors.courseId,
          userId: courseInstructors.userId,
          orgId: courseInstructors.orgId,
          role: courseInstructors.role,
          addedAt: courseInstructors.addedAt,
          displayName: people.displayName,
        })
        .from(courseInstructors)
        .leftJoin(people, eq(people.userId, courseInstructors.userId))
        .where(eq(courseInstructors.courseId, courseId))
        .orderBy(
          sql`case when ${courseInstructors.role} = 'owner' then 0 else 1 end`,
          asc(courseInstructors.addedAt),
          asc(courseInstructors.userId),
        )
    },

    /** Adds (or changes the role of) an instructor. */
    async upsertInstructor(
      db: DbOrTx,
      row: { courseId: string; userId: string; orgId: string; role: 'owner' | 'co_instructor' },
    ): Promise<void> {
      await db
        .insert(courseInstructors)
        .values(row)
        .onConflictDoUpdate({
          target: [courseInstructors.courseId, courseInstructors.userId],
          set: { role: row.role },
        })
    },

    /** Removes an instructor; true when one was removed. */
    async deleteInstructor(db: DbOrTx, courseId: string, userId: string): Promise<boolean> {
      const rows = await db
        .delete(courseInstructors)
        .where(and(eq(courseInstructors.courseId, courseId), eq(courseInstructors.userId, userId)))
        .returning({ userId: courseInstructors.userId })
      return rows.length > 0
    },

    /** A person learning knows of, when they registered in the organization or are a member of it. */
    async findPersonInOrg(db: DbOrTx, orgId: string, userId: string) {
      const [row] = await db
        .select()
        .from(people)
        .where(
          and(
            eq(people.userId, userId),
            or(
              eq(people.orgId, orgId),
              exists(
                db
                  .select({ one: sql`1` })
                  .from(orgMembers)
                  .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, userId))),
              ),
            ),
          ),
        )
      return row
    },

    /** Display names by user id ('' for unknown people), in the order given. */
    async namesOf(db: DbOrTx, userIds: string[]): Promise<string[]> {
      if (userIds.length === 0) return []
      const rows = await db
        .select({ userId: people.userId, displayName: people.displayName })
        .from(people)
        .where(inArray(people.userId, userIds))
      const byId = new Map(rows.map((r) => [r.userId, r.displayName]))
      return userIds.map((id) => byId.get(id) ?? '')
    },

    // --- structure ---------------------------------------------------------------------------

    /** Sections of a course in order. */
    async listSections(db: DbOrTx, courseId: string): Promise<SectionRow[]> {
      return db
        .select()
        .from(sections)
        .where(eq(sections.courseId, courseId))
        .orderBy(asc(sections.position), asc(sections.id))
    },

    /** Lessons of a course, ordered by section position then lesson position. */
    async listLessons(db: DbOrTx, courseId: string): Promise<LessonRow[]> {
      return db
        .select()
        .from(lessons)
        .where(eq(lessons.courseId, courseId))
        .orderBy(asc(lessons.sectionId), asc(lessons.position), asc(lessons.id))
    },

    /** A section of a course. */
    async findSection(db: DbOrTx, courseId: string, sectionId: string): Promise<SectionRow | undefined> {
      const [row] = await db
        .select()
        .from(sections)
        .where(and(eq(sections.id, sectionId), eq(sections.courseId, courseId)))
      return row
    },

    /** The next free position in a course's sections. */
    async nextSectionPosition(db: DbOrTx, courseId: string): Promise<number> {
      const [row] = await db
        .select({ p: max(sections.position) })
        .from(sections)
        .where(eq(sections.courseId, courseId))
      return row?.p === null || row?.p === undefined ? 0 : row.p + 1
    },

    /** Inserts a section. */
    async insertSection(db: DbOrTx, row: typeof sections.$inferInsert): Promise<SectionRow> {
      const [created] = await db.insert(sections).values(row).returning()
      return created!
    },

    /** Renames a section. */
    async renameSection(db: DbOrTx, sectionId: string, title: string): Promise<SectionRow> {
      const [row] = await db.update(sections).set({ title }).where(eq(sections.id, sectionId)).returning()
      return row!
    },

    /** Deletes a section and its lessons; returns the deleted lesson ids. */
    async deleteSection(db: DbOrTx, sectionId: string): Promise<string[]> {
      const gone = await db
        .delete(lessons)
        .where(eq(lessons.sectionId, sectionId))
        .returning({ id: lessons.id })
      await db.delete(sections).where(eq(sections.id, sectionId))
      return gone.map((g) => g.id)
    },

    /** Sets section positions to the order given. */
    async setSectionOrder(db: DbOrTx, courseId: string, ids: string[]): Promise<void> {
      for (const [i, id] of ids.entries())
        await db
          .update(sections)
          .set({ position: i })
          .where(and(eq(sections.id, id), eq(sections.courseId, courseId)))
    },

    /** A lesson of a course. */
    async findLesson(db: DbOrTx, courseId: string, lessonId: string): Promise<LessonRow | undefined> {
      const [row] = await db
        .select()
        .from(lessons)
        .where(and(eq(lessons.id, lessonId), eq(lessons.courseId, courseId)))
      return row
    },

    /** Lesson ids of a section in order. */
    async lessonIdsOf(db: DbOrTx, sectionId: string): Promise<string[]> {
      const rows = await db
        .select({ id: lessons.id })
        .from(lessons)
        .where(eq(lessons.sectionId, sectionId))
        .orderBy(asc(lessons.position), asc(lessons.id))
      return rows.map((r) => r.id)
    },

    /** Every lesson's prerequisites in a course (the prerequisite graph). */
    async prerequisiteGraph(db: DbOrTx, courseId: string): Promise<Map<string, string[]>> {
      const rows = await db
        .select({ id: lessons.id, pre: lessons.prerequisiteIds })
        .from(lessons)
        .where(eq(lessons.courseId, courseId))
      return new Map(rows.map((r) => [r.id, r.pre]))
    },

    /** Inserts a lesson. */
    async insertLesson(db: DbOrTx, row: typeof lessons.$inferInsert): Promise<LessonRow> {
      const [created] = await db.insert(lessons).values(row).returning()
      return created!
    },

    /** Updates a lesson. */
    async updateLesson(
      db: DbOrTx,
      lessonId: string,
      set: Partial<typeof lessons.$inferInsert>,
    ): Promise<LessonRow> {
      const [row] = await db.update(lessons).set(set).where(eq(lessons.id, lessonId)).returning()
      return row!
    },

    /** Deletes a lesson. */
    async deleteLesson(db: DbOrTx, lessonId: string): Promise<void> {
      await db.delete(lessons).where(eq(lessons.id, lessonId))
    },

    /** Removes deleted lessons from every other lesson's prerequisites in the course. */
    async dropPrerequisites(db: DbOrTx, courseId: string, lessonIds: string[]): Promise<void> {
      for (const id of lessonIds)
        await db
          .update(lessons)
          .set({ prerequisiteIds: sql`array_remove(${lessons.prerequisiteIds}, ${id})` })
          .where(and(eq(lessons.courseId, courseId), sql`${id} = any(${lessons.prerequisiteIds})`))
    },

    /** Places the lessons of a section in the order given (and in that section). */
    async setLessonOrder(db: DbOrTx, sectionId: string, ids: string[]): Promise<void> {
      for (const [i, id] of ids.entries())
        await db.update(lessons).set({ sectionId, position: i }).where(eq(lessons.id, id))
    },

    /** Renumbers a course's sections 0..n-1 keeping their order. */
    async compactSections(db: DbOrTx, courseId: string): Promise<void> {
      const rows = await this.listSections(db, courseId)
      for (const [i, s] of rows.entries())
        if (s.position !== i) await db.update(sections).set({ position: i }).where(eq(sections.id, s.id))
    },

    /** Renumbers a section's lessons 0..n-1 keeping their order. */
    async compactLessons(db: DbOrTx, sectionId: string): Promise<void> {
      const ids = await this.lessonIdsOf(db, sectionId)
      await this.setLessonOrder(db, sectionId, ids)
    },

    /** True when the course has a quiz with this id. */
    async quizExists(db: DbOrTx, orgId: string, courseId: string, quizId: string): Promise<boolean> {
      const rows = await db
        .select({ id: quizzes.id })
        .from(quizzes)
        .where(and(eq(quizzes.id, quizId), eq(quizzes.courseId, courseId), eq(quizzes.orgId, orgId)))
      return rows.length > 0
    },

    /** True when the course has an assignment with this id. */
    async assignmentExists(
      db: DbOrTx,
      orgId: string,
      courseId: string,
      assignmentId: string,
    ): Promise<boolean> {
      const rows = await db
        .select({ id: assignments.id })
        .from(assignments)
        .where(
          and(
            eq(assignments.id, assignmentId),
            eq(assignments.courseId, courseId),
            eq(assignments.orgId, orgId),
          ),
        )
      return rows.length > 0
    },

    // --- categories (read) ---------------------------------------------------------------------

    /**
     * A category of the organization. `share` takes a FOR SHARE lock so a concurrent delete of the
     * category waits for this transaction (and then sees the course using it).
     */
    async findCategory(db: DbOrTx, orgId: string, id: string, share = false) {
      const q = db
        .select()
        .from(categories)
        .where(and(eq(categories.id, id), eq(categories.orgId, orgId)))
      const [row] = share ? await q.for('share') : await q
      return row
    },

    // --- versions and catalog ------------------------------------------------------------------

    /** Inserts a published version. */
    async insertVersion(db: DbOrTx, row: typeof courseVersions.$inferInsert): Promise<VersionRow> {
      const [created] = await db.insert(courseVersions).values(row).returning()
      return created!
    },

    /** A course's versions, newest first. */
    async listVersions(db: DbOrTx, courseId: string): Promise<VersionRow[]> {
      return db
        .select()
        .from(courseVersions)
        .where(eq(courseVersions.courseId, courseId))
        .orderBy(desc(courseVersions.version))
    },

    /** One version of a course. */
    async findVersion(db: DbOrTx, courseId: string, version: number): Promise<VersionRow | undefined> {
      const [row] = await db
        .select()
        .from(courseVersions)
        .where(and(eq(courseVersions.courseId, courseId), eq(courseVersions.version, version)))
      return row
    },

    /** The catalog entry of a course. */
    async findCatalogEntry(db: DbOrTx, courseId: string): Promise<CatalogRow | undefined> {
      const [row] = await db
        .select(catalogColumns)
        .from(catalogEntries)
        .where(eq(catalogEntries.courseId, courseId))
      return row
    },

    /**
     * Inserts or replaces a course's catalog entry; the counters fed by other features (rating,
     * ratingCount, enrollmentCount) survive a re-publish.
     */
    async upsertCatalogEntry(
      db: DbOrTx,
      row: Omit<CatalogRow, 'rating' | 'ratingCount' | 'enrollmentCount'> &
        Partial<Pick<CatalogRow, 'rating' | 'ratingCount' | 'enrollmentCount'>>,
    ): Promise<void> {
      const { courseId: _id, rating: _r, ratingCount: _rc, enrollmentCount: _ec, ...set } = row
      await db.insert(catalogEntries).values(row).onConflictDoUpdate({ target: catalogEntries.courseId, set })
    },

    /** Removes a course's catalog entry. */
    async deleteCatalogEntry(db: DbOrTx, courseId: string): Promise<void> {
      await db.delete(catalogEntries).where(eq(catalogEntries.courseId, courseId))
    },
  }
}

/** The courses repository. */
export type CoursesRepository = ReturnType<typeof createCoursesRepository>
