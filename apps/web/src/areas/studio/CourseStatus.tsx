import { Badge, Group } from '@mantine/core'
import type { StudioCourse } from '../../api/studio.ts'

const COLORS: Record<string, string> = {
  draft: 'gray',
  in_review: 'yellow',
  published: 'green',
  archived: 'dark',
}
const LABELS: Record<string, string> = {
  draft: 'Draft',
  in_review: 'In review',
  published: 'Published',
  archived: 'Archived',
}

/** A course's status, published version and pending work as badges. */
export function CourseStatus({ course }: { course: StudioCourse }) {
  return (
    <Group gap={6} wrap="wrap">
      <Badge color={COLORS[course.status] ?? 'gray'} variant="dot">
        {LABELS[course.status] ?? course.status}
      </Badge>
      {course.publishedVersion > 0 && (
        <Badge color="blue" variant="dot">
          v{course.publishedVersion}
        </Badge>
      )}
      {course.review.pending && course.status !== 'in_review' && (
        <Badge color="yellow" variant="dot">
          New version in review
        </Badge>
      )}
      {course.publishedVersion > 0 && course.hasUnpublishedChanges && !course.review.pending && (
        <Badge color="orange" variant="dot">
          Unpublished changes
        </Badge>
      )}
    </Group>
  )
}
