import { api } from './client.ts'

/** Calls of the instructor studio: learning's authoring, quizzes and assignments (earnings: `earnings.ts`). */

export type CourseLevel = 'beginner' | 'intermediate' | 'advanced' | 'all_levels'
export type LessonType = 'video' | 'text' | 'quiz' | 'assignment' | 'resource'

/** A course as its editors see it (`GET /learning/courses`). */
export interface StudioCourse {
  id: string
  orgId: string
  slug: string
  title: string
  subtitle: string
  description: string
  categoryId: string | null
  tags: string[]
  level: string
  language: string
  priceMinor: number
  currency: string
  visibility: string
  /** draft | in_review | published | archived */
  status: string
  ownerId: string
  /** 0 while never published. */
  publishedVersion: number
  hasUnpublishedChanges: boolean
  review: { pending: boolean; requestedAt: string | null; requestedBy: string | null; note: string | null }
  revision: number
  /** owner | co_instructor | admin */
  myRole: string
  createdAt: string
  updatedAt: string
}

export type LessonContent =
  | { type: 'video'; url: string; durationSeconds: number; completionThreshold?: number }
  | { type: 'text'; markdown: string }
  | { type: 'quiz'; quizId: string }
  | { type: 'assignment'; assignmentId: string }
  | { type: 'resource'; url: string; fileName: string; sizeBytes?: number | null }

export interface StudioLesson {
  id: string
  sectionId: string
  type: LessonType
  title: string
  position: number
  durationSeconds: number
  content: LessonContent
  prerequisiteIds: string[]
  isPreview: boolean
}
export interface StudioSection {
  id: string
  title: string
  position: number
  lessons: StudioLesson[]
}
export interface StudioCourseDetail extends StudioCourse {
  instructors: { userId: string; role: string; displayName: string; addedAt: string }[]
  sections: StudioSection[]
  lessonCount: number
  durationSeconds: number
}
export interface CourseVersion {
  version: number
  title: string
  lessonCount: number
  publishedBy: string
  publishedAt: string
}
export interface Category {
  id: string
  slug: string
  name: string
}

export type QuestionType = 'single_choice' | 'multiple_choice' | 'true_false' | 'numeric' | 'short_text'
export interface Question {
  id: string
  courseId: string
  type: QuestionType
  prompt: string
  options: { id: string; text: string }[]
  answer: unknown
  explanation: string
  points: number
  tags: string[]
  archivedAt: string | null
}
export interface QuestionBody {
  type: QuestionType
  prompt: string
  options?: { id: string; text: string }[]
  answer: unknown
  explanation?: string
  points?: number
}
export interface QuizSettings {
  title: string
  questionIds?: string[]
  shuffleQuestions?: boolean
  shuffleOptions?: boolean
  timeLimitSeconds?: number | null
  maxAttempts?: number | null
  passPercent?: number
}
export interface Quiz {
  id: string
  courseId: string
  title: string
  questionIds: string[]
  drawCount: number | null
  drawTags: string[]
  shuffleQuestions: boolean
  shuffleOptions: boolean
  timeLimitSeconds: number | null
  maxAttempts: number | null
  passPercent: number
  questions: Question[]
}

export interface RubricCriterion {
  id: string
  title: string
  description: string
  maxPoints: number
}
export interface AssignmentBody {
  title: string
  instructions?: string
  dueAt?: string | null
  latePolicy?: 'reject' | 'accept' | 'penalty'
  latePenaltyPercent?: number
  rubric: RubricCriterion[]
  passPoints?: number
  maxSubmissions?: number | null
}
export interface Assignment extends Required<Omit<AssignmentBody, 'dueAt' | 'maxSubmissions'>> {
  id: string
  courseId: string
  dueAt: string | null
  maxSubmissions: number | null
  maxPoints: number
}
export interface Submission {
  id: string
  assignmentId: string
  courseId: string
  userId: string
  attemptNo: number
  text: string
  links: string[]
  submittedAt: string
  late: boolean
  status: 'submitted' | 'graded'
  rubricScores: { criterionId: string; points: number; comment: string }[] | null
  score: number | null
  maxScore: number
  passed: boolean | null
  feedback: string | null
  gradedAt: string | null
  learnerName: string | null
}

/** A submission in the grading queue across courses (`GET /learning/submissions`). */
export interface QueuedSubmission extends Submission {
  courseTitle: string
  assignmentTitle: string
}

interface Page<T> {
  items: T[]
  nextCursor: string | null
}

const c = (id: string) => `/learning/courses/${encodeURIComponent(id)}`

