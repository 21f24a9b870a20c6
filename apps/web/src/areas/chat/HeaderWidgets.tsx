import {
  ActionIcon,
  Anchor,
  Button,
  Group,
  Indicator,
  Popover,
  Stack,
  Text,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core'
import { useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useState } from 'react'
import { Link, useNavigate } from 'react-router'
import { notifications, type AppNotification } from '../../api/chat.ts'
import { errorMessage } from '../../api/problem.ts'
import { useSession } from '../../api/session.tsx'
import { formatDate } from '../../lib/dates.ts'
import { realtime } from './realtime.ts'
import { bell, loaded, markedAllRead, markedRead, received, useBell, LATEST } from './unread.ts'

// Kept small: this file is part of the shell. socket.io-client is imported by realtime.start() only
// (a dynamic import after sign-in); the chat and notification pages are lazy chunks.

function BellIcon() {
  return (
    <svg
      width="20"
      height="20"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      aria-hidden
    >
      <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  )
}

/** `2 min ago`, `3 h ago`, or the date. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (s < 60) return 'just now'
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`
  return formatDate(iso)
}

export function NotificationBell() {
  const state = useBell()
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const [opened, setOpened] = useState(false)
  const close = () => setOpened(false)
  const [error, setError] = useState<unknown>(null)

  const refresh = useCallback(() => {
    notifications
      .list({ limit: LATEST })
      .then((page) => {
        setError(null)
        bell.update((s) => loaded(s, page))
      })
      .catch(setError)
  }, [])

  useEffect(() => {
    refresh()
    const offNew = realtime.on('notification:new', (n: AppNotification) => {
      bell.update((s) => received(s, n))
      void queryClient.invalidateQueries({ queryKey: ['notifications'] })
    })
    // After a reconnect, whatever arrived while offline is fetched again.
    const offResumed = realtime.on('resumed', refresh)
    return () => {
      offNew()
      offResumed()
    }
  }, [refresh, queryClient])

  async function open(n: AppNotification) {
    close()
    if (!n.read) {
      bell.update((s) => markedRead(s, n.id, true))
      void notifications
        .markRead(n.id)
        .then(() => queryClient.invalidateQueries({ queryKey: ['notifications'] }))
    }
    if (n.link) void navigate(n.link)
  }

  const count = state.count ?? 0
  return (
    <Indicator label={count > 99 ? '99+' : count} size={18} disabled={count === 0} offset={4} color="red.9">
      <Popover
        width={340}
        position="bottom-end"
        withArrow
        shadow="md"
        opened={opened}
        onChange={setOpened}
        hideDetached={false}
        trapFocus
      >
        <Popover.Target>
          <ActionIcon
            variant="subtle"
            color="gray"
            size="lg"
            onClick={() => setOpened((o) => !o)}
            aria-label={count ? `Notifications, ${count} unread` : 'Notifications'}
          >
            <BellIcon />
          </ActionIcon>
        </Popover.Target>
        <Popover.Dropdown>
          <Stack gap="xs">
            <Group justify="space-between">
              <Text fw={700} component="h2" size="sm">
                Notifications
              </Text>
              <Button
                size="compact-xs"
                variant="outline"
                color="indigo.9"
                disabled={count === 0}
                onClick={() => {
                  bell.update(markedAllRead)
                  void notifications
                    .markAllRead()
                    .then(() => queryClient.invalidateQueries({ queryKey: ['notifications'] }))
                    .catch(setError)
                }}
              >
                Mark all read
              </Button>
            </Group>
            {error ? (
              <Text size="sm" c="red.8" role="alert">
                {errorMessage(error)}
              </Text>
            ) : state.count === null ? (
              <Text size="sm" c="dimmed" role="status">
                Loading…
              </Text>
            ) : state.latest.length === 0 ? (
              <Text size="sm" c="dimmed">
                No notifications yet.
              </Text>
            ) : (
              <Stack
                gap={4}
                component="ul"
                aria-label="Latest notifications"
                style={{ listStyle: 'none', padding: 0, margin: 0 }}
              >
                {state.latest.map((n) => (
                  <li key={n.id}>
                    <UnstyledButton
                      onClick={() => void open(n)}
                      p={6}
                      w="100%"
                      style={{
                        borderRadius: 6,
                        background: n.read ? undefined : 'var(--mantine-color-indigo-0)',
                      }}
                    >
                      <Text size="sm" fw={n.read ? 400 : 700}>
                        {!n.read && <VisuallyHidden>Unread: </VisuallyHidden>}
                        {n.title}
                      </Text>
                      <Text size="xs" c="dimmed" lineClamp={2}>
                        {n.body}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {ago(n.createdAt)}
                      </Text>
                    </UnstyledButton>
                  </li>
                ))}
              </Stack>
            )}
            <Group justify="space-between">
              <Anchor component={Link} to="/notifications" size="sm" onClick={close}>
                All notifications
              </Anchor>
              <Anchor component={Link} to="/settings/notifications" size="sm" onClick={close}>
                Settings
              </Anchor>
            </Group>
          </Stack>
        </Popover.Dropdown>
      </Popover>
    </Indicator>
  )
}

/** Widgets shown in the header next to the account menu: the notifications bell (signed in). */
export function HeaderWidgets() {
  const { signedIn } = useSession()
  useEffect(() => {
    if (signedIn) void realtime.start()
    else {
      realtime.stop()
      bell.reset()
    }
  }, [signedIn])
  if (!signedIn) return null
  return <NotificationBell />
}
