import { Anchor, Badge, Card, Group, Stack, Text, Title, type TitleOrder } from '@mantine/core'
import { Link } from 'react-router'
import { formatDuration, type CourseSummary } from '../api/endpoints.ts'
import { formatPrice } from '../lib/money.ts'
import { count } from '../lib/text.ts'

/**
 * A course in a list: title (the link), subtitle, instructors, level, length, price, rating. The title is a
 * heading one level below the list's own: `headingOrder` 3 under a section's h2 (home), 2 straight under
 * the page's h1 (catalog), so the outline never skips a level; it always looks the same (h5 size).
 */
export function CourseCard({
  course,
  headingOrder = 3,
}: {
  course: CourseSummary
  headingOrder?: TitleOrder
}) {
  return (
    <Card withBorder padding="md" radius="md" component="article" h="100%">
      <Stack gap={6}>
        <Title order={headingOrder} size="h5">
          <Anchor component={Link} to={`/courses/${course.slug}`} inherit>
            {course.title}
          </Anchor>
        </Title>
        {course.subtitle && (
          <Text size="sm" c="dimmed" lineClamp={2}>
            {course.subtitle}
          </Text>
        )}
        <Text size="xs">{course.instructorNames.join(', ')}</Text>
        <Group gap={6}>
          <Badge variant="light">{course.level.replace('_', ' ')}</Badge>
          {course.category && <Badge variant="outline">{course.category.name}</Badge>}
          <Text size="xs" c="dimmed">
            {count(course.lessonCount, 'lesson')} · {formatDuration(course.durationSeconds)}
          </Text>
        </Group>
        <Group justify="space-between">
          <Text fw={700}>{formatPrice(course.price)}</Text>
          <Text size="xs" c="dimmed">
            {course.ratingCount > 0
              ? `★ ${course.rating.toFixed(1)} (${course.ratingCount})`
              : 'No ratings yet'}
          </Text>
        </Group>
      </Stack>
    </Card>
  )
}
