import { Anchor, Button, Card, Group, Modal, Radio, Stack, Text, Title } from '@mantine/core'
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { lazy, Suspense, useState } from 'react'
import { Link } from 'react-router'
import { checkoutOptions } from '../../api/learner.ts'
import { isLive, subscriptions, type Subscription } from '../../api/subscriptions.ts'
import { FormError } from '../../components/FormError.tsx'
import { Empty, ErrorState, Loading, LoadMore } from '../../components/states.tsx'
import { formatDate } from '../../lib/dates.ts'
import { SignedIn, ToneAlert, ToneBadge } from './shared.tsx'
import {
  paymentMethodText,
  perInterval,
  STATUS_COLOR,
  STATUS_LABEL,
  subscriptionSummary,
} from './subscription-text.ts'

// Stripe.js loads only when commerce says Stripe is the provider and a card is being changed.
const StripeCardMethod = lazy(() => import('./StripeCardMethod.tsx'))

/** The sandbox provider's reusable test payment methods (commerce docs/providers.md). */
export const SANDBOX_RENEWAL_METHODS = [
  { value: 'pm_sandbox_ok', label: 'Test card: payments succeed' },
  { value: 'pm_sandbox_declined', label: 'Test card: payments are declined' },
]

type Update = (s: Subscription) => void

