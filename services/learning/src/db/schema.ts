import { sql } from 'drizzle-orm'
import {
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { inboxTable, jobsTable, outboxTable } from '@learnmesh/kernel'
import type { CourseSnapshot, LessonContent } from '../shared/snapshot.ts'

/** Everything learning owns lives in this schema; no other service reads it. */
export const learning = pgSchema('learning')

const ts = (name: string) => timestamp(name, { withTimezone: true })
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' })

/** Events learning publishes (outbox) and has consumed (inbox). */
export const outbox = outboxTable(learning)
export const inbox = inboxTable(learning)

/** People learning has heard of (from identity.user.registered): names for certificates and rosters. */
export const people = learning.table('people', {
  userId: text('user_id').primaryKey(),
  orgId: text('org_id').notNull(),
  displayName: text('display_name').notNull(),
  email: text('email').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
})

/** Organization memberships learning has heard of (identity.membership.changed): who may co-teach where. */
export const orgMembers = learning.table(
  'org_members',
  {
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    roles: text('roles').array().notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] })],
)

/** A course category, per organization (`slug` unique within it). */
export const categories = learning.table(
  'categories',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('categories_org_slug_key').on(t.orgId, t.slug)],
)

/**
 * A course as authored: the working draft. Learners never read these rows; they read the
 * immutable `course_versions` snapshot their enrollment is pinned to, and the catalog reads
 * `catalog_entries` (the projection of the latest published version).
 */
export const courses = learning.table(
  'courses',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    subtitle: text('subtitle').notNull().default(''),
    description: text('description').notNull().default(''),
    categoryId: text('category_id'),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** beginner | intermediate | advanced | all_levels */
    level: text('level').notNull().default('all_levels'),
    /** BCP 47 language tag, e.g. `en`, `pt-BR`. */
    language: text('language').notNull().default('en'),
    /** Display price reference in minor units (commerce owns the real price); 0 = free. */
    priceMinor: integer('price_minor').notNull().default(0),
    currency: text('currency').notNull().default('USD'),
    /** `public` (everyone's catalog) or `org` (members of the organization only). */
    visibility: text('visibility').notNull().default('public'),
    /** draft | in_review | published | archived */
    status: text('status').notNull().default('draft'),
    ownerId: text('owner_id').notNull(),
    /** Latest published version number (0 = never published). */
    publishedVersion: integer('published_version').notNull().default(0),
    /** True when the draft differs from the latest published version. */
    hasUnpublishedChanges: boolean('has_unpublished_changes').notNull().default(true),
    /** Review note from the last reviewer (rejections explain why). */
    reviewNote: text('review_note'),
    /** Set while the draft waits for an org admin's review (null = no review pending). */
    reviewRequestedAt: ts('review_requested_at'),
    /** Who submitted the pending review. */
    reviewRequestedBy: text('review_requested_by'),
    /** The catalog entry as it was when the course was archived (restored by unarchive, counters kept). */
    archivedCatalogEntry: jsonb('archived_catalog_entry').$type<Record<string, unknown>>(),
    /** Optimistic concurrency: bumped on every draft change. */
    revision: integer('revision').notNull().default(1),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('courses_org_slug_key').on(t.orgId, t.slug),
    index('courses_org_status_idx').on(t.orgId, t.status),
  ],
)

