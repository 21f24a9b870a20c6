import { describe, expect, it } from 'vitest'
import type { StudioLesson, StudioSection } from '../../api/studio.ts'
import { applyLessonMove, applyLessonOrder, applySectionOrder, moveBy, reorderIds } from './reorder.ts'

const lesson = (id: string, sectionId: string, position: number): StudioLesson => ({
  id,
  sectionId,
  position,
  type: 'text',
  title: id,
  durationSeconds: 0,
  content: { type: 'text', markdown: '' },
  prerequisiteIds: [],
  isPreview: false,
})
const outline = (): StudioSection[] => [
  {
    id: 's1',
    title: 'One',
    position: 0,
    lessons: [lesson('a', 's1', 0), lesson('b', 's1', 1), lesson('c', 's1', 2)],
  },
  { id: 's2', title: 'Two', position: 1, lessons: [lesson('d', 's2', 0)] },
]

describe('reorderIds', () => {
  it('moves an item down to where it was dropped', () => {
    expect(reorderIds(['a', 'b', 'c', 'd'], 'a', 'c')).toEqual(['b', 'c', 'a', 'd'])
  })
  it('moves an item up to where it was dropped', () => {
    expect(reorderIds(['a', 'b', 'c', 'd'], 'd', 'b')).toEqual(['a', 'd', 'b', 'c'])
  })
  it('is null when dropped on itself, outside any item, or on an unknown id', () => {
    expect(reorderIds(['a', 'b'], 'a', 'a')).toBeNull()
    expect(reorderIds(['a', 'b'], 'a', null)).toBeNull()
    expect(reorderIds(['a', 'b'], 'a', 'zzz')).toBeNull()
    expect(reorderIds(['a', 'b'], 'zzz', 'a')).toBeNull()
  })
  it('keeps every id exactly once (what the server requires)', () => {
    const ids = ['a', 'b', 'c', 'd', 'e']
    for (const from of ids)
      for (const to of ids) {
        const next = reorderIds(ids, from, to) ?? ids
        expect(next.slice().sort()).toEqual(ids)
      }
  })
})

describe('moveBy (keyboard and menu moves)', () => {
  it('moves one place up or down', () => {
    expect(moveBy(['a', 'b', 'c'], 'b', -1)).toEqual(['b', 'a', 'c'])
    expect(moveBy(['a', 'b', 'c'], 'b', 1)).toEqual(['a', 'c', 'b'])
  })
  it('does nothing at either end', () => {
    expect(moveBy(['a', 'b', 'c'], 'a', -1)).toBeNull()
    expect(moveBy(['a', 'b', 'c'], 'c', 1)).toBeNull()
  })
})

describe('optimistic outline', () => {
  it('puts sections in the new order with dense positions', () => {
    const next = applySectionOrder(outline(), ['s2', 's1'])
    expect(next.map((s) => [s.id, s.position])).toEqual([
      ['s2', 0],
      ['s1', 1],
    ])
  })
  it("reorders one section's lessons and leaves the others alone", () => {
    const before = outline()
    const next = applyLessonOrder(before, 's1', ['c', 'a', 'b'])
    expect(next[0]!.lessons.map((l) => [l.id, l.position])).toEqual([
      ['c', 0],
      ['a', 1],
      ['b', 2],
    ])
    expect(next[1]).toBe(before[1])
  })
  it('moves a lesson to the end of another section', () => {
    const next = applyLessonMove(outline(), 'a', 's2')
    expect(next[0]!.lessons.map((l) => [l.id, l.position])).toEqual([
      ['b', 0],
      ['c', 1],
    ])
    expect(next[1]!.lessons.map((l) => [l.id, l.sectionId, l.position])).toEqual([
      ['d', 's2', 0],
      ['a', 's2', 1],
    ])
  })
  it('does not move a lesson to its own section or an unknown lesson', () => {
    expect(applyLessonMove(outline(), 'a', 's1')).toEqual(outline())
    expect(applyLessonMove(outline(), 'nope', 's2')).toEqual(outline())
  })
})
