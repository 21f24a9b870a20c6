import { Type, IdString } from '@learnmesh/kernel'

const DateTime = (description: string) => Type.String({ format: 'date-time', description })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/** Path with a course id. */
export const CourseParams = Type.Object(
  {
    /** Course id (`crs_...`). */
    courseId: IdString('crs', 'Course id'),
  },
  { additionalProperties: false },
)

/** Path with an enrollment id. */
export const EnrollmentParams = Type.Object(
  {
    /** Enrollment id (`enr_...`). */
    enrollmentId: IdString('enr', 'Enrollment id'),
  },
  { additionalProperties: false },
)

/** Path with a course and one of its cohorts. */
export const CohortParams = Type.Object(
  {
    /** Course id. */
    courseId: IdString('crs', 'Course id'),
    /** Cohort id (`coh_...`). */
    cohortId: IdString('coh', 'Cohort id'),
  },
  { additionalProperties: false },
)

/** POST /enrollments: enroll yourself in a free course. */
export const EnrollBody = Type.Object(
  {
    /** The course to enroll in. */
    courseId: IdString('crs', 'Course id'),
    /** Join this cohort of the course (capacity permitting). */
    cohortId: Type.Optional(IdString('coh', 'Cohort id')),
  },
  { additionalProperties: false },
)

/** POST /org/enrollments: an org admin grants access. */
export const GrantBody = Type.Object(
  {
    /** The learner (`usr_...`), a member of the admin's organization. */
    userId: IdString('usr', 'User id'),
    /** A published course of the admin's organization. */
    courseId: IdString('crs', 'Course id'),
    /** Access ends then (omit or null: no expiry). */
    expiresAt: Type.Optional(Nullable(DateTime('Access ends at this time'))),
    /** Cohort of the course to place the learner in. */
    cohortId: Type.Optional(Nullable(IdString('coh', 'Cohort id'))),
  },
  { additionalProperties: false },
)

/** PATCH /org/enrollments/:enrollmentId. */
export const UpdateEnrollmentBody = Type.Object(
  {
    /** New expiry (null: never expires). */
    expiresAt: Type.Optional(Nullable(DateTime('Access ends at this time'))),
    /** Move to this cohort (null: no cohort). */
    cohortId: Type.Optional(Nullable(IdString('coh', 'Cohort id'))),
  },
  { additionalProperties: false, minProperties: 1 },
)

/** GET /enrollments. */
export const MyEnrollmentsQuery = Type.Object(
  {
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    /** Cursor: the `nextCursor` of the previous page. */
    before: Type.Optional(IdString('enr', 'Enrollment id cursor')),
  },
  { additionalProperties: false },
)

/** GET /courses/:courseId/roster. */
export const RosterQuery = Type.Object(
  {
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    /** Cursor: the `nextCursor` of the previous page. */
    after: Type.Optional(IdString('enr', 'Enrollment id cursor')),
  },
  { additionalProperties: false },
)

/** An enrollment as its learner, an org admin or an instructor sees it. */
export const EnrollmentSchema = Type.Object({
  /** Enrollment id. */
  id: Type.String(),
  /** Organization the enrollment belongs to (the learner's). */
  orgId: Type.String(),
  /** Course id. */
  courseId: Type.String(),
  /** Title of the enrolled version. */
  courseTitle: Nullable(Type.String()),
  /** The learner. */
  userId: Type.String(),
  /** The learner's name, when learning has heard of them. */
  displayName: Nullable(Type.String()),
  /** The course version studied. */
  version: Type.Integer(),
  /** free | order | grant | subscription */
  source: Type.String(),
  /** The order id or the granting admin. */
  sourceRef: Nullable(Type.String()),
  /** active | expired | revoked | upcoming (cohort not started) | completed */
  status: Type.Union([
    Type.Literal('active'),
    Type.Literal('expired'),
    Type.Literal('revoked'),
    Type.Literal('upcoming'),
    Type.Literal('completed'),
  ]),
  /** The cohort, if any. */
  cohort: Nullable(
    Type.Object({
      /** Cohort id. */
      id: Type.String(),
      /** Cohort name. */
      name: Type.String(),
      /** When the cohort starts (no access before). */
      startsAt: Type.String({ format: 'date-time' }),
    }),
  ),
  /** Access ends then (null: no expiry). */
  expiresAt: Nullable(Type.String({ format: 'date-time' })),
  /** When the learner was enrolled. */
  enrolledAt: Type.String({ format: 'date-time' }),
  /** When access was revoked. */
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
  /** When every lesson was complete. */
  completedAt: Nullable(Type.String({ format: 'date-time' })),
  /** Course completion 0–100. */
  progressPercent: Type.Integer(),
  /** Where to pick up: the last lesson touched and the video position there. */
  resume: Nullable(
    Type.Object({
      /** Lesson id. */
      lessonId: Type.String(),
      /** Last known video position (0 for other lessons). */
      positionSeconds: Type.Integer(),
      /** Last activity. */
      at: Nullable(Type.String({ format: 'date-time' })),
    }),
  ),
})

/** A page of enrollments. */
export const EnrollmentPage = Type.Object({
  /** Enrollments. */
  items: Type.Array(EnrollmentSchema),
  /** Pass as the cursor for the next page; null at the end. */
  nextCursor: Nullable(Type.String()),
})

/** POST /courses/:courseId/cohorts. */
export const CreateCohortBody = Type.Object(
  {
    /** Display name, e.g. "Spring 2027". */
    name: Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' }),
    /** Content opens to the cohort's learners then. */
    startsAt: DateTime('Start'),
    /** Informational end. */
    endsAt: Type.Optional(Nullable(DateTime('End'))),
    /** Seats (null: unlimited). */
    capacity: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000 }))),
  },
  { additionalProperties: false },
)

/** PATCH /courses/:courseId/cohorts/:cohortId. */
export const UpdateCohortBody = Type.Object(
  {
    /** Display name. */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' })),
    /** Start. */
    startsAt: Type.Optional(DateTime('Start')),
    /** End (null: none). */
    endsAt: Type.Optional(Nullable(DateTime('End'))),
    /** Seats (null: unlimited); not below the seats taken. */
    capacity: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000 }))),
  },
  { additionalProperties: false, minProperties: 1 },
)

/** A cohort. */
export const CohortSchema = Type.Object({
  /** Cohort id. */
  id: Type.String(),
  /** Course id. */
  courseId: Type.String(),
  /** Display name. */
  name: Type.String(),
  /** Start. */
  startsAt: Type.String({ format: 'date-time' }),
  /** End. */
  endsAt: Nullable(Type.String({ format: 'date-time' })),
  /** Seats (null: unlimited). */
  capacity: Nullable(Type.Integer()),
  /** Active enrollments in the cohort. */
  seatsTaken: Type.Integer(),
})

/** GET /courses/:courseId/cohorts. */
export const CohortList = Type.Object({
  /** Cohorts by start. */
  items: Type.Array(CohortSchema),
})