export const studio = {
  courses: (query: { after?: string; review?: 'pending'; status?: string } = {}) =>
    api.request<Page<StudioCourse>>('/learning/courses', { query: { limit: 20, ...query } }),
  createCourse: (body: { title: string; subtitle?: string }) =>
    api.request<StudioCourse>('/learning/courses', { body }),
  course: (id: string) => api.request<StudioCourseDetail>(c(id)),
  updateCourse: (id: string, body: Partial<Omit<StudioCourse, 'id'>>) =>
    api.request<StudioCourse>(c(id), { method: 'PATCH', body }),
  deleteCourse: (id: string) => api.request<void>(c(id), { method: 'DELETE' }),
  categories: () => api.request<{ items: Category[] }>('/learning/categories'),
  versions: (id: string) => api.request<{ items: CourseVersion[] }>(`${c(id)}/versions`),
  /** submit | withdraw | approve | publish | archive | unarchive | reject ({ note }). */
  workflow: (id: string, action: string, body: object = {}) =>
    api.request<StudioCourse>(`${c(id)}/${action}`, { method: 'POST', body }),

  addSection: (id: string, title: string) =>
    api.request<StudioSection>(`${c(id)}/sections`, { body: { title } }),
  renameSection: (id: string, sectionId: string, title: string) =>
    api.request<StudioSection>(`${c(id)}/sections/${sectionId}`, { method: 'PATCH', body: { title } }),
  deleteSection: (id: string, sectionId: string) =>
    api.request<void>(`${c(id)}/sections/${sectionId}`, { method: 'DELETE' }),
  orderSections: (id: string, sectionIds: string[]) =>
    api.request<unknown>(`${c(id)}/sections/order`, { method: 'PUT', body: { sectionIds } }),
  addLesson: (
    id: string,
    sectionId: string,
    body: { type: LessonType; title: string; content: LessonContent; durationSeconds?: number },
  ) => api.request<StudioLesson>(`${c(id)}/sections/${sectionId}/lessons`, { body }),
  updateLesson: (
    id: string,
    lessonId: string,
    body: Partial<
      Pick<StudioLesson, 'title' | 'durationSeconds' | 'content' | 'isPreview' | 'prerequisiteIds'>
    >,
  ) => api.request<StudioLesson>(`${c(id)}/lessons/${lessonId}`, { method: 'PATCH', body }),
  deleteLesson: (id: string, lessonId: string) =>
    api.request<void>(`${c(id)}/lessons/${lessonId}`, { method: 'DELETE' }),
  orderLessons: (id: string, sectionId: string, lessonIds: string[]) =>
    api.request<unknown>(`${c(id)}/sections/${sectionId}/lessons/order`, {
      method: 'PUT',
      body: { lessonIds },
    }),
  moveLesson: (id: string, lessonId: string, sectionId: string) =>
    api.request<unknown>(`${c(id)}/lessons/${lessonId}/move`, { body: { sectionId } }),

  quizzes: (id: string) => api.request<{ items: Quiz[] }>(`${c(id)}/quizzes`),
  quiz: (id: string, quizId: string) => api.request<Quiz>(`${c(id)}/quizzes/${quizId}`),
  createQuiz: (id: string, body: QuizSettings) => api.request<Quiz>(`${c(id)}/quizzes`, { body }),
  updateQuiz: (id: string, quizId: string, body: Partial<QuizSettings>) =>
    api.request<Quiz>(`${c(id)}/quizzes/${quizId}`, { method: 'PATCH', body }),
  createQuestion: (id: string, body: QuestionBody) => api.request<Question>(`${c(id)}/questions`, { body }),
  updateQuestion: (id: string, questionId: string, body: QuestionBody) =>
    api.request<Question>(`${c(id)}/questions/${questionId}`, { method: 'PATCH', body }),

  assignments: (id: string) => api.request<{ items: Assignment[] }>(`${c(id)}/assignments`),
  createAssignment: (id: string, body: AssignmentBody) =>
    api.request<Assignment>(`${c(id)}/assignments`, { body }),
  updateAssignment: (assignmentId: string, body: Partial<AssignmentBody>) =>
    api.request<Assignment>(`/learning/assignments/${assignmentId}`, { method: 'PATCH', body }),
  assignment: (assignmentId: string) => api.request<Assignment>(`/learning/assignments/${assignmentId}`),
  /** My grading queue: submissions of every course I own or co-teach, oldest first. */
  gradingQueue: (query: { status?: 'submitted' | 'graded'; cursor?: string; limit?: number } = {}) =>
    api.request<Page<QueuedSubmission>>('/learning/submissions', { query: { limit: 20, ...query } }),
  submissions: (assignmentId: string, query: { status?: 'submitted' | 'graded'; cursor?: string } = {}) =>
    api.request<Page<Submission>>(`/learning/assignments/${assignmentId}/submissions`, {
      query: { limit: 50, ...query },
    }),
  grade: (
    submissionId: string,
    body: { scores: { criterionId: string; points: number; comment?: string }[]; feedback?: string },
  ) => api.request<Submission>(`/learning/submissions/${submissionId}/grade`, { method: 'PUT', body }),
}
