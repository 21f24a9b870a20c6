import { Alert, Anchor, Button, Group, Modal, NativeSelect, Radio, Stack, Text } from '@mantine/core'
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useRef, useState } from 'react'
import { Link } from 'react-router'
import { orgAdmin, type Member } from '../../api/admin.ts'
import type { Me } from '../../api/endpoints.ts'
import {
  isLive,
  subscriptionAdmin,
  type Subscription,
  type SubscriptionStatus,
} from '../../api/subscriptions.ts'
import { DataTable } from '../../components/DataTable.tsx'
import { FormError } from '../../components/FormError.tsx'
import { formatDate } from '../../lib/dates.ts'
import { idempotencyKey } from '../../lib/ids.ts'
import { formatAmount } from '../../lib/money.ts'
import { ToneBadge } from '../learner/shared.tsx'
import { perInterval, STATUS_COLOR, STATUS_LABEL } from '../learner/subscription-text.ts'
import { hasRole } from '../types.ts'
import { Guard, PageTitle } from './Guard.tsx'

const STATUSES = [
  { value: 'all', label: 'All statuses' },
  { value: 'trialing', label: STATUS_LABEL.trialing! },
  { value: 'active', label: STATUS_LABEL.active! },
  { value: 'past_due', label: STATUS_LABEL.past_due! },
  { value: 'cancelled', label: STATUS_LABEL.cancelled! },
  { value: 'incomplete', label: STATUS_LABEL.incomplete! },
]

const ENDED_BY: Record<string, string> = {
  period_end: 'cancelled at the period end',
  admin: 'cancelled by an admin',
  payment_failed: 'renewal payments failed',
  refunded: 'its period was refunded',
  incomplete_expired: 'first payment never went through',
}

type Names = Map<string, Member>

/** The org's members by user id, to name subscribers (up to 1,000; an id is shown for anyone else). */
async function memberNames(orgId: string): Promise<Names> {
  const names: Names = new Map()
  let after: string | undefined
  for (let i = 0; i < 10; i++) {
    const page = await orgAdmin.members(orgId, after)
    for (const m of page.items) names.set(m.userId, m)
    if (!page.nextCursor) break
    after = page.nextCursor
  }
  return names
}

const subscriberName = (s: Subscription, names: Names | undefined) =>
  names?.get(s.userId)?.displayName ?? s.userId

/** The date that matters for a subscription's status. */
function dateText(s: Subscription): string {
  switch (s.status) {
    case 'trialing':
      return `Trial ends ${formatDate(s.trialEnd ?? s.currentPeriodEnd)}`
    case 'active':
      return `${s.cancelAtPeriodEnd ? 'Ends' : 'Renews'} ${formatDate(s.currentPeriodEnd)}`
    case 'past_due':
      return `Period ended ${formatDate(s.currentPeriodEnd)}${s.nextAttemptAt ? `; next try ${formatDate(s.nextAttemptAt)}` : ''}`
    case 'cancelled':
      return `Ended ${formatDate(s.endedAt)}${s.cancelReason && ENDED_BY[s.cancelReason] ? `: ${ENDED_BY[s.cancelReason]}` : ''}`
    default:
      return '—'
  }
}

/**
 * The confirmation of "Cancel now": says what commerce does (services/commerce/docs/subscriptions.md,
 * "Cancel now and refunds"), then calls `POST /subscriptions/:id/cancel-now` with one Idempotency-Key
 * per attempt at the dialog (a retry after a network error is not refunded twice).
 */
function CancelNow({
  s,
  name,
  onDone,
}: {
  s: Subscription
  name: string
  /** Closes the dialog; with what commerce answered once it is done. */
  onDone: (outcome?: string) => void
}) {
  const queryClient = useQueryClient()
  const key = useRef(idempotencyKey())
  const [refund, setRefund] = useState<'none' | 'prorated'>('none')
  const trial = s.status === 'trialing'
  const cancel = useMutation({
    mutationFn: () => subscriptionAdmin.cancelNow(s.id, trial ? 'none' : refund, key.current),
    onSuccess: async (r) => {
      await queryClient.invalidateQueries({ queryKey: ['admin-subscriptions'] })
      onDone(
        `${s.title} of ${name} ended now. ${
          r.refundId === null
            ? 'No refund was made.'
            : r.refundedMinor > 0
              ? `${formatAmount(r.refundedMinor, s.currency)} refunded (refund ${r.refundId}).`
              : `Refund ${r.refundId} is waiting for the payment provider; if it is refused it is listed under Needs attention.`
        }`,
      )
    },
    onError: () => {
      key.current = idempotencyKey()
    },
  })
  return (
    <Stack>
      <Text size="sm">
        <strong>{name}</strong>: {s.title}, {perInterval(s.unitAmountMinor, s.currency, s.interval)} (
        {STATUS_LABEL[s.status] ?? s.status}).
      </Text>
      <Text size="sm">
        Access to the plan’s courses ends now: the subscription is cancelled at once and never renews. This
        cannot be undone; to come back the subscriber subscribes again.
      </Text>
      {trial ? (
        <Text size="sm">Free trial: nothing was paid, so there is nothing to refund.</Text>
      ) : (
        <Radio.Group label="Refund" value={refund} onChange={(v) => setRefund(v as 'none' | 'prorated')}>
          <Stack gap={6} mt={4}>
            <Radio value="none" label="No refund: nothing is paid back" />
            <Radio
              value="prorated"
              label="Refund the unused time"
              description={`The unused part of the current paid period (until ${formatDate(s.currentPeriodEnd)}), rounded down to the cent and never more than what is left of that payment, goes back to the payment method that paid for it, with a credit note.${
                s.status === 'past_due'
                  ? ' This period’s renewal failed, so there is little or nothing left to refund.'
                  : ''
              }`}
            />
          </Stack>
        </Radio.Group>
      )}
      <FormError error={cancel.error} />
      <Group justify="flex-end">
        <Button variant="default" onClick={() => onDone()} disabled={cancel.isPending}>
          Keep subscription
        </Button>
        <Button color="red" loading={cancel.isPending} onClick={() => cancel.mutate()}>
          {refund === 'prorated' && !trial ? 'Cancel now and refund' : 'Cancel now'}
        </Button>
      </Group>
    </Stack>
  )
}

