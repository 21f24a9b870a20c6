import { newId } from '@learnmesh/kernel'
import { createTestService, type TestUser } from '@learnmesh/kernel/testing'
import { loadLearningConfig } from './config.ts'
import { buildApp } from './app.ts'
import { learningService } from './service.ts'
import {
  catalogEntries,
  courseInstructors,
  courses,
  courseVersions,
  enrollments,
  lessons,
  people,
  sections,
} from './db/schema.ts'
import type { CourseSnapshot, LessonContent, LessonType } from './shared/snapshot.ts'

export type { TestUser }

/**
 * Test-only: learning on an in-memory PGlite copied from the migrated template, tokens from a
 * throwaway signer, and factories that put rows straight into the tables (so one feature's tests do not depend on another feature's routes). `logs` collects every log line when given.
 */
export async function createTestLearning(options: { env?: Record<string, string>; logs?: string[] } = {}) {
  const kit = await createTestService({
    service: learningService,
    loadConfig: loadLearningConfig,
    deps: (base) => base,
    buildApp,
    env: options.env,
    logs: options.logs,
  })
  const { database } = kit

  return {
    ...kit,
    /** Registers a person's name (what identity.user.registered would do). */
    async person(u: TestUser, displayName = 'Test Person') {
      await database.db
        .insert(people)
        .values({ userId: u.userId, orgId: u.orgId, displayName, email: `${u.userId}@example.test` })
        .onConflictDoNothing()
    },
    /**
     * A published course (draft rows + version 1 snapshot + catalog entry) owned by `owner`, with
     * `sections` of lessons. Returns ids and the snapshot.
     */
    async publishedCourse(
      owner: TestUser,
      input: {
        title?: string
        priceMinor?: number
        visibility?: 'public' | 'org'
        sections?: {
          title?: string
          lessons: {
            type: LessonType
            title?: string
            durationSeconds?: number
            content?: LessonContent
            prerequisiteIds?: string[]
          }[]
        }[]
      } = {},
    ) {
      const courseId = newId('crs')
      const title = input.title ?? `Course ${courseId.slice(-6)}`
      const sectionDefs = input.sections ?? [
        { lessons: [{ type: 'text' as const }, { type: 'video' as const, durationSeconds: 600 }] },
      ]
      const snapshot: CourseSnapshot = {
        courseId,
        version: 1,
        title,
        subtitle: '',
        description: '',
        level: 'beginner',
        language: 'en',
        categoryId: null,
        tags: [],
        instructorIds: [owner.userId],
        sections: [],
      }
      await database.db.transaction(async (tx) => {
        await tx.insert(courses).values({
          id: courseId,
          orgId: owner.orgId,
          slug: `course-${courseId.slice(-12)}`,
          title,
          ownerId: owner.userId,
          status: 'published',
          publishedVersion: 1,
          hasUnpublishedChanges: false,
          priceMinor: input.priceMinor ?? 0,
          visibility: input.visibility ?? 'public',
        })
        await tx
          .insert(courseInstructors)
          .values({ courseId, userId: owner.userId, orgId: owner.orgId, role: 'owner' })
        let sPos = 0
        for (const s of sectionDefs) {
          const sectionId = newId('sec')
          await tx.insert(sections).values({
            id: sectionId,
            courseId,
            orgId: owner.orgId,
            title: s.title ?? `Section ${sPos + 1}`,
            position: sPos++,
          })
          const snapSection: CourseSnapshot['sections'][number] = {
            id: sectionId,
            title: s.title ?? `Section ${sPos}`,
            lessons: [],
          }
          let lPos = 0
          for (const l of s.lessons) {
            const lessonId = newId('les')
            const content: LessonContent =
              l.content ??
              (l.type === 'video'
                ? {
                    type: 'video',
                    url: 'https://media.example.test/v.mp4',
                    durationSeconds: l.durationSeconds ?? 600,
                    completionThreshold: 0.9,
                  }
                : l.type === 'text'
                  ? { type: 'text', markdown: '# Hello' }
                  : l.type === 'resource'
                    ? {
                        type: 'resource',
                        url: 'https://media.example.test/r.pdf',
                        fileName: 'r.pdf',
                        sizeBytes: 100,
                      }
                    : l.type === 'quiz'
                      ? { type: 'quiz', quizId: newId('quz') }
                      : { type: 'assignment', assignmentId: newId('asg') })
            const row = {
              id: lessonId,
              title: l.title ?? `Lesson ${lPos + 1}`,
              type: l.type,
              durationSeconds: l.durationSeconds ?? 0,
              content,
              prerequisiteIds: l.prerequisiteIds ?? [],
              isPreview: false,
            }
            await tx
              .insert(lessons)
              .values({ ...row, courseId, sectionId, orgId: owner.orgId, position: lPos++ })
            snapSection.lessons.push(row)
          }
          snapshot.sections.push(snapSection)
        }
        await tx
          .insert(courseVersions)
          .values({ courseId, version: 1, orgId: owner.orgId, snapshot, publishedBy: owner.userId })
        await tx.insert(catalogEntries).values({
          courseId,
          orgId: owner.orgId,
          visibility: input.visibility ?? 'public',
          slug: `course-${courseId.slice(-12)}`,
          title,
          subtitle: '',
          description: '',
          tags: [],
          level: 'beginner',
          language: 'en',
          priceMinor: input.priceMinor ?? 0,
          currency: 'USD',
          version: 1,
          publishedAt: new Date(),
        })
      })
      const lessonIds = snapshot.sections.flatMap((s) => s.lessons.map((l) => l.id))
      return { courseId, snapshot, lessonIds }
    },
    /** Enrolls a learner directly (source `grant`), pinned to version 1 unless told otherwise. */
    async enroll(learner: TestUser, courseId: string, extra: Partial<typeof enrollments.$inferInsert> = {}) {
      const id = newId('enr')
      const [row] = await database.db
        .insert(enrollments)
        .values({
          id,
          orgId: learner.orgId,
          courseId,
          userId: learner.userId,
          version: 1,
          source: 'grant',
          ...extra,
        })
        .returning()
      return row!
    },
  }
}

/** What createTestLearning returns. */
export type TestLearning = Awaited<ReturnType<typeof createTestLearning>>
