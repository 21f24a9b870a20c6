import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  Stack,
  Tabs,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core'
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { formatAmount, formatPrice } from '../../lib/money.ts'
import { tutoringApi, type Booking, type Slot } from '../../api/tutoring.ts'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'
import { FormError } from '../../components/FormError.tsx'
import { SlotPicker } from './SlotPicker.tsx'
import { browserTimeZone, downloadText, formatInZone } from './time.ts'

export type Role = 'learner' | 'tutor'

const STATUS_COLOR: Record<string, string> = {
  held: 'yellow',
  booked: 'blue',
  confirmed: 'teal',
  completed: 'green',
  cancelled: 'gray',
  expired: 'gray',
  rejected: 'red',
  disputed: 'orange',
}
const STATUS_LABEL: Record<string, string> = {
  held: 'Awaiting payment',
  booked: 'Booked',
  confirmed: 'Confirmed by tutor',
  completed: 'Completed',
  cancelled: 'Cancelled',
  expired: 'Hold expired',
  rejected: 'Refunded (slot lost)',
  disputed: 'In dispute',
}

function CancelDialog({ booking, onClose }: { booking: Booking; onClose: () => void }) {
  const client = useQueryClient()
  const [reason, setReason] = useState('')
  const quote = useQuery({
    queryKey: ['cancel-quote', booking.id],
    queryFn: () => tutoringApi.cancellation(booking.id),
  })
  const cancel = useMutation({
    mutationFn: () => tutoringApi.cancel(booking.id, reason.trim() || undefined),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['lessons'] })
      onClose()
    },
  })
  const q = quote.data
  return (
    <Stack>
      {quote.isPending && <Loading label="Checking the cancellation policy…" />}
      {quote.isError && <ErrorState error={quote.error} retry={() => void quote.refetch()} />}
      {q && !q.allowed && (
        <Text>
          This lesson can no longer be cancelled (
          {q.reason === 'started' ? 'it has started: report a problem instead' : 'it is not open'}).
        </Text>
      )}
      {q && q.allowed && (
        <Text>
          {q.reason === 'release'
            ? 'Nothing was paid: the time is released.'
            : q.creditReturned
              ? 'Your package credit comes back to you.'
              : `Refund: ${formatAmount(q.refundMinor ?? 0, q.currency)} (${q.refundPercent} % of the price).`}{' '}
          {q.reason === 'late_cancel' &&
            `Cancelling was free until ${formatInZone(q.freeCancelUntil, browserTimeZone())}; later cancellations refund ${q.lateCancelRefundPercent} %.`}
        </Text>
      )}
      <TextInput
        label="Reason (optional, shown to the other person)"
        value={reason}
        maxLength={500}
        onChange={(e) => setReason(e.currentTarget.value)}
      />
      <FormError error={cancel.error} />
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          Keep the lesson
        </Button>
        <Button
          color="red.9"
          disabled={!q?.allowed}
          loading={cancel.isPending}
          onClick={() => cancel.mutate()}
        >
          Cancel the lesson
        </Button>
      </Group>
    </Stack>
  )
}

function RescheduleDialog({ booking, onClose }: { booking: Booking; onClose: () => void }) {
  const client = useQueryClient()
  const [slot, setSlot] = useState<Slot | null>(null)
  const move = useMutation({
    mutationFn: () => tutoringApi.reschedule(booking.id, slot!.startsAt),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['lessons'] })
      onClose()
    },
  })
  return (
    <Stack>
      <Text size="sm">Pick another time for this {booking.minutes}-minute lesson.</Text>
      <SlotPicker tutorId={booking.tutorId} minutes={booking.minutes} selected={slot} onSelect={setSlot} />
      <FormError error={move.error} />
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          Close
        </Button>
        <Button disabled={!slot} loading={move.isPending} onClick={() => move.mutate()}>
          Move the lesson
        </Button>
      </Group>
    </Stack>
  )
}

function DisputeDialog({ booking, onClose }: { booking: Booking; onClose: () => void }) {
  const client = useQueryClient()
  const [reason, setReason] = useState('')
  const dispute = useMutation({
    mutationFn: () => tutoringApi.dispute(booking.id, reason.trim()),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['lessons'] })
      onClose()
    },
  })
  return (
    <Stack>
      <Text size="sm">
        An organization admin reads both sides and decides: a refund, a payment to the tutor, or a split.
      </Text>
      <Textarea
        label="What went wrong?"
        required
        minLength={3}
        maxLength={2000}
        autosize
        minRows={3}
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
      />
      <FormError error={dispute.error} />
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          Close
        </Button>
        <Button
          color="red.9"
          disabled={reason.trim().length < 3}
          loading={dispute.isPending}
          onClick={() => dispute.mutate()}
        >
          Open a dispute
        </Button>
      </Group>
    </Stack>
  )
}

