import {
  Alert,
  Anchor,
  Badge,
  Button,
  CopyButton,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { earnings, earningsKeys, movementLabel } from '../../api/earnings.ts'
import { ApiError } from '../../api/problem.ts'
import { useSession } from '../../api/session.tsx'
import { tutoringApi, type Availability } from '../../api/tutoring.ts'
import { DataTable } from '../../components/DataTable.tsx'
import { Empty, ErrorState, Loading, QueryState } from '../../components/states.tsx'
import { FormError } from '../../components/FormError.tsx'
import { PayoutNow } from '../../components/PayoutNow.tsx'
import { formatAmount } from '../../lib/money.ts'
import { AvailabilityEditor } from './AvailabilityEditor.tsx'
import { LessonList } from './LessonList.tsx'
import { ProfileEditor } from './ProfileEditor.tsx'
import { tutorPath } from './TutorCard.tsx'
import { browserTimeZone, formatInZone } from './time.ts'

const notFound = (e: unknown) => e instanceof ApiError && e.status === 404

function ProfileTab() {
  const { me } = useSession()
  const profile = useQuery({
    queryKey: ['my-tutor-profile'],
    queryFn: tutoringApi.myProfile,
    retry: (n, e) => !notFound(e) && n < 2,
  })
  if (profile.isPending) return <Loading label="Loading your profile…" />
  if (profile.isError && !notFound(profile.error))
    return <ErrorState error={profile.error} retry={() => void profile.refetch()} />
  const p = profile.data ?? null
  return (
    <Stack>
      {!p && (
        <Alert variant="default" color="blue.9">
          You have no tutor profile yet. Fill it in, save it, then list it so learners can find you.
        </Alert>
      )}
      {p?.status === 'listed' && (
        <Anchor component={Link} to={tutorPath(p)}>
          See my public profile
        </Anchor>
      )}
      <ProfileEditor key={p?.revision ?? 0} profile={p} fallbackName={me?.user.displayName ?? ''} />
    </Stack>
  )
}

function ExceptionsEditor({ availability }: { availability: Availability }) {
  const client = useQueryClient()
  const [kind, setKind] = useState<'available' | 'unavailable'>('unavailable')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const [note, setNote] = useState('')
  const zone = browserTimeZone()
  const add = useMutation({
    mutationFn: () =>
      tutoringApi.addException({
        kind,
        startsAt: new Date(from).toISOString(),
        endsAt: new Date(to).toISOString(),
        ...(note.trim() ? { note: note.trim() } : {}),
      }),
    onSuccess: async () => {
      setFrom('')
      setTo('')
      setNote('')
      await client.invalidateQueries({ queryKey: ['my-availability'] })
    },
  })
  const remove = useMutation({
    mutationFn: (id: string) => tutoringApi.deleteException(id),
    onSuccess: () => client.invalidateQueries({ queryKey: ['my-availability'] }),
  })
  const invalid = !from || !to || new Date(to) <= new Date(from)
  return (
    <Stack>
      <Title order={2} size="h4">
        Exceptions
      </Title>
      <Text size="sm" c="dimmed">
        Time off, or extra hours outside your weekly schedule. Dates and times in {zone}.
      </Text>
      {availability.exceptions.length === 0 && <Text size="sm">No upcoming exceptions.</Text>}
      {availability.exceptions.map((x) => (
        <Group key={x.id} justify="space-between" wrap="nowrap">
          <Text size="sm" component="div">
            <Badge variant="dot" color={x.kind === 'available' ? 'green' : 'gray'} mr="xs">
              {x.kind === 'available' ? 'Extra hours' : 'Time off'}
            </Badge>
            {formatInZone(x.startsAt, zone)} → {formatInZone(x.endsAt, zone)} {x.note && `· ${x.note}`}
          </Text>
          <Button
            size="xs"
            variant="default"
            onClick={() => remove.mutate(x.id)}
            loading={remove.isPending && remove.variables === x.id}
          >
            Remove
          </Button>
        </Group>
      ))}
      <FormError error={remove.error} />
      <Paper
        withBorder
        p="sm"
        component="form"
        aria-label="Add an exception"
        onSubmit={(e) => {
          e.preventDefault()
          add.mutate()
        }}
      >
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
          <Select
            label="Kind"
            data={[
              { value: 'unavailable', label: 'Time off' },
              { value: 'available', label: 'Extra hours' },
            ]}
            value={kind}
            onChange={(v) => v && setKind(v as 'available' | 'unavailable')}
            allowDeselect={false}
          />
          <TextInput
            type="datetime-local"
            label="From"
            value={from}
            onChange={(e) => setFrom(e.currentTarget.value)}
            required
          />
          <TextInput
            type="datetime-local"
            label="Until"
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            required
          />
          <TextInput
            label="Note (optional)"
            maxLength={200}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
          />
        </SimpleGrid>
        <FormError error={add.error} />
        <Group mt="sm">
          <Button type="submit" disabled={invalid} loading={add.isPending}>
            Add exception
          </Button>
        </Group>
      </Paper>
    </Stack>
  )
}

function AvailabilityTab() {
  const client = useQueryClient()
  const availability = useQuery({
    queryKey: ['my-availability'],
    queryFn: tutoringApi.myAvailability,
    retry: (n, e) => !notFound(e) && n < 2,
  })
  const save = useMutation({
    mutationFn: tutoringApi.saveWeekly,
    onSuccess: (a) => client.setQueryData(['my-availability'], a),
  })
  if (availability.isPending) return <Loading label="Loading your hours…" />
  if (availability.isError)
    return notFound(availability.error) ? (
      <Empty>Create your profile first: your hours belong to it.</Empty>
    ) : (
      <ErrorState error={availability.error} retry={() => void availability.refetch()} />
    )
  const a = availability.data
  return (
    <Stack gap="xl">
      <Stack>
        <Title order={2} size="h4">
          Weekly hours
        </Title>
        <AvailabilityEditor
          key={JSON.stringify(a.weekly)}
          initial={a.weekly}
          timeZone={a.timeZone}
          onSave={(weekly) => save.mutate(weekly)}
          saving={save.isPending}
          error={save.error}
        />
        {save.isSuccess && (
          <Text fw={600} role="status">
            Weekly hours saved.
          </Text>
        )}
      </Stack>
      <ExceptionsEditor availability={a} />
    </Stack>
  )
}

const ENTRIES_PAGE = 20
const PAYOUTS_PAGE = 20

function EarningsTab() {
  const balances = useQuery({ queryKey: earningsKeys.balances, queryFn: earnings.balances })
  const entries = useQuery({
    queryKey: earningsKeys.entries(ENTRIES_PAGE),
    queryFn: () => earnings.entries({ limit: ENTRIES_PAGE }),
  })
  const payouts = useQuery({
    queryKey: earningsKeys.payouts(PAYOUTS_PAGE),
    queryFn: () => earnings.payouts({ limit: PAYOUTS_PAGE }),
  })
  const account = useQuery({ queryKey: earningsKeys.payoutAccount, queryFn: earnings.payoutAccount })
  const zone = browserTimeZone()
  return (
    <Stack gap="xl">
      <Stack>
        <Title order={2} size="h4">
          Balance
        </Title>
        <Text size="sm" c="dimmed">
          Learners pay upfront; the money waits in escrow until the lesson is completed, then your share
          becomes available and is paid out on the next payout run, or now when you ask below.
        </Text>
        <QueryState
          query={balances}
          loadingLabel="Loading earnings…"
          isEmpty={() => balances.data?.balances.length === 0}
          empty="No earnings yet: they appear after your first paid lesson."
        >
          {() => (
            <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
              {balances.data?.balances.map((b) => (
                <Paper key={b.currency} withBorder p="md" aria-label={`Balance in ${b.currency}`}>
                  <Text size="sm" c="dimmed">
                    Available ({b.currency})
                  </Text>
                  <Text size="xl" fw={700} data-testid={`available-${b.currency}`}>
                    {formatAmount(b.availableMinor, b.currency)}
                  </Text>
                  <Text size="sm" c="dimmed">
                    Held in escrow: {formatAmount(b.pendingEscrowMinor, b.currency)}
                  </Text>
                </Paper>
              ))}
            </SimpleGrid>
          )}
        </QueryState>
      </Stack>
      <Stack>
        <Title order={2} size="h4">
          Movements
        </Title>
        <DataTable
          caption="Movements"
          query={entries}
          rows={entries.data?.items ?? []}
          rowKey={(e) => e.id}
          empty="No movements yet."
          minWidth={520}
          striped
          columns={[
            { header: 'Date', cell: (e) => formatInZone(e.createdAt, zone) },
            { header: 'What', cell: (e) => movementLabel(e) },
            { header: 'Account', cell: (e) => e.account },
            { header: 'Amount', align: 'right', cell: (e) => formatAmount(e.amountMinor, e.currency) },
          ]}
        />
      </Stack>
      <Stack>
        <Title order={2} size="h4">
          Payouts
        </Title>
        {account.data?.account && (
          <Text size="sm">
            Paid to your {account.data.account.provider} account {account.data.account.accountRef}.
          </Text>
        )}
        {account.data && !account.data.account && (
          <Text size="sm" c="dimmed">
            No payout account registered: payouts use the platform&apos;s default rail (the sandbox in
            development).
          </Text>
        )}
        <PayoutNow />
        <QueryState query={payouts} isEmpty={() => payouts.data?.items.length === 0} empty="No payouts yet.">
          {() =>
            payouts.data?.items.map((p) => (
              <Group key={p.id} justify="space-between">
                <Text size="sm">
                  {formatInZone(p.createdAt, zone)} · {p.provider}
                </Text>
                <Group gap="xs">
                  <Badge variant="dot" color={p.status === 'paid' ? 'green' : 'gray'}>
                    {p.status}
                  </Badge>
                  <Text fw={600}>{formatAmount(p.amountMinor, p.currency)}</Text>
                </Group>
              </Group>
            ))
          }
        </QueryState>
      </Stack>
    </Stack>
  )
}

function CalendarTab() {
  const client = useQueryClient()
  const feed = useQuery({ queryKey: ['calendar-feed'], queryFn: tutoringApi.feed })
  const [url, setUrl] = useState<string | null>(null)
  const create = useMutation({
    mutationFn: tutoringApi.createFeed,
    onSuccess: async (f) => {
      setUrl(f.url)
      await client.invalidateQueries({ queryKey: ['calendar-feed'] })
    },
  })
  const revoke = useMutation({
    mutationFn: tutoringApi.revokeFeed,
    onSuccess: async () => {
      setUrl(null)
      await client.invalidateQueries({ queryKey: ['calendar-feed'] })
    },
  })
  if (feed.isPending) return <Loading />
  if (feed.isError) return <ErrorState error={feed.error} retry={() => void feed.refetch()} />
  return (
    <Stack>
      <Text size="sm">
        Subscribe to your lessons (as tutor and as learner) from Google Calendar, Apple Calendar or Outlook.
        The link is private: anyone who has it sees your lessons. Making a new one switches the old one off.
      </Text>
      <Text size="sm">
        Status:{' '}
        {feed.data.active
          ? `active since ${formatInZone(feed.data.createdAt!, browserTimeZone())}`
          : 'no feed'}
      </Text>
      {url && (
        <Group align="flex-end">
          <TextInput
            label="Your calendar feed (shown once)"
            value={url}
            readOnly
            style={{ flex: 1 }}
            onFocus={(e) => e.currentTarget.select()}
          />
          <CopyButton value={url}>
            {({ copied, copy }) => (
              <Button onClick={copy} variant="light">
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
        </Group>
      )}
      <FormError error={create.error ?? revoke.error} />
      <Group>
        <Button onClick={() => create.mutate()} loading={create.isPending}>
          {feed.data.active ? 'Make a new link' : 'Create my calendar link'}
        </Button>
        {feed.data.active && (
          <Button variant="default" onClick={() => revoke.mutate()} loading={revoke.isPending}>
            Switch the feed off
          </Button>
        )}
      </Group>
    </Stack>
  )
}

const TABS = ['profile', 'availability', 'bookings', 'earnings', 'calendar'] as const

/** The tutor's console: profile, hours, bookings, earnings and payouts, calendar feed. */
export default function TutorConsolePage() {
  const { signedIn, me, loading } = useSession()
  const [params, setParams] = useSearchParams()
  const tab = TABS.find((t) => t === params.get('tab')) ?? 'profile'
  if (!signedIn)
    return (
      <Text>
        <Anchor component={Link} to="/signin?returnTo=/tutor">
          Sign in
        </Anchor>{' '}
        to open your tutor console.
      </Text>
    )
  if (loading) return <Loading />
  if (me && !me.roles.includes('tutor') && !me.user.platformAdmin)
    return (
      <Alert variant="default" color="red.9">
        The tutor console is for tutors. Ask your organization&apos;s admins for the tutor role.
      </Alert>
    )
  return (
    <Stack>
      <Title order={1}>Tutor console</Title>
      <Tabs
        value={tab}
        onChange={(v) => setParams(v && v !== 'profile' ? { tab: v } : {}, { replace: true })}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="profile">Profile</Tabs.Tab>
          <Tabs.Tab value="availability">Availability</Tabs.Tab>
          <Tabs.Tab value="bookings">Bookings</Tabs.Tab>
          <Tabs.Tab value="earnings">Earnings</Tabs.Tab>
          <Tabs.Tab value="calendar">Calendar</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="profile" pt="md">
          <ProfileTab />
        </Tabs.Panel>
        <Tabs.Panel value="availability" pt="md">
          <AvailabilityTab />
        </Tabs.Panel>
        <Tabs.Panel value="bookings" pt="md">
          <LessonList role="tutor" />
        </Tabs.Panel>
        <Tabs.Panel value="earnings" pt="md">
          <EarningsTab />
        </Tabs.Panel>
        <Tabs.Panel value="calendar" pt="md">
          <CalendarTab />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  )
}
