import { Button, Card, Grid, Group, Modal, Radio, Stack, Text, TextInput, Title } from '@mantine/core'
import { useForm } from '@mantine/form'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { lazy, Suspense, useRef, useState } from 'react'
import { Link, useNavigate } from 'react-router'
import { cart as cartApi, checkoutOptions, orders, type Cart, type Order } from '../../api/learner.ts'
import { idempotencyKey } from '../../lib/ids.ts'
import { errorMessage, UserFacingError } from '../../api/problem.ts'
import { FormError } from '../../components/FormError.tsx'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'
import { CartLines, CartTotals } from './CartSummary.tsx'
import { SignedIn, ToneAlert } from './shared.tsx'

// Stripe.js and Elements load only when commerce says Stripe is the provider.
const StripePayment = lazy(() => import('./StripePayment.tsx'))
const StripeCardMethod = lazy(() => import('./StripeCardMethod.tsx'))

/** The sandbox provider's test payment methods (commerce docs/checkout.md). */
const SANDBOX_METHODS = [
  { value: 'pm_sandbox_ok', label: 'Test card: payment succeeds' },
  { value: 'pm_sandbox_action', label: 'Test card: asks for authentication (3-D Secure)' },
  { value: 'pm_sandbox_declined', label: 'Test card: declined' },
]

function CouponForm() {
  const queryClient = useQueryClient()
  const form = useForm({
    initialValues: { code: '' },
    validate: { code: (v) => (v.trim() ? null : 'Enter a coupon code') },
  })
  const apply = useMutation({
    mutationFn: (code: string) => cartApi.applyCoupon(code),
    onSuccess: (cart) => {
      queryClient.setQueryData(['cart'], cart)
      form.reset()
    },
  })
  return (
    <form onSubmit={form.onSubmit((v) => apply.mutate(v.code.trim()))} aria-label="Coupon">
      <Stack gap="xs">
        <Group align="flex-end" wrap="nowrap">
          <TextInput label="Coupon code" style={{ flex: 1 }} {...form.getInputProps('code')} />
          <Button type="submit" variant="default" loading={apply.isPending}>
            Apply
          </Button>
        </Group>
        <FormError error={apply.error} />
      </Stack>
    </form>
  )
}

