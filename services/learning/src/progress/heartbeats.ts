import { eq, sql } from 'drizzle-orm'
import { AppError, type Database, type Logger, type Principal } from '@learnmesh/kernel'
import { enrollments } from '../db/schema.ts'
import { accessProblem, loadSnapshot, requireActiveEnrollment, type Enrollment } from '../shared/access.ts'
import { findSnapshotLesson, type CourseSnapshot, type VideoContent } from '../shared/snapshot.ts'
import { createEnrollmentsRepository } from '../enrollments/enrollments.repository.ts'
import { completeLesson } from './completion.ts'
import { completionPoint, positionAllowed } from './lesson-state.ts'

const repo = createEnrollmentsRepository()

/** How long a learner's verified access to a course is reused for heartbeats (per process). */
export const ACCESS_CACHE_MS = 60_000
const ACCESS_CACHE_MAX = 100_000

/** One (enrollment, lesson) position waiting to be written; repeated heartbeats coalesce into it. */
interface Pending {
  enrollmentId: string
  lessonId: string
  orgId: string
  userId: string
  courseId: string
  version: number
  /** Latest reported position. */
  position: number
  /** Furthest position reported since the last flush. */
  maxPosition: number
  /** When the latest heartbeat arrived. */
  at: Date
  /** Position at which the video completes. */
  completeAt: number
  /** Failed flushes this entry went through (dropped after the second). */
  failures: number
}

interface Access {
  enrollment: Enrollment
  snapshot: CourseSnapshot
  cohortStartsAt: Date | null
  until: number
}

/** Counters for tests, metrics and the benchmark. */
export interface HeartbeatStats {
  /** Heartbeats accepted (202). */
  accepted: number
  /** Flush statements run (one per batch). */
  statements: number
  /** Rows sent to the database over all flushes (after coalescing). */
  rows: number
  /** Lessons completed by a flush. */
  completions: number
  /** Flushes that failed. */
  failures: number
}

/**
 * The video heartbeat buffer: the hottest write path (every playing video sends one every ~10 s).
 * A heartbeat is validated cheaply (active enrollment cached per process for ACCESS_CACHE_MS, the
 * lesson a video of the enrolled version, the position within its length plus slack), then only
 * buffered. Heartbeats of the same (enrollment, lesson) coalesce. Every `flushMs`, or as soon as
 * `batchMax` distinct positions wait, the buffer is written as ONE statement: a multi-row upsert
 * of lesson_progress (max_position_seconds keeps the greatest) and the enrollments' resume point.
 * Lessons whose furthest position passed the completion point are then completed, each in its own
 * transaction (completeLesson). Positions of the last interval are lost if the process crashes.
 */
