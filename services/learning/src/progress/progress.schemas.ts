import { Type, IdString } from '@learnmesh/kernel'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/** Path with a course id. */
export const LearnCourseParams = Type.Object(
  {
    /** Course id (`crs_...`). */
    courseId: IdString('crs', 'Course id'),
  },
  { additionalProperties: false },
)

/** Path with a course and a lesson. */
export const LearnLessonParams = Type.Object(
  {
    /** Course id. */
    courseId: IdString('crs', 'Course id'),
    /** Lesson id (`les_...`). */
    lessonId: IdString('les', 'Lesson id'),
  },
  { additionalProperties: false },
)

/** A lesson in the learner's outline, with their state. */
export const OutlineLessonSchema = Type.Object({
  /** Lesson id. */
  id: Type.String(),
  /** Title. */
  title: Type.String(),
  /** video | text | quiz | assignment | resource */
  type: Type.String(),
  /** Expected duration in seconds. */
  durationSeconds: Type.Integer(),
  /** True once completed. */
  completed: Type.Boolean(),
  /** When it was completed. */
  completedAt: Nullable(Type.String({ format: 'date-time' })),
  /** Last video position (0 otherwise). */
  positionSeconds: Type.Integer(),
  /** Furthest video position reached. */
  maxPositionSeconds: Type.Integer(),
  /** True while prerequisites are missing. */
  locked: Type.Boolean(),
  /** Prerequisite lessons not completed yet. */
  missingPrerequisiteIds: Type.Array(Type.String()),
})

/** GET /learn/courses/:courseId. */
export const OutlineSchema = Type.Object({
  /** Course id. */
  courseId: Type.String(),
  /** The learner's enrollment. */
  enrollmentId: Type.String(),
  /** The version studied. */
  version: Type.Integer(),
  /** Course title (of that version). */
  title: Type.String(),
  /** Course completion 0–100. */
  progressPercent: Type.Integer(),
  /** When every lesson was complete. */
  completedAt: Nullable(Type.String({ format: 'date-time' })),
  /** Where to pick up. */
  resume: Nullable(
    Type.Object({
      /** Lesson id. */
      lessonId: Type.String(),
      /** Video position there (0 for other lessons). */
      positionSeconds: Type.Integer(),
    }),
  ),
  /** Sections in order. */
  sections: Type.Array(
    Type.Object({
      /** Section id. */
      id: Type.String(),
      /** Title. */
      title: Type.String(),
      /** Lessons in order. */
      lessons: Type.Array(OutlineLessonSchema),
    }),
  ),
})

const VideoContentSchema = Type.Object({
  type: Type.Literal('video'),
  /** Playback URL. */
  url: Type.String(),
  /** Length in seconds. */
  durationSeconds: Type.Number(),
  /** Share to watch for completion. */
  completionThreshold: Type.Number(),
})
const TextContentSchema = Type.Object({ type: Type.Literal('text'), markdown: Type.String() })
const QuizContentSchema = Type.Object({ type: Type.Literal('quiz'), quizId: Type.String() })
const AssignmentContentSchema = Type.Object({
  type: Type.Literal('assignment'),
  assignmentId: Type.String(),
})
const ResourceContentSchema = Type.Object({
  type: Type.Literal('resource'),
  url: Type.String(),
  fileName: Type.String(),
  sizeBytes: Nullable(Type.Integer()),
})

/** GET /learn/courses/:courseId/lessons/:lessonId. */
export const LessonSchema = Type.Object({
  /** Lesson id. */
  id: Type.String(),
  /** Title. */
  title: Type.String(),
  /** video | text | quiz | assignment | resource */
  type: Type.String(),
  /** Expected duration in seconds. */
  durationSeconds: Type.Integer(),
  /** The content; quiz and assignment lessons carry only the quiz or assignment id. */
  content: Type.Union([
    VideoContentSchema,
    TextContentSchema,
    QuizContentSchema,
    AssignmentContentSchema,
    ResourceContentSchema,
  ]),
  /** True once completed. */
  completed: Type.Boolean(),
  /** Last video position (0 otherwise). */
  positionSeconds: Type.Integer(),
})

/** POST .../complete. */
export const CompletionSchema = Type.Object({
  /** The lesson. */
  lessonId: Type.String(),
  /** False when it was already complete (nothing changed). */
  changed: Type.Boolean(),
  /** Course completion 0–100 after this. */
  progressPercent: Type.Integer(),
  /** True when this finished the course. */
  courseCompleted: Type.Boolean(),
})

/** POST /progress/heartbeats. */
export const HeartbeatBody = Type.Object(
  {
    /** The course. */
    courseId: IdString('crs', 'Course id'),
    /** A video lesson of the enrolled version. */
    lessonId: IdString('les', 'Lesson id'),
    /** Current playback position in seconds (0 to the video's length). */
    positionSeconds: Type.Number({ minimum: 0, maximum: 604_800 }),
  },
  { additionalProperties: false },
)

/** 202 answer to a heartbeat. */
export const HeartbeatAccepted = Type.Object({
  /** Buffered; written within HEARTBEAT_FLUSH_MS. */
  accepted: Type.Literal(true),
})
