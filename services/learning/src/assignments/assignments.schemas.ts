import { Type, IdString } from '@learnmesh/kernel'
import { MAX_LINKS, MAX_TEXT_CHARS } from './grading.ts'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/** Path: a course. */
export const CourseParams = Type.Object({ courseId: IdString('crs', 'Course id') })
/** Path: an assignment. */
export const AssignmentParams = Type.Object({ assignmentId: IdString('asg', 'Assignment id') })
/** Path: a submission. */
export const SubmissionParams = Type.Object({ submissionId: IdString('sub', 'Submission id') })

/** How late submissions are treated. */
export const LatePolicySchema = Type.Union(
  [Type.Literal('reject'), Type.Literal('accept'), Type.Literal('penalty')],
  {
    description:
      '`reject`: refused after dueAt; `accept`: stored and marked late; `penalty`: stored, marked late, latePenaltyPercent taken off its score.',
  },
)

/** One rubric criterion. */
export const RubricCriterionSchema = Type.Object(
  {
    /** Stable id, unique within the rubric (letters, digits, `_`, `-`). */
    id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    /** Short name shown to learners and graders. */
    title: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    /** What earns the points. */
    description: Type.String({ maxLength: 2000, default: '' }),
    /** Most points for this criterion (≥ 1). */
    maxPoints: Type.Integer({ minimum: 1, maximum: 1000 }),
  },
  { additionalProperties: false },
)

/** An assignment. */
export const AssignmentSchema = Type.Object({
  /** Assignment id (`asg_...`). */
  id: Type.String(),
  /** The course it belongs to. */
  courseId: Type.String(),
  /** Title. */
  title: Type.String(),
  /** Instructions (markdown). */
  instructions: Type.String(),
  /** Deadline (null: none). */
  dueAt: Nullable(Type.String({ format: 'date-time' })),
  /** Late policy. */
  latePolicy: LatePolicySchema,
  /** Percent taken off a late submission's score under `penalty`. */
  latePenaltyPercent: Type.Integer(),
  /** The rubric graders score. */
  rubric: Type.Array(RubricCriterionSchema),
  /** Sum of the rubric's maxPoints. */
  maxPoints: Type.Integer(),
  /** Score needed for the assignment lesson to complete. */
  passPoints: Type.Integer(),
  /** Most submissions per learner (null: unlimited). */
  maxSubmissions: Nullable(Type.Integer()),
  /** Creation time. */
  createdAt: Type.String({ format: 'date-time' }),
  /** Last change. */
  updatedAt: Type.String({ format: 'date-time' }),
})

/** GET /courses/:courseId/assignments. */
export const AssignmentListSchema = Type.Object({
  /** The course's assignments, oldest first. */
  items: Type.Array(AssignmentSchema),
})

const assignmentFields = {
  /** Title. */
  title: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  /** Instructions (markdown). */
  instructions: Type.String({ maxLength: 100_000 }),
  /** Deadline (ISO 8601 with time zone), or null for none. */
  dueAt: Nullable(Type.String({ format: 'date-time' })),
  /** Late policy (default `accept`). */
  latePolicy: LatePolicySchema,
  /** 0–100, used by the `penalty` policy (default 0). */
  latePenaltyPercent: Type.Integer({ minimum: 0, maximum: 100 }),
  /** 1–50 criteria with unique ids. */
  rubric: Type.Array(RubricCriterionSchema, { minItems: 1, maxItems: 50 }),
  /** Score needed to pass (0 … the rubric's maximum; default 0). */
  passPoints: Type.Integer({ minimum: 0 }),
  /** Most submissions per learner, 1–100, or null for unlimited (default). */
  maxSubmissions: Nullable(Type.Integer({ minimum: 1, maximum: 100 })),
}

/** POST /courses/:courseId/assignments. */
export const CreateAssignmentBody = Type.Object(
  {
    title: assignmentFields.title,
    instructions: Type.Optional(assignmentFields.instructions),
    dueAt: Type.Optional(assignmentFields.dueAt),
    latePolicy: Type.Optional(assignmentFields.latePolicy),
    latePenaltyPercent: Type.Optional(assignmentFields.latePenaltyPercent),
    rubric: assignmentFields.rubric,
    passPoints: Type.Optional(assignmentFields.passPoints),
    maxSubmissions: Type.Optional(assignmentFields.maxSubmissions),
  },
  { additionalProperties: false },
)

/** PATCH /assignments/:assignmentId: any subset of the fields. */
export const UpdateAssignmentBody = Type.Object(
  {
    title: Type.Optional(assignmentFields.title),
    instructions: Type.Optional(assignmentFields.instructions),
    dueAt: Type.Optional(assignmentFields.dueAt),
    latePolicy: Type.Optional(assignmentFields.latePolicy),
    latePenaltyPercent: Type.Optional(assignmentFields.latePenaltyPercent),
    rubric: Type.Optional(assignmentFields.rubric),
    passPoints: Type.Optional(assignmentFields.passPoints),
    maxSubmissions: Type.Optional(assignmentFields.maxSubmissions),
  },
  { minProperties: 1, additionalProperties: false },
)

