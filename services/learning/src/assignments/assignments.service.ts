import { eq } from 'drizzle-orm'
import { AppError, newId, writeEvent, type DbOrTx, type Principal } from '@learnmesh/kernel'
import { learningSubmissionGraded } from '@learnmesh/contracts'
import type { Static } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import { cohorts, outbox } from '../db/schema.ts'
import {
  isCourseAdmin,
  loadSnapshot,
  requireActiveEnrollment,
  requireEditableCourse,
} from '../shared/access.ts'
import { snapshotLessons, type CourseSnapshot, type SnapshotLesson } from '../shared/snapshot.ts'
import { completeLesson } from '../progress/completion.ts'
import {
  createAssignmentsRepository,
  type AssignmentRow,
  type SubmissionRow,
} from './assignments.repository.ts'
import type {
  CreateAssignmentBody,
  GradeBody,
  SubmitBody,
  UpdateAssignmentBody,
} from './assignments.schemas.ts'
import {
  finalScore,
  isLate,
  linksProblem,
  rubricMaxPoints,
  rubricProblem,
  scoresProblem,
  type LatePolicy,
} from './grading.ts'

/** The assignment lesson of a snapshot that holds this assignment, if any. */
function assignmentLesson(snapshot: CourseSnapshot, assignmentId: string): SnapshotLesson | undefined {
  return snapshotLessons(snapshot).find(
    (l) => l.content.type === 'assignment' && l.content.assignmentId === assignmentId,
  )
}

/** Cuts a `limit + 1` fetch to a page: the cursor of the next page is the last id shown. */
function toPage<T>(rows: T[], limit: number, idOf: (row: T) => string) {
  const more = rows.length > limit
  const items = more ? rows.slice(0, limit) : rows
  return { items, nextCursor: more ? idOf(items[items.length - 1]!) : null }
}

/** Same criteria in the same order (jsonb does not keep key order, so compare field by field). */
function sameRubric(a: AssignmentRow['rubric'], b: AssignmentRow['rubric']): boolean {
  const key = (r: AssignmentRow['rubric']) =>
    JSON.stringify(r.map((c) => [c.id, c.title, c.description, c.maxPoints]))
  return key(a) === key(b)
}

/**
 * Assignments: editors define them (instructions, due date, late policy, rubric), learners submit
 * text and links (resubmitting up to maxSubmissions), graders (editors of the course) score each
 * rubric criterion. A passing grade completes the assignment lesson in the same transaction.
 */
