import { Badge, Button, Drawer, Group, Stack, Text, TextInput } from '@mantine/core'
import { useDebouncedValue } from '@mantine/hooks'
import { notifications } from '@mantine/notifications'
import { CLOSE } from '../Guard.tsx'
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query'
import { useState } from 'react'
import { platformAdmin, roleLabel } from '../../../api/admin.ts'
import { formatDateTime } from '../../../lib/dates.ts'
import { FormError } from '../../../components/FormError.tsx'
import { DataTable } from '../../../components/DataTable.tsx'
import { ErrorState, Loading } from '../../../components/states.tsx'
import { PlatformShell } from './PlatformShell.tsx'

function UserDetail({ userId, selfId }: { userId: string; selfId: string }) {
  const queryClient = useQueryClient()
  const detail = useQuery({ queryKey: ['admin', 'user', userId], queryFn: () => platformAdmin.user(userId) })
  const setStatus = useMutation({
    mutationFn: (action: 'disable' | 'enable') => platformAdmin.setUserStatus(userId, action),
    onSuccess: (d) => {
      queryClient.setQueryData(['admin', 'user', userId], d)
      notifications.show({
        closeButtonProps: CLOSE,
        message: d.status === 'disabled' ? 'Account disabled' : 'Account enabled',
        color: 'green',
      })
    },
  })
  if (detail.isPending) return <Loading />
  if (detail.isError) return <ErrorState error={detail.error} retry={() => void detail.refetch()} />
  const d = detail.data
  return (
    <Stack>
      <div>
        <Text fw={700}>{d.user.displayName}</Text>
        <Text size="sm">{d.user.email}</Text>
      </div>
      <Group gap="xs">
        <Badge color={d.status === 'active' ? 'teal.9' : 'red.9'} variant="filled">
          {d.status}
        </Badge>
        {d.user.platformAdmin && <Badge variant="filled">Platform admin</Badge>}
        <Badge variant="filled" color={d.user.twoFactorEnabled ? 'teal.9' : 'gray.8'}>
          2FA {d.user.twoFactorEnabled ? 'on' : 'off'}
        </Badge>
        <Badge variant="filled" color={d.user.emailVerified ? 'teal.9' : 'gray.8'}>
          {d.user.emailVerified ? 'Email verified' : 'Email not verified'}
        </Badge>
      </Group>
      <Text size="sm">Joined {formatDateTime(d.user.createdAt)}</Text>
      <Text size="sm">Live sessions: {d.liveSessions}</Text>
      <div>
        <Text size="sm" fw={600}>
          Organizations
        </Text>
        {d.memberships.map((m) => (
          <Text size="sm" key={m.orgId}>
            {m.orgName}: {m.roles.map(roleLabel).join(', ')}
          </Text>
        ))}
      </div>
      <FormError error={setStatus.error} />
      {userId !== selfId &&
        (d.status === 'disabled' ? (
          <Button onClick={() => setStatus.mutate('enable')} loading={setStatus.isPending} w="fit-content">
            Enable account
          </Button>
        ) : (
          <Button
            color="red"
            onClick={() => setStatus.mutate('disable')}
            loading={setStatus.isPending}
            w="fit-content"
          >
            Disable account and end its sessions
          </Button>
        ))}
    </Stack>
  )
}

/** `/admin/users`: search accounts by email, open one, disable or enable it. */
export default function UsersPage() {
  const [search, setSearch] = useState('')
  const [email] = useDebouncedValue(search.trim(), 250)
  const [open, setOpen] = useState<string>()
  const users = useInfiniteQuery({
    queryKey: ['admin', 'users', email],
    queryFn: ({ pageParam }) => platformAdmin.users(email, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  })
  const items = users.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <PlatformShell title="Users" description="Every account of the platform.">
      {(me) => (
        <Stack>
          <TextInput
            label="Search by email"
            placeholder="part of an email address"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            maw={360}
          />
          <DataTable
            caption="Users"
            query={users}
            loadingLabel="Loading users…"
            rows={items}
            rowKey={(u) => u.id}
            empty="No account matches this search."
            pages={users}
            minWidth={560}
            verticalSpacing="xs"
            striped
            columns={[
              { header: 'Name', cell: (u) => u.displayName },
              { header: 'Email', cell: (u) => u.email },
              { header: 'Joined', cell: (u) => formatDateTime(u.createdAt) },
              {
                header: 'Actions',
                hideHeader: true,
                cell: (u) => (
                  <Button
                    size="xs"
                    variant="default"
                    onClick={() => setOpen(u.id)}
                    aria-label={`View ${u.email}`}
                  >
                    View
                  </Button>
                ),
              },
            ]}
          />
          <Drawer opened={!!open} onClose={() => setOpen(undefined)} title="Account" position="right">
            {open && <UserDetail userId={open} selfId={me.user.id} />}
          </Drawer>
        </Stack>
      )}
    </PlatformShell>
  )
}
