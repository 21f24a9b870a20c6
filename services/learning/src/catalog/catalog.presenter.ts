import type { Static } from '@learnmesh/kernel'
import type { CourseSnapshot, SnapshotLesson } from '../shared/snapshot.ts'
import type { CatalogListRow, CatalogPageRow, CatalogRow } from './catalog.repository.ts'
import type { CatalogItemSchema, CoursePageSchema, OutlineLessonSchema } from './catalog.schemas.ts'

const iso = (value: Date | string): string => new Date(value).toISOString()

function presentFields(r: CatalogRow) {
  return {
    id: r.course_id,
    slug: r.slug,
    title: r.title,
    subtitle: r.subtitle,
    category: r.category_slug ? { slug: r.category_slug, name: r.category_name ?? r.category_slug } : null,
    tags: r.tags,
    level: r.level,
    language: r.language,
    price: { amountMinor: r.price_minor, currency: r.currency },
    rating: Math.round(Number(r.rating) * 100) / 100,
    ratingCount: r.rating_count,
    enrollmentCount: r.enrollment_count,
    instructorNames: r.instructor_names,
    lessonCount: r.lesson_count,
    durationSeconds: r.duration_seconds,
    publishedAt: iso(r.published_at),
  }
}

/** A search result row → its public shape. */
export function presentCatalogItem(r: CatalogListRow): Static<typeof CatalogItemSchema> {
  return { ...presentFields(r), ...(r.highlight ? { highlight: r.highlight } : {}) }
}

/** Only what a visitor may see of a lesson: preview content for preview lessons, never quiz or assignment ids. */
function presentLesson(l: SnapshotLesson): Static<typeof OutlineLessonSchema> {
  const base = {
    id: l.id,
    title: l.title,
    type: l.type,
    durationSeconds: l.durationSeconds,
    isPreview: l.isPreview,
  }
  if (!l.isPreview) return base
  const c = l.content
  switch (c.type) {
    case 'video':
      return { ...base, content: { type: 'video', url: c.url, durationSeconds: c.durationSeconds } }
    case 'text':
      return { ...base, content: { type: 'text', markdown: c.markdown } }
    case 'resource':
      return {
        ...base,
        content: { type: 'resource', url: c.url, fileName: c.fileName, sizeBytes: c.sizeBytes },
      }
    case 'quiz':
    case 'assignment':
      return base
  }
}

/** A course page: the catalog fields, the description and the published outline. */
export function presentCoursePage(
  r: CatalogPageRow,
  snapshot: CourseSnapshot,
): Static<typeof CoursePageSchema> {
  return {
    ...presentFields(r),
    description: r.description,
    version: r.version,
    outline: snapshot.sections.map((s) => ({
      id: s.id,
      title: s.title,
      lessons: s.lessons.map(presentLesson),
    })),
  }
}
