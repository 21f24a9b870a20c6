import { Type, IdString } from '@learnmesh/kernel'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/** Course levels. */
export const LEVELS = ['beginner', 'intermediate', 'advanced', 'all_levels'] as const
/** Course statuses. */
export const STATUSES = ['draft', 'in_review', 'published', 'archived'] as const

const Title = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
  description: 'Non-blank, up to 200.',
})
const Revision = Type.Integer({
  minimum: 1,
  maximum: 999_999_999,
  description: 'The course revision the change is based on (alternative to If-Match); stale → 409.',
})
const HttpUrl = Type.String({
  maxLength: 2048,
  pattern: '^https?://\\S+$',
  description: 'An http(s) URL.',
})
const Seconds = Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Seconds (>= 0).' })

/** Path with a course id. */
export const CourseParams = Type.Object(
  {
    /** Course id (`crs_...`). */
    courseId: IdString('crs', 'Course id'),
  },
  { additionalProperties: false },
)

/** Path with a course and a section. */
export const SectionParams = Type.Object(
  {
    /** Course id. */
    courseId: IdString('crs', 'Course id'),
    /** Section id (`sec_...`). */
    sectionId: IdString('sec', 'Section id'),
  },
  { additionalProperties: false },
)

/** Path with a course and a lesson. */
export const LessonParams = Type.Object(
  {
    /** Course id. */
    courseId: IdString('crs', 'Course id'),
    /** Lesson id (`les_...`). */
    lessonId: IdString('les', 'Lesson id'),
  },
  { additionalProperties: false },
)

/** Path with a course and a version number. */
export const VersionParams = Type.Object(
  {
    /** Course id. */
    courseId: IdString('crs', 'Course id'),
    /** Published version number (1, 2, ...). */
    version: Type.Integer({ minimum: 1, maximum: 999_999_999 }),
  },
  { additionalProperties: false },
)

/** Path with a course and an instructor. */
export const InstructorParams = Type.Object(
  {
    /** Course id. */
    courseId: IdString('crs', 'Course id'),
    /** The instructor's user id. */
    userId: IdString('usr', 'User id'),
  },
  { additionalProperties: false },
)

const metadataFields = {
  /** One-line pitch under the title. */
  subtitle: Type.Optional(Type.String({ maxLength: 300 })),
  /** Long description (markdown). */
  description: Type.Optional(Type.String({ maxLength: 20_000 })),
  /** A category of the organization (`cat_...`), or null for none. */
  categoryId: Type.Optional(Nullable(IdString('cat', 'Category id'))),
  /** Free tags: normalized (trimmed, lower-case, deduplicated), at most 20. */
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 20 })),
  /** Who the course is for. */
  level: Type.Optional(Type.Union(LEVELS.map((l) => Type.Literal(l)))),
  /** BCP 47 language tag (`en`, `pt-BR`); stored in canonical form. */
  language: Type.Optional(Type.String({ minLength: 2, maxLength: 35 })),
  /** Display price reference in minor units (commerce owns the real price); 0 = free. */
  priceMinor: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
  /** ISO 4217 currency of priceMinor. */
  currency: Type.Optional(Type.String({ minLength: 3, maxLength: 3 })),
  /** `public`: everyone's catalog; `org`: members of the organization only. */
  visibility: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('org')])),
}

const SlugField = Type.String({
  pattern: '^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$',
  description: 'Lower-case letters, digits and dashes; unique in the organization.',
})

/** POST /courses. */
export const CreateCourseBody = Type.Object(
  {
    /** Course title. */
    title: Title,
    /** URL name; derived from the title when absent. Unique in the organization (409 otherwise). */
    slug: Type.Optional(SlugField),
    ...metadataFields,
  },
  { additionalProperties: false },
)

/** PATCH /courses/:courseId. */
export const UpdateCourseBody = Type.Object(
  {
    /** Course title (the slug does not follow it). */
    title: Type.Optional(Title),
    /** New URL name; only while the course was never published (409 after). */
    slug: Type.Optional(SlugField),
    ...metadataFields,
    /** Expected revision (or send If-Match). */
    revision: Type.Optional(Revision),
  },
  { additionalProperties: false },
)

