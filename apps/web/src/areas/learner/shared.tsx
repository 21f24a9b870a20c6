import { Alert, Badge, Button, Stack, Text, Title, type AlertProps, type BadgeProps } from '@mantine/core'
import type { ReactNode } from 'react'
import { Link, useLocation } from 'react-router'
import { useSession } from '../../api/session.tsx'
import { Loading } from '../../components/states.tsx'

/** A signed-in page: a sign-in prompt (returning here afterwards) for visitors, the page otherwise. */
export function SignedIn({ title, children }: { title: string; children: ReactNode }) {
  const { signedIn, loading } = useSession()
  const location = useLocation()
  if (loading) return <Loading />
  if (!signedIn) {
    const returnTo = encodeURIComponent(location.pathname + location.search)
    return (
      <Stack align="center" py="xl">
        <Title order={1}>{title}</Title>
        <Text c="dimmed">Sign in to see this page.</Text>
        <Button component={Link} to={`/signin?returnTo=${returnTo}`}>
          Sign in
        </Button>
      </Stack>
    )
  }
  return <>{children}</>
}

const hue = (color: string | undefined) => color?.split('.')[0]

/**
 * A badge in a colour's tint. Its label's contrast comes from the app theme (main.tsx darkens every
 * colour's variant text), which applies to named colours only, so a shade such as `green.6` is reduced
 * to its hue.
 */
export function ToneBadge({
  color,
  variant = 'light',
  ...props
}: BadgeProps & { children?: ReactNode; role?: string; 'aria-label'?: string }) {
  return <Badge color={hue(color)} variant={variant} {...props} />
}

/** An alert in a colour's tint (named colour only, as for ToneBadge, so the theme's AA text applies). */
export function ToneAlert({ color, ...props }: AlertProps & { children?: ReactNode; role?: string }) {
  return <Alert color={hue(color)} {...props} />
}
