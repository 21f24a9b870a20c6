import { Button, Stack } from '@mantine/core'
import { Elements, PaymentElement, useElements, useStripe } from '@stripe/react-stripe-js'
import type { Stripe } from '@stripe/stripe-js'
import { stripeFor } from './stripe-loader.ts'
import { useMutation } from '@tanstack/react-query'
import { useMemo } from 'react'
import { UserFacingError } from '../../api/problem.ts'
import { FormError } from '../../components/FormError.tsx'

/** What the page does with the new payment method (`pm_…`); Stripe.js is passed for a 3-D Secure step. */
export type UseMethod = (paymentMethodId: string, stripe: Stripe) => Promise<unknown>

function CardForm({ submitLabel, onMethod }: { submitLabel: string; onMethod: UseMethod }) {
  const stripe = useStripe()
  const elements = useElements()
  const save = useMutation({
    mutationFn: async () => {
      if (!stripe || !elements) throw new UserFacingError('The card form is still loading.')
      const submitted = await elements.submit()
      if (submitted.error) throw new UserFacingError(submitted.error.message ?? 'Check the card details.')
      const created = await stripe.createPaymentMethod({ elements })
      // Stripe's messages are written for the card holder ("Your card number is incomplete."): shown as they are.
      if (created.error) throw new UserFacingError(created.error.message ?? 'The card could not be saved.')
      return onMethod(created.paymentMethod.id, stripe)
    },
  })
  return (
    <Stack>
      <PaymentElement />
      <FormError error={save.error} />
      <Button size="md" onClick={() => save.mutate()} loading={save.isPending} disabled={!stripe}>
        {submitLabel}
      </Button>
    </Stack>
  )
}

/**
 * A card collected by Stripe Elements and turned into a reusable payment method in the browser
 * (`paymentMethodCreation: 'manual'`), for what commerce charges later off-session: a subscription's
 * checkout and renewals, or a new card for a subscription. Card data never reaches our servers.
 */
export default function StripeCardMethod({
  publishableKey,
  currency,
  amountMinor,
  submitLabel,
  onMethod,
}: {
  publishableKey: string
  currency: string
  /** What is charged now (0 for a trial or a card change): Elements shows it and picks methods by it. */
  amountMinor: number
  submitLabel: string
  onMethod: UseMethod
}) {
  const stripe = useMemo(() => stripeFor(publishableKey), [publishableKey])
  const options = useMemo(
    () =>
      amountMinor > 0
        ? {
            mode: 'payment' as const,
            amount: amountMinor,
            currency: currency.toLowerCase(),
            setupFutureUsage: 'off_session' as const,
            paymentMethodCreation: 'manual' as const,
          }
        : {
            mode: 'setup' as const,
            currency: currency.toLowerCase(),
            paymentMethodCreation: 'manual' as const,
          },
    [amountMinor, currency],
  )
  return (
    <Elements stripe={stripe} options={options}>
      <CardForm submitLabel={submitLabel} onMethod={onMethod} />
    </Elements>
  )
}
