import {
  Type,
  defineJob,
  defineRecurring,
  scheduleJob,
  type JobDefinition,
  type RecurringJob,
} from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { jobs } from '../db/schema.ts'
import { cardExpiryToken } from '../payments/card.jobs.ts'
import { createSubscriptionsArea } from './subscriptions.routes.ts'

/** The sweep that finds subscriptions to renew, retry, end or expire. */
export const SUBSCRIPTION_SWEEP_JOB = 'commerce.subscriptions.sweep'
/** One subscription's renewal pass (keyed by subscription: one pending at a time). */
export const SUBSCRIPTION_RENEW_JOB = 'commerce.subscriptions.renew'
/** Sends the renewal payments the passes created to the provider, after its claim committed. */
export const SUBSCRIPTION_CHARGE_JOB = 'commerce.subscriptions.charge'

/**
 * The sweep (SUBSCRIPTION_RENEWAL_SCHEDULE) schedules one renewal job per due subscription, so a
 * failing one never holds the others back; each job runs `renewOne` in its own transaction under the
 * subscription's row lock (state changes, the next attempt's order and payment; no provider call).
 * The charge job (every minute) claims the attempts to send in its transaction and calls the
 * provider after the commit (`afterCommit`), one short transaction per answer
 * (subscriptions.charges.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function subscriptionJobs(deps: CommerceDeps): (JobDefinition<any> | RecurringJob)[] {
  const { subscriptions } = createSubscriptionsArea(deps)
  return [
    defineRecurring({
      name: SUBSCRIPTION_SWEEP_JOB,
      cron: deps.config.SUBSCRIPTION_RENEWAL_SCHEDULE,
      async handle(tx) {
        for (const id of await subscriptions.due(tx, new Date(), 500)) {
          await scheduleJob(tx, jobs, {
            name: SUBSCRIPTION_RENEW_JOB,
            key: id,
            payload: { subscriptionId: id },
          })
        }
      },
    }),
    defineJob({
      name: SUBSCRIPTION_RENEW_JOB,
      payload: Type.Object({ subscriptionId: Type.String() }),
      retry: { maxAttempts: 3, baseDelayMs: 60_000 },
      async handle(tx, payload) {
        const outcome = await subscriptions.renewOne(tx, payload.subscriptionId, new Date())
        if (outcome !== 'not_due')
          deps.logger.info({ subscriptionId: payload.subscriptionId, outcome }, 'subscription renewal pass')
      },
    }),
    defineRecurring({
      name: SUBSCRIPTION_CHARGE_JOB,
      cron: '* * * * *',
      async handle(tx, job) {
        await subscriptions.charges.claim(tx, cardExpiryToken(job))
      },
      async afterCommit(job) {
        const outcomes = await subscriptions.charges.settle(cardExpiryToken(job))
        if (Object.keys(outcomes).length > 0) deps.logger.info({ outcomes }, 'subscription renewals charged')
      },
    }),
  ]
}
