import { Alert, Anchor, Stack, Text, Title } from '@mantine/core'
import { Link, useSearchParams } from 'react-router'
import { useSession } from '../../api/session.tsx'
import { LessonList } from './LessonList.tsx'

/**
 * The learner's lessons: join, add to calendar, confirm, cancel (with the policy's refund), reschedule,
 * dispute. A tutor's own teaching lives in the console's Bookings tab: this page points there.
 */
export default function MyLessonsPage() {
  const { signedIn, me } = useSession()
  const [params] = useSearchParams()
  const booked = params.get('booked')
  if (!signedIn)
    return (
      <Text>
        <Anchor component={Link} to="/signin?returnTo=/lessons">
          Sign in
        </Anchor>{' '}
        to see your lessons.
      </Text>
    )
  return (
    <Stack>
      <Title order={1}>My lessons</Title>
      {me?.roles.includes('tutor') && (
        <Text size="sm" c="dimmed">
          The lessons you book as a learner. Lessons you teach are in the{' '}
          <Anchor component={Link} to="/tutor?tab=bookings">
            tutor console&apos;s Bookings
          </Anchor>
          .
        </Text>
      )}
      {booked && (
        <Alert variant="default" color="blue.9" title="Payment received">
          Your lesson is booked as soon as the payment is recorded; it appears below. The tutor is paid after
          the lesson.
        </Alert>
      )}
      <LessonList role="learner" watch={booked} />
    </Stack>
  )
}
