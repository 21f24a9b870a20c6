import { Type, IdString } from '@learnmesh/kernel'

/** Path of a course's insights. */
export const CourseParams = Type.Object({ courseId: IdString('crs', 'Course id.') })

/** Completion of one lesson across the course's learners. */
const LessonFunnelItem = Type.Object({
  /** Lesson id (stable across versions). */
  lessonId: Type.String(),
  /** Lesson title in the latest published version. */
  title: Type.String(),
  /** Lesson type. */
  type: Type.String(),
  /** Learners who completed it. */
  completed: Type.Integer(),
  /** Share of enrolled learners who completed it (0–1). */
  completionRate: Type.Number(),
})

/** Results of one quiz. */
const QuizItem = Type.Object({
  /** Quiz id. */
  quizId: Type.String(),
  /** Quiz title. */
  title: Type.String(),
  /** Graded attempts (submitted or timed out). */
  attempts: Type.Integer(),
  /** Learners with at least one graded attempt. */
  learners: Type.Integer(),
  /** Mean score of graded attempts, as a share of the maximum (0–1); null without attempts. */
  averageScore: Type.Union([Type.Number(), Type.Null()]),
  /** Share of graded attempts that passed (0–1); null without attempts. */
  passRate: Type.Union([Type.Number(), Type.Null()]),
})

/** Grading backlog of one assignment. */
const AssignmentItem = Type.Object({
  /** Assignment id. */
  assignmentId: Type.String(),
  /** Assignment title. */
  title: Type.String(),
  /** Submissions received (every resubmission counts). */
  submissions: Type.Integer(),
  /** Submissions waiting for a grade. */
  awaitingGrade: Type.Integer(),
  /** Submissions received after the due date. */
  late: Type.Integer(),
})

/** What an instructor sees about how a course is doing. */
export const CourseInsightsSchema = Type.Object({
  /** Course id. */
  courseId: Type.String(),
  /** Latest published version (0 when never published). */
  publishedVersion: Type.Integer(),
  /** Learner counts. */
  enrollments: Type.Object({
    /** Every enrollment ever made (including revoked). */
    total: Type.Integer(),
    /** Enrollments giving access now (active and not expired). */
    active: Type.Integer(),
    /** Learners who completed the course. */
    completed: Type.Integer(),
    /** Revoked enrollments (admin or refund). */
    revoked: Type.Integer(),
    /** Learners with activity in the last 7 days. */
    activeLast7Days: Type.Integer(),
    /** Mean course percentage of active enrollments (0–100). */
    averageProgress: Type.Number(),
    /** Completed / total non-revoked (0–1). */
    completionRate: Type.Number(),
    /** Enrollments by how they were made: free, order, grant, subscription. */
    bySource: Type.Record(Type.String(), Type.Integer()),
  }),
  /** Lesson completion in course order (latest published version): where learners drop off. */
  lessons: Type.Array(LessonFunnelItem),
  /** Quiz results. */
  quizzes: Type.Array(QuizItem),
  /** Assignment grading backlog. */
  assignments: Type.Array(AssignmentItem),
})
