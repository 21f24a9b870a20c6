import { and, asc, count, desc, eq, gt, lt, ne, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import {
  catalogEntries,
  cohorts,
  courses,
  courseVersions,
  enrollments,
  lessonProgress,
  people,
} from '../db/schema.ts'

/** An enrollments row. */
export type EnrollmentRow = typeof enrollments.$inferSelect
/** A cohorts row. */
export type CohortRow = typeof cohorts.$inferSelect

/** What enrolling needs to know about a course: its catalog entry (if listed) and its draft row. */
export interface EnrollTarget {
  courseId: string
  /** Owning organization. */
  orgId: string
  /** draft | in_review | published | archived (the draft row's status). */
  status: string
  /** public | org */
  visibility: string
  priceMinor: number
  currency: string
  /** Latest published version (0 = never published). */
  publishedVersion: number
  /** True when the course has a catalog entry (listed). */
  listed: boolean
}

/** An enrollment with what lists show next to it. */
export interface EnrollmentView extends EnrollmentRow {
  courseTitle: string | null
  cohortStartsAt: Date | null
  cohortName: string | null
  resumePositionSeconds: number | null
  displayName: string | null
}

const viewColumns = {
  courseTitle: sql<string | null>`${courseVersions.snapshot}->>'title'`,
  cohortStartsAt: cohorts.startsAt,
  cohortName: cohorts.name,
  resumePositionSeconds: lessonProgress.positionSeconds,
  displayName: people.displayName,
}

/** Data access for enrollments and cohorts. Plain rows out; every tenant read is scoped by org. */
export function createEnrollmentsRepository() {
  function viewQuery(db: DbOrTx) {
    return db
      .select({ enrollment: enrollments, ...viewColumns })
      .from(enrollments)
      .leftJoin(
        courseVersions,
        and(
          eq(courseVersions.courseId, enrollments.courseId),
          eq(courseVersions.version, enrollments.version),
        ),
      )
      .leftJoin(cohorts, eq(cohorts.id, enrollments.cohortId))
      .leftJoin(
        lessonProgress,
        and(
          eq(lessonProgress.enrollmentId, enrollments.id),
          eq(lessonProgress.lessonId, enrollments.lastLessonId),
        ),
      )
      .leftJoin(people, eq(people.userId, enrollments.userId))
      .$dynamic()
  }
  const flatten = (r: { enrollment: EnrollmentRow } & Omit<EnrollmentView, keyof EnrollmentRow>) => {
    const { enrollment, ...rest } = r
    return { ...enrollment, ...rest } as EnrollmentView
  }

  return {
    /** The course behind an enrollment request, whatever its state; undefined when it does not exist. */
    async findTarget(db: DbOrTx, courseId: string): Promise<EnrollTarget | undefined> {
      const [row] = await db
        .select({
          courseId: courses.id,
          orgId: courses.orgId,
          status: courses.status,
          visibility: sql<string>`coalesce(${catalogEntries.visibility}, ${courses.visibility})`,
          priceMinor: sql<number>`coalesce(${catalogEntries.priceMinor}, ${courses.priceMinor})`,
          currency: sql<string>`coalesce(${catalogEntries.currency}, ${courses.currency})`,
          publishedVersion: courses.publishedVersion,
          listed: sql<boolean>`${catalogEntries.courseId} is not null`,
        })
        .from(courses)
        .leftJoin(catalogEntries, eq(catalogEntries.courseId, courses.id))
        .where(eq(courses.id, courseId))
        .limit(1)
      return row
    },
    /** Adds one to a catalog entry's enrollment count. */
    async bumpEnrollmentCount(db: DbOrTx, courseId: string): Promise<void> {
      await db
        .update(catalogEntries)
        .set({ enrollmentCount: sql`${catalogEntries.enrollmentCount} + 1` })
        .where(eq(catalogEntries.courseId, courseId))
    },
    /** A user's enrollment in a course (any organization; the key is unique), optionally locked. */
    async findByCourseUser(
      db: DbOrTx,
      courseId: string,
      userId: string,
      lock = false,
    ): Promise<EnrollmentRow | undefined> {
      const q = db
        .select()
        .from(enrollments)
        .where(and(eq(enrollments.courseId, courseId), eq(enrollments.userId, userId)))
        .limit(1)
      const [row] = lock ? await q.for('update') : await q
      return row
    },
    /** An enrollment of an organization by id, optionally locked. */
    async findInOrg(db: DbOrTx, orgId: string, id: string, lock = false): Promise<EnrollmentRow | undefined> {
      const q = db
        .select()
        .from(enrollments)
        .where(and(eq(enrollments.id, id), eq(enrollments.orgId, orgId)))
        .limit(1)
      const [row] = lock ? await q.for('update') : await q
      return row
    },
    /** Inserts an enrollment; undefined when (course, user) already has one (a concurrent insert won). */
    async insert(db: DbOrTx, row: typeof enrollments.$inferInsert): Promise<EnrollmentRow | undefined> {
      const [created] = await db.insert(enrollments).values(row).onConflictDoNothing().returning()
      return created
    },
    /** Updates an enrollment and returns it. */
    async update(
      db: DbOrTx,
      id: string,
      set: Partial<typeof enrollments.$inferInsert>,
    ): Promise<EnrollmentRow> {
      const [row] = await db.update(enrollments).set(set).where(eq(enrollments.id, id)).returning()
      return row!
    },
    /** One enrollment with its view columns (scoped by org). */
    async view(db: DbOrTx, orgId: string, id: string): Promise<EnrollmentView | undefined> {
      const [row] = await viewQuery(db)
        .where(and(eq(enrollments.id, id), eq(enrollments.orgId, orgId)))
        .limit(1)
      return row ? flatten(row) : undefined
    },
    /** A user's enrollments in an organization, newest first (keyset on id). */
    async listForUser(
      db: DbOrTx,
      orgId: string,
      userId: string,
      options: { limit: number; before?: string },
    ): Promise<EnrollmentView[]> {
      const rows = await viewQuery(db)
        .where(
          and(
            eq(enrollments.orgId, orgId),
            eq(enrollments.userId, userId),
            options.before ? lt(enrollments.id, options.before) : undefined,
          ),
        )
        .orderBy(desc(enrollments.id))
        .limit(options.limit)
      return rows.map(flatten)
    },
    /** A page of a course's enrollments in an organization (oldest first, keyset on id). */
    async roster(
      db: DbOrTx,
      orgId: string,
      courseId: string,
      options: { limit: number; after?: string },
    ): Promise<EnrollmentView[]> {
      const rows = await viewQuery(db)
        .where(
          and(
            eq(enrollments.orgId, orgId),
            eq(enrollments.courseId, courseId),
            options.after ? gt(enrollments.id, options.after) : undefined,
          ),
        )
        .orderBy(asc(enrollments.id))
        .limit(options.limit)
      return rows.map(flatten)
    },

    /** A cohort of a course, optionally locked (capacity checks lock it to serialize seat taking). */
    async findCohort(
      db: DbOrTx,
      courseId: string,
      cohortId: string,
      lock = false,
    ): Promise<CohortRow | undefined> {
      const q = db
        .select()
        .from(cohorts)
        .where(and(eq(cohorts.id, cohortId), eq(cohorts.courseId, courseId)))
        .limit(1)
      const [row] = lock ? await q.for('update') : await q
      return row
    },
    /** A cohort's start (null when it has none or does not exist). */
    async cohortStartsAt(db: DbOrTx, cohortId: string): Promise<Date | null> {
      const [row] = await db
        .select({ startsAt: cohorts.startsAt })
        .from(cohorts)
        .where(eq(cohorts.id, cohortId))
        .limit(1)
      return row?.startsAt ?? null
    },
    /** Active enrollments holding a seat in a cohort (optionally not counting one enrollment). */
    async seatsTaken(db: DbOrTx, cohortId: string, except?: string): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(enrollments)
        .where(
          and(
            eq(enrollments.cohortId, cohortId),
            eq(enrollments.status, 'active'),
            except ? ne(enrollments.id, except) : undefined,
          ),
        )
      return Number(row?.n ?? 0)
    },
    /** Inserts a cohort. */
    async insertCohort(db: DbOrTx, row: typeof cohorts.$inferInsert): Promise<CohortRow> {
      const [created] = await db.insert(cohorts).values(row).returning()
      return created!
    },
    /** Updates a cohort. */
    async updateCohort(
      db: DbOrTx,
      id: string,
      set: Partial<typeof cohorts.$inferInsert>,
    ): Promise<CohortRow> {
      const [row] = await db.update(cohorts).set(set).where(eq(cohorts.id, id)).returning()
      return row!
    },
    /** A course's cohorts by start, with their taken seats. */
    async listCohorts(db: DbOrTx, courseId: string): Promise<(CohortRow & { seatsTaken: number })[]> {
      const rows = await db
        .select({
          cohort: cohorts,
          seatsTaken: sql<number>`(select count(*)::int from learning.enrollments e where e.cohort_id = ${cohorts}.id and e.status = 'active')`,
        })
        .from(cohorts)
        .where(eq(cohorts.courseId, courseId))
        .orderBy(asc(cohorts.startsAt), asc(cohorts.id))
      return rows.map((r) => ({ ...r.cohort, seatsTaken: Number(r.seatsTaken) }))
    },
    /** True when the catalog shows this course to a member of `orgId` (public, or that org's own). */
    async visibleInCatalog(db: DbOrTx, courseId: string, orgId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: catalogEntries.courseId })
        .from(catalogEntries)
        .where(
          and(
            eq(catalogEntries.courseId, courseId),
            or(eq(catalogEntries.visibility, 'public'), eq(catalogEntries.orgId, orgId)),
          ),
        )
        .limit(1)
      return !!row
    },
  }
}

/** The enrollments repository type. */
export type EnrollmentsRepository = ReturnType<typeof createEnrollmentsRepository>
