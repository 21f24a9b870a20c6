import { and, eq } from 'drizzle-orm'
import {
  AppError,
  newId,
  prepareEvent,
  prepareJob,
  type DbOrTx,
  type Principal,
  type Tx,
} from '@learnmesh/kernel'
import { learningQuizGraded } from '@learnmesh/contracts'
import { enrollments, jobs, outbox } from '../db/schema.ts'
import type { LearningDeps } from '../deps.ts'
import {
  accessProblem,
  loadSnapshot,
  requireAccess,
  requireActiveEnrollment,
  requireEditableCourse,
  type Enrollment,
} from '../shared/access.ts'
import { snapshotLessons, type CourseSnapshot, type SnapshotLesson } from '../shared/snapshot.ts'
import { completeLesson } from '../progress/completion.ts'
import {
  checkAnswerShape,
  drawQuestionIds,
  optionOrderFor,
  gradeAttempt,
  validateQuestion,
  type GradableQuestion,
  type LearnerAnswer,
  type QuestionType,
} from './quizzes.grading.ts'
import { createAnswerWriter } from './quizzes.answers.ts'
import {
  createQuizzesRepository,
  type AnswerRow,
  type AttemptLight,
  type AttemptRow,
  type QuestionCopy,
  type QuestionRow,
  type QuizRow,
} from './quizzes.repository.ts'
import type {
  CreateQuestionInput,
  CreateQuizInput,
  UpdateQuestionInput,
  UpdateQuizInput,
} from './quizzes.schemas.ts'

/** Name of the job that grades a timed attempt whose time (deadline + grace) ran out. */
export const EXPIRE_ATTEMPT_JOB = 'learning.quiz_attempt.expire'

/** Request metadata services pass on to events. */
export interface RequestMeta {
  traceparent: string | null
}

type FrozenItem = AttemptRow['questions'][number]

function frozenQuestion(item: FrozenItem): GradableQuestion {
  const q = item.question!
  return {
    type: q.type as QuestionType,
    prompt: q.prompt,
    options: q.options,
    answer: q.answer as GradableQuestion['answer'],
    explanation: q.explanation,
    points: q.points,
  }
}

/** Whether an in-progress attempt is past deadline + grace at `now`. */
export function isOverdue(
  attempt: Pick<AttemptRow, 'status' | 'deadlineAt'>,
  now: Date,
  graceSeconds: number,
): boolean {
  return (
    attempt.status === 'in_progress' &&
    attempt.deadlineAt !== null &&
    now.getTime() > attempt.deadlineAt.getTime() + graceSeconds * 1000
  )
}

/** The quiz lesson of a snapshot that holds `quizId`, or undefined. */
function quizLesson(snapshot: CourseSnapshot, quizId: string): SnapshotLesson | undefined {
  return snapshotLessons(snapshot).find((l) => l.content.type === 'quiz' && l.content.quizId === quizId)
}

/**
 * The quiz engine: question banks and quizzes (course editors), attempts (enrolled learners),
 * server-side grading and time limits.
 */
