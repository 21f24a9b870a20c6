import { afterAll, beforeAll, expect } from 'vitest'
import pino from 'pino'
import { sql } from '@learnmesh/kernel'
import type { TestUser } from '../test-helpers.ts'
import { checkoutKit, envelopeOf } from '../orders/checkout.test-kit.ts'
import { checkoutHandlers } from '../orders/checkout.handlers.ts'
import { stripeTestPaymentMethods as pm } from '../testing/stripe-server.ts'
import { startStripeCommerce } from '../payments/stripe.test-kit.ts'
import { REFUND_SEND_JOB, refundJobs } from './refunds.jobs.ts'

/**
 * Commerce on the local Stripe server, for automatic-refund tests: courses bought with a card
 * Stripe charges at once, the saga's rejection delivered like the inbox, and the send job run by hand.
 */
export async function startRefundKit() {
  const stripe = await startStripeCommerce()
  const { server, t } = stripe
  const kit = checkoutKit(t)
  const handlers = checkoutHandlers(t.deps)
  const job = refundJobs(t.deps).find((j) => j.name === REFUND_SEND_JOB)!
  let runs = 0

  /** Runs the job once, as the kernel runner does: `handle` in its transaction, then `afterCommit`. */
  async function runJob() {
    const ctx = {
      id: 'job_test',
      name: REFUND_SEND_JOB,
      attempt: 1,
      runAt: new Date(Date.now() + runs++),
      key: null,
    }
    await t.db.transaction((tx) => job.handle(tx, ctx))
    await job.afterCommit!(ctx)
  }

  /** Delivers learning.enrollment.rejected in one transaction, like the inbox; `crash` rolls it back after the handler. */
  async function rejectEnrollment(payload: Record<string, unknown>, crash = false) {
    const type = 'learning.enrollment.rejected'
    const handler = handlers.find((h) => h.event.type === type)!
    const envelope = envelopeOf(type, payload, t.orgA, 'learning')
    await t.db.transaction(async (tx) => {
      await handler.handle(tx, payload as never, envelope as never, { log: pino({ level: 'silent' }) })
      if (crash) throw new Error('crashed before the commit')
    })
  }

  /** A course bought with a card that Stripe charges at once, and the saga's rejection of it (`payload`). */
  async function paidCourse(user: TestUser = t.user()) {
    const course = await kit.product({ amount: 4000 })
    const order = await kit.paidOrder(user, [course.price.id], { paymentMethod: pm.visa })
    expect(order.status).toBe('paid')
    const payload = {
      orderId: order.id,
      courseId: course.product.ref,
      userId: user.userId,
      reason: 'course_unavailable',
    }
    return { user, order, payload }
  }

  /** The order's refunds, oldest first. */
  async function refundsOf(orderId: string) {
    return t.database.query<{
      id: string
      status: string
      provider_ref: string | null
      reason: string
      failure_code: string | null
    }>(
      sql`select id, status, provider_ref, reason, failure_code from commerce.refunds where order_id = ${orderId} order by id`,
    )
  }

  return { stripe, server, t, kit, runJob, rejectEnrollment, paidCourse, refundsOf, close: stripe.close }
}

/** What startRefundKit returns. */
export type RefundKit = Awaited<ReturnType<typeof startRefundKit>>

/** A refund kit for the enclosing file or describe: started in beforeAll, closed in afterAll. */
export function useRefundKit(): RefundKit {
  let kit: RefundKit | undefined
  beforeAll(async () => {
    kit = await startRefundKit()
  })
  afterAll(async () => {
    await kit?.close()
    kit = undefined
  })
  return new Proxy({} as RefundKit, {
    get(_target, key) {
      if (kit) return Reflect.get(kit, key)
      if (typeof key === 'symbol' || key === 'then') return undefined
      throw new Error(`the refund kit is used outside its tests and hooks (reading ${key})`)
    },
  })
}
