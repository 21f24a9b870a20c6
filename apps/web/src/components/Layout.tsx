import {
  AppShell,
  Anchor,
  Box,
  Autocomplete,
  Burger,
  Button,
  Group,
  Menu,
  Stack,
  Text,
  UnstyledButton,
} from '@mantine/core'
import { useDebouncedValue, useDisclosure } from '@mantine/hooks'
import { useQuery } from '@tanstack/react-query'
import { Suspense, useState } from 'react'
import { Link, Outlet, useNavigate } from 'react-router'
import { communication, learning } from '../api/endpoints.ts'
import { useSession } from '../api/session.tsx'
import { Loading } from './states.tsx'
import { areas } from '../areas/all.ts'
import { HeaderWidgets } from '../areas/chat/HeaderWidgets.tsx'
import type { AreaLink } from '../areas/types.ts'
import type { Me } from '../api/endpoints.ts'

const links = (place: AreaLink['place'], me: Me | undefined) =>
  areas.flatMap((a) => a.links).filter((l) => l.place === place && (l.show?.(me) ?? true))

/** The header's search box: debounced autocomplete; Enter searches the catalog, a pick opens the course. */
export function SearchBox({ onDone }: { onDone?: () => void }) {
  const navigate = useNavigate()
  const [value, setValue] = useState('')
  const [debounced] = useDebouncedValue(value.trim(), 200)
  const suggestions = useQuery({
    queryKey: ['autocomplete', debounced],
    queryFn: ({ signal }) => learning.autocomplete(debounced, signal),
    enabled: debounced.length >= 2,
    staleTime: 30_000,
  })
  const items = suggestions.data?.items ?? []
  return (
    <form
      role="search"
      onSubmit={(e) => {
        e.preventDefault()
        void navigate(`/catalog?q=${encodeURIComponent(value.trim())}`)
        onDone?.()
      }}
    >
      <Autocomplete
        aria-label="Search courses"
        placeholder="Search courses"
        value={value}
        onChange={setValue}
        data={[...new Map(items.map((i) => [i.title, i])).keys()]}
        onOptionSubmit={(title) => {
          const course = items.find((i) => i.title === title)
          if (course) void navigate(`/courses/${course.slug}`)
          setValue('')
          onDone?.()
        }}
        w={{ base: '100%', sm: 280 }}
      />
    </form>
  )
}

function UserMenu() {
  const { me, signedIn, signOut } = useSession()
  const navigate = useNavigate()
  if (!signedIn) {
    return (
      <Group gap="xs">
        <Button component={Link} to="/signin" variant="default">
          Sign in
        </Button>
        <Button component={Link} to="/signup">
          Sign up
        </Button>
      </Group>
    )
  }
  return (
    <Menu position="bottom-end">
      <Menu.Target>
        <UnstyledButton aria-label={`${me?.user.displayName ?? 'Account'}, account menu`} px="sm" py={6}>
          <Text fw={600} size="sm">
            {me?.user.displayName ?? 'Account'}
          </Text>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        {me && <Menu.Label>{me.user.email}</Menu.Label>}
        {links('account', me).map((l) => (
          <Menu.Item key={l.to} component={Link} to={l.to}>
            {l.label}
          </Menu.Item>
        ))}
        <Menu.Item
          onClick={() => {
            void signOut().then(() => navigate('/'))
          }}
        >
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  )
}

/** The dev mailbox link appears only when communication's dev mailbox answers (no SMTP, not production). */
function MailboxLink() {
  const probe = useQuery({
    queryKey: ['mailbox-probe'],
    queryFn: communication.mailbox,
    retry: false,
    staleTime: 300_000,
  })
  if (!probe.isSuccess) return null
  return (
    <Anchor component={Link} to="/dev/mailbox">
      Dev mailbox
    </Anchor>
  )
}

export function Layout() {
  const [opened, { toggle, close }] = useDisclosure(false)
  const { me } = useSession()
  const mainLinks = links('main', me)
  return (
    <AppShell
      header={{ height: 64 }}
      navbar={{ width: 260, breakpoint: 'sm', collapsed: { desktop: true, mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="md" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Open navigation" />
            <Anchor component={Link} to="/" fw={800} size="lg" underline="never">
              learnmesh
            </Anchor>
            <Group gap="md" visibleFrom="sm" component="nav" aria-label="Main">
              <Anchor component={Link} to="/catalog">
                Catalog
              </Anchor>
              {mainLinks.map((l) => (
                <Anchor key={l.to} component={Link} to={l.to}>
                  {l.label}
                </Anchor>
              ))}
              <MailboxLink />
            </Group>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Box visibleFrom="sm">
              <SearchBox />
            </Box>
            <HeaderWidgets />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="md" aria-label="Mobile navigation">
        {/* Rendered only while open, so the collapsed drawer holds nothing a keyboard could reach. */}
        {opened && (
          <Stack>
            <SearchBox onDone={close} />
            <Anchor component={Link} to="/catalog" onClick={close}>
              Catalog
            </Anchor>
            {mainLinks.map((l) => (
              <Anchor key={l.to} component={Link} to={l.to} onClick={close}>
                {l.label}
              </Anchor>
            ))}
            <MailboxLink />
          </Stack>
        )}
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  )
}
