import { Button, Card, Group, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { learn, type Enrollment } from '../../api/learner.ts'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'
import { SignedIn, ToneBadge } from './shared.tsx'
import { formatDate } from '../../lib/dates.ts'

const STATUS_LABEL: Record<Enrollment['status'], string> = {
  active: 'In progress',
  completed: 'Completed',
  upcoming: 'Starts soon',
  expired: 'Expired',
  revoked: 'Access ended',
}

/** Enrolled but no lesson opened yet: "Not started" rather than "In progress" at 0 %. */
export function notStarted(e: Enrollment): boolean {
  return e.status === 'active' && e.progressPercent === 0 && !e.resume
}

/** Where "Continue" goes: the resume lesson when there is one, else the course's first open lesson. */
export function continueHref(e: Enrollment): string {
  return e.resume ? `/learn/${e.courseId}/${e.resume.lessonId}` : `/learn/${e.courseId}`
}

function EnrollmentCard({ e }: { e: Enrollment }) {
  const title = e.courseTitle ?? 'Course'
  const open = e.status === 'active' || e.status === 'completed'
  // The accessible name starts with the visible text (WCAG 2.5.3), the course title added.
  const action =
    e.status === 'completed' ? 'Review' : e.progressPercent > 0 || e.resume ? 'Continue' : 'Start'
  return (
    <Card withBorder padding="lg" component="article" aria-label={title}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Title order={2} size="h4">
            {title}
          </Title>
          <ToneBadge variant="light" color={e.status === 'completed' ? 'green' : open ? 'blue' : 'gray'}>
            {notStarted(e) ? 'Not started' : STATUS_LABEL[e.status]}
          </ToneBadge>
        </Group>
        <Progress value={e.progressPercent} aria-label={`${title}: ${e.progressPercent}% complete`} />
        <Text size="sm" c="dimmed">
          {e.progressPercent}% complete
          {e.status === 'upcoming' && e.cohort ? ` · starts ${formatDate(e.cohort.startsAt)}` : ''}
          {e.expiresAt && open ? ` · access until ${formatDate(e.expiresAt)}` : ''}
          {e.source === 'subscription' && open ? ' · included in your subscription' : ''}
        </Text>
        {open && (
          <Button component={Link} to={continueHref(e)} aria-label={`${action} ${title}`}>
            {action}
          </Button>
        )}
      </Stack>
    </Card>
  )
}

function MyLearning() {
  const list = useQuery({ queryKey: ['enrollments'], queryFn: learn.enrollments })
  if (list.isPending) return <Loading label="Loading your courses…" />
  if (list.isError) return <ErrorState error={list.error} retry={() => void list.refetch()} />
  const items = list.data.items
  // The most recently studied active course first: "continue where you left off".
  const last = items
    .filter((e) => e.status === 'active' && e.resume)
    .sort((a, b) => (b.resume?.at ?? '').localeCompare(a.resume?.at ?? ''))[0]
  return (
    <Stack>
      <Title order={1}>My learning</Title>
      {last && (
        <Card withBorder padding="lg" bg="var(--mantine-color-blue-light)">
          <Group justify="space-between">
            <Stack gap={2}>
              <Text size="sm">Continue where you left off</Text>
              <Text fw={700}>{last.courseTitle}</Text>
            </Stack>
            <Button component={Link} to={continueHref(last)}>
              Resume
            </Button>
          </Group>
        </Card>
      )}
      {items.length === 0 ? (
        <Stack align="center">
          <Empty>You are not enrolled in any course yet.</Empty>
          <Button component={Link} to="/catalog">
            Find a course
          </Button>
        </Stack>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          {items.map((e) => (
            <EnrollmentCard key={e.id} e={e} />
          ))}
        </SimpleGrid>
      )}
    </Stack>
  )
}

export default function MyLearningPage() {
  return (
    <SignedIn title="My learning">
      <MyLearning />
    </SignedIn>
  )
}
