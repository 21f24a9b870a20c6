import type { Principal } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { loadSnapshot, requireEditableCourse } from '../shared/access.ts'
import { snapshotLessons } from '../shared/snapshot.ts'
import { createInsightsRepository } from './insights.repository.ts'

const ratio = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 1000) / 1000)
const share = (v: number | null | undefined) =>
  v === null || v === undefined ? null : Math.round(v * 1000) / 1000

/** Course insights for its instructors and org admins: enrollment, drop-off, quiz and grading figures. */
export function createInsightsService(deps: LearningDeps) {
  const repo = createInsightsRepository()
  const db = deps.database.db
  return {
    /** Everything an instructor's course dashboard shows; editors of the course only (others 404). */
    async forCourse(principal: Principal, courseId: string, now = new Date()) {
      const course = await requireEditableCourse(db, principal, courseId)
      const [stats, completions, quizStats, assignmentStats] = [
        await repo.enrollmentStats(db, courseId, now),
        await repo.lessonCompletions(db, courseId),
        await repo.quizStats(db, courseId),
        await repo.assignmentStats(db, courseId),
      ]
      const notRevoked = stats.total - stats.revoked
      const lessons =
        course.publishedVersion > 0
          ? snapshotLessons(await loadSnapshot(db, courseId, course.publishedVersion)).map((l) => {
              const completed = completions.get(l.id) ?? 0
              return {
                lessonId: l.id,
                title: l.title,
                type: l.type,
                completed,
                completionRate: ratio(completed, notRevoked),
              }
            })
          : []
      return {
        courseId,
        publishedVersion: course.publishedVersion,
        enrollments: {
          total: stats.total,
          active: stats.active,
          completed: stats.completed,
          revoked: stats.revoked,
          activeLast7Days: stats.activeLast7Days,
          averageProgress: Math.round(stats.averageProgress * 10) / 10,
          completionRate: ratio(stats.completed, notRevoked),
          bySource: Object.fromEntries(stats.bySource.map((s) => [s.source, s.n])),
        },
        lessons,
        quizzes: quizStats.map(({ quiz, stats: s }) => ({
          quizId: quiz.id,
          title: quiz.title,
          attempts: s?.attempts ?? 0,
          learners: s?.learners ?? 0,
          averageScore: share(s?.averageScore),
          passRate: share(s?.passRate),
        })),
        assignments: assignmentStats.map(({ assignment, stats: s }) => ({
          assignmentId: assignment.id,
          title: assignment.title,
          submissions: s?.submissions ?? 0,
          awaitingGrade: s?.awaitingGrade ?? 0,
          late: s?.late ?? 0,
        })),
      }
    },
  }
}
