import { Anchor, Badge, Card, Group, Stack, Text, Title, type TitleOrder } from '@mantine/core'
import { Link } from 'react-router'
import { formatPrice } from '../../lib/money.ts'
import type { TutorCard as Tutor } from '../../api/tutoring.ts'

/** The profile page's address; anonymous visitors need the tutor's organization in it. */
export function tutorPath(tutor: { id: string; orgId: string }): string {
  return `/tutors/${tutor.id}?org=${encodeURIComponent(tutor.orgId)}`
}

/** `★ 4.8 (12)` or `New tutor`; response rate when there are samples. */
export function reputation(t: Pick<Tutor, 'rating' | 'responseRate'>): string {
  const rating =
    t.rating.average !== null ? `★ ${t.rating.average.toFixed(1)} (${t.rating.count})` : 'New tutor'
  const response =
    t.responseRate.rate !== null ? ` · responds to ${Math.round(t.responseRate.rate * 100)} %` : ''
  return rating + response
}

/**
 * A tutor in a list: name (the link), headline, subjects, languages, modes, rate, reputation. The name is a
 * heading one level below the list's own (3 under the home page's "Tutors" h2, 2 under the search page's
 * h1); it always looks the same (h5 size).
 */
export function TutorCard({ tutor, headingOrder = 3 }: { tutor: Tutor; headingOrder?: TitleOrder }) {
  return (
    <Card withBorder component="article" h="100%">
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Title order={headingOrder} size="h5">
            <Anchor component={Link} to={tutorPath(tutor)}>
              {tutor.displayName}
            </Anchor>
          </Title>
          {tutor.verified && (
            <Badge variant="dot" color="teal">
              Verified
            </Badge>
          )}
        </Group>
        {tutor.headline && (
          <Text size="sm" c="dimmed" lineClamp={2}>
            {tutor.headline}
          </Text>
        )}
        <Text size="sm">{tutor.subjects.map((s) => s.subject).join(', ') || 'No subjects yet'}</Text>
        <Group gap={4}>
          {tutor.languages.map((l) => (
            <Badge key={l} variant="light" color="gray" tt="none">
              {l}
            </Badge>
          ))}
          {tutor.offersOnline && <Badge variant="outline">Online</Badge>}
          {tutor.offersInPerson && <Badge variant="outline">In person</Badge>}
          {tutor.trial && (
            <Badge variant="outline" color="grape">
              Trial {tutor.trial.minutes} min
            </Badge>
          )}
        </Group>
        <Group justify="space-between" mt="auto">
          <Text fw={700}>{formatPrice(tutor.hourlyRate)} / h</Text>
          <Text size="xs" c="dimmed">
            {reputation(tutor)}
          </Text>
        </Group>
      </Stack>
    </Card>
  )
}
