import { and, eq, inArray, sql } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { assignments, enrollments, lessonProgress, quizAttempts, quizzes, submissions } from '../db/schema.ts'

/** Aggregates over one course's learning tables (plain rows out; no rules here). */
export function createInsightsRepository() {
  return {
    /** Enrollment counters of a course. */
    async enrollmentStats(db: DbOrTx, courseId: string, now: Date) {
      const weekAgo = new Date(now.getTime() - 7 * 86_400_000)
      const [row] = await db
        .select({
          total: sql<number>`count(*)::int`,
          active: sql<number>`count(*) filter (where ${enrollments.status} = 'active' and (${enrollments.expiresAt} is null or ${enrollments.expiresAt} > ${now}))::int`,
          completed: sql<number>`count(*) filter (where ${enrollments.completedAt} is not null)::int`,
          revoked: sql<number>`count(*) filter (where ${enrollments.status} = 'revoked')::int`,
          activeLast7Days: sql<number>`count(*) filter (where ${enrollments.lastActivityAt} > ${weekAgo})::int`,
          averageProgress: sql<number>`coalesce(avg(${enrollments.progressPercent}) filter (where ${enrollments.status} = 'active'), 0)::float8`,
        })
        .from(enrollments)
        .where(eq(enrollments.courseId, courseId))
      const bySource = await db
        .select({ source: enrollments.source, n: sql<number>`count(*)::int` })
        .from(enrollments)
        .where(eq(enrollments.courseId, courseId))
        .groupBy(enrollments.source)
      return { ...row!, bySource }
    },

    /** Learners who completed each lesson of a course (only lessons with completions appear). */
    async lessonCompletions(db: DbOrTx, courseId: string): Promise<Map<string, number>> {
      const rows = await db
        .select({ lessonId: lessonProgress.lessonId, n: sql<number>`count(*)::int` })
        .from(lessonProgress)
        .innerJoin(enrollments, eq(enrollments.id, lessonProgress.enrollmentId))
        .where(
          and(
            eq(enrollments.courseId, courseId),
            sql`${lessonProgress.completedAt} is not null`,
            sql`${enrollments.status} <> 'revoked'`,
          ),
        )
        .groupBy(lessonProgress.lessonId)
      return new Map(rows.map((r) => [r.lessonId, r.n]))
    },

    /** Graded-attempt statistics per quiz of a course. */
    async quizStats(db: DbOrTx, courseId: string) {
      const list = await db
        .select({ id: quizzes.id, title: quizzes.title })
        .from(quizzes)
        .where(eq(quizzes.courseId, courseId))
        .orderBy(quizzes.createdAt)
      if (list.length === 0) return []
      const stats = await db
        .select({
          quizId: quizAttempts.quizId,
          attempts: sql<number>`count(*)::int`,
          learners: sql<number>`count(distinct ${quizAttempts.userId})::int`,
          averageScore: sql<
            number | null
          >`avg(${quizAttempts.score}::float8 / nullif(${quizAttempts.maxScore}, 0))::float8`,
          passRate: sql<number | null>`avg(case when ${quizAttempts.passed} then 1.0 else 0.0 end)::float8`,
        })
        .from(quizAttempts)
        .where(
          and(
            inArray(
              quizAttempts.quizId,
              list.map((q) => q.id),
            ),
            inArray(quizAttempts.status, ['submitted', 'expired']),
          ),
        )
        .groupBy(quizAttempts.quizId)
      const byQuiz = new Map(stats.map((s) => [s.quizId, s]))
      return list.map((q) => ({ quiz: q, stats: byQuiz.get(q.id) }))
    },

    /** Submission counters per assignment of a course. */
    async assignmentStats(db: DbOrTx, courseId: string) {
      const list = await db
        .select({ id: assignments.id, title: assignments.title })
        .from(assignments)
        .where(eq(assignments.courseId, courseId))
        .orderBy(assignments.createdAt)
      if (list.length === 0) return []
      const stats = await db
        .select({
          assignmentId: submissions.assignmentId,
          submissions: sql<number>`count(*)::int`,
          awaitingGrade: sql<number>`count(*) filter (where ${submissions.status} = 'submitted')::int`,
          late: sql<number>`count(*) filter (where ${submissions.late})::int`,
        })
        .from(submissions)
        .where(
          inArray(
            submissions.assignmentId,
            list.map((a) => a.id),
          ),
        )
        .groupBy(submissions.assignmentId)
      const byAssignment = new Map(stats.map((s) => [s.assignmentId, s]))
      return list.map((a) => ({ assignment: a, stats: byAssignment.get(a.id) }))
    },
  }
}
