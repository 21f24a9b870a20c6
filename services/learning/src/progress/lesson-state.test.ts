import { describe, expect, it } from 'vitest'
import type { CourseSnapshot, SnapshotLesson } from '../shared/snapshot.ts'
import { completionPoint, missingPrerequisites, positionAllowed } from './lesson-state.ts'

const lesson = (id: string, prerequisiteIds: string[] = []): SnapshotLesson => ({
  id,
  title: id,
  type: 'text',
  durationSeconds: 0,
  content: { type: 'text', markdown: '' },
  prerequisiteIds,
  isPreview: false,
})
const snapshot = (lessons: SnapshotLesson[]): CourseSnapshot => ({
  courseId: 'crs_x',
  version: 1,
  title: 't',
  subtitle: '',
  description: '',
  level: 'beginner',
  language: 'en',
  categoryId: null,
  tags: [],
  instructorIds: [],
  sections: [{ id: 'sec_1', title: 's', lessons }],
})

describe('missingPrerequisites', () => {
  const a = lesson('a')
  const b = lesson('b')
  const c = lesson('c', ['a', 'b', 'gone'])
  const snap = snapshot([a, b, c])
  it('lists prerequisites not completed, in order', () => {
    expect(missingPrerequisites(snap, c, new Set())).toEqual(['a', 'b'])
    expect(missingPrerequisites(snap, c, new Set(['a']))).toEqual(['b'])
  })
  it('ignores prerequisite ids that are not lessons of the version', () => {
    expect(missingPrerequisites(snap, c, new Set(['a', 'b']))).toEqual([])
  })
  it('is empty for a lesson without prerequisites', () => {
    expect(missingPrerequisites(snap, a, new Set())).toEqual([])
  })
})

describe('completionPoint', () => {
  it('is threshold × duration rounded up', () => {
    expect(completionPoint({ durationSeconds: 601, completionThreshold: 0.9 }, 0.5)).toBe(541)
  })
  it('falls back to the default threshold when the content has none or a bad one', () => {
    expect(completionPoint({ durationSeconds: 100 }, 0.8)).toBe(80)
    expect(completionPoint({ durationSeconds: 100, completionThreshold: 7 }, 0.8)).toBe(80)
  })
})

describe('positionAllowed', () => {
  it('accepts 0 to the length plus slack and rejects the rest', () => {
    expect(positionAllowed(0, 600)).toBe(true)
    expect(positionAllowed(610, 600)).toBe(true)
    expect(positionAllowed(700, 600)).toBe(false)
    expect(positionAllowed(-1, 600)).toBe(false)
    expect(positionAllowed(Number.NaN, 600)).toBe(false)
  })
})