/** Changes the card renewals charge: the sandbox's test cards, or a card collected by Stripe Elements. */
function PaymentMethodDialog({
  subscription,
  onClose,
  onSaved,
}: {
  subscription: Subscription
  onClose: () => void
  onSaved: Update
}) {
  const options = useQuery({ queryKey: ['checkout-options'], queryFn: checkoutOptions, staleTime: 300_000 })
  const [method, setMethod] = useState('pm_sandbox_ok')
  const save = useMutation({
    mutationFn: (paymentMethod: string) => subscriptions.paymentMethod(subscription.id, paymentMethod),
    onSuccess: (s) => {
      onSaved(s)
      onClose()
    },
  })
  const stripeKey = options.data?.provider === 'stripe' ? options.data.publishableKey : null
  return (
    <Modal opened onClose={onClose} title="Update payment method" centered>
      <Stack>
        <Text size="sm">
          {subscription.title} renewals are charged to {paymentMethodText(subscription.paymentMethod)} now.
          {subscription.status === 'past_due' ? ' The failed payment is tried again within minutes.' : ''}
        </Text>
        {options.isPending ? (
          <Loading label="Loading payment options…" />
        ) : options.isError ? (
          <ErrorState error={options.error} retry={() => void options.refetch()} />
        ) : stripeKey ? (
          <Suspense fallback={<Loading label="Loading the card form…" />}>
            <StripeCardMethod
              publishableKey={stripeKey}
              currency={subscription.currency}
              amountMinor={0}
              submitLabel="Save card"
              onMethod={(pm) => save.mutateAsync(pm)}
            />
          </Suspense>
        ) : options.data.provider === 'sandbox' ? (
          <>
            <Radio.Group label="Sandbox payment method" value={method} onChange={setMethod}>
              <Stack gap={6} mt={6}>
                {SANDBOX_RENEWAL_METHODS.map((m) => (
                  <Radio key={m.value} value={m.value} label={m.label} />
                ))}
              </Stack>
            </Radio.Group>
            <FormError error={save.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Close
              </Button>
              <Button onClick={() => save.mutate(method)} loading={save.isPending}>
                Save payment method
              </Button>
            </Group>
          </>
        ) : (
          <Text size="sm">
            Payments here go through {options.data.provider}, which keeps no card to change. Contact your
            organization to renew.
          </Text>
        )}
      </Stack>
    </Modal>
  )
}

/** "Cancel subscription" asks first: access runs to the end of the period (or trial) already paid. */
function CancelDialog({
  subscription,
  onClose,
  onDone,
}: {
  subscription: Subscription
  onClose: () => void
  onDone: Update
}) {
  const cancel = useMutation({
    mutationFn: () => subscriptions.cancel(subscription.id),
    onSuccess: (s) => {
      onDone(s)
      onClose()
    },
  })
  const until = formatDate(subscription.currentPeriodEnd)
  return (
    <Modal opened onClose={onClose} title={`Cancel ${subscription.title}?`} centered>
      <Stack>
        <Text size="sm">
          {subscription.status === 'trialing'
            ? `Your free trial continues until ${until}; you will not be charged.`
            : `You keep access until ${until} and will not be charged again.`}{' '}
          You can resume it until then.
        </Text>
        <FormError error={cancel.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Keep subscription
          </Button>
          <Button color="red" onClick={() => cancel.mutate()} loading={cancel.isPending}>
            Cancel at period end
          </Button>
        </Group>
      </Stack>
    </Modal>
  )
}

function SubscriptionCard({ s, onChange }: { s: Subscription; onChange: Update }) {
  const [dialog, setDialog] = useState<'cancel' | 'payment' | undefined>()
  const resume = useMutation({ mutationFn: () => subscriptions.resume(s.id), onSuccess: onChange })
  const live = isLive(s)
  const titleId = `sub-${s.id}`
  return (
    <Card withBorder padding="lg" component="article" aria-labelledby={titleId}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Stack gap={2}>
            <Title order={2} size="h4" id={titleId}>
              {s.title}
            </Title>
            <Text size="sm" c="dimmed">
              {perInterval(s.unitAmountMinor, s.currency, s.interval)} · since {formatDate(s.createdAt)}
            </Text>
          </Stack>
          <Group gap={6} wrap="nowrap">
            {live && s.cancelAtPeriodEnd && (
              <ToneBadge color="yellow">Ends {formatDate(s.currentPeriodEnd)}</ToneBadge>
            )}
            <ToneBadge color={STATUS_COLOR[s.status] ?? 'gray'}>
              {STATUS_LABEL[s.status] ?? s.status}
            </ToneBadge>
          </Group>
        </Group>
        {s.status === 'past_due' ? (
          <ToneAlert color="red" title="Payment failed" role="alert">
            <Stack gap="xs" align="flex-start">
              <Text size="sm">
                {subscriptionSummary(s)} Your access continues while we retry. Update your payment method to
                keep it.
              </Text>
              <Button size="xs" color="red" onClick={() => setDialog('payment')}>
                Update payment method
              </Button>
            </Stack>
          </ToneAlert>
        ) : (
          <Text size="sm">{subscriptionSummary(s)}</Text>
        )}
        {live && (
          <Text size="sm" c="dimmed">
            Payment method: {paymentMethodText(s.paymentMethod)}
          </Text>
        )}
        <FormError error={resume.error} />
        <Group gap="xs">
          {live && !s.cancelAtPeriodEnd && (
            <Button size="xs" variant="default" onClick={() => setDialog('cancel')}>
              Cancel subscription
            </Button>
          )}
          {live && s.cancelAtPeriodEnd && (
            <Button size="xs" onClick={() => resume.mutate()} loading={resume.isPending}>
              Resume subscription
            </Button>
          )}
          {live && s.status !== 'past_due' && (
            <Button size="xs" variant="default" onClick={() => setDialog('payment')}>
              Update payment method
            </Button>
          )}
          {live && (
            <Button size="xs" variant="subtle" component={Link} to="/plans">
              What’s included
            </Button>
          )}
          <Anchor
            component={Link}
            to={`/orders/${s.orderId}`}
            size="sm"
            aria-label={`${s.status === 'incomplete' ? 'See the payment' : 'First order'} of ${s.title}`}
          >
            {s.status === 'incomplete' ? 'See the payment' : 'First order'}
          </Anchor>
        </Group>
      </Stack>
      {dialog === 'cancel' && (
        <CancelDialog subscription={s} onClose={() => setDialog(undefined)} onDone={onChange} />
      )}
      {dialog === 'payment' && (
        <PaymentMethodDialog subscription={s} onClose={() => setDialog(undefined)} onSaved={onChange} />
      )}
    </Card>
  )
}

function MySubscriptions() {
  const queryClient = useQueryClient()
  const list = useInfiniteQuery({
    queryKey: ['subscriptions', 'mine', 'pages'],
    queryFn: ({ pageParam }) => subscriptions.mine(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const changed = () => {
    void queryClient.invalidateQueries({ queryKey: ['subscriptions'] })
  }
  if (list.isPending) return <Loading label="Loading your subscriptions…" />
  if (list.isError) return <ErrorState error={list.error} retry={() => void list.refetch()} />
  const items = list.data.pages.flatMap((p) => p.items)
  const live = items.filter((s) => isLive(s) || s.status === 'incomplete')
  const ended = items.filter((s) => !live.includes(s))
  return (
    <Stack>
      <Title order={1}>My subscriptions</Title>
      {items.length === 0 ? (
        <Stack align="center">
          <Empty>You have no subscriptions.</Empty>
          <Button component={Link} to="/plans">
            See the plans
          </Button>
        </Stack>
      ) : (
        <>
          {live.length === 0 && (
            <Text c="dimmed">
              No running subscription.{' '}
              <Anchor component={Link} to="/plans">
                See the plans
              </Anchor>
            </Text>
          )}
          {[...live, ...ended].map((s) => (
            <SubscriptionCard key={s.id} s={s} onChange={changed} />
          ))}
          <LoadMore pages={list} label="Load more subscriptions" />
        </>
      )}
    </Stack>
  )
}

export default function SubscriptionsPage() {
  return (
    <SignedIn title="My subscriptions">
      <MySubscriptions />
    </SignedIn>
  )
}
