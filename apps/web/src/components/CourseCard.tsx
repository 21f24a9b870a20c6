import { Badge, Card, Group, Stack, Text, Title } from '@mantine/core'
import { Link } from 'react-router'
import { formatDuration, type CourseSummary } from '../api/endpoints.ts'
import { formatPrice } from '../lib/money.ts'
import { count } from '../lib/text.ts'

export function CourseCard({ course }: { course: CourseSummary }) {
  return (
    <Card withBorder padding="md" radius="md" component="article" h="100%">
      <Stack gap={6}>
        <Title order={3} size="h5">
          <Link to={`/courses/${course.slug}`}>{course.title}</Link>
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