/** Who may edit a course: its owner and co-instructors. */
export const courseInstructors = learning.table(
  'course_instructors',
  {
    courseId: text('course_id').notNull(),
    userId: text('user_id').notNull(),
    orgId: text('org_id').notNull(),
    /** owner | co_instructor */
    role: text('role').notNull(),
    addedAt: ts('added_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.courseId, t.userId] }), index('course_instructors_user_idx').on(t.userId)],
)

/** A section (chapter) of a draft course. */
export const sections = learning.table(
  'sections',
  {
    id: text('id').primaryKey(),
    courseId: text('course_id').notNull(),
    orgId: text('org_id').notNull(),
    title: text('title').notNull(),
    position: integer('position').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('sections_course_idx').on(t.courseId, t.position)],
)

/** A lesson of a draft course; `content` depends on `type` (see shared/snapshot.ts). */
export const lessons = learning.table(
  'lessons',
  {
    id: text('id').primaryKey(),
    courseId: text('course_id').notNull(),
    sectionId: text('section_id').notNull(),
    orgId: text('org_id').notNull(),
    /** video | text | quiz | assignment | resource */
    type: text('type').notNull(),
    title: text('title').notNull(),
    position: integer('position').notNull(),
    /** Expected duration in seconds (video length, reading time). */
    durationSeconds: integer('duration_seconds').notNull().default(0),
    content: jsonb('content').$type<LessonContent>().notNull(),
    /** Lessons that must be completed before this one unlocks. */
    prerequisiteIds: text('prerequisite_ids')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** Visible to anyone browsing the catalog, without enrolling. */
    isPreview: boolean('is_preview').notNull().default(false),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('lessons_course_idx').on(t.courseId, t.sectionId, t.position)],
)

/** An immutable published version of a course: what enrolled learners study. */
export const courseVersions = learning.table(
  'course_versions',
  {
    courseId: text('course_id').notNull(),
    version: integer('version').notNull(),
    orgId: text('org_id').notNull(),
    snapshot: jsonb('snapshot').$type<CourseSnapshot>().notNull(),
    publishedBy: text('published_by').notNull(),
    publishedAt: ts('published_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.courseId, t.version] })],
)

/**
 * The catalog: one row per published course, projected from its latest version. Full-text search
 * uses `search` (title A > subtitle B > description C), autocomplete a trigram index on `title`.
 */
export const catalogEntries = learning.table(
  'catalog_entries',
  {
    courseId: text('course_id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** public | org */
    visibility: text('visibility').notNull(),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    subtitle: text('subtitle').notNull(),
    description: text('description').notNull(),
    categoryId: text('category_id'),
    categorySlug: text('category_slug'),
    categoryName: text('category_name'),
    tags: text('tags').array().notNull(),
    level: text('level').notNull(),
    language: text('language').notNull(),
    priceMinor: integer('price_minor').notNull(),
    currency: text('currency').notNull(),
    /** Average review rating 0–5 (fed by community reviews later); 0 when unrated. */
    rating: real('rating').notNull().default(0),
    ratingCount: integer('rating_count').notNull().default(0),
    enrollmentCount: integer('enrollment_count').notNull().default(0),
    instructorNames: text('instructor_names')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    lessonCount: integer('lesson_count').notNull().default(0),
    durationSeconds: integer('duration_seconds').notNull().default(0),
    version: integer('version').notNull(),
    publishedAt: ts('published_at').notNull(),
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(subtitle, '')), 'B') || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')`,
      ),
  },
  (t) => [
    index('catalog_search_idx').using('gin', t.search),
    index('catalog_title_trgm_idx').using('gin', sql`${t.title} gin_trgm_ops`),
    index('catalog_visibility_published_idx').on(t.visibility, t.publishedAt, t.courseId),
    index('catalog_org_published_idx').on(t.orgId, t.publishedAt, t.courseId),
    // Keyset pagination of the catalog's other sort orders, the course page by slug, tag filters.
    index('catalog_popular_idx').on(t.enrollmentCount, t.courseId),
    index('catalog_rating_idx').on(t.rating, t.courseId),
    index('catalog_price_idx').on(t.priceMinor, t.courseId),
    index('catalog_title_sort_idx').on(t.title, t.courseId),
    index('catalog_category_idx').on(t.categorySlug),
    index('catalog_slug_idx').on(t.slug),
    index('catalog_tags_idx').using('gin', t.tags),
  ],
)

/** A cohort: a group of learners starting a course together. */
export const cohorts = learning.table(
  'cohorts',
  {
    id: text('id').primaryKey(),
    courseId: text('course_id').notNull(),
    orgId: text('org_id').notNull(),
    name: text('name').notNull(),
    startsAt: ts('starts_at').notNull(),
    endsAt: ts('ends_at'),
    capacity: integer('capacity'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('cohorts_course_idx').on(t.courseId)],
)

/** A learner's access to a course, pinned to the version they study. */
export const enrollments = learning.table(
  'enrollments',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    courseId: text('course_id').notNull(),
    userId: text('user_id').notNull(),
    /** The course_versions.version this learner studies. */
    version: integer('version').notNull(),
    /** free | order | grant | subscription */
    source: text('source').notNull(),
    /** The order id or granting admin. */
    sourceRef: text('source_ref'),
    /** active | revoked */
    status: text('status').notNull().default('active'),
    cohortId: text('cohort_id'),
    /** Access ends at this time (null = no expiry). */
    expiresAt: ts('expires_at'),
    enrolledAt: ts('enrolled_at').notNull().defaultNow(),
    revokedAt: ts('revoked_at'),
    completedAt: ts('completed_at'),
    /** 0–100, recomputed on lesson completion. */
    progressPercent: integer('progress_percent').notNull().default(0),
    /** Resume point. */
    lastLessonId: text('last_lesson_id'),
    lastActivityAt: ts('last_activity_at'),
  },
  (t) => [
    uniqueIndex('enrollments_course_user_key').on(t.courseId, t.userId),
    index('enrollments_user_idx').on(t.userId, t.enrolledAt),
    index('enrollments_org_course_idx').on(t.orgId, t.courseId),
    /** Cohort capacity checks count a cohort's active enrollments. */
    index('enrollments_cohort_idx').on(t.cohortId),
  ],
)

/** Per-lesson progress of an enrollment: video position (batched heartbeats) and completion. */
export const lessonProgress = learning.table(
  'lesson_progress',
  {
    enrollmentId: text('enrollment_id').notNull(),
    lessonId: text('lesson_id').notNull(),
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    positionSeconds: integer('position_seconds').notNull().default(0),
    /** Furthest position reached (a video completes when this covers enough of it). */
    maxPositionSeconds: integer('max_position_seconds').notNull().default(0),
    completedAt: ts('completed_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.enrollmentId, t.lessonId] })],
)

/** A question in a course's bank. `answer` is never sent to a learner before they submit. */
export const questions = learning.table(
  'questions',
  {
    id: text('id').primaryKey(),
    courseId: text('course_id').notNull(),
    orgId: text('org_id').notNull(),
    /** single_choice | multiple_choice | true_false | numeric | short_text */
    type: text('type').notNull(),
    prompt: text('prompt').notNull(),
    /** Choices for choice questions: [{ id, text }]. */
    options: jsonb('options').$type<{ id: string; text: string }[]>().notNull().default([]),
    /** The key: choice ids, a boolean, { value, tolerance } or accepted texts. */
    answer: jsonb('answer').notNull(),
    /** Shown after submission. */
    explanation: text('explanation').notNull().default(''),
    points: integer('points').notNull().default(1),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    archivedAt: ts('archived_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('questions_course_idx').on(t.courseId)],
)

/** A quiz: which questions (fixed list or random draw from the bank), timing and grading rules. */
export const quizzes = learning.table(
  'quizzes',
  {
    id: text('id').primaryKey(),
    courseId: text('course_id').notNull(),
    orgId: text('org_id').notNull(),
    title: text('title').notNull(),
    /** Fixed question ids, in order (empty when drawing at random). */
    questionIds: text('question_ids')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** Random draw: this many questions from the bank (optionally only those with `drawTags`). */
    drawCount: integer('draw_count'),
    drawTags: text('draw_tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    shuffleQuestions: boolean('shuffle_questions').notNull().default(false),
    shuffleOptions: boolean('shuffle_options').notNull().default(false),
    /** Enforced by the server (null = untimed). */
    timeLimitSeconds: integer('time_limit_seconds'),
    /** null = unlimited. */
    maxAttempts: integer('max_attempts'),
    /** Percentage of points needed to pass. */
    passPercent: integer('pass_percent').notNull().default(70),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('quizzes_course_idx').on(t.courseId)],
)

/** One learner's attempt at a quiz: the drawn questions are frozen in `questions`. */
export const quizAttempts = learning.table(
  'quiz_attempts',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    quizId: text('quiz_id').notNull(),
    courseId: text('course_id').notNull(),
    lessonId: text('lesson_id'),
    enrollmentId: text('enrollment_id').notNull(),
    userId: text('user_id').notNull(),
    attemptNo: integer('attempt_no').notNull(),
    /**
     * Frozen draw: [{ questionId, optionOrder, question }] in the order shown. `question` is a copy
     * of the bank question at start (prompt, options, key, points), so later edits to the bank never
     * change an attempt in progress or its grading.
     */
    questions: jsonb('questions')
      .$type<
        {
          questionId: string
          optionOrder: string[]
          question?: {
            type: string
            prompt: string
            options: { id: string; text: string }[]
            answer: unknown
            explanation: string
            points: number
          }
        }[]
      >()
      .notNull(),
    /** in_progress | submitted | expired */
    status: text('status').notNull().default('in_progress'),
    startedAt: ts('started_at').notNull().defaultNow(),
    deadlineAt: ts('deadline_at'),
    submittedAt: ts('submitted_at'),
    score: integer('score'),
    maxScore: integer('max_score'),
    passed: boolean('passed'),
    /** Per-question grading result after submission. */
    feedback: jsonb('feedback'),
  },
  (t) => [
    uniqueIndex('quiz_attempts_no_key').on(t.quizId, t.userId, t.attemptNo),
    // At most one attempt in progress per learner and quiz, whatever the race.
    uniqueIndex('quiz_attempts_in_progress_key')
      .on(t.quizId, t.userId)
      .where(sql`status = 'in_progress'`),
    index('quiz_attempts_enrollment_idx').on(t.enrollmentId),
    // Editors' roster of a course's attempts (keyset pagination by id).
    index('quiz_attempts_course_idx').on(t.orgId, t.courseId, t.id),
  ],
)

/** A learner's current answer to one question of an attempt (saved as they go). */
export const attemptAnswers = learning.table(
  'attempt_answers',
  {
    attemptId: text('attempt_id').notNull(),
    questionId: text('question_id').notNull(),
    orgId: text('org_id').notNull(),
    answer: jsonb('answer').notNull(),
    answeredAt: ts('answered_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.attemptId, t.questionId] })],
)

/** An assignment of a course: instructions, due date, late policy, rubric. */
export const assignments = learning.table(
  'assignments',
  {
    id: text('id').primaryKey(),
    courseId: text('course_id').notNull(),
    orgId: text('org_id').notNull(),
    title: text('title').notNull(),
    instructions: text('instructions').notNull().default(''),
    dueAt: ts('due_at'),
    /** reject | accept | penalty */
    latePolicy: text('late_policy').notNull().default('accept'),
    /** Percent taken off a late submission's score under the `penalty` policy. */
    latePenaltyPercent: integer('late_penalty_percent').notNull().default(0),
    /** [{ id, title, description, maxPoints }] */
    rubric: jsonb('rubric')
      .$type<{ id: string; title: string; description: string; maxPoints: number }[]>()
      .notNull()
      .default([]),
    /** Score needed for the assignment lesson to count as completed. */
    passPoints: integer('pass_points').notNull().default(0),
    maxSubmissions: integer('max_submissions'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('assignments_course_idx').on(t.courseId)],
)

/** A learner's submission to an assignment (each resubmission is a new row). */
export const submissions = learning.table(
  'submissions',
  {
    id: text('id').primaryKey(),
    assignmentId: text('assignment_id').notNull(),
    courseId: text('course_id').notNull(),
    orgId: text('org_id').notNull(),
    enrollmentId: text('enrollment_id').notNull(),
    userId: text('user_id').notNull(),
    attemptNo: integer('attempt_no').notNull(),
    text: text('text').notNull().default(''),
    links: text('links')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    submittedAt: ts('submitted_at').notNull().defaultNow(),
    late: boolean('late').notNull().default(false),
    /** submitted | graded */
    status: text('status').notNull().default('submitted'),
    /** [{ criterionId, points, comment }] */
    rubricScores: jsonb('rubric_scores').$type<{ criterionId: string; points: number; comment: string }[]>(),
    /** Score after any late penalty. */
    score: integer('score'),
    feedback: text('feedback'),
    gradedBy: text('graded_by'),
    gradedAt: ts('graded_at'),
  },
  (t) => [
    uniqueIndex('submissions_attempt_key').on(t.assignmentId, t.userId, t.attemptNo),
    index('submissions_assignment_idx').on(t.assignmentId, t.status),
  ],
)

/** A certificate of completion; `code` is the public verification code. */
export const certificates = learning.table(
  'certificates',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    courseId: text('course_id').notNull(),
    userId: text('user_id').notNull(),
    enrollmentId: text('enrollment_id').notNull(),
    code: text('code').notNull(),
    learnerName: text('learner_name').notNull(),
    courseTitle: text('course_title').notNull(),
    issuedAt: ts('issued_at').notNull().defaultNow(),
    revokedAt: ts('revoked_at'),
    /** The signed Open Badges 3.0 credential (JSON). */
    credential: jsonb('credential').notNull(),
  },
  (t) => [
    uniqueIndex('certificates_code_key').on(t.code),
    uniqueIndex('certificates_enrollment_key').on(t.enrollmentId),
  ],
)

/** The platform key that signs credentials (Ed25519; private part encrypted with LEARNING_SECRET). */
export const signingKeys = learning.table('signing_keys', {
  kid: text('kid').primaryKey(),
  publicJwk: jsonb('public_jwk').notNull(),
  privateJwkEnc: text('private_jwk_enc').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  retiredAt: ts('retired_at'),
})

/** Delayed and recurring jobs (timed-quiz auto-submission, ...). */
export const jobs = jobsTable(learning)

/** What a commerce subscription plan grants: every course of its org, or a list of course ids. */
export type SubscriptionEntitlement = { scope: 'all_courses' } | { scope: 'courses'; courseIds: string[] }

/**
 * Access a commerce subscription gives its subscriber (from commerce.subscription.* events): paid
 * courses of the subscription's org covered by `entitlement` can be enrolled in until `activeUntil`.
 */
export const subscriptionAccess = learning.table(
  'subscription_access',
  {
    /** Commerce's subscription id (`sub_...`). */
    subscriptionId: text('subscription_id').primaryKey(),
    /** The organization that sold the plan: only its courses are covered. */
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    /** The plan product and ref in commerce. */
    productId: text('product_id').notNull(),
    planRef: text('plan_ref').notNull(),
    entitlement: jsonb('entitlement').$type<SubscriptionEntitlement>().notNull(),
    /** trialing | active | past_due | cancelled */
    status: text('status').notNull(),
    /** Access ends here: the paid period (or trial) end, the last retry while past due, the cancellation time. */
    activeUntil: ts('active_until').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('subscription_access_user_idx').on(t.orgId, t.userId, t.activeUntil)],
)
