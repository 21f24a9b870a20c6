import { requireAuth, bearer, problems, traceparentOf, type App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { presentAttempt, presentAttemptSummary, presentQuestion, presentQuiz } from './quizzes.presenter.ts'
import {
  AnswerParams,
  AttemptParams,
  AttemptSchema,
  AttemptsResponse,
  CourseAttemptsQuery,
  CourseParams,
  CourseQuizParams,
  CreateQuestionBody,
  CreateQuizBody,
  QuestionParams,
  QuestionSchema,
  QuestionsQuery,
  QuestionsResponse,
  QuizParams,
  QuizSchema,
  QuizSummarySchema,
  QuizzesResponse,
  SaveAnswerBody,
  SavedAnswerSchema,
  UpdateQuestionBody,
  UpdateQuizBody,
} from './quizzes.schemas.ts'
import { createQuizzesService } from './quizzes.service.ts'

const tags = ['quizzes']
const security = bearer

/**
 * Question banks and quizzes (course editors: owner, co-instructors, org admins) and attempts
 * (learners enrolled in the course). Keys and explanations never reach a learner before grading.
 */
export function quizzesRoutes(app: App, deps: LearningDeps): void {
  const s = createQuizzesService(deps)
  const clock = (now: Date) => ({ now, graceSeconds: s.graceSeconds })

  // ------------------------------------------------------------ question bank

  app.post(
    '/courses/:courseId/questions',
    {
      schema: {
        tags,
        security,
        summary: 'Add a question to the course bank (editors)',
        params: CourseParams,
        body: CreateQuestionBody,
        response: { 201: QuestionSchema, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const principal = requireAuth(request)
      const row = await s.createQuestion(principal, request.params.courseId, request.body)
      reply.code(201)
      return presentQuestion(row)
    },
  )

  app.get(
    '/courses/:courseId/questions',
    {
      schema: {
        tags,
        security,
        summary: 'List the course bank with keys (editors)',
        params: CourseParams,
        querystring: QuestionsQuery,
        response: { 200: QuestionsResponse, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { limit, ...rest } = request.query
      const rows = await s.listQuestions(principal, request.params.courseId, { ...rest, limit: limit + 1 })
      const items = rows.slice(0, limit)
      return {
        items: items.map(presentQuestion),
        nextCursor: rows.length > limit ? items[items.length - 1]!.id : null,
      }
    },
  )

  app.get(
    '/courses/:courseId/questions/:questionId',
    {
      schema: {
        tags,
        security,
        summary: 'One bank question with its key (editors)',
        params: QuestionParams,
        response: { 200: QuestionSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { courseId, questionId } = request.params
      return presentQuestion(await s.getQuestion(principal, courseId, questionId))
    },
  )

  app.patch(
    '/courses/:courseId/questions/:questionId',
    {
      schema: {
        tags,
        security,
        summary: 'Change a bank question (editors; attempts already started keep their copy)',
        params: QuestionParams,
        body: UpdateQuestionBody,
        response: { 200: QuestionSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { courseId, questionId } = request.params
      return presentQuestion(await s.updateQuestion(principal, courseId, questionId, request.body))
    },
  )

  for (const [action, archived] of [
    ['archive', true],
    ['restore', false],
  ] as const) {
    app.post(
      `/courses/:courseId/questions/:questionId/${action}`,
      {
        schema: {
          tags,
          security,
          summary: archived
            ? 'Archive a bank question: never drawn or added again (editors; idempotent)'
            : 'Restore an archived bank question (editors; idempotent)',
          params: QuestionParams,
          response: { 200: QuestionSchema, ...problems(400, 401, 404) },
        },
      },
      async (request) => {
        const principal = requireAuth(request)
        const { courseId, questionId } = request.params
        return presentQuestion(await s.setArchived(principal, courseId, questionId, archived))
      },
    )
  }

  // ------------------------------------------------------------ quizzes (editors)

  app.post(
    '/courses/:courseId/quizzes',
    {
      schema: {
        tags,
        security,
        summary: 'Create a quiz: a fixed question list or a random draw from the bank (editors)',
        params: CourseParams,
        body: CreateQuizBody,
        response: { 201: QuizSchema, ...problems(400, 401, 404, 422) },
      },
    },
    async (request, reply) => {
      const principal = requireAuth(request)
      const { quiz, questions } = await s.createQuiz(principal, request.params.courseId, request.body)
      reply.code(201)
      return presentQuiz(quiz, questions)
    },
  )

  app.get(
    '/courses/:courseId/quizzes',
    {
      schema: {
        tags,
        security,
        summary: "The course's quizzes (editors)",
        params: CourseParams,
        response: { 200: QuizzesResponse, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const rows = await s.listQuizzes(principal, request.params.courseId)
      return { items: rows.map((q) => presentQuiz(q)) }
    },
  )

  app.get(
    '/courses/:courseId/quizzes/:quizId',
    {
      schema: {
        tags,
        security,
        summary: 'A quiz with its fixed questions and keys (editors)',
        params: CourseQuizParams,
        response: { 200: QuizSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { courseId, quizId } = request.params
      const { quiz, questions } = await s.getQuiz(principal, courseId, quizId)
      return presentQuiz(quiz, questions)
    },
  )

  app.patch(
    '/courses/:courseId/quizzes/:quizId',
    {
      schema: {
        tags,
        security,
        summary: 'Change a quiz (editors; attempts already started keep their questions and deadline)',
        params: CourseQuizParams,
        body: UpdateQuizBody,
        response: { 200: QuizSchema, ...problems(400, 401, 404, 422) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { courseId, quizId } = request.params
      const { quiz, questions } = await s.updateQuiz(principal, courseId, quizId, request.body)
      return presentQuiz(quiz, questions)
    },
  )

  app.get(
    '/courses/:courseId/quiz-attempts',
    {
      schema: {
        tags,
        security,
        summary: "Attempts at the course's quizzes, with scores (editors)",
        params: CourseParams,
        querystring: CourseAttemptsQuery,
        response: { 200: AttemptsResponse, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { limit, ...rest } = request.query
      const rows = await s.courseAttempts(principal, request.params.courseId, { ...rest, limit: limit + 1 })
      const items = rows.slice(0, limit)
      return {
        items: items.map(presentAttemptSummary),
        nextCursor: rows.length > limit ? items[items.length - 1]!.id : null,
      }
    },
  )

  // ------------------------------------------------------------ learners

  app.get(
    '/quizzes/:quizId',
    {
      schema: {
        tags,
        security,
        summary: 'A quiz’s rules and my standing (enrolled learners; no questions)',
        params: QuizParams,
        response: { 200: QuizSummarySchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => s.quizSummary(requireAuth(request), request.params.quizId),
  )

  app.post(
    '/quizzes/:quizId/attempts',
    {
      schema: {
        tags,
        security,
        summary: 'Start an attempt (or get the one in progress: 200 instead of 201)',
        params: QuizParams,
        response: { 200: AttemptSchema, 201: AttemptSchema, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = requireAuth(request)
      const { attempt, created, now } = await s.startAttempt(principal, request.params.quizId)
      reply.code(created ? 201 : 200)
      const answers = created ? [] : (await s.getAttempt(principal, attempt.id)).answers
      return presentAttempt(attempt, answers, clock(now))
    },
  )

  app.get(
    '/quizzes/:quizId/attempts',
    {
      schema: {
        tags,
        security,
        summary: 'My attempts at a quiz',
        params: QuizParams,
        response: { 200: AttemptsResponse, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const rows = await s.myAttempts(requireAuth(request), request.params.quizId)
      return { items: rows.map(presentAttemptSummary), nextCursor: null }
    },
  )

  app.get(
    '/attempts/:attemptId',
    {
      schema: {
        tags,
        security,
        summary: 'My attempt: questions and saved answers; score and feedback once graded',
        params: AttemptParams,
        response: { 200: AttemptSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const { attempt, answers, now } = await s.getAttempt(requireAuth(request), request.params.attemptId)
      return presentAttempt(attempt, answers, clock(now))
    },
  )

  app.put(
    '/attempts/:attemptId/answers/:questionId',
    {
      schema: {
        tags,
        security,
        summary: 'Save (or replace) my answer to one question while the attempt is open',
        params: AnswerParams,
        body: SaveAnswerBody,
        response: { 200: SavedAnswerSchema, ...problems(400, 401, 403, 404, 409, 410) },
      },
    },
    async (request) => {
      const principal = requireAuth(request)
      const { attemptId, questionId } = request.params
      const saved = await s.saveAnswer(principal, attemptId, questionId, request.body.answer)
      return { ...saved, answeredAt: saved.answeredAt.toISOString() }
    },
  )

  app.post(
    '/attempts/:attemptId/submit',
    {
      schema: {
        tags,
        security,
        summary: 'Submit my attempt: graded on the server; keys and explanations are revealed',
        params: AttemptParams,
        response: { 200: AttemptSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { attempt, answers, now } = await s.submitAttempt(
        requireAuth(request),
        request.params.attemptId,
        {
          traceparent: traceparentOf(request),
        },
      )
      return presentAttempt(attempt, answers, clock(now))
    },
  )
}
