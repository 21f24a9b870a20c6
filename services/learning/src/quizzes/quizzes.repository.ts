import {
  and,
  arrayOverlaps,
  asc,
  eq,
  getTableColumns,
  gt,
  inArray,
  isNotNull,
  isNull,
  sql,
} from 'drizzle-orm'
import { alias, type AnyPgColumn } from 'drizzle-orm/pg-core'
import {
  outboxWritten,
  txQuery,
  type DbOrTx,
  type PreparedEvent,
  type PreparedJob,
  type RawStatement,
  type Tx,
} from '@learnmesh/kernel'
import {
  attemptAnswers,
  cohorts,
  enrollments,
  lessonProgress,
  questions,
  quizAttempts,
  quizzes,
} from '../db/schema.ts'
import type { Enrollment } from '../shared/access.ts'

/** A bank question row. */
export type QuestionRow = typeof questions.$inferSelect
/** A quiz row. */
export type QuizRow = typeof quizzes.$inferSelect
/** An attempt row. */
export type AttemptRow = typeof quizAttempts.$inferSelect
/** The bank columns an attempt freezes. */
export type QuestionCopy = Pick<
  QuestionRow,
  'id' | 'type' | 'prompt' | 'options' | 'answer' | 'explanation' | 'points'
>
/** An attempt without its frozen questions and feedback (lists, status checks). */
export type AttemptLight = Omit<AttemptRow, 'questions' | 'feedback'>
/** A saved answer row. */
export type AnswerRow = typeof attemptAnswers.$inferSelect

const dbNow = sql<Date>`clock_timestamp()`.mapWith((v: unknown) => new Date(v as string))

/** The non-archived questions of a course a random draw may pick (carrying any of `tags`, or all when empty). */
function drawable(orgId: string, courseId: string, tags: string[]) {
  return and(
    eq(questions.orgId, orgId),
    eq(questions.courseId, courseId),
    isNull(questions.archivedAt),
    tags.length ? arrayOverlaps(questions.tags, tags) : undefined,
  )
}

/** Join condition: the caller's own enrollment (any status) in the course of `courseId`. */
function ownEnrollmentIn(courseId: AnyPgColumn, q: { orgId: string; userId: string }) {
  return and(
    eq(enrollments.courseId, courseId),
    eq(enrollments.userId, q.userId),
    eq(enrollments.orgId, q.orgId),
  )
}

/** Up to this many draw candidates, the draw reads them whole in its one statement. */
const FULL_DRAW_MAX = 100

/** Questions, quizzes and attempts: Drizzle only, plain rows out. Every query is scoped by org. */
const insertAttemptColumns = `insert into learning.quiz_attempts
    (id, org_id, quiz_id, course_id, lesson_id, enrollment_id, user_id, attempt_no, questions, status, started_at, deadline_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8::int, $9::jsonb, 'in_progress', now(),
    now() + $10::int * interval '1 second')
  on conflict do nothing
  returning started_at, deadline_at`
const untimedAttempt: RawStatement = { name: 'learning_quiz_attempt_insert', text: insertAttemptColumns }
let timedAttempt: RawStatement | undefined

/** The attempt insert, and for a timed quiz its expiry job in the same statement (fixed text). */
function insertAttemptStatement(job: PreparedJob | undefined): RawStatement {
  if (!job) return untimedAttempt
  timedAttempt ??= {
    name: 'learning_quiz_attempt_insert_timed',
    text: `with attempt as (${insertAttemptColumns}),
  expiry as (
    ${job.insertInto}
    select $12, $13, $14, $15::jsonb, a.deadline_at + $11::int * interval '1 second' from attempt a
    ${job.conflict}
  )
  select started_at, deadline_at from attempt`,
  }
  return timedAttempt
}

