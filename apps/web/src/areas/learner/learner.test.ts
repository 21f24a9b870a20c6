import { describe, expect, it } from 'vitest'
import type { Enrollment, LearnCourse, LessonState } from '../../api/learner.ts'
import { parseLinks } from './AssignmentLesson.tsx'
import { continueHref, notStarted } from './MyLearningPage.tsx'
import { startLesson } from './PlayerPage.tsx'

const lesson = (id: string, over: Partial<LessonState> = {}): LessonState => ({
  id,
  title: id,
  type: 'text',
  durationSeconds: 60,
  completed: false,
  completedAt: null,
  positionSeconds: 0,
  maxPositionSeconds: 0,
  locked: false,
  missingPrerequisiteIds: [],
  ...over,
})
const course = (lessons: LessonState[], resume: LearnCourse['resume'] = null): LearnCourse => ({
  courseId: 'crs_1',
  enrollmentId: 'enr_1',
  version: 1,
  title: 'C',
  progressPercent: 0,
  completedAt: null,
  resume,
  sections: [{ id: 'sec_1', title: 'S', lessons }],
})

describe('startLesson', () => {
  it('opens the resume point when it is a lesson of the version', () => {
    expect(startLesson(course([lesson('a'), lesson('b')], { lessonId: 'b', positionSeconds: 3 }))).toBe('b')
  })
  it('otherwise the first unlocked lesson not completed, else the first', () => {
    expect(
      startLesson(course([lesson('a', { completed: true }), lesson('b', { locked: true }), lesson('c')])),
    ).toBe('c')
    expect(
      startLesson(course([lesson('a', { completed: true })], { lessonId: 'gone', positionSeconds: 0 })),
    ).toBe('a')
    expect(startLesson(course([]))).toBeUndefined()
  })
})

describe('continueHref', () => {
  it('goes to the resume lesson, or the course', () => {
    const e = { courseId: 'crs_1', resume: { lessonId: 'les_2', positionSeconds: 4, at: null } } as Enrollment
    expect(continueHref(e)).toBe('/learn/crs_1/les_2')
    expect(continueHref({ ...e, resume: null })).toBe('/learn/crs_1')
  })
})

describe('notStarted', () => {
  const e = { status: 'active', progressPercent: 0, resume: null } as Enrollment
  it('is an active enrollment with no progress and no lesson opened', () => {
    expect(notStarted(e)).toBe(true)
  })
  it('is not once a lesson was opened, progress was made, or the enrollment is not active', () => {
    expect(notStarted({ ...e, resume: { lessonId: 'les_1', positionSeconds: 0, at: null } })).toBe(false)
    expect(notStarted({ ...e, progressPercent: 10 })).toBe(false)
    expect(notStarted({ ...e, status: 'upcoming' })).toBe(false)
  })
})

describe('parseLinks', () => {
  it('splits on lines, spaces and commas and drops blanks', () => {
    expect(parseLinks('https://a.dev/x\n\n https://b.dev, https://c.dev ')).toEqual([
      'https://a.dev/x',
      'https://b.dev',
      'https://c.dev',
    ])
    expect(parseLinks('  ')).toEqual([])
  })
})
