import { Accordion, Alert, Badge, Card, Grid, Group, List, Stack, Text, Title } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { useParams } from 'react-router'
import { commerce, formatDuration, learning, type CourseDetail } from '../api/endpoints.ts'
import { formatPrice } from '../lib/money.ts'
import { count } from '../lib/text.ts'
import { ApiError } from '../api/problem.ts'
import { useSession } from '../api/session.tsx'
import { ErrorState, Loading } from '../components/states.tsx'
import { CourseActions } from '../areas/learner/CourseActions.tsx'
import NotFoundPage from './NotFoundPage.tsx'

/**
 * The price commerce sells the course at (its product ref is the course id); the catalog's list price otherwise.
 * Visitors get the list price: commerce's lookup needs the course's organization, which the catalog does not
 * give, so for them it could only fail (400) and would label every price as not loaded.
 */
function PriceCard({ course }: { course: CourseDetail }) {
  const { signedIn } = useSession()
  const price = useQuery({
    queryKey: ['price', course.id],
    queryFn: () => commerce.coursePrice(course.id),
    enabled: signedIn,
  })
  const pending = signedIn && price.isPending
  const active = price.data?.prices.find((p) => p.active && !p.interval)
  return (
    <Card withBorder padding="lg" component="section" aria-label="Price">
      <Stack gap="xs">
        {pending ? (
          <Loading label="Loading price…" />
        ) : active ? (
          <Text size="xl" fw={800}>
            {formatPrice({ amountMinor: active.unitAmountMinor, currency: active.currency })}
          </Text>
        ) : (
          <>
            <Text size="xl" fw={800}>
              {formatPrice(course.price)}
            </Text>
            {price.isError && !(price.error instanceof ApiError && price.error.status === 404) && (
              <Text size="xs" c="dimmed">
                List price; the current price could not be loaded.
              </Text>
            )}
          </>
        )}
        <Text size="sm" c="dimmed">
          {count(course.lessonCount, 'lesson')} · {formatDuration(course.durationSeconds)} ·{' '}
          {course.language.toUpperCase()}
        </Text>
        {!pending && <CourseActions course={course} priceId={active?.id} />}
      </Stack>
    </Card>
  )
}

export default function CoursePage() {
  const { slug = '' } = useParams()
  const course = useQuery({ queryKey: ['course', slug], queryFn: () => learning.course(slug) })
  if (course.isPending) return <Loading label="Loading course…" />
  if (course.isError) {
    if (course.error instanceof ApiError && (course.error.status === 404 || course.error.status === 400)) {
      return <NotFoundPage />
    }
    return <ErrorState error={course.error} retry={() => void course.refetch()} />
  }
  const c = course.data
  return (
    <Grid gap="xl">
      <Grid.Col span={{ base: 12, md: 8 }}>
        <Stack gap="lg">
          <Stack gap={6}>
            <Title order={1}>{c.title}</Title>
            {c.subtitle && <Text size="lg">{c.subtitle}</Text>}
            <Group gap={6}>
              <Badge variant="light">{c.level.replace('_', ' ')}</Badge>
              {c.category && <Badge variant="outline">{c.category.name}</Badge>}
              {c.tags.map((t) => (
                <Badge key={t} variant="dot">
                  {t}
                </Badge>
              ))}
            </Group>
            <Text size="sm" c="dimmed">
              {c.ratingCount > 0 ? `★ ${c.rating.toFixed(1)} (${count(c.ratingCount, 'rating')}) · ` : ''}
              {count(c.enrollmentCount, 'learner')}
            </Text>
          </Stack>
          {c.description && (
            <Stack gap={4} component="section" aria-labelledby="about">
              <Title order={2} id="about" size="h3">
                About this course
              </Title>
              <Text style={{ whiteSpace: 'pre-line' }}>{c.description}</Text>
            </Stack>
          )}
          <Stack gap={4} component="section" aria-labelledby="syllabus">
            <Title order={2} id="syllabus" size="h3">
              Syllabus
            </Title>
            {c.outline.length === 0 ? (
              <Text c="dimmed">The syllabus is not published yet.</Text>
            ) : (
              <Accordion multiple variant="separated" defaultValue={c.outline[0] ? [c.outline[0].id] : []}>
                {c.outline.map((section) => (
                  <Accordion.Item key={section.id} value={section.id}>
                    <Accordion.Control>
                      {section.title} ({count(section.lessons.length, 'lesson')})
                    </Accordion.Control>
                    <Accordion.Panel>
                      <List spacing={4}>
                        {section.lessons.map((lesson) => (
                          <List.Item key={lesson.id}>
                            {lesson.title}{' '}
                            <Text span size="xs" c="dimmed">
                              {lesson.type}
                              {lesson.durationSeconds > 0
                                ? ` · ${formatDuration(lesson.durationSeconds)}`
                                : ''}
                              {lesson.isPreview ? ' · preview' : ''}
                            </Text>
                          </List.Item>
                        ))}
                      </List>
                    </Accordion.Panel>
                  </Accordion.Item>
                ))}
              </Accordion>
            )}
          </Stack>
          <Stack gap={4} component="section" aria-labelledby="instructors">
            <Title order={2} id="instructors" size="h3">
              Instructors
            </Title>
            <Text>{c.instructorNames.join(', ') || 'Not listed'}</Text>
          </Stack>
          <Stack gap={4} component="section" aria-labelledby="reviews">
            <Title order={2} id="reviews" size="h3">
              Reviews
            </Title>
            <Alert color="gray" title="Reviews are coming soon">
              Written reviews arrive with the community features; star ratings come from learners who finished
              the course.
            </Alert>
          </Stack>
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <PriceCard course={c} />
      </Grid.Col>
    </Grid>
  )
}