export function createHeartbeatBuffer(options: {
  database: Database
  logger: Logger
  flushMs: number
  batchMax: number
  defaultThreshold: number
  wakeRelay: () => void
}) {
  const { database, logger, flushMs, batchMax } = options
  let pending = new Map<string, Pending>()
  let timer: NodeJS.Timeout | undefined
  let tail: Promise<void> = Promise.resolve()
  const access = new Map<string, Promise<Access>>()
  const stats: HeartbeatStats = { accepted: 0, statements: 0, rows: 0, completions: 0, failures: 0 }

  async function loadAccess(principal: Principal, courseId: string): Promise<Access> {
    let cohortStartsAt: Date | null = null
    const { enrollment, snapshot } = await requireActiveEnrollment(
      database.db,
      principal,
      courseId,
      async (cohortId) => (cohortStartsAt = await repo.cohortStartsAt(database.db, cohortId)),
    )
    return { enrollment, snapshot, cohortStartsAt, until: Date.now() + ACCESS_CACHE_MS }
  }

  /** The caller's access to a course: cached while fresh, re-checked for expiry on every use. */
  async function accessFor(principal: Principal, courseId: string): Promise<Access> {
    const key = `${principal.orgId}|${principal.userId}|${courseId}`
    const cached = access.get(key)
    if (cached) {
      const hit = await cached.catch(() => undefined)
      if (hit && hit.until > Date.now()) {
        const why = accessProblem(hit.enrollment, hit.cohortStartsAt)
        if (why) throw new AppError('forbidden', why)
        return hit
      }
      if (access.get(key) === cached) access.delete(key)
    }
    const loading = loadAccess(principal, courseId)
    if (access.size >= ACCESS_CACHE_MAX) access.delete(access.keys().next().value!)
    access.set(key, loading)
    // Only successes are cached: a learner who enrolls a second after a 404 is not kept out.
    loading.catch(() => {
      if (access.get(key) === loading) access.delete(key)
    })
    return loading
  }

  function schedule(): void {
    if (pending.size >= batchMax) {
      void flush()
      return
    }
    if (!timer) {
      timer = setTimeout(() => {
        timer = undefined
        void flush()
      }, flushMs)
    }
  }

  async function writeBatch(batch: Pending[]): Promise<void> {
    batch.sort((a, b) =>
      a.enrollmentId === b.enrollmentId
        ? a.lessonId.localeCompare(b.lessonId)
        : a.enrollmentId.localeCompare(b.enrollmentId),
    )
    const input = JSON.stringify(
      batch.map((p) => ({
        e: p.enrollmentId,
        l: p.lessonId,
        o: p.orgId,
        u: p.userId,
        p: p.position,
        m: p.maxPosition,
        t: p.at.toISOString(),
      })),
    )
    stats.statements++
    stats.rows += batch.length
    // One statement: upsert the positions (only for enrollments still active) and move each
    // enrollment's resume point to its latest heartbeat. Rows are sorted so concurrent flushes of
    // several replicas lock in the same order.
    const rows = await database.query<{
      enrollment_id: string
      lesson_id: string
      max_position_seconds: number
      completed_at: unknown
    }>(sql`
      with input as (
        select * from jsonb_to_recordset(${input}::jsonb)
          as x(e text, l text, o text, u text, p integer, m integer, t timestamptz)
      ),
      upserted as (
        insert into learning.lesson_progress as lp
          (enrollment_id, lesson_id, org_id, user_id, position_seconds, max_position_seconds, updated_at)
        select i.e, i.l, i.o, i.u, i.p, i.m, i.t
          from input i join learning.enrollments en on en.id = i.e and en.status = 'active'
          order by i.e, i.l
        on conflict (enrollment_id, lesson_id) do update set
          position_seconds = excluded.position_seconds,
          max_position_seconds = greatest(lp.max_position_seconds, excluded.max_position_seconds),
          updated_at = excluded.updated_at
        returning lp.enrollment_id, lp.lesson_id, lp.max_position_seconds, lp.completed_at
      ),
      resumed as (
        update learning.enrollments en
           set last_lesson_id = r.l, last_activity_at = r.t
          from (select distinct on (e) e, l, t from input order by e, t desc) r
         where en.id = r.e and en.status = 'active'
        returning en.id
      )
      select enrollment_id, lesson_id, max_position_seconds, completed_at from upserted`)
    const byKey = new Map(batch.map((p) => [`${p.enrollmentId}|${p.lessonId}`, p]))
    const due = rows
      .filter((r) => r.completed_at === null)
      .map((r) => ({ row: r, entry: byKey.get(`${r.enrollment_id}|${r.lesson_id}`) }))
      .filter((d) => d.entry && Number(d.row.max_position_seconds) >= d.entry.completeAt)
    let completed = 0
    for (const { entry } of due) {
      try {
        if (await complete(entry!)) completed++
      } catch (err) {
        logger.error(
          { err, enrollmentId: entry!.enrollmentId, lessonId: entry!.lessonId },
          'video completion failed',
        )
      }
    }
    if (completed) options.wakeRelay()
  }

  /** Completes a watched video in its own transaction (the enrollment row locked and re-read). */
  async function complete(entry: Pending): Promise<boolean> {
    const snapshot = await loadSnapshot(database.db, entry.courseId, entry.version)
    return database.db.transaction(async (tx) => {
      const [enrollment] = await tx
        .select()
        .from(enrollments)
        .where(eq(enrollments.id, entry.enrollmentId))
        .for('update')
      if (!enrollment || enrollment.status !== 'active' || enrollment.version !== entry.version) return false
      const result = await completeLesson(tx, { enrollment, snapshot, lessonId: entry.lessonId })
      if (result.changed) stats.completions++
      return result.changed
    })
  }

  /** Writes everything buffered now (flushes run one at a time, in order). */
  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer)
      timer = undefined
    }
    tail = tail.then(async () => {
      if (pending.size === 0) return
      const batch = [...pending.values()]
      pending = new Map()
      try {
        await writeBatch(batch)
      } catch (err) {
        stats.failures++
        logger.error({ err, rows: batch.length }, 'heartbeat flush failed')
        // Put the positions back once (a database blip); newer heartbeats that arrived meanwhile win.
        for (const p of batch) {
          if (p.failures >= 1) continue
          const key = `${p.enrollmentId}|${p.lessonId}`
          const newer = pending.get(key)
          if (newer) newer.maxPosition = Math.max(newer.maxPosition, p.maxPosition)
          else pending.set(key, { ...p, failures: p.failures + 1 })
        }
        if (pending.size) schedule()
      }
    })
    return tail
  }

  return {
    /**
     * Validates a heartbeat and buffers it. Not enrolled → 404; revoked, expired, cohort not started
     * → 403; lesson not in the enrolled version → 404; not a video → 422; position beyond the
     * video → 422. Nothing is buffered unless every check passes.
     */
    async accept(
      principal: Principal,
      input: { courseId: string; lessonId: string; positionSeconds: number },
    ): Promise<void> {
      const { enrollment, snapshot } = await accessFor(principal, input.courseId)
      const lesson = findSnapshotLesson(snapshot, input.lessonId)
      if (!lesson) throw new AppError('not_found', 'Lesson not found in your version of this course')
      if (lesson.content.type !== 'video')
        throw new AppError('unprocessable', 'Heartbeats are for video lessons only')
      const video = lesson.content as VideoContent
      if (!positionAllowed(input.positionSeconds, video.durationSeconds))
        throw new AppError(
          'unprocessable',
          `positionSeconds must be between 0 and the video's length (${video.durationSeconds} s)`,
        )
      const position = Math.floor(input.positionSeconds)
      const key = `${enrollment.id}|${lesson.id}`
      const now = new Date()
      const existing = pending.get(key)
      if (existing) {
        existing.position = position
        existing.maxPosition = Math.max(existing.maxPosition, position)
        existing.at = now
      } else {
        pending.set(key, {
          enrollmentId: enrollment.id,
          lessonId: lesson.id,
          orgId: enrollment.orgId,
          userId: enrollment.userId,
          courseId: enrollment.courseId,
          version: enrollment.version,
          position,
          maxPosition: position,
          at: now,
          completeAt: completionPoint(video, options.defaultThreshold),
          failures: 0,
        })
      }
      stats.accepted++
      schedule()
    },
    flush,
    /** Positions waiting to be written. */
    size: () => pending.size,
    /** Counters since start. */
    stats: (): HeartbeatStats => ({ ...stats }),
    /** Stops the timer and writes what is left (the app's onClose calls it). */
    async close(): Promise<void> {
      await flush()
    },
  }
}

/** The heartbeat buffer type. */
export type HeartbeatBuffer = ReturnType<typeof createHeartbeatBuffer>
