import { Type, type App } from '@learnmesh/kernel'
import type { CommerceConfig } from '../config.ts'

const CheckoutOptionsSchema = Type.Object({
  /** The configured payment provider (PAYMENT_PROVIDER): how the web app collects the payment. */
  provider: Type.Union([Type.Literal('sandbox'), Type.Literal('stripe'), Type.Literal('stellar')]),
  /** Stripe's publishable key (STRIPE_PUBLISHABLE_KEY, `pk_…`) for Stripe.js, or null. Public by design. */
  publishableKey: Type.Union([Type.String(), Type.Null()]),
})

/** `GET /checkout/options`: what a checkout page needs to know before paying (public, no secrets). */
export function checkoutOptionsRoutes(app: App, config: CommerceConfig): void {
  const body = {
    provider: config.PAYMENT_PROVIDER,
    publishableKey: config.PAYMENT_PROVIDER === 'stripe' ? (config.STRIPE_PUBLISHABLE_KEY ?? null) : null,
  }
  app.get(
    '/checkout/options',
    {
      schema: {
        tags: ['orders'],
        summary: 'The payment provider and, for Stripe, the publishable key for Stripe.js (public)',
        response: { 200: CheckoutOptionsSchema },
      },
    },
    async () => body,
  )
}
