import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { assignments, courses, enrollments, lessonProgress, people, submissions } from '../db/schema.ts'
import { taughtCourseIds } from '../shared/access.ts'

/** An assignments row. */
export type AssignmentRow = typeof assignments.$inferSelect
/** A submissions row. */
export type SubmissionRow = typeof submissions.$inferSelect
/** A grading-queue row: the submission with its assignment, its course's title and the learner's name. */
export type QueueRow = {
  submission: SubmissionRow
  assignment: AssignmentRow
  courseTitle: string
  learnerName: string | null
}

/** Data access for assignments and submissions; every query is scoped by organization. */
export function createAssignmentsRepository() {
  return {
    /** Inserts an assignment. */
    async insert(db: DbOrTx, row: typeof assignments.$inferInsert): Promise<AssignmentRow> {
      const [created] = await db.insert(assignments).values(row).returning()
      return created!
    },
    /** An assignment of the organization, or undefined. */
    async find(db: DbOrTx, orgId: string, id: string): Promise<AssignmentRow | undefined> {
      const [row] = await db
        .select()
        .from(assignments)
        .where(and(eq(assignments.id, id), eq(assignments.orgId, orgId)))
      return row
    },
    /** The same, locked for the rest of the transaction. */
    async findForUpdate(db: DbOrTx, orgId: string, id: string): Promise<AssignmentRow | undefined> {
      const [row] = await db
        .select()
        .from(assignments)
        .where(and(eq(assignments.id, id), eq(assignments.orgId, orgId)))
        .for('update')
      return row
    },
    /** A course's assignments, oldest first. */
    async listByCourse(db: DbOrTx, orgId: string, courseId: string): Promise<AssignmentRow[]> {
      return db
        .select()
        .from(assignments)
        .where(and(eq(assignments.courseId, courseId), eq(assignments.orgId, orgId)))
        .orderBy(asc(assignments.createdAt), asc(assignments.id))
    },
    /** Applies a change to an assignment. */
    async update(
      db: DbOrTx,
      id: string,
      patch: Partial<typeof assignments.$inferInsert>,
    ): Promise<AssignmentRow> {
      const [row] = await db
        .update(assignments)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(assignments.id, id))
        .returning()
      return row!
    },
    /** How many submissions of an assignment are graded. */
    async countGraded(db: DbOrTx, assignmentId: string): Promise<number> {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(submissions)
        .where(and(eq(submissions.assignmentId, assignmentId), eq(submissions.status, 'graded')))
      return row?.n ?? 0
    },
    /** Locks an enrollment row: serialises one learner's submissions (attempt numbers). */
    async lockEnrollment(db: DbOrTx, enrollmentId: string): Promise<void> {
      await db
        .select({ id: enrollments.id })
        .from(enrollments)
        .where(eq(enrollments.id, enrollmentId))
        .for('update')
    },
    /** Highest attempt number of a learner on an assignment (0 when none). */
    async lastAttemptNo(db: DbOrTx, assignmentId: string, userId: string): Promise<number> {
      const [row] = await db
        .select({ n: sql<number>`coalesce(max(${submissions.attemptNo}), 0)::int` })
        .from(submissions)
        .where(and(eq(submissions.assignmentId, assignmentId), eq(submissions.userId, userId)))
      return row?.n ?? 0
    },
    /** Inserts a submission. */
    async insertSubmission(db: DbOrTx, row: typeof submissions.$inferInsert): Promise<SubmissionRow> {
      const [created] = await db.insert(submissions).values(row).returning()
      return created!
    },
    /** A submission of the organization, or undefined. */
    async findSubmission(db: DbOrTx, orgId: string, id: string): Promise<SubmissionRow | undefined> {
      const [row] = await db
        .select()
        .from(submissions)
        .where(and(eq(submissions.id, id), eq(submissions.orgId, orgId)))
      return row
    },
    /** The same, locked for the rest of the transaction (grading). */
    async findSubmissionForUpdate(db: DbOrTx, orgId: string, id: string): Promise<SubmissionRow | undefined> {
      const [row] = await db
        .select()
        .from(submissions)
        .where(and(eq(submissions.id, id), eq(submissions.orgId, orgId)))
        .for('update')
      return row
    },
    /** A learner's submissions to an assignment, oldest first. */
    async listMine(
      db: DbOrTx,
      orgId: string,
      assignmentId: string,
      userId: string,
    ): Promise<SubmissionRow[]> {
      return db
        .select()
        .from(submissions)
        .where(
          and(
            eq(submissions.assignmentId, assignmentId),
            eq(submissions.userId, userId),
            eq(submissions.orgId, orgId),
          ),
        )
        .orderBy(asc(submissions.attemptNo))
    },
    /**
     * A page of an assignment's submissions for graders (keyset on the time-ordered id, oldest
     * first), with the learner's display name from `people`.
     */
    async page(
      db: DbOrTx,
      input: { orgId: string; assignmentId: string; status?: string; cursor?: string; limit: number },
    ): Promise<(SubmissionRow & { learnerName: string | null })[]> {
      const rows = await db
        .select({ s: submissions, learnerName: people.displayName })
        .from(submissions)
        .leftJoin(people, eq(people.userId, submissions.userId))
        .where(
          and(
            eq(submissions.assignmentId, input.assignmentId),
            eq(submissions.orgId, input.orgId),
            input.status ? eq(submissions.status, input.status) : undefined,
            input.cursor ? gt(submissions.id, input.cursor) : undefined,
          ),
        )
        .orderBy(asc(submissions.id))
        .limit(input.limit)
      return rows.map((r) => ({ ...r.s, learnerName: r.learnerName }))
    },
    /**
     * A page of the grading queue across courses (keyset on the time-ordered id, oldest first):
     * every course of the organization, or with `graderId` only the courses that person owns or
     * co-teaches. One query: the assignment, the course title and the learner's name are joined.
     */
    async queue(
      db: DbOrTx,
      input: { orgId: string; graderId?: string; status: string; cursor?: string; limit: number },
    ): Promise<QueueRow[]> {
      const rows = await db
        .select({
          submission: submissions,
          assignment: assignments,
          courseTitle: courses.title,
          learnerName: people.displayName,
        })
        .from(submissions)
        .innerJoin(assignments, eq(assignments.id, submissions.assignmentId))
        .innerJoin(courses, and(eq(courses.id, submissions.courseId), eq(courses.orgId, submissions.orgId)))
        .leftJoin(people, eq(people.userId, submissions.userId))
        .where(
          and(
            eq(submissions.orgId, input.orgId),
            eq(submissions.status, input.status),
            input.graderId
              ? inArray(submissions.courseId, taughtCourseIds(db, input.orgId, input.graderId))
              : undefined,
            input.cursor ? gt(submissions.id, input.cursor) : undefined,
          ),
        )
        .orderBy(asc(submissions.id))
        .limit(input.limit)
      return rows
    },
    /** Records a grade. */
    async grade(
      db: DbOrTx,
      id: string,
      grade: Pick<SubmissionRow, 'rubricScores' | 'score' | 'feedback' | 'gradedBy' | 'gradedAt'>,
    ): Promise<SubmissionRow> {
      const [row] = await db
        .update(submissions)
        .set({ ...grade, status: 'graded' })
        .where(eq(submissions.id, id))
        .returning()
      return row!
    },
    /**
     * An enrollment by id, locked for the rest of the transaction: completing its lesson must not
     * race another completion of the same enrollment (both could miss being the last one).
     */
    async findEnrollmentForUpdate(db: DbOrTx, id: string) {
      const [row] = await db.select().from(enrollments).where(eq(enrollments.id, id)).for('update')
      return row
    },
    /** Lesson ids of an enrollment that are complete. */
    async completedLessonIds(db: DbOrTx, enrollmentId: string): Promise<Set<string>> {
      const rows = await db
        .select({ lessonId: lessonProgress.lessonId })
        .from(lessonProgress)
        .where(
          and(eq(lessonProgress.enrollmentId, enrollmentId), sql`${lessonProgress.completedAt} is not null`),
        )
      return new Set(rows.map((r) => r.lessonId))
    },
  }
}

/** The assignments repository type. */
export type AssignmentsRepository = ReturnType<typeof createAssignmentsRepository>
