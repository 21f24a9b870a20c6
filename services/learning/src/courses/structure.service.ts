import { AppError, newId, type Principal, type Tx } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'
import type { LessonContent, LessonType } from '../shared/snapshot.ts'
import type { CourseRow, CoursesRepository, LessonRow, SectionRow } from './courses.repository.ts'
import type { DraftAccess } from './draft.ts'
import { hasCycleFrom, isPermutation } from './normalize.ts'

/** Most sections a course may have. */
export const MAX_SECTIONS = 200
/** Most lessons a course may have. */
export const MAX_LESSONS = 1000

/** Lesson content as a client sends it (optional fields may be missing). */
export type LessonContentInput =
  | { type: 'video'; url: string; durationSeconds: number; completionThreshold?: number }
  | { type: 'text'; markdown: string }
  | { type: 'quiz'; quizId: string }
  | { type: 'assignment'; assignmentId: string }
  | { type: 'resource'; url: string; fileName: string; sizeBytes?: number | null }

/** POST lesson input. */
export interface CreateLessonInput {
  type: LessonType
  title: string
  durationSeconds?: number
  content: LessonContentInput
  prerequisiteIds?: string[]
  isPreview?: boolean
}

/** PATCH lesson input. */
export interface UpdateLessonInput {
  title?: string
  durationSeconds?: number
  content?: LessonContentInput
  prerequisiteIds?: string[]
  isPreview?: boolean
}

/** A change's value with the course row after it. */
export interface Changed<T> {
  value: T
  course: CourseRow
}

/**
 * Sections and lessons of a draft: create, rename/update, delete, reorder, move, prerequisites.
 * Every change goes through the draft gate, so it bumps the course revision and marks unpublished
 * changes; a rejected change leaves everything as it was.
 */