/** Sandbox "3-D Secure page": the buyer approves or refuses the payment, as a bank page would. */
function SandboxAuthentication({ order, onDone }: { order: Order; onDone: (approved: boolean) => void }) {
  const url = order.payments.find((p) => p.nextAction?.url)?.nextAction?.url ?? ''
  const providerRef = decodeURIComponent(/\/sandbox\/payments\/([^/]+)\/complete/.exec(url)?.[1] ?? '')
  const complete = useMutation({
    mutationFn: (outcome: 'succeeded' | 'failed') => orders.completeSandbox(providerRef, outcome),
    onSuccess: (_data, outcome) => onDone(outcome === 'succeeded'),
  })
  return (
    <Modal opened onClose={() => onDone(false)} title="Confirm your payment" centered>
      <Stack>
        <Text size="sm">
          Your bank asks you to confirm this payment (sandbox authentication; no real money moves).
        </Text>
        <FormError error={complete.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={() => complete.mutate('failed')} loading={complete.isPending}>
            Refuse
          </Button>
          <Button
            onClick={() => complete.mutate('succeeded')}
            loading={complete.isPending}
            disabled={!providerRef}
          >
            Approve payment
          </Button>
        </Group>
      </Stack>
    </Modal>
  )
}

/** Why a checkout's payment failed, in words. */
const declined = (order: Order) =>
  `The payment did not go through (${(order.payments[0]?.failureCode ?? 'payment_failed').replaceAll('_', ' ')}). Nothing was charged.`

function Checkout({ cart }: { cart: Cart }) {
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const options = useQuery({ queryKey: ['checkout-options'], queryFn: checkoutOptions, staleTime: 300_000 })
  const [method, setMethod] = useState('pm_sandbox_ok')
  const [pending, setPending] = useState<Order | undefined>()
  const [failure, setFailure] = useState<string | undefined>()
  // One key per attempt: a double click or a retried request replays the same checkout.
  const key = useRef(idempotencyKey())

  const finished = (order: Order) => {
    void queryClient.invalidateQueries({ queryKey: ['cart'] })
    void queryClient.invalidateQueries({ queryKey: ['enrollments'] })
    void queryClient.invalidateQueries({ queryKey: ['orders'] })
    void navigate(`/orders/${order.id}?placed=1`)
  }

  // A subscription plan needs a payment method even when nothing is charged today (a trial, a free
  // plan): its renewals charge it (commerce: 422 payment_method_required otherwise).
  const plans = cart.items.filter((l) => l.productType === 'subscription_plan')
  const needsMethod = cart.totalMinor > 0 || plans.length > 0
  const checkout = useMutation({
    mutationFn: () => orders.checkout(key.current, needsMethod ? method : undefined),
    onSuccess: (order) => {
      key.current = idempotencyKey()
      setFailure(undefined)
      if (order.status === 'requires_action') setPending(order)
      else if (order.status === 'failed') {
        setFailure(declined(order))
        void queryClient.invalidateQueries({ queryKey: ['cart'] })
      } else finished(order)
    },
    onError: () => {
      key.current = idempotencyKey()
    },
  })

  if (options.isPending) return <Loading label="Loading payment options…" />
  const stripeKey = options.data?.provider === 'stripe' ? options.data.publishableKey : null
  const unavailable = cart.items.some((l) => !l.available)

  return (
    <Stack gap="sm" component="section" aria-labelledby="payment-title">
      <Title order={2} size="h4" id="payment-title">
        Payment
      </Title>
      {plans.length > 0 && (
        <Text size="sm">
          {plans.length === 1 ? 'The subscription renews' : 'The subscriptions renew'} automatically with this
          payment method until cancelled (in My subscriptions). A plan with a free trial is not charged today:
          the first charge is at the trial’s end.
        </Text>
      )}
      {stripeKey && plans.length > 0 ? (
        <Suspense fallback={<Loading label="Loading the payment form…" />}>
          <StripeCardMethod
            publishableKey={stripeKey}
            currency={cart.currency ?? 'EUR'}
            amountMinor={cart.totalMinor}
            submitLabel="Subscribe"
            onMethod={async (pm, stripe) => {
              const order = await orders.checkout(key.current, pm)
              key.current = idempotencyKey()
              const secret = order.payments.find((p) => p.nextAction?.clientSecret)?.nextAction?.clientSecret
              if (order.status === 'failed') throw new UserFacingError(declined(order))
              if (secret) {
                // 3-D Secure for the first period's payment, then commerce captures it.
                const next = await stripe.handleNextAction({ clientSecret: secret })
                if (next.error)
                  throw new UserFacingError(next.error.message ?? 'The payment was not authorized.')
                finished(await orders.confirm(order.id, idempotencyKey()))
              } else finished(order)
            }}
          />
        </Suspense>
      ) : stripeKey ? (
        <Suspense fallback={<Loading label="Loading the payment form…" />}>
          <StripePayment publishableKey={stripeKey} cart={cart} onPaid={finished} />
        </Suspense>
      ) : !needsMethod ? (
        <Text size="sm">Nothing to pay: the order is free.</Text>
      ) : (
        <Radio.Group label="Sandbox payment method" value={method} onChange={setMethod}>
          <Stack gap={6} mt={6}>
            {SANDBOX_METHODS.map((m) => (
              <Radio key={m.value} value={m.value} label={m.label} />
            ))}
          </Stack>
        </Radio.Group>
      )}
      {failure && (
        <ToneAlert color="red" title="Payment failed" role="alert">
          {failure}
        </ToneAlert>
      )}
      <FormError error={checkout.error} />
      {!stripeKey && (
        <Button
          size="md"
          onClick={() => checkout.mutate()}
          loading={checkout.isPending}
          disabled={unavailable || cart.items.length === 0}
        >
          {plans.length > 0 ? 'Subscribe' : cart.totalMinor === 0 ? 'Place order' : 'Pay now'}
        </Button>
      )}
      {unavailable && (
        <Text size="sm" c="red.8">
          Remove the items no longer for sale to check out.
        </Text>
      )}
      {pending && (
        <SandboxAuthentication
          order={pending}
          onDone={(approved) => {
            const order = pending
            setPending(undefined)
            if (approved) finished(order)
            else {
              setFailure('The payment was not authorized. Nothing was charged.')
              void queryClient.invalidateQueries({ queryKey: ['cart'] })
            }
          }}
        />
      )}
    </Stack>
  )
}

function CartView() {
  const queryClient = useQueryClient()
  const cart = useQuery({ queryKey: ['cart'], queryFn: cartApi.get })
  const remove = useMutation({
    mutationFn: (priceId: string) => cartApi.remove(priceId),
    onSuccess: (c) => queryClient.setQueryData(['cart'], c),
  })
  const removeCoupon = useMutation({
    mutationFn: (code: string) => cartApi.removeCoupon(code),
    onSuccess: (c) => queryClient.setQueryData(['cart'], c),
  })

  if (cart.isPending) return <Loading label="Loading your cart…" />
  if (cart.isError) return <ErrorState error={cart.error} retry={() => void cart.refetch()} />
  const c = cart.data
  if (c.items.length === 0) {
    return (
      <Stack>
        <Title order={1}>Cart</Title>
        <Empty>Your cart is empty.</Empty>
        <Group justify="center">
          <Button component={Link} to="/catalog">
            Browse the catalog
          </Button>
        </Group>
      </Stack>
    )
  }
  return (
    <Stack>
      <Title order={1}>Cart</Title>
      <Grid gap="xl">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack>
            <CartLines
              cart={c}
              onRemove={(priceId) => remove.mutate(priceId)}
              removing={remove.isPending ? remove.variables : undefined}
            />
            {remove.isError && (
              <ToneAlert color="red" role="alert">
                {errorMessage(remove.error)}
              </ToneAlert>
            )}
            <CouponForm />
            {c.coupons.length > 0 && (
              <Group gap="xs">
                {c.coupons.map((coupon) => (
                  <Button
                    key={coupon.code}
                    size="xs"
                    variant="light"
                    onClick={() => removeCoupon.mutate(coupon.code)}
                    aria-label={`Remove coupon ${coupon.code}`}
                  >
                    {coupon.code} ×
                  </Button>
                ))}
              </Group>
            )}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Card withBorder padding="lg">
            <Stack>
              <CartTotals cart={c} />
              <Checkout cart={c} />
            </Stack>
          </Card>
        </Grid.Col>
      </Grid>
    </Stack>
  )
}

export default function CartPage() {
  return (
    <SignedIn title="Cart">
      <CartView />
    </SignedIn>
  )
}
