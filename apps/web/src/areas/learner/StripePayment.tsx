import { Button, Stack } from '@mantine/core'
import { Elements, PaymentElement, useElements, useStripe } from '@stripe/react-stripe-js'
import { stripeFor } from './stripe-loader.ts'
import { useMutation } from '@tanstack/react-query'
import { useMemo, useRef, useState } from 'react'
import { orders, type Cart, type Order } from '../../api/learner.ts'
import { idempotencyKey } from '../../lib/ids.ts'
import { UserFacingError } from '../../api/problem.ts'
import { FormError } from '../../components/FormError.tsx'

function PayForm({ order, onPaid }: { order: Order; onPaid: (order: Order) => void }) {
  const stripe = useStripe()
  const elements = useElements()
  const key = useRef(idempotencyKey())
  const pay = useMutation({
    mutationFn: async () => {
      if (!stripe || !elements) throw new UserFacingError('The payment form is still loading.')
      const result = await stripe.confirmPayment({
        elements,
        redirect: 'if_required',
        confirmParams: { return_url: `${window.location.origin}/orders/${order.id}?placed=1` },
      })
      // Stripe's messages are written for the buyer ("Your card was declined."): show them as they are.
      if (result.error) throw new UserFacingError(result.error.message ?? 'The payment did not go through.')
      // Stripe.js confirmed it: commerce captures now (or its webhook does, whichever comes first).
      return orders.confirm(order.id, key.current)
    },
    onSuccess: onPaid,
  })
  return (
    <Stack>
      <PaymentElement />
      <FormError error={pay.error} />
      <Button size="md" onClick={() => pay.mutate()} loading={pay.isPending} disabled={!stripe}>
        Pay now
      </Button>
    </Stack>
  )
}

/**
 * Stripe Elements checkout: commerce creates the order and an unconfirmed PaymentIntent (no payment
 * method sent), answers its client secret, and Stripe.js collects and confirms the card in the browser.
 */
export default function StripePayment({
  publishableKey,
  cart,
  onPaid,
}: {
  publishableKey: string
  cart: Cart
  onPaid: (order: Order) => void
}) {
  const stripe = useMemo(() => stripeFor(publishableKey), [publishableKey])
  const [order, setOrder] = useState<Order | undefined>()
  const key = useRef(idempotencyKey())
  const start = useMutation({
    mutationFn: () => orders.checkout(key.current),
    onSuccess: (o) => {
      if (o.status === 'paid') onPaid(o)
      else setOrder(o)
    },
  })
  const clientSecret = order?.payments.find((p) => p.nextAction?.clientSecret)?.nextAction?.clientSecret
  if (order && clientSecret) {
    return (
      <Elements stripe={stripe} options={{ clientSecret }}>
        <PayForm order={order} onPaid={onPaid} />
      </Elements>
    )
  }
  return (
    <Stack>
      <FormError error={start.error} />
      <Button
        size="md"
        onClick={() => start.mutate()}
        loading={start.isPending}
        disabled={cart.items.length === 0}
      >
        Continue to payment
      </Button>
    </Stack>
  )
}