export function createAssignmentsService(deps: LearningDeps) {
  const { database } = deps
  const repo = createAssignmentsRepository()

  async function cohortStartsAt(db: DbOrTx, cohortId: string): Promise<Date | null> {
    const [row] = await db
      .select({ startsAt: cohorts.startsAt })
      .from(cohorts)
      .where(eq(cohorts.id, cohortId))
    return row?.startsAt ?? null
  }

  async function requireAssignment(db: DbOrTx, principal: Principal, id: string): Promise<AssignmentRow> {
    const row = await repo.find(db, principal.orgId, id)
    if (!row) throw new AppError('not_found', 'Assignment not found')
    return row
  }

  /** True when the caller may edit (and grade) the course; never throws for "no". */
  async function canEdit(db: DbOrTx, principal: Principal, courseId: string): Promise<boolean> {
    try {
      await requireEditableCourse(db, principal, courseId)
      return true
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') return false
      throw err
    }
  }

  /**
   * The caller's active enrollment whose version has a lesson for this assignment, with its
   * prerequisites completed. Not enrolled, or a version without the assignment → 404; revoked,
   * expired, cohort not started or prerequisites missing → 403.
   */
  async function requireLearnerAccess(db: DbOrTx, principal: Principal, assignment: AssignmentRow) {
    const { enrollment, snapshot } = await requireActiveEnrollment(db, principal, assignment.courseId, (id) =>
      cohortStartsAt(db, id),
    )
    const lesson = assignmentLesson(snapshot, assignment.id)
    if (!lesson) throw new AppError('not_found', 'Assignment not found')
    if (lesson.prerequisiteIds.length > 0) {
      const done = await repo.completedLessonIds(db, enrollment.id)
      const missing = lesson.prerequisiteIds.filter((id) => !done.has(id))
      if (missing.length > 0)
        throw new AppError('forbidden', 'Complete the prerequisite lessons first', { missing })
    }
    return { enrollment, snapshot, lesson }
  }

  function checkDefinition(rubric: AssignmentRow['rubric'], passPoints: number): void {
    const problem = rubricProblem(rubric, passPoints)
    if (problem) throw new AppError('bad_request', problem)
  }

  return {
    /** Creates an assignment in a course the caller edits. */
    async create(
      principal: Principal,
      courseId: string,
      body: Static<typeof CreateAssignmentBody>,
    ): Promise<AssignmentRow> {
      const course = await requireEditableCourse(database.db, principal, courseId)
      const rubric = body.rubric.map((c) => ({ ...c, description: c.description ?? '' }))
      const passPoints = body.passPoints ?? 0
      checkDefinition(rubric, passPoints)
      return repo.insert(database.db, {
        id: newId('asg'),
        courseId: course.id,
        orgId: course.orgId,
        title: body.title.trim(),
        instructions: body.instructions ?? '',
        dueAt: body.dueAt ? new Date(body.dueAt) : null,
        latePolicy: body.latePolicy ?? 'accept',
        latePenaltyPercent: body.latePenaltyPercent ?? 0,
        rubric,
        passPoints,
        maxSubmissions: body.maxSubmissions ?? null,
      })
    },

    /** A course's assignments (editors). */
    async list(principal: Principal, courseId: string): Promise<AssignmentRow[]> {
      const course = await requireEditableCourse(database.db, principal, courseId)
      return repo.listByCourse(database.db, principal.orgId, course.id)
    },

    /** One assignment: for editors of its course, or learners whose enrolled version holds it. */
    async get(principal: Principal, id: string): Promise<AssignmentRow> {
      const db = database.db
      const assignment = await requireAssignment(db, principal, id)
      if (await canEdit(db, principal, assignment.courseId)) return assignment
      await requireLearnerAccess(db, principal, assignment)
      return assignment
    },

    /**
     * Changes an assignment (editors). The rubric cannot change once a submission is graded
     * (grades would no longer add up): 409.
     */
    async update(
      principal: Principal,
      id: string,
      body: Static<typeof UpdateAssignmentBody>,
    ): Promise<AssignmentRow> {
      return database.db.transaction(async (tx) => {
        const current = await repo.findForUpdate(tx, principal.orgId, id)
        if (!current) throw new AppError('not_found', 'Assignment not found')
        await requireEditableCourse(tx, principal, current.courseId)
        const rubric = body.rubric
          ? body.rubric.map((c) => ({ ...c, description: c.description ?? '' }))
          : current.rubric
        const passPoints = body.passPoints ?? current.passPoints
        checkDefinition(rubric, passPoints)
        if (body.rubric && !sameRubric(rubric, current.rubric)) {
          if ((await repo.countGraded(tx, id)) > 0)
            throw new AppError('conflict', 'The rubric cannot change once a submission has been graded')
        }
        return repo.update(tx, id, {
          ...(body.title !== undefined ? { title: body.title.trim() } : {}),
          ...(body.instructions !== undefined ? { instructions: body.instructions } : {}),
          ...(body.dueAt !== undefined ? { dueAt: body.dueAt ? new Date(body.dueAt) : null } : {}),
          ...(body.latePolicy !== undefined ? { latePolicy: body.latePolicy } : {}),
          ...(body.latePenaltyPercent !== undefined ? { latePenaltyPercent: body.latePenaltyPercent } : {}),
          ...(body.maxSubmissions !== undefined ? { maxSubmissions: body.maxSubmissions } : {}),
          rubric,
          passPoints,
        })
      })
    },

    /**
     * A learner submits text and/or links. After the due date: refused under `reject` (409,
     * nothing stored), stored with late=true otherwise. Each resubmission is a new row with the
     * next attempt number, up to maxSubmissions (409 beyond).
     */
    async submit(
      principal: Principal,
      id: string,
      body: Static<typeof SubmitBody>,
    ): Promise<{ submission: SubmissionRow; assignment: AssignmentRow }> {
      const text = body.text ?? ''
      const links = (body.links ?? []).map((l) => l.trim())
      if (text.trim() === '' && links.length === 0)
        throw new AppError('bad_request', 'A submission needs text or at least one link')
      const linkProblem = linksProblem(links)
      if (linkProblem) throw new AppError('bad_request', linkProblem)
      return database.db.transaction(async (tx) => {
        const assignment = await requireAssignment(tx, principal, id)
        const { enrollment } = await requireLearnerAccess(tx, principal, assignment)
        const now = new Date()
        const late = isLate(assignment.dueAt, now)
        if (late && assignment.latePolicy === 'reject')
          throw new AppError(
            'conflict',
            `The deadline passed on ${assignment.dueAt!.toISOString()}; late submissions are not accepted`,
          )
        await repo.lockEnrollment(tx, enrollment.id)
        const last = await repo.lastAttemptNo(tx, assignment.id, principal.userId)
        if (assignment.maxSubmissions !== null && last >= assignment.maxSubmissions)
          throw new AppError('conflict', `At most ${assignment.maxSubmissions} submission(s) are allowed`)
        const submission = await repo.insertSubmission(tx, {
          id: newId('sub'),
          assignmentId: assignment.id,
          courseId: assignment.courseId,
          orgId: assignment.orgId,
          enrollmentId: enrollment.id,
          userId: principal.userId,
          attemptNo: last + 1,
          text,
          links,
          submittedAt: now,
          late,
        })
        return { submission, assignment }
      })
    },

    /** The caller's own submissions (with grades and feedback). */
    async listMine(
      principal: Principal,
      id: string,
    ): Promise<{ items: SubmissionRow[]; assignment: AssignmentRow }> {
      const assignment = await requireAssignment(database.db, principal, id)
      const items = await repo.listMine(database.db, principal.orgId, id, principal.userId)
      // Someone with no submission must still be allowed to see the assignment at all.
      if (items.length === 0 && !(await canEdit(database.db, principal, assignment.courseId)))
        await requireLearnerAccess(database.db, principal, assignment)
      return { items, assignment }
    },

    /** A page of an assignment's submissions (graders). */
    async listSubmissions(
      principal: Principal,
      id: string,
      query: { status?: 'submitted' | 'graded'; limit?: number; cursor?: string },
    ) {
      const assignment = await requireAssignment(database.db, principal, id)
      await requireEditableCourse(database.db, principal, assignment.courseId)
      const limit = query.limit ?? 20
      const rows = await repo.page(database.db, {
        orgId: principal.orgId,
        assignmentId: id,
        ...(query.status ? { status: query.status } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: limit + 1,
      })
      return { ...toPage(rows, limit, (r) => r.id), assignment }
    },

    /**
     * The caller's grading queue across courses, oldest submission first: the courses they own or
     * co-teach, or with scope `org` every course of the organization (org admins; anyone else 403).
     * Someone who teaches nothing gets an empty list.
     */
    async queue(
      principal: Principal,
      query: { status?: 'submitted' | 'graded'; scope?: 'mine' | 'org'; limit?: number; cursor?: string },
    ) {
      const wholeOrg = query.scope === 'org'
      if (wholeOrg && !isCourseAdmin(principal))
        throw new AppError('forbidden', "Only an org admin can see the whole organization's grading queue")
      const limit = query.limit ?? 20
      const rows = await repo.queue(database.db, {
        orgId: principal.orgId,
        ...(wholeOrg ? {} : { graderId: principal.userId }),
        status: query.status ?? 'submitted',
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: limit + 1,
      })
      return toPage(rows, limit, (r) => r.submission.id)
    },

    /** One submission: its learner, or a grader of the course. */
    async getSubmission(
      principal: Principal,
      submissionId: string,
    ): Promise<{ submission: SubmissionRow; assignment: AssignmentRow }> {
      const submission = await repo.findSubmission(database.db, principal.orgId, submissionId)
      if (!submission) throw new AppError('not_found', 'Submission not found')
      const assignment = await requireAssignment(database.db, principal, submission.assignmentId)
      if (submission.userId !== principal.userId)
        await requireEditableCourse(database.db, principal, assignment.courseId).catch(() => {
          throw new AppError('not_found', 'Submission not found')
        })
      return { submission, assignment }
    },

    /**
     * Grades (or regrades) a submission: every rubric criterion exactly once, score = sum minus
     * any late penalty. Writes learning.submission.graded; a score ≥ passPoints completes the
     * assignment lesson of the learner's enrollment in the same transaction.
     */
    async grade(
      principal: Principal,
      submissionId: string,
      body: Static<typeof GradeBody>,
      meta: { traceparent: string | null },
    ): Promise<{ submission: SubmissionRow; assignment: AssignmentRow }> {
      const result = await database.db.transaction(async (tx) => {
        const current = await repo.findSubmissionForUpdate(tx, principal.orgId, submissionId)
        if (!current) throw new AppError('not_found', 'Submission not found')
        const assignment = await requireAssignment(tx, principal, current.assignmentId)
        if (!(await canEdit(tx, principal, assignment.courseId)))
          throw new AppError('not_found', 'Submission not found')
        const scores = body.scores.map((s) => ({ ...s, comment: s.comment ?? '' }))
        const problem = scoresProblem(assignment.rubric, scores)
        if (problem) throw new AppError('bad_request', problem)
        const { score } = finalScore({
          scores,
          late: current.late,
          latePolicy: assignment.latePolicy as LatePolicy,
          latePenaltyPercent: assignment.latePenaltyPercent,
        })
        const submission = await repo.grade(tx, current.id, {
          rubricScores: scores,
          score,
          feedback: body.feedback ?? '',
          gradedBy: principal.userId,
          gradedAt: new Date(),
        })
        await writeEvent(tx, outbox, learningSubmissionGraded, {
          aggregateId: submission.id,
          orgId: submission.orgId,
          traceparent: meta.traceparent,
          payload: {
            submissionId: submission.id,
            assignmentId: assignment.id,
            courseId: assignment.courseId,
            userId: submission.userId,
            score,
            maxScore: rubricMaxPoints(assignment.rubric),
            gradedBy: principal.userId,
          },
        })
        if (score >= assignment.passPoints) {
          const enrollment = await repo.findEnrollmentForUpdate(tx, submission.enrollmentId)
          // A revoked enrollment keeps its grade but no longer progresses.
          if (enrollment && enrollment.status === 'active') {
            const snapshot = await loadSnapshot(tx, enrollment.courseId, enrollment.version)
            const lesson = assignmentLesson(snapshot, assignment.id)
            if (lesson)
              await completeLesson(tx, {
                enrollment,
                snapshot,
                lessonId: lesson.id,
                traceparent: meta.traceparent,
              })
          }
        }
        return { submission, assignment }
      })
      deps.wakeRelay()
      return result
    },
  }
}

/** The assignments service type. */
export type AssignmentsService = ReturnType<typeof createAssignmentsService>
