import { Badge, Button, Card, Checkbox, Group, Modal, Stack, Tabs, Text, TextInput } from '@mantine/core'
import { useForm } from '@mantine/form'
import { notifications } from '@mantine/notifications'
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import { useNavigate, useParams } from 'react-router'
import { orgAdmin, roleLabel, ROLES, type Member } from '../../api/admin.ts'
import { formatDateTime } from '../../lib/dates.ts'
import type { Me } from '../../api/endpoints.ts'
import { FormError } from '../../components/FormError.tsx'
import { DataTable } from '../../components/DataTable.tsx'
import { CLOSE, Guard, PageTitle } from './Guard.tsx'

/** Role checkboxes; at least one must stay ticked. */
export function RolePicker({
  value,
  onChange,
  error,
  label = 'Roles',
}: {
  value: string[]
  onChange: (roles: string[]) => void
  error?: string
  label?: string
}) {
  return (
    <Checkbox.Group label={label} value={value} onChange={onChange} error={error} withAsterisk>
      <Stack gap={6} mt={4}>
        {ROLES.map((r) => (
          <Checkbox key={r.value} value={r.value} label={r.label} />
        ))}
      </Stack>
    </Checkbox.Group>
  )
}

function EditRoles({ orgId, member, onClose }: { orgId: string; member: Member; onClose: () => void }) {
  const queryClient = useQueryClient()
  const [roles, setRoles] = useState(member.roles)
  const save = useMutation({
    mutationFn: () => orgAdmin.changeRoles(orgId, member.userId, roles),
    onSuccess: async () => {
      notifications.show({
        closeButtonProps: CLOSE,
        message: `Roles of ${member.displayName} saved`,
        color: 'green',
      })
      await queryClient.invalidateQueries({ queryKey: ['org', orgId, 'members'] })
      onClose()
    },
  })
  return (
    <Stack>
      <Text size="sm">
        {member.displayName} · {member.email}
      </Text>
      <FormError error={save.error} />
      <RolePicker
        value={roles}
        onChange={setRoles}
        error={roles.length ? undefined : 'Pick at least one role'}
      />
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Button onClick={() => save.mutate()} loading={save.isPending} disabled={roles.length === 0}>
          Save roles
        </Button>
      </Group>
    </Stack>
  )
}