/** GET /courses query. */
export const ListCoursesQuery = Type.Object(
  {
    /** Page size. */
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    /** `nextCursor` of the previous page. */
    after: Type.Optional(IdString('crs', 'Cursor: nextCursor of the previous page')),
    /** Only courses in this status. */
    status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
    /** `pending`: only courses waiting for review (the org admin's review queue). */
    review: Type.Optional(Type.Literal('pending')),
  },
  { additionalProperties: false },
)

/** Review state of the draft. */
const ReviewSchema = Type.Object({
  /** True while the draft waits for an org admin. */
  pending: Type.Boolean(),
  /** When it was submitted (null when none is pending). */
  requestedAt: Nullable(Type.String({ format: 'date-time' })),
  /** Who submitted it. */
  requestedBy: Nullable(Type.String()),
  /** The last reviewer's note (a rejection says why), or null. */
  note: Nullable(Type.String()),
})

/** A course's metadata and workflow state, as its editors see it. */
export const CourseSchema = Type.Object({
  /** Course id (`crs_...`). */
  id: Type.String(),
  /** Organization id. */
  orgId: Type.String(),
  /** URL name, unique in the organization. */
  slug: Type.String(),
  /** Title. */
  title: Type.String(),
  /** Subtitle. */
  subtitle: Type.String(),
  /** Description (markdown). */
  description: Type.String(),
  /** Category id or null. */
  categoryId: Nullable(Type.String()),
  /** Normalized tags. */
  tags: Type.Array(Type.String()),
  /** beginner | intermediate | advanced | all_levels. */
  level: Type.String(),
  /** BCP 47 language tag. */
  language: Type.String(),
  /** Display price reference in minor units. */
  priceMinor: Type.Integer(),
  /** ISO 4217 currency. */
  currency: Type.String(),
  /** public | org. */
  visibility: Type.String(),
  /** draft | in_review | published | archived (see docs/authoring.md). */
  status: Type.String(),
  /** The owner's user id. */
  ownerId: Type.String(),
  /** Latest published version (0 = never published). */
  publishedVersion: Type.Integer(),
  /** True when the draft differs from the latest published version. */
  hasUnpublishedChanges: Type.Boolean(),
  /** Review state. */
  review: ReviewSchema,
  /** Optimistic-concurrency revision (also the ETag). */
  revision: Type.Integer(),
  /** The caller's relation to the course: owner | co_instructor | admin. */
  myRole: Type.String(),
  /** Creation time. */
  createdAt: Type.String({ format: 'date-time' }),
  /** Last change. */
  updatedAt: Type.String({ format: 'date-time' }),
})

/** GET /courses. */
export const CoursesPage = Type.Object({
  /** Courses, newest first. */
  items: Type.Array(CourseSchema),
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: Nullable(Type.String()),
})

