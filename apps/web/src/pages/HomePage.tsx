import { Anchor, Button, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { learning } from '../api/endpoints.ts'
import { tutoringApi } from '../api/tutoring.ts'
import { TutorCard } from '../areas/tutoring/TutorCard.tsx'
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

/**
 * Featured tutors for everyone: signed out, tutoring's search without an organization returns the
 * listed tutors of every organization (listed profiles are public); signed in, the member's own.
 */
function FeaturedTutors() {
  const { signedIn } = useSession()
  const tutors = useQuery({
    queryKey: ['featured-tutors', signedIn],
    queryFn: () => tutoringApi.search({ limit: 6, sort: 'rating' }),
  })
  if (tutors.isPending) return <Loading label="Loading tutors…" />
  if (tutors.isError) return <ErrorState error={tutors.error} retry={() => void tutors.refetch()} />
  if (tutors.data.items.length === 0) return <Empty>No tutors are listed yet.</Empty>
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
      {tutors.data.items.map((t) => (
        <TutorCard key={t.id} tutor={t} />
      ))}
    </SimpleGrid>
  )
}

/** A section's h2 (its cards are h3) and the link to the whole list. */
function SectionHeader({ id, title, to, more }: { id: string; title: string; to: string; more: string }) {
  return (
    <Group justify="space-between" align="baseline">
      <Title order={2} id={id}>
        {title}
      </Title>
      <Anchor component={Link} to={to}>
        {more}
      </Anchor>
    </Group>
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
          <Button component={Link} to="/tutors" variant="default">
            Find a tutor
          </Button>
        </Group>
      </Stack>
      <Stack component="section" aria-labelledby="featured-courses">
        <SectionHeader id="featured-courses" title="Popular courses" to="/catalog" more="See all courses" />
        <FeaturedCourses />
      </Stack>
      <Stack component="section" aria-labelledby="featured-tutors">
        <SectionHeader id="featured-tutors" title="Tutors" to="/tutors" more="See all tutors" />
        <FeaturedTutors />
      </Stack>
    </Stack>
  )
}
