import { Badge, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { CLOSE } from './Guard.tsx'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { account, formatDateTime, type SessionInfo } from '../../api/admin.ts'
import { FormError } from '../../components/FormError.tsx'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'

/** `Mozilla/5.0 (X11; Linux x86_64) … Chrome/140…` → `Chrome on Linux`. */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device'
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : null
  const os = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : null
  if (browser && os) return `${browser} on ${os}`
  return browser ?? os ?? userAgent.slice(0, 60)
}

function SessionRow({ s, onRevoke, busy }: { s: SessionInfo; onRevoke: () => void; busy: boolean }) {
  return (
    <Table.Tr>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <Text size="sm">{describeDevice(s.userAgent)}</Text>
          {s.current && (
            <Badge size="sm" variant="light">
              This device
            </Badge>
          )}
        </Group>
        <Text size="xs" c="dimmed">
          {s.method} · {s.ip ?? 'unknown IP'}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{formatDateTime(s.lastUsedAt)}</Text>
      </Table.Td>
      <Table.Td>
        {s.current ? (
          <Text size="xs" c="dimmed">
            Current session
          </Text>
        ) : (
          <Button
            size="xs"
            variant="default"
            color="red"
            loading={busy}
            onClick={onRevoke}
            aria-label={`Revoke ${describeDevice(s.userAgent)} session, last used ${formatDateTime(s.lastUsedAt)}`}
          >
            Revoke
          </Button>
        )}
      </Table.Td>
    </Table.Tr>
  )
}

/** Where I am signed in, the current session marked; any other session can be revoked. */
export function SessionsCard() {
  const queryClient = useQueryClient()
  const sessions = useQuery({ queryKey: ['account', 'sessions'], queryFn: account.sessions })
  const revoke = useMutation({
    mutationFn: account.revokeSession,
    onSuccess: async () => {
      notifications.show({
        closeButtonProps: CLOSE,
        message: 'Session revoked',
        color: 'green',
      })
      await queryClient.invalidateQueries({ queryKey: ['account', 'sessions'] })
    },
  })
  return (
    <Card withBorder component="section" aria-labelledby="sessions-title">
      <Stack>
        <Title order={2} size="h4" id="sessions-title">
          Where you are signed in
        </Title>
        <FormError error={revoke.error} />
        {sessions.isPending ? (
          <Loading label="Loading sessions…" />
        ) : sessions.isError ? (
          <ErrorState error={sessions.error} retry={() => void sessions.refetch()} />
        ) : sessions.data.items.length === 0 ? (
          <Empty>No active sessions.</Empty>
        ) : (
          <Table.ScrollContainer minWidth={420}>
            <Table verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Device</Table.Th>
                  <Table.Th>Last active</Table.Th>
                  <Table.Th>
                    <span style={visuallyHidden}>Actions</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {sessions.data.items.map((s) => (
                  <SessionRow
                    key={s.id}
                    s={s}
                    busy={revoke.isPending && revoke.variables === s.id}
                    onRevoke={() => revoke.mutate(s.id)}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Card>
  )
}

/** Visually hidden but read by screen readers. */
export const visuallyHidden = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0, 0, 0, 0)',
  whiteSpace: 'nowrap',
  border: 0,
} as const