export function createQuizzesService(deps: LearningDeps) {
  const { database, config } = deps
  const db = database.db
  const repo = createQuizzesRepository()
  const grace = config.QUIZ_GRACE_SECONDS
  const answerWriter = createAnswerWriter(database, grace)

  // ---------------------------------------------------------------- questions

  function checkedQuestion(def: { type: string; options: unknown; answer: unknown; points: number }) {
    const result = validateQuestion(def)
    if (!result.ok)
      throw new AppError(
        'validation_failed',
        result.errors.map((e) => `${e.path}: ${e.message}`).join('; '),
        {
          errors: result.errors,
        },
      )
    return result.answer
  }

  async function requireQuestion(
    tx: DbOrTx,
    orgId: string,
    courseId: string,
    id: string,
  ): Promise<QuestionRow> {
    const row = await repo.findQuestion(tx, orgId, courseId, id)
    if (!row) throw new AppError('not_found', 'Question not found')
    return row
  }

  // ---------------------------------------------------------------- quizzes

  async function requireCourseQuiz(
    tx: DbOrTx,
    orgId: string,
    courseId: string,
    quizId: string,
  ): Promise<QuizRow> {
    const quiz = await repo.findQuiz(tx, orgId, quizId)
    if (!quiz || quiz.courseId !== courseId) throw new AppError('not_found', 'Quiz not found')
    return quiz
  }

  /** Checks a quiz's whole configuration against the bank; 400 for a bad shape, 422 for a too-small bank. */
  async function checkQuizConfig(
    tx: DbOrTx,
    orgId: string,
    courseId: string,
    q: { questionIds: string[]; drawCount: number | null; drawTags: string[] },
  ): Promise<void> {
    const fixed = q.questionIds.length > 0
    if (fixed === (q.drawCount !== null))
      throw new AppError(
        'validation_failed',
        'Give either questionIds (a fixed list) or drawCount (a random draw)',
      )
    if (fixed) {
      if (new Set(q.questionIds).size !== q.questionIds.length)
        throw new AppError('validation_failed', 'questionIds has duplicates')
      if (q.drawTags.length) throw new AppError('validation_failed', 'drawTags only applies to a random draw')
      const found = new Set(
        (await repo.activeQuestionsByIds(tx, orgId, courseId, q.questionIds)).map((r) => r.id),
      )
      const missing = q.questionIds.filter((id) => !found.has(id))
      if (missing.length)
        throw new AppError(
          'validation_failed',
          `Not questions of this course's bank (or archived): ${missing.join(', ')}`,
        )
      return
    }
    const available = (await repo.drawCandidateIds(tx, orgId, courseId, q.drawTags)).length
    if (available < q.drawCount!)
      throw new AppError(
        'unprocessable',
        `The bank has ${available} question(s) matching the draw; drawCount is ${q.drawCount}`,
      )
  }

  // ---------------------------------------------------------------- attempts

  /**
   * Grades an attempt inside `tx` (which holds its row lock): answers saved up to deadline + grace
   * count (the server refuses later ones), stores score and feedback, writes learning.quiz.graded
   * and, on a pass while the enrollment still gives access, completes the quiz lesson.
   * `known.passPercent` is the quiz's pass mark when the caller read it (null: the quiz is gone).
   * Statements: the answers read, then one for grade + event + notify (plus the quiz when not
   * known, and the lesson completion on a pass).
   */
  async function grade(
    tx: Tx,
    attempt: AttemptRow,
    status: 'submitted' | 'expired',
    now: Date,
    meta: RequestMeta,
    known: { enrollment?: Enrollment; passPercent?: number | null } = {},
  ): Promise<{ attempt: AttemptRow; answers: AnswerRow[] }> {
    const passPercent =
      (known.passPercent !== undefined
        ? known.passPercent
        : (await repo.findQuiz(tx, attempt.orgId, attempt.quizId))?.passPercent) ?? 100
    const cutoff = attempt.deadlineAt ? attempt.deadlineAt.getTime() + grace * 1000 : Infinity
    const saved = (await repo.answersOf(tx, attempt.id)).filter((a) => a.answeredAt.getTime() <= cutoff)
    const answers = new Map(saved.map((a) => [a.questionId, a.answer as LearnerAnswer]))
    const items = attempt.questions.map((item) => ({
      questionId: item.questionId,
      question: frozenQuestion(item),
    }))
    const result = gradeAttempt(items, answers, passPercent)
    const feedback = result.items.map((r, i) => ({
      questionId: r.questionId,
      correct: r.correct,
      answered: r.answered,
      earned: r.earned,
      points: r.points,
      yourAnswer: answers.get(r.questionId) ?? null,
      correctAnswer: items[i]!.question.answer,
      explanation: items[i]!.question.explanation,
    }))
    const set = {
      status,
      submittedAt: now,
      score: result.score,
      maxScore: result.maxScore,
      passed: result.passed,
      feedback,
    }
    const event = prepareEvent(outbox, learningQuizGraded, {
      aggregateId: attempt.id,
      orgId: attempt.orgId,
      traceparent: meta.traceparent,
      payload: {
        attemptId: attempt.id,
        quizId: attempt.quizId,
        courseId: attempt.courseId,
        userId: attempt.userId,
        score: result.score,
        maxScore: result.maxScore,
        passed: result.passed,
      },
    })
    await repo.finishAttempt(tx, attempt.id, set, event)
    const finished: AttemptRow = { ...attempt, ...set }
    if (result.passed && attempt.lessonId) {
      const [enrollment] = known.enrollment
        ? [known.enrollment]
        : await tx
            .select()
            .from(enrollments)
            .where(and(eq(enrollments.id, attempt.enrollmentId), eq(enrollments.orgId, attempt.orgId)))
      if (enrollment && accessProblem(enrollment, null, now) === null) {
        const snapshot = await loadSnapshot(tx, enrollment.courseId, enrollment.version)
        await completeLesson(tx, {
          enrollment,
          snapshot,
          lessonId: attempt.lessonId,
          traceparent: meta.traceparent,
        })
      }
    }
    return { attempt: finished, answers: saved }
  }

  /** Expires (grades) an overdue attempt in its own transaction; returns the row as it is now. */
  async function expireIfOverdue<T extends AttemptLight>(attempt: T, now: Date): Promise<T | AttemptRow> {
    if (!isOverdue(attempt, now, grace)) return attempt
    const row = await db.transaction(async (tx): Promise<T | AttemptRow> => {
      const locked = await repo.findAttempt(tx, { id: attempt.id, orgId: attempt.orgId }, true)
      if (!locked) return attempt
      if (!isOverdue(locked.attempt, locked.now, grace)) return locked.attempt
      return (await grade(tx, locked.attempt, 'expired', locked.now, { traceparent: null })).attempt
    })
    deps.wakeRelay()
    return row
  }

  /** The learner's access to a quiz: enrollment (active), snapshot, the quiz lesson and whether it is unlocked. */
  async function learnerContext(tx: DbOrTx, principal: Principal, quiz: QuizRow) {
    const { enrollment, snapshot } = await requireActiveEnrollment(tx, principal, quiz.courseId, (cohortId) =>
      repo.cohortStartsAt(tx, principal.orgId, cohortId),
    )
    const lesson = quizLesson(snapshot, quiz.id)
    if (!lesson) throw new AppError('not_found', 'Quiz not found')
    const done = await repo.completedLessons(tx, enrollment.id, lesson.prerequisiteIds)
    const missing = lesson.prerequisiteIds.filter((id) => !done.has(id))
    return { enrollment, snapshot, lesson, missingPrerequisites: missing }
  }

  async function requireLearnerQuiz(tx: DbOrTx, principal: Principal, quizId: string): Promise<QuizRow> {
    const quiz = await repo.findQuiz(tx, principal.orgId, quizId)
    if (!quiz) throw new AppError('not_found', 'Quiz not found')
    return quiz
  }

  /**
   * Draws and freezes an attempt's questions: picks ids, then copies the picked bank rows and orders
   * their options, all seeded by the attempt id. A random draw from a small bank reads the
   * candidates whole in one statement; from a large one it reads only ids, then the picked rows.
   */
  async function drawFor(tx: DbOrTx, quiz: QuizRow, attemptId: string): Promise<FrozenItem[]> {
    let ids: string[]
    let read: Map<string, QuestionCopy> | null = null
    if (quiz.drawCount !== null) {
      const { ids: candidates, rows } = await repo.drawCandidates(
        tx,
        quiz.orgId,
        quiz.courseId,
        quiz.drawTags,
      )
      read = rows
      if (candidates.length < quiz.drawCount)
        throw new AppError(
          'unprocessable',
          'This quiz cannot be taken right now: its question bank is too small',
        )
      ids = drawQuestionIds(attemptId, candidates, quiz)
    } else {
      ids = drawQuestionIds(attemptId, quiz.questionIds, {
        drawCount: null,
        shuffleQuestions: quiz.shuffleQuestions,
      })
    }
    // A small bank's candidates came whole with the draw; otherwise read only the picked rows.
    const rows =
      read ??
      new Map<string, QuestionCopy>(
        (await repo.activeQuestionsByIds(tx, quiz.orgId, quiz.courseId, ids)).map((r) => [r.id, r]),
      )
    const frozen = ids.flatMap((id): FrozenItem[] => {
      const question = rows.get(id)
      if (!question) return [] // archived meanwhile
      return [
        {
          questionId: id,
          optionOrder: optionOrderFor(
            attemptId,
            id,
            question.options.map((o) => o.id),
            quiz.shuffleOptions,
          ),
          question: {
            type: question.type,
            prompt: question.prompt,
            options: question.options,
            answer: question.answer,
            explanation: question.explanation,
            points: question.points,
          },
        },
      ]
    })
    if (frozen.length === 0)
      throw new AppError('unprocessable', 'This quiz cannot be taken right now: it has no questions')
    return frozen
  }

  // Saving an answer is the hot path (one request per learner every few seconds during an exam):
  // an attempt's questions never change after start, so their shapes are kept in memory and a save
  // is one statement. Only immutable data is cached; status, deadline, ownership and enrollment are
  // re-checked by that statement on every save, so replicas need no coordination.
  const ATTEMPT_CACHE_MAX = 20_000
  const attemptShapes = new Map<
    string,
    { orgId: string; userId: string; questions: Map<string, GradableQuestion> }
  >()
  function rememberShapes(attempt: AttemptRow) {
    if (attemptShapes.size >= ATTEMPT_CACHE_MAX) attemptShapes.delete(attemptShapes.keys().next().value!)
    const entry = {
      orgId: attempt.orgId,
      userId: attempt.userId,
      questions: new Map(attempt.questions.map((q) => [q.questionId, frozenQuestion(q)])),
    }
    attemptShapes.set(attempt.id, entry)
    return entry
  }

  return {
    /** The grace period after a deadline, in seconds. */
    graceSeconds: grace,

    // ---- question bank (editors)

    /** Adds a question to a course's bank. */
    async createQuestion(principal: Principal, courseId: string, input: CreateQuestionInput) {
      await requireEditableCourse(db, principal, courseId)
      const options = input.options ?? []
      const points = input.points ?? 1
      const answer = checkedQuestion({ type: input.type, options, answer: input.answer, points })
      return repo.insertQuestion(db, {
        id: newId('qst'),
        courseId,
        orgId: principal.orgId,
        type: input.type,
        prompt: input.prompt,
        options,
        answer,
        explanation: input.explanation ?? '',
        points,
        tags: [...new Set(input.tags ?? [])],
      })
    },

    /** A page of a course's bank. */
    async listQuestions(
      principal: Principal,
      courseId: string,
      q: { tag?: string; includeArchived: boolean; limit: number; after?: string },
    ) {
      await requireEditableCourse(db, principal, courseId)
      return repo.listQuestions(db, { orgId: principal.orgId, courseId, ...q })
    },

    /** One bank question. */
    async getQuestion(principal: Principal, courseId: string, questionId: string) {
      await requireEditableCourse(db, principal, courseId)
      return requireQuestion(db, principal.orgId, courseId, questionId)
    },

    /**
     * Changes a question; the merged result is validated whole. Attempts already started keep
     * their frozen copy, so an edit never changes an attempt in progress or its grade.
     */
    async updateQuestion(
      principal: Principal,
      courseId: string,
      questionId: string,
      input: UpdateQuestionInput,
    ) {
      return db.transaction(async (tx) => {
        await requireEditableCourse(tx, principal, courseId)
        const row = await requireQuestion(tx, principal.orgId, courseId, questionId)
        const merged = {
          type: input.type ?? row.type,
          options:
            input.options ??
            (input.type !== undefined && !String(input.type).endsWith('_choice') ? [] : row.options),
          answer: input.answer ?? row.answer,
          points: input.points ?? row.points,
        }
        const answer = checkedQuestion(merged)
        return repo.updateQuestion(tx, principal.orgId, questionId, {
          type: merged.type,
          options: merged.options,
          answer,
          points: merged.points,
          ...(input.prompt !== undefined ? { prompt: input.prompt } : {}),
          ...(input.explanation !== undefined ? { explanation: input.explanation } : {}),
          ...(input.tags !== undefined ? { tags: [...new Set(input.tags)] } : {}),
        })
      })
    },

    /** Archives (true) or restores (false) a question: archived questions are never drawn or added. */
    async setArchived(principal: Principal, courseId: string, questionId: string, archived: boolean) {
      return db.transaction(async (tx) => {
        await requireEditableCourse(tx, principal, courseId)
        const row = await requireQuestion(tx, principal.orgId, courseId, questionId)
        if (archived === (row.archivedAt !== null)) return row
        return repo.updateQuestion(tx, principal.orgId, questionId, {
          archivedAt: archived ? new Date() : null,
        })
      })
    },

    // ---- quizzes (editors)

    /** Creates a quiz of a course. */
    async createQuiz(principal: Principal, courseId: string, input: CreateQuizInput) {
      return db.transaction(async (tx) => {
        await requireEditableCourse(tx, principal, courseId)
        const config = {
          questionIds: input.questionIds ?? [],
          drawCount: input.drawCount ?? null,
          drawTags: [...new Set(input.drawTags ?? [])],
        }
        await checkQuizConfig(tx, principal.orgId, courseId, config)
        const quiz = await repo.insertQuiz(tx, {
          id: newId('quz'),
          courseId,
          orgId: principal.orgId,
          title: input.title,
          ...config,
          shuffleQuestions: input.shuffleQuestions ?? false,
          shuffleOptions: input.shuffleOptions ?? false,
          timeLimitSeconds: input.timeLimitSeconds ?? null,
          maxAttempts: input.maxAttempts ?? null,
          passPercent: input.passPercent ?? 70,
        })
        return { quiz, questions: await repo.questionsByIds(tx, principal.orgId, courseId, quiz.questionIds) }
      })
    },

    /** A course's quizzes. */
    async listQuizzes(principal: Principal, courseId: string) {
      await requireEditableCourse(db, principal, courseId)
      return repo.listQuizzes(db, principal.orgId, courseId)
    },

    /** A quiz with its fixed questions and their keys (editors). */
    async getQuiz(principal: Principal, courseId: string, quizId: string) {
      await requireEditableCourse(db, principal, courseId)
      const quiz = await requireCourseQuiz(db, principal.orgId, courseId, quizId)
      return { quiz, questions: await repo.questionsByIds(db, principal.orgId, courseId, quiz.questionIds) }
    },

    /** Changes a quiz; attempts already started keep their frozen questions and deadline. */
    async updateQuiz(principal: Principal, courseId: string, quizId: string, input: UpdateQuizInput) {
      return db.transaction(async (tx) => {
        await requireEditableCourse(tx, principal, courseId)
        const quiz = await requireCourseQuiz(tx, principal.orgId, courseId, quizId)
        // Switching between a fixed list and a draw: giving one clears the other.
        const questionIds = input.questionIds ?? (input.drawCount ? [] : quiz.questionIds)
        const drawCount =
          input.drawCount !== undefined ? input.drawCount : input.questionIds?.length ? null : quiz.drawCount
        const drawTags = input.drawTags ?? (drawCount === null ? [] : quiz.drawTags)
        const config = { questionIds, drawCount, drawTags: [...new Set(drawTags)] }
        await checkQuizConfig(tx, principal.orgId, courseId, config)
        const updated = await repo.updateQuiz(tx, principal.orgId, quizId, {
          ...config,
          ...(input.title !== undefined ? { title: input.title } : {}),
          ...(input.shuffleQuestions !== undefined ? { shuffleQuestions: input.shuffleQuestions } : {}),
          ...(input.shuffleOptions !== undefined ? { shuffleOptions: input.shuffleOptions } : {}),
          ...(input.timeLimitSeconds !== undefined ? { timeLimitSeconds: input.timeLimitSeconds } : {}),
          ...(input.maxAttempts !== undefined ? { maxAttempts: input.maxAttempts } : {}),
          ...(input.passPercent !== undefined ? { passPercent: input.passPercent } : {}),
        })
        return {
          quiz: updated,
          questions: await repo.questionsByIds(tx, principal.orgId, courseId, questionIds),
        }
      })
    },

    /** Attempts at a course's quizzes, with scores (editors). */
    async courseAttempts(
      principal: Principal,
      courseId: string,
      q: { quizId?: string; userId?: string; status?: string; limit: number; after?: string },
    ) {
      await requireEditableCourse(db, principal, courseId)
      return repo.courseAttempts(db, { orgId: principal.orgId, courseId, ...q })
    },

    // ---- learners

    /** A quiz's rules and the learner's standing, for an enrolled learner (never questions). */
    async quizSummary(principal: Principal, quizId: string) {
      const quiz = await requireLearnerQuiz(db, principal, quizId)
      const ctx = await learnerContext(db, principal, quiz)
      const now = await repo.now(db)
      const attempts = await Promise.all(
        (await repo.attemptsOf(db, principal.orgId, quiz.id, principal.userId)).map((a) =>
          expireIfOverdue(a, now),
        ),
      )
      const graded = attempts.filter((a) => a.status !== 'in_progress' && a.maxScore !== null)
      const best = graded.reduce<number | null>((b, a) => {
        const pct = a.maxScore! > 0 ? Math.floor((a.score! * 100) / a.maxScore!) : 100
        return b === null || pct > b ? pct : b
      }, null)
      return {
        id: quiz.id,
        courseId: quiz.courseId,
        lessonId: ctx.lesson.id,
        title: quiz.title,
        questionCount: quiz.drawCount ?? quiz.questionIds.length,
        timeLimitSeconds: quiz.timeLimitSeconds,
        maxAttempts: quiz.maxAttempts,
        attemptsUsed: attempts.length,
        passPercent: quiz.passPercent,
        bestPercent: best,
        passed: graded.some((a) => a.passed === true),
        inProgressAttemptId: attempts.find((a) => a.status === 'in_progress')?.id ?? null,
        unlocked: ctx.missingPrerequisites.length === 0,
      }
    },

    /**
     * Starts an attempt (or returns the one in progress): checks enrollment, that the quiz is a
     * lesson of the learner's version and unlocked, and the attempt limit; freezes the draw and
     * option order; inserts the attempt with its expiry job (deadline + grace) atomically. The
     * unique (quiz, user, attempt_no) key settles concurrent starts: the loser returns the
     * winner's attempt, so neither two in-progress attempts nor one over the limit can exist.
     *
     * Three statements and no transaction (docs/quizzes.md, "Performance decisions"): the checks
     * in one (`startContext`), the draw in one, then the attempt and its job in one statement
     * (`insertAttempt`). Under READ COMMITTED each statement had its own snapshot anyway, and the
     * unique key, not a read, settles races. Only grading an overdue attempt takes a transaction.
     */
    async startAttempt(
      principal: Principal,
      quizId: string,
    ): Promise<{ attempt: AttemptRow; created: boolean; now: Date }> {
      const found = await repo.startContext(db, {
        orgId: principal.orgId,
        userId: principal.userId,
        quizId,
      })
      if (!found) throw new AppError('not_found', 'Quiz not found')
      const { quiz } = found
      const enrollment = requireAccess(found.enrollment, found.cohortStartsAt)
      const snapshot = await loadSnapshot(db, quiz.courseId, enrollment.version)
      const lesson = quizLesson(snapshot, quiz.id)
      if (!lesson) throw new AppError('not_found', 'Quiz not found')
      const missing = lesson.prerequisiteIds.filter((id) => !found.completedLessonIds.has(id))
      if (missing.length)
        throw new AppError('forbidden', 'Complete the lessons this quiz requires first', {
          missingLessonIds: missing,
        })
      const current = found.inProgress
      if (current && !isOverdue(current, new Date(), grace)) {
        // Resume: a plain read, no transaction (the attempt is the learner's and in progress).
        const open = await repo.findAttempt(db, { id: current.id, orgId: principal.orgId })
        if (open?.attempt.status === 'in_progress')
          return { attempt: open.attempt, created: false, now: new Date() }
      } else if (current) {
        // An overdue attempt is graded first, so it neither blocks a new one nor gets resumed.
        const resumed = await db.transaction(async (tx) => {
          const locked = await repo.findAttempt(tx, { id: current.id, orgId: principal.orgId }, true)
          if (locked?.attempt.status !== 'in_progress') return undefined
          // By the database's clock it may still be open (a runner clock ahead of it): resume it.
          if (!isOverdue(locked.attempt, locked.now, grace)) return locked.attempt
          await grade(
            tx,
            locked.attempt,
            'expired',
            locked.now,
            { traceparent: null },
            { passPercent: quiz.passPercent, enrollment },
          )
          return undefined
        })
        if (resumed) return { attempt: resumed, created: false, now: new Date() }
        deps.wakeRelay()
      }
      const lastNo = found.lastAttemptNo
      if (quiz.maxAttempts !== null && lastNo >= quiz.maxAttempts)
        throw new AppError('conflict', `No attempts left: this quiz allows ${quiz.maxAttempts}`)
      // The draw reads the bank (no transaction: one statement), then the attempt and its expiry
      // job go in one statement, atomic on its own.
      const id = newId('qat')
      const questions = await drawFor(db, quiz, id)
      const attempt = await repo.insertAttempt(
        db,
        {
          id,
          orgId: principal.orgId,
          quizId: quiz.id,
          courseId: quiz.courseId,
          lessonId: lesson.id,
          enrollmentId: enrollment.id,
          userId: principal.userId,
          attemptNo: lastNo + 1,
          questions,
          status: 'in_progress',
        },
        quiz.timeLimitSeconds === null
          ? null
          : {
              limitSeconds: quiz.timeLimitSeconds,
              // One second after the last moment a save or submission is accepted.
              expiryDelaySeconds: grace + 1,
              job: prepareJob(jobs, {
                name: EXPIRE_ATTEMPT_JOB,
                key: id,
                payload: { attemptId: id },
              }),
            },
      )
      const now = new Date()
      if (attempt) {
        rememberShapes(attempt)
        return { attempt, created: true, now }
      }
      // A concurrent start won: its attempt is committed, read it.
      const winner = (await repo.attemptsOf(db, principal.orgId, quizId, principal.userId)).find(
        (a) => a.status === 'in_progress',
      )
      const full = winner && (await repo.findAttempt(db, { id: winner.id, orgId: principal.orgId }))
      if (!full) throw new AppError('conflict', 'Another attempt was started at the same time; try again')
      return { attempt: full.attempt, created: false, now }
    },

    /** The caller's own attempt with its saved answers (expired lazily when overdue). */
    async getAttempt(principal: Principal, attemptId: string) {
      const found = await repo.findAttempt(db, {
        id: attemptId,
        orgId: principal.orgId,
        userId: principal.userId,
      })
      if (!found) throw new AppError('not_found', 'Attempt not found')
      const attempt = await expireIfOverdue(found.attempt, found.now)
      return { attempt, answers: await repo.answersOf(db, attempt.id), now: found.now }
    },

    /** The caller's attempts at a quiz. */
    async myAttempts(principal: Principal, quizId: string) {
      const quiz = await requireLearnerQuiz(db, principal, quizId)
      const rows = await repo.attemptsOf(db, principal.orgId, quiz.id, principal.userId)
      if (rows.length === 0) await learnerContext(db, principal, quiz) // 404/403 like the quiz itself
      const now = await repo.now(db)
      return Promise.all(rows.map((a) => expireIfOverdue(a, now)))
    },

    /**
     * Saves one answer while the attempt is open: the question must be in this attempt and the
     * answer must fit its type (400); another user's or organization's attempt is a 404; a graded
     * attempt a 409; past deadline + grace a 410 (and the attempt is graded as expired).
     */
    async saveAnswer(principal: Principal, attemptId: string, questionId: string, answer: unknown) {
      let shapes = attemptShapes.get(attemptId)
      if (!shapes) {
        const found = await repo.findAttempt(db, {
          id: attemptId,
          orgId: principal.orgId,
          userId: principal.userId,
        })
        if (!found) throw new AppError('not_found', 'Attempt not found')
        shapes = rememberShapes(found.attempt)
      }
      if (shapes.orgId !== principal.orgId || shapes.userId !== principal.userId)
        throw new AppError('not_found', 'Attempt not found')
      const question = shapes.questions.get(questionId)
      if (!question) throw new AppError('not_found', 'This question is not part of this attempt')
      const problem = checkAnswerShape(question, answer)
      if (problem) throw new AppError('validation_failed', `${problem.path}: ${problem.message}`)
      const answeredAt = await answerWriter.save({
        attemptId,
        orgId: principal.orgId,
        userId: principal.userId,
        questionId,
        answer,
      })
      if (answeredAt) return { attemptId, questionId, answer, answeredAt }
      // Nothing saved: say why.
      const now = await repo.now(db)
      const current = await repo.findAttempt(db, {
        id: attemptId,
        orgId: principal.orgId,
        userId: principal.userId,
      })
      if (!current) throw new AppError('not_found', 'Attempt not found')
      if (current.attempt.status !== 'in_progress')
        throw new AppError('conflict', 'This attempt was already submitted')
      if (isOverdue(current.attempt, now, grace)) {
        await expireIfOverdue(current.attempt, now)
        throw new AppError('gone', 'Time is up: this attempt no longer accepts answers')
      }
      throw new AppError('forbidden', 'Your access to this course has ended')
    },

    /**
     * Submits and grades an attempt. A second submission is a 409 (the result stays readable at
     * GET /attempts/:id). Past deadline + grace the attempt is graded as `expired` with the
     * answers saved in time.
     */
    async submitAttempt(principal: Principal, attemptId: string, meta: RequestMeta) {
      const graded = await db.transaction(async (tx) => {
        // The attempt locked, the enrollment and the pass mark in one statement; the answers by
        // the next one (grade), so saves that held the attempt FOR SHARE until now are counted.
        const found = await repo.lockAttemptForSubmit(tx, {
          id: attemptId,
          orgId: principal.orgId,
          userId: principal.userId,
        })
        if (!found) throw new AppError('not_found', 'Attempt not found')
        const { attempt: row, now } = found
        if (row.status !== 'in_progress') throw new AppError('conflict', 'This attempt was already submitted')
        const enrollment = requireAccess(found.enrollment, found.cohortStartsAt)
        await loadSnapshot(tx, row.courseId, enrollment.version) // a 404 as before (cached)
        return grade(tx, row, isOverdue(row, now, grace) ? 'expired' : 'submitted', now, meta, {
          enrollment,
          passPercent: found.passPercent,
        })
      })
      deps.wakeRelay()
      attemptShapes.delete(attemptId)
      return { attempt: graded.attempt, answers: graded.answers, now: graded.attempt.submittedAt! }
    },

    /**
     * The expiry job: grades the attempt as expired if it is still in progress. It is scheduled
     * one second after deadline + grace, so it only checks that the deadline passed (a runner
     * clock a little behind the database's must not turn it into a no-op).
     */
    async expireFromJob(tx: Tx, attemptId: string): Promise<void> {
      const found = await repo.attemptForJob(tx, attemptId)
      if (!found || !isOverdue(found.attempt, found.now, 0)) return
      await grade(tx, found.attempt, 'expired', found.now, { traceparent: null })
    },
  }
}

/** The quizzes service. */
export type QuizzesService = ReturnType<typeof createQuizzesService>
