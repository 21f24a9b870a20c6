import { Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { CLOSE } from './Guard.tsx'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { account, type SessionInfo } from '../../api/admin.ts'
import { formatDateTime } from '../../lib/dates.ts'
import { FormError } from '../../components/FormError.tsx'
import { DataTable, type Column } from '../../components/DataTable.tsx'

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

const sessionColumns = (
  revoke: (s: SessionInfo) => void,
  busy: (s: SessionInfo) => boolean,
): Column<SessionInfo>[] => [
  {
    header: 'Device',
    cell: (s) => (
      <>
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
      </>
    ),
  },
  { header: 'Last active', cell: (s) => <Text size="sm">{formatDateTime(s.lastUsedAt)}</Text> },
  {
    header: 'Actions',
    hideHeader: true,
    cell: (s) =>
      s.current ? (
        <Text size="xs" c="dimmed">
          Current session
        </Text>
      ) : (
        <Button
          size="xs"
          variant="default"
          color="red"
          loading={busy(s)}
          onClick={() => revoke(s)}
          aria-label={`Revoke ${describeDevice(s.userAgent)} session, last used ${formatDateTime(s.lastUsedAt)}`}
        >
          Revoke
        </Button>
      ),
  },
]

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
        <DataTable
          caption="Sessions"
          query={sessions}
          loadingLabel="Loading sessions…"
          rows={sessions.data?.items ?? []}
          rowKey={(s) => s.id}
          empty="No active sessions."
          minWidth={420}
          verticalSpacing="xs"
          columns={sessionColumns(
            (s) => revoke.mutate(s.id),
            (s) => revoke.isPending && revoke.variables === s.id,
          )}
        />
      </Stack>
    </Card>
  )
}