type Dialog = 'cancel' | 'reschedule' | 'dispute' | 'learner-no-show' | null

/**
 * One lesson with the actions its state and the viewer's role allow. Its title is an h2: the list sits
 * straight under the page's h1 (My lessons, the console's Bookings tab).
 */
export function LessonCard({ booking: b, role }: { booking: Booking; role: Role }) {
  const client = useQueryClient()
  const [dialog, setDialog] = useState<Dialog>(null)
  const zone = browserTimeZone()
  const now = Date.now()
  const start = new Date(b.startsAt).getTime()
  const end = new Date(b.endsAt).getTime()
  const open = b.status === 'booked' || b.status === 'confirmed'
  // Tutoring takes no-show reports from 10 minutes after the start until 24 hours after the end.
  const inNoShowWindow = now >= start + 10 * 60_000 && now <= end + 24 * 3_600_000
  const refresh = () => client.invalidateQueries({ queryKey: ['lessons'] })
  const act = useMutation({
    mutationFn: async (what: 'complete' | 'confirm' | 'no-show' | 'ics'): Promise<unknown> => {
      if (what === 'complete') return tutoringApi.complete(b.id)
      if (what === 'confirm') return tutoringApi.confirm(b.id)
      if (what === 'no-show') return tutoringApi.noShow(b.id)
      return tutoringApi
        .bookingIcs(b.id)
        .then((text) => downloadText(`lesson-${b.id}.ics`, text, 'text/calendar'))
    },
    onSuccess: () => void refresh(),
  })
  const title = b.trial ? 'Trial lesson' : `${b.minutes}-minute lesson`
  return (
    <Card withBorder component="article" aria-label={`${title}, ${formatInZone(b.startsAt, zone)}`}>
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start">
          <Stack gap={0}>
            <Title order={2} size="h5">
              {title} with{' '}
              {role === 'learner' ? (b.tutorName ?? 'your tutor') : (b.learnerName ?? 'a learner')}
            </Title>
            <Text size="sm">
              {formatInZone(b.startsAt, zone)} –{' '}
              {formatInZone(b.endsAt, zone, {
                weekday: undefined,
                day: undefined,
                month: undefined,
                year: undefined,
              })}{' '}
              <Text span c="dimmed" size="xs">
                ({zone})
              </Text>
            </Text>
          </Stack>
          <Badge variant="dot" color={STATUS_COLOR[b.status] ?? 'gray'}>
            {STATUS_LABEL[b.status] ?? b.status}
          </Badge>
        </Group>
        <Text size="sm" c="dimmed">
          {formatPrice({ amountMinor: b.priceMinor, currency: b.currency })}
          {b.paidWith === 'credit' && ' · package credit'} · {b.mode === 'online' ? 'online' : 'in person'}
          {b.note && ` · “${b.note}”`}
          {b.status === 'cancelled' && b.refundPercent !== null && ` · refunded ${b.refundPercent} %`}
        </Text>
        {b.learnerNoShowAt && (
          <Text size="sm">
            {role === 'tutor' ? 'You reported that the learner' : 'Your tutor reported that you'} did not come
            ({formatInZone(b.learnerNoShowAt, zone)}).
          </Text>
        )}
        <FormError error={act.error} />
        <Group gap="xs">
          {b.status === 'held' && role === 'learner' && (
            <Button size="xs" component={Link} to="/cart">
              Finish payment
            </Button>
          )}
          {open && b.meetingUrl && now < end && (
            <Button size="xs" component="a" href={b.meetingUrl} target="_blank" rel="noopener noreferrer">
              Join the lesson
            </Button>
          )}
          {open && (
            <Button
              size="xs"
              variant="default"
              loading={act.isPending && act.variables === 'ics'}
              onClick={() => act.mutate('ics')}
            >
              Add to calendar
            </Button>
          )}
          {role === 'tutor' && b.status === 'booked' && (
            <Button
              size="xs"
              variant="light"
              loading={act.isPending && act.variables === 'confirm'}
              onClick={() => act.mutate('confirm')}
            >
              Acknowledge
            </Button>
          )}
          {role === 'learner' && open && now >= end && (
            <Button
              size="xs"

              loading={act.isPending && act.variables === 'complete'}
              onClick={() => act.mutate('complete')}
            >
              Confirm it took place
            </Button>
          )}
          {role === 'learner' && open && inNoShowWindow && (
            <Button
              size="xs"
              variant="default"
              loading={act.isPending && act.variables === 'no-show'}
              onClick={() => act.mutate('no-show')}
            >
              Tutor did not come
            </Button>
          )}
          {role === 'tutor' && open && inNoShowWindow && (
            <Button size="xs" variant="default" onClick={() => setDialog('learner-no-show')}>
              Learner did not come
            </Button>
          )}
          <Button
            size="xs"
            variant="subtle"
            component={Link}
            to={`/chat/new?with=${encodeURIComponent(role === 'learner' ? b.tutorUserId : b.learnerId)}`}
          >
            Message {role === 'learner' ? (b.tutorName ?? 'your tutor') : (b.learnerName ?? 'the learner')}
          </Button>
          {open && now < start && (
            <Button size="xs" variant="default" onClick={() => setDialog('reschedule')}>
              Reschedule
            </Button>
          )}
          {((open && now < start) || b.status === 'held') && (
            <Button size="xs" variant="default" onClick={() => setDialog('cancel')}>
              {b.status === 'held' ? 'Release' : 'Cancel'}
            </Button>
          )}
          {open && now >= end && (
            <Button size="xs" variant="default" onClick={() => setDialog('dispute')}>
              Report a problem
            </Button>
          )}
        </Group>
      </Stack>
      <Modal
        opened={dialog !== null}
        onClose={() => setDialog(null)}
        title={
          dialog === 'cancel'
            ? 'Cancel the lesson'
            : dialog === 'reschedule'
              ? 'Reschedule'
              : dialog === 'learner-no-show'
                ? 'The learner did not come'
                : 'Report a problem'
        }
        size={dialog === 'reschedule' ? 'xl' : 'md'}
      >
        {dialog === 'cancel' && <CancelDialog booking={b} onClose={() => setDialog(null)} />}
        {dialog === 'reschedule' && <RescheduleDialog booking={b} onClose={() => setDialog(null)} />}
        {dialog === 'dispute' && <DisputeDialog booking={b} onClose={() => setDialog(null)} />}
        {dialog === 'learner-no-show' && (
          <Stack>
            <Text>
              The lesson will be marked as completed and you will be paid for it, as when a learner confirms
              it. {b.learnerName ?? 'The learner'} will see that you reported the absence. This cannot be
              undone.
            </Text>
            <FormError error={act.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDialog(null)}>
                Keep the lesson open
              </Button>
              <Button
                loading={act.isPending && act.variables === 'no-show'}
                onClick={() => act.mutate('no-show', { onSuccess: () => setDialog(null) })}
              >
                Report the absence
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Card>
  )
}

function LessonPage({ role, when, watch }: { role: Role; when: 'upcoming' | 'past'; watch?: string | null }) {
  const lessons = useInfiniteQuery({
    queryKey: ['lessons', role, when],
    queryFn: ({ pageParam }) =>
      tutoringApi.bookings({ role, when, limit: 20, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // A lesson just paid becomes `booked` when tutoring hears commerce.order.paid: look again shortly.
    refetchInterval: (q) =>
      watch && q.state.data?.pages.some((p) => p.items.some((b) => b.id === watch && b.status === 'held'))
        ? 1000
        : false,
  })
  if (lessons.isPending) return <Loading label="Loading lessons…" />
  if (lessons.isError && !lessons.data)
    return <ErrorState error={lessons.error} retry={() => void lessons.refetch()} />
  const items = lessons.data?.pages.flatMap((p) => p.items) ?? []
  if (items.length === 0)
    return (
      <Empty>
        {when === 'upcoming' ? 'No upcoming lessons.' : 'No past lessons yet.'}{' '}
        {role === 'learner' && when === 'upcoming' && (
          <Anchor component={Link} to="/tutors">
            Find a tutor
          </Anchor>
        )}
      </Empty>
    )
  return (
    <Stack>
      {items.map((b) => (
        <LessonCard key={b.id} booking={b} role={role} />
      ))}
      {lessons.hasNextPage && (
        <Group justify="center">
          <Button
            variant="default"
            loading={lessons.isFetchingNextPage}
            onClick={() => void lessons.fetchNextPage()}
          >
            Load more
          </Button>
        </Group>
      )}
    </Stack>
  )
}

/** Upcoming and past lessons of the signed-in person as learner or tutor. */
export function LessonList({ role, watch }: { role: Role; watch?: string | null }) {
  return (
    <Tabs defaultValue="upcoming" keepMounted={false}>
      <Tabs.List>
        <Tabs.Tab value="upcoming">Upcoming</Tabs.Tab>
        <Tabs.Tab value="past">Past</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="upcoming" pt="md">
        <LessonPage role={role} when="upcoming" watch={watch} />
      </Tabs.Panel>
      <Tabs.Panel value="past" pt="md">
        <LessonPage role={role} when="past" />
      </Tabs.Panel>
    </Tabs>
  )
}