function MembersPanel({ me }: { me: Me }) {
  const orgId = me.orgId
  const [search, setSearch] = useState('')
  const [editing, setEditing] = useState<Member>()
  const members = useInfiniteQuery({
    queryKey: ['org', orgId, 'members'],
    queryFn: ({ pageParam }) => orgAdmin.members(orgId, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const all = useMemo(() => members.data?.pages.flatMap((p) => p.items) ?? [], [members.data])
  const q = search.trim().toLowerCase()
  const shown = q
    ? all.filter((m) => m.email.toLowerCase().includes(q) || m.displayName.toLowerCase().includes(q))
    : all
  return (
    <Stack>
      <TextInput
        label="Search members"
        placeholder="Name or email"
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        maw={360}
      />
      <DataTable
        caption="Members"
        query={members}
        loadingLabel="Loading members…"
        rows={shown}
        rowKey={(m) => m.userId}
        empty={q ? 'No member matches this search.' : 'No members yet.'}
        pages={members}
        moreLabel="Load more members"
        // Room for the widest role badge ("Organization admin") and a date on one line; phones scroll.
        minWidth={680}
        verticalSpacing="xs"
        striped
        columns={[
          {
            header: 'Member',
            cell: (m) => (
              <>
                <Text size="sm" fw={500}>
                  {m.displayName}
                  {m.userId === me.user.id ? ' (you)' : ''}
                </Text>
                <Text size="xs" c="dimmed">
                  {m.email}
                </Text>
              </>
            ),
          },
          {
            header: 'Roles',
            cell: (m) => (
              <Group gap={4}>
                {m.roles.map((r) => (
                  <Badge key={r} size="sm" variant="light">
                    {roleLabel(r)}
                  </Badge>
                ))}
              </Group>
            ),
          },
          { header: 'Joined', cell: (m) => <Text size="sm">{formatDateTime(m.joinedAt)}</Text> },
          {
            header: 'Actions',
            hideHeader: true,
            cell: (m) => (
              <Button
                size="xs"
                variant="default"
                onClick={() => setEditing(m)}
                aria-label={`Change roles of ${m.displayName}`}
              >
                Change roles
              </Button>
            ),
          },
        ]}
      />
      <Modal opened={!!editing} onClose={() => setEditing(undefined)} title="Change roles">
        {editing && <EditRoles orgId={orgId} member={editing} onClose={() => setEditing(undefined)} />}
      </Modal>
    </Stack>
  )
}

function InviteForm({ orgId }: { orgId: string }) {
  const queryClient = useQueryClient()
  const form = useForm({
    initialValues: { email: '', roles: ['learner'] as string[] },
    validate: {
      email: (v) => (/^\S+@\S+\.\S+$/.test(v.trim()) ? null : 'Enter a valid email address'),
      roles: (v) => (v.length ? null : 'Pick at least one role'),
    },
  })
  const invite = useMutation({
    mutationFn: (v: { email: string; roles: string[] }) => orgAdmin.invite(orgId, v.email.trim(), v.roles),
    onSuccess: async (inv) => {
      notifications.show({
        closeButtonProps: CLOSE,
        message: `Invitation sent to ${inv.email}`,
        color: 'green',
      })
      form.reset()
      await queryClient.invalidateQueries({ queryKey: ['org', orgId, 'invitations'] })
    },
  })
  return (
    <Card withBorder component="section" aria-labelledby="invite-title">
      <form noValidate onSubmit={form.onSubmit((v) => invite.mutate(v))}>
        <Stack maw={420}>
          <Text fw={600} id="invite-title">
            Invite someone
          </Text>
          <FormError error={invite.error} />
          <TextInput
            label="Email"
            type="email"
            autoComplete="off"
            required
            {...form.getInputProps('email')}
          />
          <RolePicker
            value={form.values.roles}
            onChange={(roles) => form.setFieldValue('roles', roles)}
            error={typeof form.errors.roles === 'string' ? form.errors.roles : undefined}
            label="Roles on joining"
          />
          <Button type="submit" loading={invite.isPending} w="fit-content">
            Send invitation
          </Button>
        </Stack>
      </form>
    </Card>
  )
}

function InvitationsPanel({ orgId }: { orgId: string }) {
  const queryClient = useQueryClient()
  const invitations = useQuery({
    queryKey: ['org', orgId, 'invitations'],
    queryFn: () => orgAdmin.invitations(orgId),
  })
  const revoke = useMutation({
    mutationFn: (id: string) => orgAdmin.revokeInvitation(orgId, id),
    onSuccess: async () => {
      notifications.show({
        closeButtonProps: CLOSE,
        message: 'Invitation revoked',
        color: 'green',
      })
      await queryClient.invalidateQueries({ queryKey: ['org', orgId, 'invitations'] })
    },
  })
  return (
    <Stack>
      <InviteForm orgId={orgId} />
      <Text fw={600} component="h2" size="lg">
        Pending invitations
      </Text>
      <FormError error={revoke.error} />
      <DataTable
        caption="Pending invitations"
        query={invitations}
        loadingLabel="Loading invitations…"
        rows={invitations.data?.items ?? []}
        rowKey={(inv) => inv.id}
        empty="No pending invitations."
        minWidth={480}
        verticalSpacing="xs"
        columns={[
          { header: 'Email', cell: (inv) => inv.email },
          { header: 'Roles', cell: (inv) => inv.roles.map(roleLabel).join(', ') },
          { header: 'Expires', cell: (inv) => formatDateTime(inv.expiresAt) },
          {
            header: 'Actions',
            hideHeader: true,
            cell: (inv) => (
              <Button
                size="xs"
                variant="default"
                color="red"
                loading={revoke.isPending && revoke.variables === inv.id}
                onClick={() => revoke.mutate(inv.id)}
                aria-label={`Revoke the invitation of ${inv.email}`}
              >
                Revoke
              </Button>
            ),
          },
        ]}
      />
    </Stack>
  )
}

const ROLE_TEXT: Record<string, string> = {
  learner: 'Enrolls in courses, books tutors, takes quizzes and earns certificates.',
  instructor: 'Creates and edits courses, grades submissions and sees course insights.',
  tutor: 'Has a tutor profile, availability and lessons; receives payouts.',
  org_admin:
    'Manages members, invitations and roles, approves courses, verifies tutors, resolves disputes and refunds orders.',
}

function RolesPanel() {
  return (
    <Stack>
      <Text size="sm">
        A member can hold several roles. Nobody can change their own roles, and the last organization admin
        cannot be removed or demoted.
      </Text>
      {ROLES.map((r) => (
        <Card withBorder key={r.value} padding="sm">
          <Text fw={600}>{r.label}</Text>
          <Text size="sm">{ROLE_TEXT[r.value]}</Text>
        </Card>
      ))}
    </Stack>
  )
}

const TABS = ['members', 'invitations', 'roles'] as const

/** `/org[/members|invitations|roles]`: the current organization's people (org admins). */
export default function OrgAdminPage() {
  const navigate = useNavigate()
  const { tab } = useParams()
  const current = TABS.includes(tab as (typeof TABS)[number]) ? tab! : 'members'
  return (
    <Guard
      allowed={(me) => me.user.platformAdmin || me.roles.includes('org_admin')}
      deniedText="Only organization admins can manage members and invitations."
    >
      {(me) => (
        <Stack maw={960} mx="auto">
          <PageTitle
            title="Organization"
            description="Members, invitations and roles of your current organization."
          />
          <Tabs value={current} onChange={(v) => v && void navigate(`/org/${v}`)}>
            <Tabs.List>
              <Tabs.Tab value="members">Members</Tabs.Tab>
              <Tabs.Tab value="invitations">Invitations</Tabs.Tab>
              <Tabs.Tab value="roles">Roles</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="members" pt="md">
              {current === 'members' && <MembersPanel me={me} />}
            </Tabs.Panel>
            <Tabs.Panel value="invitations" pt="md">
              {current === 'invitations' && <InvitationsPanel orgId={me.orgId} />}
            </Tabs.Panel>
            <Tabs.Panel value="roles" pt="md">
              {current === 'roles' && <RolesPanel />}
            </Tabs.Panel>
          </Tabs>
        </Stack>
      )}
    </Guard>
  )
}
