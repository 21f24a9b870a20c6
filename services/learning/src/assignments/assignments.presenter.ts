import type { AssignmentRow, QueueRow, SubmissionRow } from './assignments.repository.ts'
import { rubricMaxPoints, type LatePolicy } from './grading.ts'

/** An assignment as the API shows it. */
export function presentAssignment(row: AssignmentRow) {
  return {
    id: row.id,
    courseId: row.courseId,
    title: row.title,
    instructions: row.instructions,
    dueAt: row.dueAt ? row.dueAt.toISOString() : null,
    latePolicy: row.latePolicy as LatePolicy,
    latePenaltyPercent: row.latePenaltyPercent,
    rubric: row.rubric,
    maxPoints: rubricMaxPoints(row.rubric),
    passPoints: row.passPoints,
    maxSubmissions: row.maxSubmissions,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

/** A submission with its grade (when graded), as its learner and graders see it. */
export function presentSubmission(row: SubmissionRow, assignment: AssignmentRow) {
  const graded = row.status === 'graded'
  return {
    id: row.id,
    assignmentId: row.assignmentId,
    courseId: row.courseId,
    userId: row.userId,
    attemptNo: row.attemptNo,
    text: row.text,
    links: row.links,
    submittedAt: row.submittedAt.toISOString(),
    late: row.late,
    status: row.status as 'submitted' | 'graded',
    rubricScores: graded ? (row.rubricScores ?? []) : null,
    score: graded ? row.score : null,
    maxScore: rubricMaxPoints(assignment.rubric),
    passed: graded && row.score !== null ? row.score >= assignment.passPoints : null,
    feedback: graded ? row.feedback : null,
    gradedBy: graded ? row.gradedBy : null,
    gradedAt: graded && row.gradedAt ? row.gradedAt.toISOString() : null,
  }
}

/** A submission for graders: with the learner's name. */
export function presentGraderSubmission(
  row: SubmissionRow & { learnerName: string | null },
  assignment: AssignmentRow,
) {
  return { ...presentSubmission(row, assignment), learnerName: row.learnerName }
}

/** A grading-queue entry: the grader's view of the submission, with its course and assignment titles. */
export function presentQueueItem(row: QueueRow) {
  return {
    ...presentGraderSubmission({ ...row.submission, learnerName: row.learnerName }, row.assignment),
    courseTitle: row.courseTitle,
    assignmentTitle: row.assignment.title,
  }
}
