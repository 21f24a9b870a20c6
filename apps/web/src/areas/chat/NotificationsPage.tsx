import { Anchor, Badge, Button, Group, Paper, SegmentedControl, Stack, Text, Title } from '@mantine/core'
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useNavigate } from 'react-router'
import { notifications, type AppNotification } from '../../api/chat.ts'
import { useSession } from '../../api/session.tsx'
import { FormError } from '../../components/FormError.tsx'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'
import { ago } from './HeaderWidgets.tsx'
import { SignInNeeded } from './shared.tsx'
import { bell, markedAllRead, markedRead } from './unread.ts'

export default function NotificationsPage() {
  const { signedIn } = useSession()
  const [filter, setFilter] = useState<'all' | 'unread'>('all')
  const [error, setError] = useState<unknown>(null)
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const list = useInfiniteQuery({
    queryKey: ['notifications', 'list', filter],
    queryFn: ({ pageParam, signal }) =>
      notifications.list({ unread: filter === 'unread', before: pageParam, limit: 20 }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: signedIn,
  })

  if (!signedIn) return <SignInNeeded what="notifications" />
  const items = list.data?.pages.flatMap((p) => p.items) ?? []
  const unread = list.data?.pages[0]?.unreadCount ?? 0

  async function markRead(n: AppNotification) {
    try {
      await notifications.markRead(n.id)
      bell.update((s) => markedRead(s, n.id, !n.read))
      setError(null)
      await queryClient.invalidateQueries({ queryKey: ['notifications'] })
    } catch (e) {
      setError(e)
    }
  }

  return (
    <Stack maw={760}>
      <Group justify="space-between">
        <Title order={1}>Notifications</Title>
        <Anchor component={Link} to="/settings/notifications">
          Notification settings
        </Anchor>
      </Group>
      <Group justify="space-between">
        <SegmentedControl
          aria-label="Show"
          value={filter}
          onChange={(v) => setFilter(v as 'all' | 'unread')}
          data={[
            { value: 'all', label: 'All' },
            { value: 'unread', label: `Unread${unread ? ` (${unread})` : ''}` },
          ]}
        />
        <Button
          variant="light"
          disabled={unread === 0}
          onClick={() => {
            notifications
              .markAllRead()
              .then(() => {
                bell.update(markedAllRead)
                setError(null)
                return queryClient.invalidateQueries({ queryKey: ['notifications'] })
              })
              .catch(setError)
          }}
        >
          Mark all read
        </Button>
      </Group>
      <FormError error={error} />
      {list.isPending ? (
        <Loading label="Loading notifications…" />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : items.length === 0 ? (
        <Empty>{filter === 'unread' ? 'Nothing unread.' : 'No notifications yet.'}</Empty>
      ) : (
        <Stack
          component="ul"
          gap="xs"
          aria-label="Notifications"
          style={{ listStyle: 'none', padding: 0, margin: 0 }}
        >
          {items.map((n) => (
            <Paper component="li" key={n.id} withBorder p="sm" bg={n.read ? undefined : 'indigo.0'}>
              <Group justify="space-between" align="flex-start" wrap="nowrap">
                <Stack gap={2}>
                  <Group gap="xs">
                    <Text fw={n.read ? 500 : 700}>{n.title}</Text>
                    {!n.read && (
                      <Badge size="xs" color="indigo">
                        Unread
                      </Badge>
                    )}
                    {n.priority === 'high' && (
                      <Badge size="xs" color="red" variant="light">
                        Important
                      </Badge>
                    )}
                  </Group>
                  <Text size="sm">{n.body}</Text>
                  <Text size="xs" c="dimmed">
                    {ago(n.createdAt)}
                  </Text>
                </Stack>
                <Stack gap={4} align="flex-end">
                  {n.link && (
                    <Button
                      size="compact-sm"
                      variant="light"
                      aria-label={`Open: ${n.title}`}
                      onClick={() => {
                        if (!n.read) void markRead(n)
                        void navigate(n.link!)
                      }}
                    >
                      Open
                    </Button>
                  )}
                  {!n.read && (
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      aria-label={`Mark read: ${n.title}`}
                      onClick={() => void markRead(n)}
                    >
                      Mark read
                    </Button>
                  )}
                </Stack>
              </Group>
            </Paper>
          ))}
        </Stack>
      )}
      {list.hasNextPage && (
        <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          Load more
        </Button>
      )}
    </Stack>
  )
}
