import { Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { formatMoney, learning, tutoring } from '../api/endpoints.ts'
import { useSession } from '../api/session.tsx'
import { CourseCard } from '../components/CourseCard.tsx'
import { Empty, ErrorState, Loading } from '../components/states.tsx'

function FeaturedCourses() {
  const courses = useQuery({
    queryKey: ['featured-courses'],
    queryFn: () => learning.catalog({ sort: 'popular', limit: 6 }),
  })
  if (courses.isPending) return <Loading label="Loading courses…" />
  if (courses.isError) return <ErrorState error={courses.error} retry={() => void courses.refetch()} />
  if (courses.data.items.length === 0) return <Empty>No courses are published yet.</Empty>
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
      {courses.data.items.map((c) => (
        <CourseCard key={c.id} course={c} />
      ))}
    </SimpleGrid>
  )
}

/** Tutors belong to an organization: search needs a signed-in member (the token names the org). */
function FeaturedTutors() {
  const { signedIn } = useSession()
  const tutors = useQuery({
    queryKey: ['featured-tutors'],
    queryFn: () => tutoring.search(6),
    enabled: signedIn,
  })
  if (!signedIn) {
    return (
      <Text c="dimmed">
        <Anchor component={Link} to="/signin">
          Sign in
        </Anchor>{' '}
        to see the tutors of your organization.
      </Text>
    )
  }
  if (tutors.isPending) return <Loading label="Loading tutors…" />
  if (tutors.isError) return <ErrorState error={tutors.error} retry={() => void tutors.refetch()} />
  if (tutors.data.items.length === 0) return <Empty>No tutors are listed yet.</Empty>
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
      {tutors.data.items.map((t) => (
        <Card key={t.id} withBorder component="article">
          <Stack gap={4}>
            <Group justify="space-between">
              <Title order={3} size="h5">
                {t.displayName}
              </Title>
              {t.verified && <Badge color="teal">Verified</Badge>}
            </Group>
            <Text size="sm" c="dimmed" lineClamp={2}>
              {t.headline}
            </Text>
            <Text size="sm">{t.subjects.map((s) => s.subject).join(', ')}</Text>
            <Group justify="space-between">
              <Text fw={700}>{formatMoney(t.hourlyRate)} / h</Text>
              <Text size="xs" c="dimmed">
                {t.rating.average !== null
                  ? `★ ${t.rating.average.toFixed(1)} (${t.rating.count})`
                  : 'New tutor'}
              </Text>
            </Group>
          </Stack>
        </Card>
      ))}
    </SimpleGrid>
  )
}

export default function HomePage() {
  return (
    <Stack gap="xl">
      <Stack gap="xs">
        <Title order={1}>Learn anything, with courses and live tutors</Title>
        <Text c="dimmed">Self-paced courses and 1:1 lessons from the learnmesh community.</Text>
        <Group>
          <Button component={Link} to="/catalog">
            Browse the catalog
          </Button>
        </Group>
      </Stack>
      <Stack component="section" aria-labelledby="featured-courses">
        <Title order={2} id="featured-courses">
          Popular courses
        </Title>
        <FeaturedCourses />
      </Stack>
      <Stack component="section" aria-labelledby="featured-tutors">
        <Title order={2} id="featured-tutors">
          Tutors
        </Title>
        <FeaturedTutors />
      </Stack>
    </Stack>
  )
}