/** POST /assignments/:assignmentId/submissions. At least one of text or links. */
export const SubmitBody = Type.Object(
  {
    /** The answer (markdown), at most 50,000 characters. */
    text: Type.Optional(Type.String({ maxLength: MAX_TEXT_CHARS })),
    /** Up to 10 http(s) links (repositories, documents). File uploads come with the media service. */
    links: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), { maxItems: MAX_LINKS })),
  },
  { additionalProperties: false },
)

/** A grader's points for one criterion. */
export const CriterionScoreSchema = Type.Object(
  {
    /** Rubric criterion id. */
    criterionId: Type.String({ minLength: 1, maxLength: 64 }),
    /** 0 … the criterion's maxPoints. */
    points: Type.Integer({ minimum: 0 }),
    /** Comment for the learner on this criterion. */
    comment: Type.Optional(Type.String({ maxLength: 5000 })),
  },
  { additionalProperties: false },
)

/** PUT /submissions/:submissionId/grade. */
export const GradeBody = Type.Object(
  {
    /** Every rubric criterion exactly once. */
    scores: Type.Array(CriterionScoreSchema, { maxItems: 50 }),
    /** Overall feedback (markdown). */
    feedback: Type.Optional(Type.String({ maxLength: 20_000 })),
  },
  { additionalProperties: false },
)

/** A submission, with its grade once graded. */
export const SubmissionSchema = Type.Object({
  /** Submission id (`sub_...`). */
  id: Type.String(),
  /** The assignment. */
  assignmentId: Type.String(),
  /** The course. */
  courseId: Type.String(),
  /** The learner. */
  userId: Type.String(),
  /** 1 for the first submission, +1 for each resubmission. */
  attemptNo: Type.Integer(),
  /** Submitted text. */
  text: Type.String(),
  /** Submitted links. */
  links: Type.Array(Type.String()),
  /** When it was submitted. */
  submittedAt: Type.String({ format: 'date-time' }),
  /** Submitted after the due date. */
  late: Type.Boolean(),
  /** `submitted` (awaiting a grade) or `graded`. */
  status: Type.Union([Type.Literal('submitted'), Type.Literal('graded')]),
  /** Points per criterion (null until graded). */
  rubricScores: Nullable(
    Type.Array(Type.Object({ criterionId: Type.String(), points: Type.Integer(), comment: Type.String() })),
  ),
  /** Score after any late penalty (null until graded). */
  score: Nullable(Type.Integer()),
  /** The rubric's maximum. */
  maxScore: Type.Integer(),
  /** True when graded and score ≥ passPoints (null until graded). */
  passed: Nullable(Type.Boolean()),
  /** Overall feedback (null until graded). */
  feedback: Nullable(Type.String()),
  /** Who graded it. */
  gradedBy: Nullable(Type.String()),
  /** When it was (last) graded. */
  gradedAt: Nullable(Type.String({ format: 'date-time' })),
})

/** A submission as graders see it: with the learner's name. */
export const GraderSubmissionSchema = Type.Object({
  ...SubmissionSchema.properties,
  /** The learner's display name (null when learning has not heard of them yet). */
  learnerName: Nullable(Type.String()),
})

/** GET /assignments/:assignmentId/submissions/mine. */
export const MySubmissionsSchema = Type.Object({
  /** The caller's submissions, oldest first. */
  items: Type.Array(SubmissionSchema),
})

/** GET /assignments/:assignmentId/submissions query. */
export const SubmissionsQuery = Type.Object(
  {
    /** Only submissions with this status. */
    status: Type.Optional(Type.Union([Type.Literal('submitted'), Type.Literal('graded')])),
    /** Page size (1–100, default 20). */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    /** `nextCursor` of the previous page. */
    cursor: Type.Optional(IdString('sub', 'Cursor')),
  },
  { additionalProperties: false },
)

/** A page of submissions for graders, oldest first. */
export const SubmissionPageSchema = Type.Object({
  /** This page. */
  items: Type.Array(GraderSubmissionSchema),
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: Nullable(Type.String()),
})

/** GET /submissions query: the caller's grading queue. */
export const GradingQueueQuery = Type.Object(
  {
    /** `submitted` (waiting for a grade, the default) or `graded`. */
    status: Type.Optional(
      Type.Union([Type.Literal('submitted'), Type.Literal('graded')], { default: 'submitted' }),
    ),
    /** `mine` (default): courses the caller owns or co-teaches; `org`: every course of the organization (org admins). */
    scope: Type.Optional(Type.Union([Type.Literal('mine'), Type.Literal('org')], { default: 'mine' })),
    /** Page size (1–100, default 20). */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    /** `nextCursor` of the previous page. */
    cursor: Type.Optional(IdString('sub', 'Cursor')),
  },
  { additionalProperties: false },
)

/** A submission in the grading queue: where it belongs, by name. */
export const GradingQueueItemSchema = Type.Object({
  ...GraderSubmissionSchema.properties,
  /** The course's title. */
  courseTitle: Type.String(),
  /** The assignment's title. */
  assignmentTitle: Type.String(),
})

/** A page of the grading queue, oldest submission first. */
export const GradingQueuePageSchema = Type.Object({
  /** This page. */
  items: Type.Array(GradingQueueItemSchema),
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: Nullable(Type.String()),
})