export function createQuizzesRepository() {
  return {
    /** The database's clock (deadlines are compared against it, not the app's). */
    async now(db: DbOrTx): Promise<Date> {
      const res = await db.execute(sql`select clock_timestamp() as now`)
      return new Date((res as unknown as { rows: { now: string | Date }[] }).rows[0]!.now)
    },

    async insertQuestion(db: DbOrTx, row: typeof questions.$inferInsert): Promise<QuestionRow> {
      const [created] = await db.insert(questions).values(row).returning()
      return created!
    },

    async findQuestion(db: DbOrTx, orgId: string, courseId: string, id: string) {
      const [row] = await db
        .select()
        .from(questions)
        .where(and(eq(questions.id, id), eq(questions.orgId, orgId), eq(questions.courseId, courseId)))
      return row
    },

    async listQuestions(
      db: DbOrTx,
      q: {
        orgId: string
        courseId: string
        tag?: string
        includeArchived: boolean
        limit: number
        after?: string
      },
    ): Promise<QuestionRow[]> {
      return db
        .select()
        .from(questions)
        .where(
          and(
            eq(questions.orgId, q.orgId),
            eq(questions.courseId, q.courseId),
            q.includeArchived ? undefined : isNull(questions.archivedAt),
            q.tag ? arrayOverlaps(questions.tags, [q.tag]) : undefined,
            q.after ? gt(questions.id, q.after) : undefined,
          ),
        )
        .orderBy(asc(questions.id))
        .limit(q.limit)
    },

    async updateQuestion(tx: DbOrTx, orgId: string, id: string, set: Partial<typeof questions.$inferInsert>) {
      const [row] = await tx
        .update(questions)
        .set(set)
        .where(and(eq(questions.id, id), eq(questions.orgId, orgId)))
        .returning()
      return row!
    },

    /** Non-archived questions of a course among `ids` (any order). */
    async activeQuestionsByIds(db: DbOrTx, orgId: string, courseId: string, ids: string[]) {
      if (ids.length === 0) return []
      return db
        .select()
        .from(questions)
        .where(
          and(
            eq(questions.orgId, orgId),
            eq(questions.courseId, courseId),
            inArray(questions.id, ids),
            isNull(questions.archivedAt),
          ),
        )
    },

    /** Questions of a course by id, archived or not (editors' view of a fixed quiz). */
    async questionsByIds(db: DbOrTx, orgId: string, courseId: string, ids: string[]) {
      if (ids.length === 0) return []
      return db
        .select()
        .from(questions)
        .where(and(eq(questions.orgId, orgId), eq(questions.courseId, courseId), inArray(questions.id, ids)))
    },

    /** Ids of the non-archived questions a random draw may pick (carrying any of `tags`, or all when empty), in id order. */
    async drawCandidateIds(db: DbOrTx, orgId: string, courseId: string, tags: string[]): Promise<string[]> {
      const rows = await db
        .select({ id: questions.id })
        .from(questions)
        .where(drawable(orgId, courseId, tags))
        .orderBy(asc(questions.id))
      return rows.map((r) => r.id)
    },

    /**
     * A random draw's candidates (as `drawCandidateIds`) in one statement: when there are at most
     * FULL_DRAW_MAX of them, also their whole rows (the draw then needs no second read); otherwise
     * `rows` is null and the caller reads the picked ones with `activeQuestionsByIds`.
     */
    async drawCandidates(
      db: DbOrTx,
      orgId: string,
      courseId: string,
      tags: string[],
    ): Promise<{ ids: string[]; rows: Map<string, QuestionCopy> | null }> {
      const small = sql`count(*) over () <= ${FULL_DRAW_MAX}`
      const res = await db
        .select({
          id: questions.id,
          small: sql<boolean>`${small}`,
          type: sql<string | null>`case when ${small} then ${questions.type} end`,
          prompt: sql<string | null>`case when ${small} then ${questions.prompt} end`,
          options: sql<QuestionRow['options'] | null>`case when ${small} then ${questions.options} end`,
          answer: sql<unknown>`case when ${small} then ${questions.answer} end`,
          explanation: sql<string | null>`case when ${small} then ${questions.explanation} end`,
          points: sql<number | null>`case when ${small} then ${questions.points} end`,
        })
        .from(questions)
        .where(drawable(orgId, courseId, tags))
        .orderBy(asc(questions.id))
      const ids = res.map((r) => r.id)
      if (res.length > 0 && !res[0]!.small) return { ids, rows: null }
      return {
        ids,
        rows: new Map(
          res.map((r) => [
            r.id,
            {
              id: r.id,
              type: r.type!,
              prompt: r.prompt!,
              options: r.options!,
              answer: r.answer,
              explanation: r.explanation!,
              points: Number(r.points),
            },
          ]),
        ),
      }
    },

    async insertQuiz(db: DbOrTx, row: typeof quizzes.$inferInsert): Promise<QuizRow> {
      const [created] = await db.insert(quizzes).values(row).returning()
      return created!
    },

    async findQuiz(db: DbOrTx, orgId: string, id: string): Promise<QuizRow | undefined> {
      const [row] = await db
        .select()
        .from(quizzes)
        .where(and(eq(quizzes.id, id), eq(quizzes.orgId, orgId)))
      return row
    },

    async listQuizzes(db: DbOrTx, orgId: string, courseId: string): Promise<QuizRow[]> {
      return db
        .select()
        .from(quizzes)
        .where(and(eq(quizzes.orgId, orgId), eq(quizzes.courseId, courseId)))
        .orderBy(asc(quizzes.id))
        .limit(500)
    },

    async updateQuiz(db: DbOrTx, orgId: string, id: string, set: Partial<typeof quizzes.$inferInsert>) {
      const [row] = await db
        .update(quizzes)
        .set({ ...set, updatedAt: new Date() })
        .where(and(eq(quizzes.id, id), eq(quizzes.orgId, orgId)))
        .returning()
      return row!
    },

    /** When a cohort starts (null when unknown). */
    async cohortStartsAt(db: DbOrTx, orgId: string, cohortId: string): Promise<Date | null> {
      const [row] = await db
        .select({ startsAt: cohorts.startsAt })
        .from(cohorts)
        .where(and(eq(cohorts.id, cohortId), eq(cohorts.orgId, orgId)))
      return row?.startsAt ?? null
    },

    /** Which of `lessonIds` the enrollment completed. */
    async completedLessons(db: DbOrTx, enrollmentId: string, lessonIds: string[]): Promise<Set<string>> {
      if (lessonIds.length === 0) return new Set()
      const rows = await db
        .select({ lessonId: lessonProgress.lessonId })
        .from(lessonProgress)
        .where(
          and(
            eq(lessonProgress.enrollmentId, enrollmentId),
            inArray(lessonProgress.lessonId, lessonIds),
            isNotNull(lessonProgress.completedAt),
          ),
        )
      return new Set(rows.map((r) => r.lessonId))
    },

    /**
     * Everything starting an attempt checks, in one statement: the quiz (in the org), the caller's
     * enrollment in its course and the start of its cohort (null when none), the lessons that
     * enrollment completed, the caller's last attempt number and the attempt in progress.
     * Undefined when the quiz does not exist in the org.
     */
    async startContext(
      db: DbOrTx,
      q: { orgId: string; userId: string; quizId: string },
    ): Promise<
      | {
          quiz: QuizRow
          enrollment: Enrollment | null
          cohortStartsAt: Date | null
          completedLessonIds: Set<string>
          lastAttemptNo: number
          inProgress: { id: string; status: 'in_progress'; deadlineAt: Date | null } | null
        }
      | undefined
    > {
      const mine = sql`${quizAttempts.orgId} = ${q.orgId} and ${quizAttempts.quizId} = ${quizzes.id} and ${quizAttempts.userId} = ${q.userId}`
      const [row] = await db
        .select({
          quiz: quizzes,
          enrollment: enrollments,
          cohortStartsAt: cohorts.startsAt,
          completed: sql<
            string[]
          >`array(select ${lessonProgress.lessonId} from ${lessonProgress} where ${lessonProgress.enrollmentId} = ${enrollments.id} and ${lessonProgress.completedAt} is not null)`,
          lastAttemptNo: sql<number>`(select coalesce(max(${quizAttempts.attemptNo}), 0) from ${quizAttempts} where ${mine})`,
          inProgress: sql<{
            id: string
            deadlineAt: string | null
          } | null>`(select json_build_object('id', ${quizAttempts.id}, 'deadlineAt', ${quizAttempts.deadlineAt}) from ${quizAttempts} where ${mine} and ${quizAttempts.status} = 'in_progress' limit 1)`,
        })
        .from(quizzes)
        .leftJoin(enrollments, ownEnrollmentIn(quizzes.courseId, q))
        .leftJoin(cohorts, and(eq(cohorts.id, enrollments.cohortId), eq(cohorts.orgId, q.orgId)))
        .where(and(eq(quizzes.id, q.quizId), eq(quizzes.orgId, q.orgId)))
      if (!row) return undefined
      const current = row.inProgress
      return {
        quiz: row.quiz,
        enrollment: row.enrollment,
        cohortStartsAt: row.cohortStartsAt,
        completedLessonIds: new Set(row.completed),
        lastAttemptNo: Number(row.lastAttemptNo),
        inProgress: current && {
          id: current.id,
          status: 'in_progress',
          deadlineAt: current.deadlineAt === null ? null : new Date(current.deadlineAt),
        },
      }
    },

    /** The learner's attempts at a quiz, oldest first (without questions and feedback). */
    async attemptsOf(db: DbOrTx, orgId: string, quizId: string, userId: string): Promise<AttemptLight[]> {
      const { questions: _q, feedback: _f, ...light } = getTableColumns(quizAttempts)
      return db
        .select(light)
        .from(quizAttempts)
        .where(
          and(
            eq(quizAttempts.orgId, orgId),
            eq(quizAttempts.quizId, quizId),
            eq(quizAttempts.userId, userId),
          ),
        )
        .orderBy(asc(quizAttempts.attemptNo))
    },

    /**
     * Inserts a new attempt and, when it is timed, its expiry job, in ONE statement: atomic without
     * a transaction (no BEGIN/COMMIT round trips), parsed once per connection (a named prepared
     * statement). The deadline is the database's `now()` + the limit; the job runs `expiryDelay`
     * seconds after it. Returns undefined when the (quiz, user, attempt_no) key was taken meanwhile
     * (a concurrent start won).
     */
    async insertAttempt(
      db: DbOrTx,
      row: Omit<typeof quizAttempts.$inferInsert, 'startedAt' | 'deadlineAt'>,
      timed: { limitSeconds: number; job: PreparedJob; expiryDelaySeconds: number } | null,
    ): Promise<AttemptRow | undefined> {
      const statement = insertAttemptStatement(timed?.job)
      // Only the database-made values come back: the frozen questions are already in memory.
      const [created] = await txQuery<{ started_at: Date; deadline_at: Date | null }>(db, statement, [
        row.id,
        row.orgId,
        row.quizId,
        row.courseId,
        row.lessonId ?? null,
        row.enrollmentId,
        row.userId,
        row.attemptNo,
        JSON.stringify(row.questions),
        timed?.limitSeconds ?? null,
        ...(timed ? [timed.expiryDelaySeconds, ...timed.job.values] : []),
      ])
      if (!created) return undefined
      return {
        lessonId: null,
        status: 'in_progress',
        submittedAt: null,
        score: null,
        maxScore: null,
        passed: null,
        feedback: null,
        ...row,
        startedAt: new Date(created.started_at),
        deadlineAt: created.deadline_at === null ? null : new Date(created.deadline_at),
      }
    },

    /** An attempt of this user in this org (with the database clock), optionally locked FOR UPDATE. */
    async findAttempt(
      db: DbOrTx,
      q: { id: string; orgId: string; userId?: string },
      lock = false,
    ): Promise<{ attempt: AttemptRow; now: Date } | undefined> {
      const query = db
        .select({ attempt: quizAttempts, now: dbNow })
        .from(quizAttempts)
        .where(
          and(
            eq(quizAttempts.id, q.id),
            eq(quizAttempts.orgId, q.orgId),
            q.userId === undefined ? undefined : eq(quizAttempts.userId, q.userId),
          ),
        )
      const [row] = lock ? await query.for('update') : await query
      return row
    },

    /**
     * The caller's attempt locked FOR UPDATE (with the database clock) for a submission, with what
     * grading it checks in the same statement: the caller's enrollment in the course, its cohort's
     * start and the quiz's pass mark. Saved answers are NOT read here: they must be read by a
     * later statement, whose snapshot sees the saves that held the attempt FOR SHARE until now.
     */
    async lockAttemptForSubmit(
      tx: Tx,
      q: { id: string; orgId: string; userId: string },
    ): Promise<
      | {
          attempt: AttemptRow
          now: Date
          enrollment: Enrollment | null
          cohortStartsAt: Date | null
          passPercent: number | null
        }
      | undefined
    > {
      // Aliased: FOR UPDATE OF takes a bare name, not the schema-qualified one.
      const a = alias(quizAttempts, 'a')
      const [row] = await tx
        .select({
          attempt: a,
          now: dbNow,
          enrollment: enrollments,
          cohortStartsAt: cohorts.startsAt,
          passPercent: quizzes.passPercent,
        })
        .from(a)
        .leftJoin(enrollments, ownEnrollmentIn(a.courseId, q))
        .leftJoin(cohorts, and(eq(cohorts.id, enrollments.cohortId), eq(cohorts.orgId, q.orgId)))
        .leftJoin(quizzes, and(eq(quizzes.id, a.quizId), eq(quizzes.orgId, a.orgId)))
        .where(and(eq(a.id, q.id), eq(a.orgId, q.orgId), eq(a.userId, q.userId)))
        .for('update', { of: a })
      return row
    },

    async answersOf(db: DbOrTx, attemptId: string): Promise<AnswerRow[]> {
      return db.select().from(attemptAnswers).where(eq(attemptAnswers.attemptId, attemptId))
    },

    /**
     * Stores an attempt's grade and writes its event (prepared by the kernel's `prepareEvent`, as
     * `writeEvent` would) in one statement inside the caller's transaction; the relay wakes after
     * the commit (`outboxWritten`).
     */
    async finishAttempt(
      tx: Tx,
      id: string,
      set: Pick<AttemptRow, 'status' | 'submittedAt' | 'score' | 'maxScore' | 'passed' | 'feedback'>,
      event: PreparedEvent<unknown>,
    ): Promise<void> {
      const e = event.row
      await tx.execute(sql`
        with graded as (
          update learning.quiz_attempts
          set status = ${set.status}, submitted_at = ${set.submittedAt?.toISOString() ?? null}::timestamptz,
            score = ${set.score}::int, max_score = ${set.maxScore}::int, passed = ${set.passed}::boolean,
            feedback = ${JSON.stringify(set.feedback)}::jsonb
          where id = ${id}
        ), event as (
          insert into learning.outbox (id, type, version, aggregate_id, org_id, envelope)
          values (${e.id}, ${e.type}, ${e.version}::int, ${e.aggregateId}, ${e.orgId}, ${JSON.stringify(e.envelope)}::jsonb)
        )
        select 1`)
      await outboxWritten(tx, event.channel)
    },

    /** Attempts at a course's quizzes (editors), oldest first. */
    async courseAttempts(
      db: DbOrTx,
      q: {
        orgId: string
        courseId: string
        quizId?: string
        userId?: string
        status?: string
        limit: number
        after?: string
      },
    ): Promise<AttemptRow[]> {
      return db
        .select()
        .from(quizAttempts)
        .where(
          and(
            eq(quizAttempts.orgId, q.orgId),
            eq(quizAttempts.courseId, q.courseId),
            q.quizId ? eq(quizAttempts.quizId, q.quizId) : undefined,
            q.userId ? eq(quizAttempts.userId, q.userId) : undefined,
            q.status ? eq(quizAttempts.status, q.status) : undefined,
            q.after ? gt(quizAttempts.id, q.after) : undefined,
          ),
        )
        .orderBy(asc(quizAttempts.id))
        .limit(q.limit)
    },

    /** An attempt by id alone (the expiry job; it runs for every organization). */
    async attemptForJob(tx: Tx, id: string): Promise<{ attempt: AttemptRow; now: Date } | undefined> {
      const [row] = await tx
        .select({ attempt: quizAttempts, now: dbNow })
        .from(quizAttempts)
        .where(eq(quizAttempts.id, id))
        .for('update')
      return row
    },
  }
}

/** The quizzes repository. */
export type QuizzesRepository = ReturnType<typeof createQuizzesRepository>
