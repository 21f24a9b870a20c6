import { afterAll, describe, expect, it } from 'vitest'
import { createTestCommerce } from '../test-helpers.ts'
import { startStripeServer } from '../testing/stripe-server.ts'

describe('GET /checkout/options', () => {
  it('the sandbox by default, without a key, to anyone (no token needed)', async () => {
    const t = await createTestCommerce()
    try {
      const res = await t.app.inject({ method: 'GET', url: '/checkout/options' })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ provider: 'sandbox', publishableKey: null })
    } finally {
      await t.close()
    }
  })

  const server = startStripeServer()
  afterAll(async () => (await server).close())

  it('Stripe: the publishable key for Stripe.js, never the secret key or the webhook secret', async () => {
    const stripe = await server
    const t = await createTestCommerce({
      env: {
        PAYMENT_PROVIDER: 'stripe',
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
        STRIPE_API_URL: stripe.url,
        STRIPE_PUBLISHABLE_KEY: 'pk_test_learnmesh_options',
      },
    })
    try {
      const res = await t.app.inject({ method: 'GET', url: '/checkout/options' })
      expect(res.json()).toEqual({ provider: 'stripe', publishableKey: 'pk_test_learnmesh_options' })
      expect(res.body).not.toContain(stripe.secretKey)
      expect(res.body).not.toContain(stripe.webhookSecret)
    } finally {
      await t.close()
    }
  })
})
