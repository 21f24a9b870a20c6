import type { Static } from '@learnmesh/kernel'
import type { AnswerRow, AttemptLight, AttemptRow, QuestionRow, QuizRow } from './quizzes.repository.ts'
import type {
  AttemptSchema,
  AttemptSummarySchema,
  FeedbackSchema,
  QuestionSchema,
  QuizSchema,
} from './quizzes.schemas.ts'

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** A bank question for editors (with its key). */
export function presentQuestion(row: QuestionRow): Static<typeof QuestionSchema> {
  return {
    id: row.id,
    courseId: row.courseId,
    type: row.type,
    prompt: row.prompt,
    options: row.options,
    answer: row.answer,
    explanation: row.explanation,
    points: row.points,
    tags: row.tags,
    archivedAt: iso(row.archivedAt),
    createdAt: row.createdAt.toISOString(),
  }
}

/** A quiz for editors; `questions` are the fixed questions in the quiz's order. */
export function presentQuiz(row: QuizRow, fixed: QuestionRow[] = []): Static<typeof QuizSchema> {
  const byId = new Map(fixed.map((q) => [q.id, q]))
  return {
    id: row.id,
    courseId: row.courseId,
    title: row.title,
    questionIds: row.questionIds,
    drawCount: row.drawCount,
    drawTags: row.drawTags,
    shuffleQuestions: row.shuffleQuestions,
    shuffleOptions: row.shuffleOptions,
    timeLimitSeconds: row.timeLimitSeconds,
    maxAttempts: row.maxAttempts,
    passPercent: row.passPercent,
    questions: row.questionIds.flatMap((id) => {
      const q = byId.get(id)
      return q ? [presentQuestion(q)] : []
    }),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

/**
 * An attempt for its learner. Before grading it carries the questions WITHOUT keys or
 * explanations (built field by field from the frozen copy, never spread from it) and the saved
 * answers; after grading, the stored feedback reveals keys and explanations.
 */
export function presentAttempt(
  row: AttemptRow,
  answers: AnswerRow[],
  clock: { now: Date; graceSeconds: number },
): Static<typeof AttemptSchema> {
  const graded = row.status !== 'in_progress'
  return {
    id: row.id,
    quizId: row.quizId,
    courseId: row.courseId,
    lessonId: row.lessonId,
    attemptNo: row.attemptNo,
    status: row.status,
    startedAt: row.startedAt.toISOString(),
    deadlineAt: iso(row.deadlineAt),
    graceSeconds: clock.graceSeconds,
    serverTime: clock.now.toISOString(),
    submittedAt: iso(row.submittedAt),
    questions: row.questions.map((item) => {
      const q = item.question!
      const text = new Map(q.options.map((o) => [o.id, o.text]))
      return {
        id: item.questionId,
        type: q.type,
        prompt: q.prompt,
        options: item.optionOrder.map((id) => ({ id, text: text.get(id) ?? '' })),
        points: q.points,
      }
    }),
    answers: Object.fromEntries(answers.map((a) => [a.questionId, a.answer])),
    score: graded ? row.score : null,
    maxScore: graded ? row.maxScore : null,
    passed: graded ? row.passed : null,
    feedback: graded ? ((row.feedback as Static<typeof FeedbackSchema>[] | null) ?? []) : null,
  }
}

/** An attempt in a list. */
export function presentAttemptSummary(row: AttemptLight): Static<typeof AttemptSummarySchema> {
  return {
    id: row.id,
    quizId: row.quizId,
    userId: row.userId,
    attemptNo: row.attemptNo,
    status: row.status,
    startedAt: row.startedAt.toISOString(),
    deadlineAt: iso(row.deadlineAt),
    submittedAt: iso(row.submittedAt),
    score: row.score,
    maxScore: row.maxScore,
    passed: row.passed,
  }
}
