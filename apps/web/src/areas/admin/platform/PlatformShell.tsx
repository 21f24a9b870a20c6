import { Anchor, Group, Stack } from '@mantine/core'
import type { ReactNode } from 'react'
import { Link, useLocation } from 'react-router'
import type { Me } from '../../../api/endpoints.ts'
import { Guard, PageTitle } from '../Guard.tsx'

const SECTIONS = [
  { to: '/admin/kpis', label: 'KPIs' },
  { to: '/admin/users', label: 'Users' },
  { to: '/admin/refunds', label: 'Refunds' },
  { to: '/admin/disputes', label: 'Disputes' },
  { to: '/admin/tutors', label: 'Tutor verification' },
  { to: '/admin/attention', label: 'Needs attention' },
]

/** Platform admin pages: the section links and a platform-admin check around the page. */
export function PlatformShell({
  title,
  description,
  children,
}: {
  title: string
  description?: string
  children: (me: Me) => ReactNode
}) {
  const { pathname } = useLocation()
  return (
    <Guard
      allowed={(me) => me.user.platformAdmin}
      deniedText="Only platform administrators can open this page."
    >
      {(me) => (
        <Stack maw={1100} mx="auto" gap="md">
          <Group component="nav" aria-label="Platform admin" gap="md" wrap="wrap">
            {SECTIONS.map((s) => {
              const active = pathname === s.to || (s.to === '/admin/kpis' && pathname === '/admin')
              return (
                <Anchor
                  key={s.to}
                  component={Link}
                  to={s.to}
                  aria-current={active ? 'page' : undefined}
                  fw={active ? 700 : 400}
                  underline={active ? 'always' : 'hover'}
                >
                  {s.label}
                </Anchor>
              )
            })}
          </Group>
          <PageTitle title={title} description={description} />
          {children(me)}
        </Stack>
      )}
    </Guard>
  )
}
