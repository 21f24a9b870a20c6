import { loadStripe, type Stripe } from '@stripe/stripe-js'

const stripes = new Map<string, Promise<Stripe | null>>()

/**
 * Stripe.js for a publishable key, loaded once per key and shared by the payment forms (only the lazy
 * Stripe chunks import this, so Stripe.js never reaches the shell).
 */
export function stripeFor(key: string): Promise<Stripe | null> {
  let s = stripes.get(key)
  if (!s) {
    s = loadStripe(key)
    stripes.set(key, s)
  }
  return s
}
