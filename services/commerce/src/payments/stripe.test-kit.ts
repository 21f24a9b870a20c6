import { createTestCommerce } from '../test-helpers.ts'
import { startStripeServer, type WebhookDeliverer } from '../testing/stripe-server.ts'

/**
 * Commerce with PAYMENT_PROVIDER=stripe against a fresh local Stripe server whose webhooks go to
 * POST /webhooks/stripe (`deliver`, also usable to replay one by hand). `logs` collects the log lines.
 */
export async function startStripeCommerce(logs?: string[]) {
  const server = await startStripeServer()
  const t = await createTestCommerce({
    env: {
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: server.secretKey,
      STRIPE_WEBHOOK_SECRET: server.webhookSecret,
      STRIPE_API_URL: server.url,
    },
    ...(logs ? { logs } : {}),
  })
  const deliver: WebhookDeliverer = async (rawBody, headers) =>
    (await t.app.inject({ method: 'POST', url: '/webhooks/stripe', payload: rawBody, headers })).statusCode
  server.setDeliverer(deliver)
  return {
    server,
    t,
    deliver,
    /** Closes commerce, then the server. */
    async close(): Promise<void> {
      await t.close()
      await server.close()
    },
  }
}