function Subscribers({ me }: { me: Me }) {
  const [status, setStatus] = useState('all')
  const [cancelling, setCancelling] = useState<Subscription>()
  const [outcome, setOutcome] = useState<string>()
  const list = useInfiniteQuery({
    queryKey: ['admin-subscriptions', status],
    queryFn: ({ pageParam }) =>
      subscriptionAdmin.list(status === 'all' ? undefined : (status as SubscriptionStatus), pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  // Names are a nicety: without them (or for someone who left the org) the user id is shown.
  const names = useQuery({
    queryKey: ['org', me.orgId, 'member-names'],
    queryFn: () => memberNames(me.orgId),
  })
  const rows = list.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <Stack maw={1100} mx="auto">
      <PageTitle
        title="Subscribers"
        description="Your organization’s subscriptions, newest first. End one now, with or without a refund of the unused time."
      />
      <Text size="sm">
        Plans, prices and what they include are set on{' '}
        <Anchor component={Link} to="/org/plans">
          Subscription plans
        </Anchor>
        .
      </Text>
      <NativeSelect
        label="Status"
        data={STATUSES}
        value={status}
        onChange={(e) => setStatus(e.currentTarget.value)}
        maw={240}
      />
      {outcome && (
        <Alert
          color="green"
          role="status"
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={() => setOutcome(undefined)}
        >
          {outcome}
        </Alert>
      )}
      {names.isError && (
        <Alert color="gray" role="status">
          Member names could not be loaded; subscribers are shown by user id.
        </Alert>
      )}
      <DataTable
        caption="Subscriptions"
        query={list}
        loadingLabel="Loading subscriptions…"
        rows={rows}
        rowKey={(s) => s.id}
        empty={status === 'all' ? 'No subscriptions yet.' : 'No subscriptions with this status.'}
        pages={list}
        moreLabel="Load more subscriptions"
        minWidth={760}
        verticalSpacing="xs"
        striped
        columns={[
          {
            header: 'Subscriber',
            cell: (s) => {
              const m = names.data?.get(s.userId)
              return m ? (
                <>
                  <Text size="sm" fw={500}>
                    {m.displayName}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {m.email}
                  </Text>
                </>
              ) : (
                <Text size="xs" ff="monospace">
                  {s.userId}
                </Text>
              )
            },
          },
          { header: 'Plan', cell: (s) => s.title },
          {
            header: 'Status',
            cell: (s) => (
              <Group gap={4}>
                <ToneBadge color={STATUS_COLOR[s.status] ?? 'gray'}>
                  {STATUS_LABEL[s.status] ?? s.status}
                </ToneBadge>
                {s.cancelAtPeriodEnd && isLive(s) && <ToneBadge color="yellow">Ends at period end</ToneBadge>}
              </Group>
            ),
          },
          { header: 'Period', cell: (s) => <Text size="sm">{dateText(s)}</Text> },
          { header: 'Amount', cell: (s) => perInterval(s.unitAmountMinor, s.currency, s.interval) },
          {
            header: 'Actions',
            hideHeader: true,
            cell: (s) =>
              isLive(s) && (
                <Button
                  size="xs"
                  variant="default"
                  color="red"
                  onClick={() => setCancelling(s)}
                  aria-label={`Cancel now: ${s.title} of ${subscriberName(s, names.data)}`}
                >
                  Cancel now
                </Button>
              ),
          },
        ]}
      />
      <Modal opened={!!cancelling} onClose={() => setCancelling(undefined)} title="Cancel subscription now">
        {cancelling && (
          <CancelNow
            s={cancelling}
            name={subscriberName(cancelling, names.data)}
            onDone={(done) => {
              setCancelling(undefined)
              if (done) setOutcome(done)
            }}
          />
        )}
      </Modal>
    </Stack>
  )
}

/** `/org/subscriptions`: the organization's subscriptions; cancel one now (org admins). */
export default function SubscribersAdminPage() {
  return (
    <Guard
      allowed={hasRole('org_admin')}
      deniedText="Only organization admins can see and cancel the organization’s subscriptions."
    >
      {(me) => <Subscribers me={me} />}
    </Guard>
  )
}
