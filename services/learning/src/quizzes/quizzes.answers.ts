import { sql, type Database } from '@learnmesh/kernel'

/** One answer to save. */
export interface PendingAnswer {
  attemptId: string
  orgId: string
  userId: string
  questionId: string
  answer: unknown
}

interface Waiter extends PendingAnswer {
  resolve: (savedAt: Date | undefined) => void
  reject: (err: unknown) => void
}

/** Largest number of answers written by one statement. */
const MAX_BATCH = 200
/**
 * Statements in flight at once per process: while one waits for its WAL flush the next batch is
 * already being written, so a slow disk lowers the batch rate less than it grows the batches.
 */
const WRITERS = 4

/**
 * Group commit for answer saves. During a timed exam every learner saves an answer every few
 * seconds; one transaction (and one WAL flush) per save would make the database's fsync rate the
 * ceiling. Saves arriving while WRITERS statements are in flight are queued and written together by
 * the next one, and each request is answered only after that statement committed: nothing is
 * acknowledged before it is durable, and nothing is held in memory that another replica would need.
 *
 * The statement re-checks, for every row, that the attempt is the caller's (org and user), in
 * progress, within deadline + grace, and that its enrollment is active; FOR SHARE on the attempt
 * makes a concurrent submission (FOR UPDATE) wait, so an answer can never land after grading.
 * A row it did not save resolves to undefined (the caller finds out why). Two saves of the same
 * question in one batch: the later one wins, as it would have one after the other.
 */
export function createAnswerWriter(database: Database, graceSeconds: number) {
  let queue: Waiter[] = []
  let writers = 0

  async function write(batch: Waiter[]): Promise<Map<string, Date>> {
    const last = new Map<string, Waiter>()
    for (const w of batch) last.set(`${w.attemptId} ${w.questionId}`, w)
    const rows = JSON.stringify(
      [...last.values()]
        // A stable order keeps row locks in the same order across concurrent statements.
        .sort((a, b) =>
          a.attemptId === b.attemptId
            ? a.questionId < b.questionId
              ? -1
              : 1
            : a.attemptId < b.attemptId
              ? -1
              : 1,
        )
        .map((w) => ({
          attempt_id: w.attemptId,
          question_id: w.questionId,
          org_id: w.orgId,
          user_id: w.userId,
          answer: w.answer,
        })),
    )
    const saved = await database.query<{
      attempt_id: string
      question_id: string
      answered_at: Date | string
    }>(sql`
      insert into learning.attempt_answers (attempt_id, question_id, org_id, answer, answered_at)
      select a.id, v.question_id, a.org_id, v.answer, now()
      from jsonb_to_recordset(${rows}::jsonb) as v(attempt_id text, question_id text, org_id text, user_id text, answer jsonb)
      join learning.quiz_attempts a on a.id = v.attempt_id and a.org_id = v.org_id and a.user_id = v.user_id
      join learning.enrollments e on e.id = a.enrollment_id
      where a.status = 'in_progress'
        and (a.deadline_at is null or now() <= a.deadline_at + ${graceSeconds}::int * interval '1 second')
        and e.status = 'active' and (e.expires_at is null or e.expires_at > now())
      for share of a
      on conflict (attempt_id, question_id)
        do update set answer = excluded.answer, answered_at = excluded.answered_at
      returning attempt_id, question_id, answered_at`)
    return new Map(saved.map((r) => [`${r.attempt_id} ${r.question_id}`, new Date(r.answered_at)]))
  }

  async function drain(): Promise<void> {
    if (writers >= WRITERS) return
    writers++
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, MAX_BATCH)
        queue = queue.slice(batch.length)
        try {
          let saved: Map<string, Date>
          try {
            saved = await write(batch)
          } catch (err) {
            // A deadlock or serialization failure against another replica's batch: try once more.
            const code =
              (err as { code?: string; cause?: { code?: string } }).cause?.code ??
              (err as { code?: string }).code
            if (code !== '40P01' && code !== '40001') throw err
            saved = await write(batch)
          }
          for (const w of batch) w.resolve(saved.get(`${w.attemptId} ${w.questionId}`))
        } catch (err) {
          for (const w of batch) w.reject(err)
        }
      }
    } finally {
      writers--
    }
  }

  return {
    /** Saves one answer; resolves with the save time once committed, or undefined when refused. */
    save(answer: PendingAnswer): Promise<Date | undefined> {
      return new Promise((resolve, reject) => {
        queue.push({ ...answer, resolve, reject })
        void drain()
      })
    },
  }
}

/** The answer writer. */
export type AnswerWriter = ReturnType<typeof createAnswerWriter>
