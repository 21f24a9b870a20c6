import { Alert, Anchor, Button, Group, Stack, Title } from '@mantine/core'
import type { ReactNode } from 'react'
import { Link, useLocation } from 'react-router'
import { useSession } from '../../api/session.tsx'
import { Loading } from '../../components/states.tsx'
import { canAuthor } from './access.ts'

const SECTIONS = [
  { to: '/studio', label: 'Courses' },
  { to: '/studio/to-grade', label: 'To grade' },
  { to: '/studio/grading', label: 'Grading' },
  { to: '/studio/earnings', label: 'Earnings' },
]

/**
 * The studio's frame: its own navigation (courses, to grade, grading, earnings) and the access check — signed
 * out people are asked to sign in, members without an authoring role are told why they see nothing.
 * The services check every request again; this only keeps people from a page of errors.
 */
export function StudioFrame({
  title,
  actions,
  children,
}: {
  title: string
  actions?: ReactNode
  children: ReactNode
}) {
  const { me, signedIn, loading } = useSession()
  const location = useLocation()
  if (loading) return <Loading />
  if (!signedIn)
    return (
      <Alert title="Sign in to use the studio" color="blue">
        <Anchor component={Link} to={`/signin?returnTo=${encodeURIComponent(location.pathname)}`}>
          Sign in
        </Anchor>{' '}
        with an instructor account to create and manage courses.
      </Alert>
    )
  if (!canAuthor(me))
    return (
      <Alert title="The studio is for instructors" color="yellow">
        Your account has no instructor role in this organization. Ask an organization admin to add it.
      </Alert>
    )
  const active = SECTIONS.slice(1).find((s) => location.pathname.startsWith(s.to))?.to ?? '/studio'
  return (
    <Stack gap="md" maw={1100} mx="auto">
      <Group component="nav" aria-label="Studio" gap="xs">
        {SECTIONS.map((s) => (
          <Button
            key={s.to}
            component={Link}
            to={s.to}
            size="compact-md"
            variant={active === s.to ? 'filled' : 'default'}
            aria-current={active === s.to ? 'page' : undefined}
          >
            {s.label}
          </Button>
        ))}
      </Group>
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <Title order={1} size="h2">
          {title}
        </Title>
        {actions}
      </Group>
      {children}
    </Stack>
  )
}

/** A small "back" button to a studio page. */
export function BackLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <Button component={Link} to={to} variant="subtle" size="compact-sm" px={0} w="fit-content">
      ← {children}
    </Button>
  )
}