export function createStructureService(
  deps: LearningDeps,
  shared: { repo: CoursesRepository; access: DraftAccess },
) {
  const { config } = deps
  const { repo, access } = shared

  /** Content as stored: defaults filled in; quiz/assignment references checked (422). */
  async function normalizeContent(
    tx: Tx,
    course: CourseRow,
    input: LessonContentInput,
  ): Promise<LessonContent> {
    switch (input.type) {
      case 'video':
        return {
          type: 'video',
          url: input.url,
          durationSeconds: input.durationSeconds,
          completionThreshold: input.completionThreshold ?? config.VIDEO_COMPLETION_THRESHOLD,
        }
      case 'text':
        return { type: 'text', markdown: input.markdown }
      case 'quiz':
        if (!(await repo.quizExists(tx, course.orgId, course.id, input.quizId)))
          throw new AppError('unprocessable', 'The quiz does not exist in this course')
        return { type: 'quiz', quizId: input.quizId }
      case 'assignment':
        if (!(await repo.assignmentExists(tx, course.orgId, course.id, input.assignmentId)))
          throw new AppError('unprocessable', 'The assignment does not exist in this course')
        return { type: 'assignment', assignmentId: input.assignmentId }
      case 'resource':
        return {
          type: 'resource',
          url: input.url,
          fileName: input.fileName,
          sizeBytes: input.sizeBytes ?? null,
        }
      default: {
        const never: never = input
        throw new AppError('bad_request', `Unknown lesson type ${String((never as { type: unknown }).type)}`)
      }
    }
  }

  /**
   * Checks a lesson's prerequisites: lessons of the same course, not itself, and no cycle once
   * set (400 otherwise).
   */
  async function checkPrerequisites(
    tx: Tx,
    courseId: string,
    lessonId: string,
    ids: string[],
  ): Promise<void> {
    if (ids.includes(lessonId)) throw new AppError('bad_request', 'A lesson cannot be its own prerequisite')
    const graph = await repo.prerequisiteGraph(tx, courseId)
    const unknown = ids.filter((id) => !graph.has(id))
    if (unknown.length > 0)
      throw new AppError('bad_request', `Prerequisites must be lessons of this course: ${unknown.join(', ')}`)
    graph.set(lessonId, ids)
    if (hasCycleFrom(graph, lessonId))
      throw new AppError('bad_request', 'These prerequisites would make a cycle')
  }

  async function sectionOf(tx: Tx, courseId: string, sectionId: string): Promise<SectionRow> {
    const section = await repo.findSection(tx, courseId, sectionId)
    if (!section) throw new AppError('not_found', 'Section not found')
    return section
  }

  async function lessonOf(tx: Tx, courseId: string, lessonId: string): Promise<LessonRow> {
    const lesson = await repo.findLesson(tx, courseId, lessonId)
    if (!lesson) throw new AppError('not_found', 'Lesson not found')
    return lesson
  }

  const draft = { draft: true }

  return {
    /** Adds a section at the end. */
    async createSection(
      principal: Principal,
      courseId: string,
      title: string,
      expected: number | undefined,
    ): Promise<Changed<{ section: SectionRow; lessons: LessonRow[] }>> {
      return access.change(principal, courseId, expected, draft, async (tx, e) => {
        const position = await repo.nextSectionPosition(tx, courseId)
        if (position >= MAX_SECTIONS)
          throw new AppError('unprocessable', `A course has at most ${MAX_SECTIONS} sections`)
        const section = await repo.insertSection(tx, {
          id: newId('sec'),
          courseId,
          orgId: e.course.orgId,
          title: title.trim(),
          position,
        })
        return { value: { section, lessons: [] } }
      })
    },

    /** Renames a section. */
    async renameSection(
      principal: Principal,
      courseId: string,
      sectionId: string,
      title: string,
      expected: number | undefined,
    ): Promise<Changed<{ section: SectionRow; lessons: LessonRow[] }>> {
      return access.change(principal, courseId, expected, draft, async (tx) => {
        await sectionOf(tx, courseId, sectionId)
        const section = await repo.renameSection(tx, sectionId, title.trim())
        const lessons = await repo.listLessons(tx, courseId)
        return { value: { section, lessons: lessons.filter((l) => l.sectionId === sectionId) } }
      })
    },

    /** Deletes a section with its lessons (and drops them from other lessons' prerequisites). */
    async deleteSection(
      principal: Principal,
      courseId: string,
      sectionId: string,
      expected: number | undefined,
    ): Promise<Changed<null>> {
      return access.change(principal, courseId, expected, draft, async (tx) => {
        await sectionOf(tx, courseId, sectionId)
        const gone = await repo.deleteSection(tx, sectionId)
        await repo.dropPrerequisites(tx, courseId, gone)
        await repo.compactSections(tx, courseId)
        return { value: null }
      })
    },

    /** Reorders sections: `ids` must be exactly the course's sections (400 otherwise). */
    async reorderSections(
      principal: Principal,
      courseId: string,
      ids: string[],
      expected: number | undefined,
    ): Promise<Changed<string[]>> {
      return access.change(principal, courseId, expected, draft, async (tx) => {
        const current = (await repo.listSections(tx, courseId)).map((s) => s.id)
        if (!isPermutation(ids, current))
          throw new AppError('bad_request', 'sectionIds must list every section of the course exactly once')
        await repo.setSectionOrder(tx, courseId, ids)
        return { value: ids }
      })
    },

    /** Adds a lesson at the end of a section. */
    async createLesson(
      principal: Principal,
      courseId: string,
      sectionId: string,
      input: CreateLessonInput,
      expected: number | undefined,
    ): Promise<Changed<LessonRow>> {
      if (input.type !== input.content.type)
        throw new AppError('bad_request', `content.type must be '${input.type}' for a ${input.type} lesson`)
      return access.change(principal, courseId, expected, draft, async (tx, e) => {
        await sectionOf(tx, courseId, sectionId)
        const graph = await repo.prerequisiteGraph(tx, courseId)
        if (graph.size >= MAX_LESSONS)
          throw new AppError('unprocessable', `A course has at most ${MAX_LESSONS} lessons`)
        const id = newId('les')
        const prerequisiteIds = input.prerequisiteIds ?? []
        await checkPrerequisites(tx, courseId, id, prerequisiteIds)
        const content = await normalizeContent(tx, e.course, input.content)
        const position = (await repo.lessonIdsOf(tx, sectionId)).length
        const lesson = await repo.insertLesson(tx, {
          id,
          courseId,
          sectionId,
          orgId: e.course.orgId,
          type: input.type,
          title: input.title.trim(),
          position,
          durationSeconds: input.durationSeconds ?? (content.type === 'video' ? content.durationSeconds : 0),
          content,
          prerequisiteIds,
          isPreview: input.isPreview ?? false,
        })
        return { value: lesson }
      })
    },

    /** Updates a lesson (its type cannot change). */
    async updateLesson(
      principal: Principal,
      courseId: string,
      lessonId: string,
      input: UpdateLessonInput,
      expected: number | undefined,
    ): Promise<Changed<LessonRow>> {
      if (Object.keys(input).length === 0) throw new AppError('bad_request', 'Nothing to change')
      return access.change(principal, courseId, expected, draft, async (tx, e) => {
        const lesson = await lessonOf(tx, courseId, lessonId)
        const set: Partial<LessonRow> = {}
        if (input.title !== undefined) set.title = input.title.trim()
        if (input.isPreview !== undefined) set.isPreview = input.isPreview
        if (input.durationSeconds !== undefined) set.durationSeconds = input.durationSeconds
        if (input.content !== undefined) {
          if (input.content.type !== lesson.type)
            throw new AppError(
              'bad_request',
              `A ${lesson.type} lesson's type cannot change; create a ${input.content.type} lesson instead`,
            )
          set.content = await normalizeContent(tx, e.course, input.content)
          if (set.content.type === 'video' && input.durationSeconds === undefined)
            set.durationSeconds = set.content.durationSeconds
        }
        if (input.prerequisiteIds !== undefined) {
          await checkPrerequisites(tx, courseId, lessonId, input.prerequisiteIds)
          set.prerequisiteIds = input.prerequisiteIds
        }
        return { value: await repo.updateLesson(tx, lessonId, set) }
      })
    },

    /** Deletes a lesson (and drops it from other lessons' prerequisites). */
    async deleteLesson(
      principal: Principal,
      courseId: string,
      lessonId: string,
      expected: number | undefined,
    ): Promise<Changed<null>> {
      return access.change(principal, courseId, expected, draft, async (tx) => {
        const lesson = await lessonOf(tx, courseId, lessonId)
        await repo.deleteLesson(tx, lessonId)
        await repo.dropPrerequisites(tx, courseId, [lessonId])
        await repo.compactLessons(tx, lesson.sectionId)
        return { value: null }
      })
    },

    /** Reorders a section's lessons: `ids` must be exactly its lessons (400 otherwise). */
    async reorderLessons(
      principal: Principal,
      courseId: string,
      sectionId: string,
      ids: string[],
      expected: number | undefined,
    ): Promise<Changed<string[]>> {
      return access.change(principal, courseId, expected, draft, async (tx) => {
        await sectionOf(tx, courseId, sectionId)
        const current = await repo.lessonIdsOf(tx, sectionId)
        if (!isPermutation(ids, current))
          throw new AppError('bad_request', 'lessonIds must list every lesson of the section exactly once')
        await repo.setLessonOrder(tx, sectionId, ids)
        return { value: ids }
      })
    },

    /** Moves a lesson to a position (default: the end) of a section of the same course. */
    async moveLesson(
      principal: Principal,
      courseId: string,
      lessonId: string,
      target: { sectionId: string; position?: number },
      expected: number | undefined,
    ): Promise<Changed<LessonRow>> {
      return access.change(principal, courseId, expected, draft, async (tx) => {
        const lesson = await lessonOf(tx, courseId, lessonId)
        await sectionOf(tx, courseId, target.sectionId)
        const ids = (await repo.lessonIdsOf(tx, target.sectionId)).filter((id) => id !== lessonId)
        const position = target.position ?? ids.length
        if (position > ids.length)
          throw new AppError('bad_request', `position must be between 0 and ${ids.length}`)
        ids.splice(position, 0, lessonId)
        await repo.setLessonOrder(tx, target.sectionId, ids)
        if (lesson.sectionId !== target.sectionId) await repo.compactLessons(tx, lesson.sectionId)
        return { value: (await repo.findLesson(tx, courseId, lessonId))! }
      })
    },
  }
}

/** The structure service. */
export type StructureService = ReturnType<typeof createStructureService>
