import { Type, IdString, type Static } from '@learnmesh/kernel'
import { QUESTION_TYPES } from './quizzes.grading.ts'

const QuestionType = Type.Union(
  QUESTION_TYPES.map((t) => Type.Literal(t)),
  { description: 'single_choice | multiple_choice | true_false | numeric | short_text' },
)
const Tag = Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_.:-]+$' })

/** A choice of a choice question. */
export const OptionSchema = Type.Object(
  {
    /** Option id, unique within the question (1–40 letters, digits, `_`, `-`). */
    id: Type.String({ minLength: 1, maxLength: 40 }),
    /** What the learner reads. */
    text: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  { additionalProperties: false },
)

// The answer key and a learner's answer depend on the question type. They are declared as
// free-form JSON here and checked strictly by quizzes.grading.ts: the app coerces scalar types,
// which would silently turn `true` into `1` across a union of shapes.
const AnswerKeyField = Type.Unknown({
  description:
    'The key: `{ optionIds: [id] }` (single_choice), `{ optionIds: [ids] }` (multiple_choice), `{ value: boolean }` ' +
    '(true_false), `{ value: number, tolerance?: number ≥ 0 }` (numeric), `{ accepted: [texts], exact?: boolean }` (short_text).',
})

/** Path with a course id. */
export const CourseParams = Type.Object(
  {
    /** Course id. */
    courseId: IdString('crs', 'Course id'),
  },
  { additionalProperties: false },
)
/** Path with a course and a question. */
export const QuestionParams = Type.Object(
  {
    /** Course id. */
    courseId: IdString('crs', 'Course id'),
    /** Question id. */
    questionId: IdString('qst', 'Question id'),
  },
  { additionalProperties: false },
)
/** Path with a course and a quiz. */
export const CourseQuizParams = Type.Object(
  {
    /** Course id. */
    courseId: IdString('crs', 'Course id'),
    /** Quiz id. */
    quizId: IdString('quz', 'Quiz id'),
  },
  { additionalProperties: false },
)
/** Path with a quiz. */
export const QuizParams = Type.Object(
  {
    /** Quiz id. */
    quizId: IdString('quz', 'Quiz id'),
  },
  { additionalProperties: false },
)
/** Path with an attempt. */
export const AttemptParams = Type.Object(
  {
    /** Attempt id. */
    attemptId: IdString('qat', 'Attempt id'),
  },
  { additionalProperties: false },
)
/** Path with an attempt and one of its questions. */
export const AnswerParams = Type.Object(
  {
    /** Attempt id. */
    attemptId: IdString('qat', 'Attempt id'),
    /** Question id (must be one of the attempt's questions). */
    questionId: IdString('qst', 'Question id'),
  },
  { additionalProperties: false },
)

/** POST /courses/:courseId/questions. */
export const CreateQuestionBody = Type.Object(
  {
    /** Question type. */
    type: QuestionType,
    /** The question text (markdown). */
    prompt: Type.String({ minLength: 1, maxLength: 5000 }),
    /** Choices (choice questions only: 2–20 with unique ids). */
    options: Type.Optional(Type.Array(OptionSchema, { maxItems: 20 })),
    /** The key (see the type's shape). */
    answer: AnswerKeyField,
    /** Shown to the learner after submission. */
    explanation: Type.Optional(Type.String({ maxLength: 5000 })),
    /** Points (1–100). */
    points: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** Tags for random draws (`drawTags`). */
    tags: Type.Optional(Type.Array(Tag, { maxItems: 20 })),
  },
  { additionalProperties: false },
)
/** Create body type. */
export type CreateQuestionInput = Static<typeof CreateQuestionBody>

/** PATCH /courses/:courseId/questions/:questionId: any subset; the result is validated whole. */
export const UpdateQuestionBody = Type.Object(
  {
    /** New type (options and answer must then fit it). */
    type: Type.Optional(QuestionType),
    /** New prompt. */
    prompt: Type.Optional(Type.String({ minLength: 1, maxLength: 5000 })),
    /** New choices. */
    options: Type.Optional(Type.Array(OptionSchema, { maxItems: 20 })),
    /** New key. */
    answer: Type.Optional(AnswerKeyField),
    /** New explanation. */
    explanation: Type.Optional(Type.String({ maxLength: 5000 })),
    /** New points. */
    points: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** New tags. */
    tags: Type.Optional(Type.Array(Tag, { maxItems: 20 })),
  },
  { additionalProperties: false, minProperties: 1 },
)
/** Update body type. */
export type UpdateQuestionInput = Static<typeof UpdateQuestionBody>

/** GET /courses/:courseId/questions. */
export const QuestionsQuery = Type.Object(
  {
    /** Only questions carrying this tag. */
    tag: Type.Optional(Tag),
    /** Include archived questions. */
    includeArchived: Type.Boolean({ default: false }),
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    /** Cursor: the last id of the previous page. */
    after: Type.Optional(IdString('qst', 'Cursor')),
  },
  { additionalProperties: false },
)

/** A bank question as editors see it (with its key). */
export const QuestionSchema = Type.Object({
  /** Question id. */
  id: Type.String(),
  /** Course id. */
  courseId: Type.String(),
  /** Question type. */
  type: Type.String(),
  /** Question text. */
  prompt: Type.String(),
  /** Choices. */
  options: Type.Array(OptionSchema),
  /** The key. */
  answer: Type.Unknown(),
  /** Explanation shown after submission. */
  explanation: Type.String(),
  /** Points. */
  points: Type.Integer(),
  /** Tags. */
  tags: Type.Array(Type.String()),
  /** When it was archived (archived questions are never drawn). */
  archivedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** Creation time. */
  createdAt: Type.String({ format: 'date-time' }),
})
/** A page of questions. */
export const QuestionsResponse = Type.Object({
  /** Questions, oldest first. */
  items: Type.Array(QuestionSchema),
  /** Pass as `after` for the next page; null on the last. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})

const quizFields = {
  /** Title. */
  title: Type.String({ minLength: 1, maxLength: 200 }),
  /** Fixed question ids in order (exclusive with drawCount). */
  questionIds: Type.Array(IdString('qst', 'Question id'), { maxItems: 200 }),
  /** Random draw of this many bank questions per attempt (exclusive with questionIds). */
  drawCount: Type.Union([Type.Integer({ minimum: 1, maximum: 200 }), Type.Null()]),
  /** Draw only questions carrying at least one of these tags (empty = the whole bank). */
  drawTags: Type.Array(Tag, { maxItems: 20 }),
  /** Shuffle question order per attempt. */
  shuffleQuestions: Type.Boolean(),
  /** Shuffle each question's options per attempt. */
  shuffleOptions: Type.Boolean(),
  /** Server-enforced time limit in seconds (null = untimed). */
  timeLimitSeconds: Type.Union([Type.Integer({ minimum: 10, maximum: 86_400 }), Type.Null()]),
  /** Attempts allowed per learner (null = unlimited). */
  maxAttempts: Type.Union([Type.Integer({ minimum: 1, maximum: 100 }), Type.Null()]),
  /** Percentage of points needed to pass (0–100). */
  passPercent: Type.Integer({ minimum: 0, maximum: 100 }),
}

/** POST /courses/:courseId/quizzes. */
export const CreateQuizBody = Type.Object(
  {
    title: quizFields.title,
    questionIds: Type.Optional(quizFields.questionIds),
    drawCount: Type.Optional(quizFields.drawCount),
    drawTags: Type.Optional(quizFields.drawTags),
    shuffleQuestions: Type.Optional(quizFields.shuffleQuestions),
    shuffleOptions: Type.Optional(quizFields.shuffleOptions),
    timeLimitSeconds: Type.Optional(quizFields.timeLimitSeconds),
    maxAttempts: Type.Optional(quizFields.maxAttempts),
    passPercent: Type.Optional(quizFields.passPercent),
  },
  { additionalProperties: false },
)
/** Create body type. */
export type CreateQuizInput = Static<typeof CreateQuizBody>

/** PATCH /courses/:courseId/quizzes/:quizId: any subset; the result is validated whole. */
export const UpdateQuizBody = Type.Object(
  {
    title: Type.Optional(quizFields.title),
    questionIds: Type.Optional(quizFields.questionIds),
    drawCount: Type.Optional(quizFields.drawCount),
    drawTags: Type.Optional(quizFields.drawTags),
    shuffleQuestions: Type.Optional(quizFields.shuffleQuestions),
    shuffleOptions: Type.Optional(quizFields.shuffleOptions),
    timeLimitSeconds: Type.Optional(quizFields.timeLimitSeconds),
    maxAttempts: Type.Optional(quizFields.maxAttempts),
    passPercent: Type.Optional(quizFields.passPercent),
  },
  { additionalProperties: false, minProperties: 1 },
)
/** Update body type. */
export type UpdateQuizInput = Static<typeof UpdateQuizBody>

/** A quiz as editors see it. */
export const QuizSchema = Type.Object({
  /** Quiz id. */
  id: Type.String(),
  /** Course id. */
  courseId: Type.String(),
  ...quizFields,
  /** With fixed questions: those questions with their keys (empty for random draws). */
  questions: Type.Array(QuestionSchema),
  /** Creation time. */
  createdAt: Type.String({ format: 'date-time' }),
  /** Last change. */
  updatedAt: Type.String({ format: 'date-time' }),
})
/** A course's quizzes. */
export const QuizzesResponse = Type.Object({
  /** Quizzes, oldest first. */
  items: Type.Array(QuizSchema),
})

/** A quiz as an enrolled learner sees it before an attempt: rules, never questions. */
export const QuizSummarySchema = Type.Object({
  /** Quiz id. */
  id: Type.String(),
  /** Course id. */
  courseId: Type.String(),
  /** The quiz lesson of the learner's course version. */
  lessonId: Type.String(),
  /** Title. */
  title: Type.String(),
  /** Questions per attempt. */
  questionCount: Type.Integer(),
  /** Time limit in seconds (null = untimed). */
  timeLimitSeconds: Type.Union([Type.Integer(), Type.Null()]),
  /** Attempts allowed (null = unlimited). */
  maxAttempts: Type.Union([Type.Integer(), Type.Null()]),
  /** Attempts used so far. */
  attemptsUsed: Type.Integer(),
  /** Pass mark in percent. */
  passPercent: Type.Integer(),
  /** Best score so far in percent (null before any graded attempt). */
  bestPercent: Type.Union([Type.Integer(), Type.Null()]),
  /** Whether a graded attempt passed. */
  passed: Type.Boolean(),
  /** The attempt in progress, if any. */
  inProgressAttemptId: Type.Union([Type.String(), Type.Null()]),
  /** False while the lesson's prerequisites are incomplete. */
  unlocked: Type.Boolean(),
})

/** A question of an attempt as the learner sees it (never the key or the explanation). */
export const AttemptQuestionSchema = Type.Object({
  /** Question id. */
  id: Type.String(),
  /** Question type. */
  type: Type.String(),
  /** Question text. */
  prompt: Type.String(),
  /** Choices, in this attempt's order. */
  options: Type.Array(OptionSchema),
  /** Points. */
  points: Type.Integer(),
})

/** Per-question result, after submission. */
export const FeedbackSchema = Type.Object({
  /** Question id. */
  questionId: Type.String(),
  /** Whether every point was earned. */
  correct: Type.Boolean(),
  /** Whether an answer was saved. */
  answered: Type.Boolean(),
  /** Points earned. */
  earned: Type.Integer(),
  /** Points available. */
  points: Type.Integer(),
  /** The learner's graded answer (null when unanswered). */
  yourAnswer: Type.Unknown(),
  /** The key, revealed after submission. */
  correctAnswer: Type.Unknown(),
  /** The explanation, revealed after submission. */
  explanation: Type.String(),
})

/** An attempt as its learner sees it. */
export const AttemptSchema = Type.Object({
  /** Attempt id. */
  id: Type.String(),
  /** Quiz id. */
  quizId: Type.String(),
  /** Course id. */
  courseId: Type.String(),
  /** The quiz lesson. */
  lessonId: Type.Union([Type.String(), Type.Null()]),
  /** 1 for the first attempt. */
  attemptNo: Type.Integer(),
  /** in_progress | submitted | expired (graded after the time ran out). */
  status: Type.String(),
  /** When it started (server time). */
  startedAt: Type.String({ format: 'date-time' }),
  /** Server deadline: startedAt + time limit (null = untimed). */
  deadlineAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** Seconds after the deadline during which saves and the submission are still accepted. */
  graceSeconds: Type.Integer(),
  /** The server's clock when answering (for a client countdown). */
  serverTime: Type.String({ format: 'date-time' }),
  /** When it was submitted or expired. */
  submittedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** Questions in this attempt's order, without keys. */
  questions: Type.Array(AttemptQuestionSchema),
  /** Saved answers by question id. */
  answers: Type.Record(Type.String(), Type.Unknown()),
  /** Points earned (after submission). */
  score: Type.Union([Type.Integer(), Type.Null()]),
  /** Points available (after submission). */
  maxScore: Type.Union([Type.Integer(), Type.Null()]),
  /** Whether it passed (after submission). */
  passed: Type.Union([Type.Boolean(), Type.Null()]),
  /** Per-question results (after submission; null before). */
  feedback: Type.Union([Type.Array(FeedbackSchema), Type.Null()]),
})

/** An attempt in a list (no questions). */
export const AttemptSummarySchema = Type.Object({
  /** Attempt id. */
  id: Type.String(),
  /** Quiz id. */
  quizId: Type.String(),
  /** The learner. */
  userId: Type.String(),
  /** 1 for the first attempt. */
  attemptNo: Type.Integer(),
  /** in_progress | submitted | expired. */
  status: Type.String(),
  /** Start time. */
  startedAt: Type.String({ format: 'date-time' }),
  /** Deadline (null = untimed). */
  deadlineAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** Submission time. */
  submittedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** Points earned. */
  score: Type.Union([Type.Integer(), Type.Null()]),
  /** Points available. */
  maxScore: Type.Union([Type.Integer(), Type.Null()]),
  /** Passed. */
  passed: Type.Union([Type.Boolean(), Type.Null()]),
})
/** A list of attempts. */
export const AttemptsResponse = Type.Object({
  /** Attempts, oldest first. */
  items: Type.Array(AttemptSummarySchema),
  /** Cursor for the next page (null on the last). */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})

/** GET /courses/:courseId/quiz-attempts. */
export const CourseAttemptsQuery = Type.Object(
  {
    /** Only this quiz. */
    quizId: Type.Optional(IdString('quz', 'Quiz id')),
    /** Only this learner. */
    userId: Type.Optional(Type.String({ maxLength: 64 })),
    /** Only this status. */
    status: Type.Optional(
      Type.Union([Type.Literal('in_progress'), Type.Literal('submitted'), Type.Literal('expired')]),
    ),
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    /** Cursor: the last id of the previous page. */
    after: Type.Optional(IdString('qat', 'Cursor')),
  },
  { additionalProperties: false },
)

/** PUT /attempts/:attemptId/answers/:questionId. */
export const SaveAnswerBody = Type.Object(
  {
    /** The answer: option id (single_choice), option ids (multiple_choice), boolean, number or text. */
    answer: Type.Unknown({
      description:
        'single_choice: option id; multiple_choice: array of option ids; true_false: boolean; numeric: number; short_text: text',
    }),
  },
  { additionalProperties: false },
)

/** A saved answer. */
export const SavedAnswerSchema = Type.Object({
  /** Attempt id. */
  attemptId: Type.String(),
  /** Question id. */
  questionId: Type.String(),
  /** The answer as saved. */
  answer: Type.Unknown(),
  /** When the server saved it. */
  answeredAt: Type.String({ format: 'date-time' }),
})
