import { Alert, Anchor, Stack, Text, Title } from '@mantine/core'
import type { ReactNode } from 'react'
import { Link, useLocation } from 'react-router'
import type { Me } from '../../api/endpoints.ts'
import { useSession } from '../../api/session.tsx'
import { Loading } from '../../components/states.tsx'

/**
 * Renders `children(me)` for a signed-in person who passes `allowed`; otherwise a sign-in link or a
 * "not allowed" notice. The server checks again on every call: this only spares a page of 403s.
 */
export function Guard({
  allowed = () => true,
  deniedText = 'You do not have access to this page.',
  children,
}: {
  allowed?: (me: Me) => boolean
  deniedText?: string
  children: (me: Me) => ReactNode
}) {
  const { me, loading, signedIn } = useSession()
  const location = useLocation()
  if (loading) return <Loading />
  if (!signedIn || !me) {
    return (
      <Stack maw={480} mx="auto" py="xl">
        <Text>
          Please{' '}
          <Anchor component={Link} to={`/signin?returnTo=${encodeURIComponent(location.pathname)}`}>
            sign in
          </Anchor>{' '}
          to continue.
        </Text>
      </Stack>
    )
  }
  if (!allowed(me)) {
    return (
      <Alert
        color="yellow"
        title="Not allowed"
        role="alert"
        maw={560}
        mx="auto"
        styles={{ title: { color: 'var(--mantine-color-text)' } }}
      >
        {deniedText}
      </Alert>
    )
  }
  return <>{children(me)}</>
}

/** A page heading with an optional line under it. */
export function PageTitle({ title, description }: { title: string; description?: string }) {
  return (
    <Stack gap={4} mb="md">
      <Title order={1} size="h2">
        {title}
      </Title>
      {description && (
        <Text c="dimmed" size="sm">
          {description}
        </Text>
      )}
    </Stack>
  )
}

/** Notifications' close button needs a name (axe: button-name). */
export const CLOSE = { 'aria-label': 'Dismiss notification' }
