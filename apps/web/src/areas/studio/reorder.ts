import type { StudioSection } from '../../api/studio.ts'

/**
 * Reorder logic of the course builder, apart from the drag-and-drop library so it can be tested:
 * what order to send to the server after a drag (or a keyboard move), and the optimistic outline
 * shown until the server answers.
 */

/** `ids` with `activeId` moved to where `overId` is; null when nothing moves or an id is unknown. */
export function reorderIds(ids: readonly string[], activeId: string, overId: string | null): string[] | null {
  if (!overId || activeId === overId) return null
  const from = ids.indexOf(activeId)
  const to = ids.indexOf(overId)
  if (from < 0 || to < 0) return null
  const next = ids.slice()
  next.splice(from, 1)
  next.splice(to, 0, activeId)
  return next
}

/** `ids` with the item at `index` moved one place up (-1) or down (+1); null at either end. */
export function moveBy(ids: readonly string[], id: string, delta: -1 | 1): string[] | null {
  const from = ids.indexOf(id)
  if (from < 0) return null
  return reorderIds(ids, id, ids[from + delta] ?? null)
}

/** The outline with its sections in the given order (unknown ids ignored, missing ones kept at the end). */
export function applySectionOrder(
  sections: readonly StudioSection[],
  order: readonly string[],
): StudioSection[] {
  const byId = new Map(sections.map((s) => [s.id, s]))
  const ordered = order.flatMap((id) => byId.get(id) ?? [])
  const rest = sections.filter((s) => !order.includes(s.id))
  return [...ordered, ...rest].map((s, position) => ({ ...s, position }))
}

/** The outline with one section's lessons in the given order. */
export function applyLessonOrder(
  sections: readonly StudioSection[],
  sectionId: string,
  order: readonly string[],
): StudioSection[] {
  return sections.map((s) => {
    if (s.id !== sectionId) return s
    const byId = new Map(s.lessons.map((l) => [l.id, l]))
    const ordered = order.flatMap((id) => byId.get(id) ?? [])
    const rest = s.lessons.filter((l) => !order.includes(l.id))
    return { ...s, lessons: [...ordered, ...rest].map((l, position) => ({ ...l, position })) }
  })
}

/** The outline with a lesson moved to the end of another section. */
export function applyLessonMove(
  sections: readonly StudioSection[],
  lessonId: string,
  toSectionId: string,
): StudioSection[] {
  const lesson = sections.flatMap((s) => s.lessons).find((l) => l.id === lessonId)
  if (!lesson || lesson.sectionId === toSectionId) return sections.slice()
  return sections.map((s) => {
    if (s.id === toSectionId)
      return { ...s, lessons: [...s.lessons, { ...lesson, sectionId: s.id, position: s.lessons.length }] }
    if (s.id === lesson.sectionId)
      return {
        ...s,
        lessons: s.lessons.filter((l) => l.id !== lessonId).map((l, position) => ({ ...l, position })),
      }
    return s
  })
}