/** Lesson content by type (see shared/snapshot.ts). */
export const LessonContentSchema = Type.Union([
  Type.Object(
    {
      /** Video. */
      type: Type.Literal('video'),
      /** Playback URL. */
      url: HttpUrl,
      /** Video length. */
      durationSeconds: Seconds,
      /** Share to watch for completion (default VIDEO_COMPLETION_THRESHOLD). */
      completionThreshold: Type.Optional(Type.Number({ minimum: 0.1, maximum: 1 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      /** Text. */
      type: Type.Literal('text'),
      /** Markdown body. */
      markdown: Type.String({ maxLength: 200_000 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      /** Quiz. */
      type: Type.Literal('quiz'),
      /** A quiz of the same course. */
      quizId: Type.String({ minLength: 1, maxLength: 64 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      /** Assignment. */
      type: Type.Literal('assignment'),
      /** An assignment of the same course. */
      assignmentId: Type.String({ minLength: 1, maxLength: 64 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      /** Downloadable resource. */
      type: Type.Literal('resource'),
      /** Download URL. */
      url: HttpUrl,
      /** File name shown to learners. */
      fileName: Type.String({ minLength: 1, maxLength: 255 }),
      /** Size in bytes, when known. */
      sizeBytes: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1e13 }))),
    },
    { additionalProperties: false },
  ),
])

const LessonType = Type.Union(
  ['video', 'text', 'quiz', 'assignment', 'resource'].map((t) => Type.Literal(t)),
  { description: 'video | text | quiz | assignment | resource' },
)
const PrerequisiteIds = Type.Array(IdString('les', 'Lesson id'), { maxItems: 50, uniqueItems: true })

/** POST /courses/:courseId/sections/:sectionId/lessons. */
export const CreateLessonBody = Type.Object(
  {
    /** Lesson type; must equal content.type. */
    type: LessonType,
    /** Title. */
    title: Title,
    /** Expected duration in seconds (a video defaults to its length). */
    durationSeconds: Type.Optional(Seconds),
    /** Type-specific content. */
    content: LessonContentSchema,
    /** Lessons of the same course to complete first (no self, no cycles). */
    prerequisiteIds: Type.Optional(PrerequisiteIds),
    /** Visible in the catalog without enrolling. */
    isPreview: Type.Optional(Type.Boolean()),
    /** Expected revision (or send If-Match). */
    revision: Type.Optional(Revision),
  },
  { additionalProperties: false },
)

/** PATCH /courses/:courseId/lessons/:lessonId (the type cannot change). */
export const UpdateLessonBody = Type.Object(
  {
    /** Title. */
    title: Type.Optional(Title),
    /** Expected duration in seconds. */
    durationSeconds: Type.Optional(Seconds),
    /** New content, of the lesson's type. */
    content: Type.Optional(LessonContentSchema),
    /** Replaces the prerequisites. */
    prerequisiteIds: Type.Optional(PrerequisiteIds),
    /** Visible in the catalog without enrolling. */
    isPreview: Type.Optional(Type.Boolean()),
    /** Expected revision (or send If-Match). */
    revision: Type.Optional(Revision),
  },
  { additionalProperties: false },
)

/** POST /courses/:courseId/lessons/:lessonId/move. */
export const MoveLessonBody = Type.Object(
  {
    /** Target section of the same course (may be the current one). */
    sectionId: IdString('sec', 'Section id'),
    /** 0-based position in the target section; the end when absent. */
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    /** Expected revision (or send If-Match). */
    revision: Type.Optional(Revision),
  },
  { additionalProperties: false },
)

/** POST /courses/:courseId/sections and PATCH .../sections/:sectionId. */
export const SectionBody = Type.Object(
  {
    /** Section title. */
    title: Title,
    /** Expected revision (or send If-Match). */
    revision: Type.Optional(Revision),
  },
  { additionalProperties: false },
)

/** PUT /courses/:courseId/sections/order. */
export const ReorderSectionsBody = Type.Object(
  {
    /** Every section id of the course, exactly once, in the new order. */
    sectionIds: Type.Array(IdString('sec', 'Section id'), { maxItems: 1000 }),
    /** Expected revision (or send If-Match). */
    revision: Type.Optional(Revision),
  },
  { additionalProperties: false },
)

/** PUT /courses/:courseId/sections/:sectionId/lessons/order. */
export const ReorderLessonsBody = Type.Object(
  {
    /** Every lesson id of the section, exactly once, in the new order. */
    lessonIds: Type.Array(IdString('les', 'Lesson id'), { maxItems: 1000 }),
    /** Expected revision (or send If-Match). */
    revision: Type.Optional(Revision),
  },
  { additionalProperties: false },
)

/** A lesson of the draft. */
export const LessonSchema = Type.Object({
  /** Lesson id (`les_...`). */
  id: Type.String(),
  /** Its section. */
  sectionId: Type.String(),
  /** video | text | quiz | assignment | resource. */
  type: Type.String(),
  /** Title. */
  title: Type.String(),
  /** 0-based position in the section. */
  position: Type.Integer(),
  /** Expected duration in seconds. */
  durationSeconds: Type.Integer(),
  /** Type-specific content. */
  content: Type.Record(Type.String(), Type.Unknown()),
  /** Lessons to complete first. */
  prerequisiteIds: Type.Array(Type.String()),
  /** Visible without enrolling. */
  isPreview: Type.Boolean(),
})

/** A lesson after a change, with the course's new revision. */
export const LessonChangedSchema = Type.Object({
  ...LessonSchema.properties,
  /** The course revision after the change (send it as If-Match next). */
  courseRevision: Type.Integer(),
})

/** A section with its lessons. */
export const SectionSchema = Type.Object({
  /** Section id (`sec_...`). */
  id: Type.String(),
  /** Title. */
  title: Type.String(),
  /** 0-based position in the course. */
  position: Type.Integer(),
  /** Lessons in order. */
  lessons: Type.Array(LessonSchema),
})

/** A section after a change, with the course's new revision. */
export const SectionChangedSchema = Type.Object({
  ...SectionSchema.properties,
  /** The course revision after the change. */
  courseRevision: Type.Integer(),
})

/** An instructor of a course. */
export const InstructorSchema = Type.Object({
  /** User id. */
  userId: Type.String(),
  /** owner | co_instructor. */
  role: Type.String(),
  /** Name from learning's people table ('' when unknown). */
  displayName: Type.String(),
  /** When they were added. */
  addedAt: Type.String({ format: 'date-time' }),
})

/** GET /courses/:courseId: the full draft for editors. */
export const CourseTreeSchema = Type.Object({
  ...CourseSchema.properties,
  /** Owner first, then co-instructors by date added. */
  instructors: Type.Array(InstructorSchema),
  /** Sections in order, lessons in order, with content. */
  sections: Type.Array(SectionSchema),
  /** Number of lessons in the draft. */
  lessonCount: Type.Integer(),
  /** Sum of lesson durations in seconds. */
  durationSeconds: Type.Integer(),
})

/** Result of a reorder: the new order and the course's revision. */
export const OrderSchema = Type.Object({
  /** Ids in their new order. */
  ids: Type.Array(Type.String()),
  /** The course revision after the change. */
  courseRevision: Type.Integer(),
})

/** Optional expected revision for workflow actions. */
export const WorkflowBody = Type.Object(
  {
    /** Expected revision: publish exactly the draft you reviewed (or send If-Match). */
    revision: Type.Optional(Revision),
  },
  { additionalProperties: false },
)

/** POST /courses/:courseId/reject. */
export const RejectBody = Type.Object(
  {
    /** Why: shown to the instructors. */
    note: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }),
    /** Expected revision (or send If-Match). */
    revision: Type.Optional(Revision),
  },
  { additionalProperties: false },
)

/** POST /courses/:courseId/instructors and POST /courses/:courseId/owner. */
export const UserBody = Type.Object(
  {
    /** A person of the course's organization. */
    userId: IdString('usr', 'User id'),
  },
  { additionalProperties: false },
)

/** GET /courses/:courseId/instructors. */
export const InstructorsResponse = Type.Object({
  /** Owner first, then co-instructors. */
  items: Type.Array(InstructorSchema),
})

/** A published version, summarized. */
export const VersionSummarySchema = Type.Object({
  /** Version number. */
  version: Type.Integer(),
  /** Title at that version. */
  title: Type.String(),
  /** Lessons in that version. */
  lessonCount: Type.Integer(),
  /** Who published it. */
  publishedBy: Type.String(),
  /** When. */
  publishedAt: Type.String({ format: 'date-time' }),
})

/** GET /courses/:courseId/versions. */
export const VersionsResponse = Type.Object({
  /** Newest first. */
  items: Type.Array(VersionSummarySchema),
})

/** GET /courses/:courseId/versions/:version. */
export const VersionSchema = Type.Object({
  ...VersionSummarySchema.properties,
  /** The immutable snapshot learners of this version study. */
  snapshot: Type.Record(Type.String(), Type.Unknown()),
})
