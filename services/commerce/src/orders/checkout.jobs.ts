import { Type, defineJob, defineRecurring, type JobDefinition, type RecurringJob } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { SANDBOX_LATE_WEBHOOK_JOB } from '../payments/payments.service.ts'
import { createCheckoutArea } from './checkout.area.ts'

/** Unpaid orders whose payment never reached the provider are cancelled after this long. */
export const ABANDONED_ORDER_MS = 60 * 60 * 1000

/** Abandoned order expiry, idempotency-key purge, and the sandbox's late webhooks. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function checkoutJobs(deps: CommerceDeps): (JobDefinition<any> | RecurringJob)[] {
  const area = createCheckoutArea(deps)
  return [
    defineRecurring({
      name: 'commerce.orders.expire_abandoned',
      cron: '*/10 * * * *',
      async handle(tx) {
        await area.checkout.expireAbandoned(tx, new Date(Date.now() - ABANDONED_ORDER_MS))
      },
    }),
    defineRecurring({
      name: 'commerce.idempotency.purge',
      cron: '17 * * * *',
      async handle(tx) {
        await area.idempotency.purgeExpired(tx)
      },
    }),
    defineJob({
      name: SANDBOX_LATE_WEBHOOK_JOB,
      payload: Type.Object({ providerRef: Type.String() }),
      retry: { maxAttempts: 5 },
      async handle(tx, payload) {
        await area.payments.deliverLateSandboxWebhook(tx, payload.providerRef)
      },
    }),
  ]
}
