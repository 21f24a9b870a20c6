import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from '@learnmesh/kernel'
import { createPostgresTestDatabase, postgresAvailable } from '@learnmesh/kernel/testing'
import { commerceService } from '../service.ts'
import { createTestCommerce, type TestCommerce } from '../test-helpers.ts'
import { buildSandboxWebhook, SANDBOX_SIGNATURE_HEADER, sandboxTokens } from '../payments/sandbox.ts'
import { createCheckoutArea } from './checkout.area.ts'
import { checkoutKit } from './checkout.test-kit.ts'

const pg = await postgresAvailable()

/** Rounds of the race; each round races ROUND_WIDTH orders at once. */
const ROUNDS = 8
const ROUND_WIDTH = 5

describe.skipIf(!pg.ok)(
  'lock order on PostgreSQL: payments, then the order (docs/checkout.md#lock-order)',
  () => {
    let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>
    let t: TestCommerce
    let kit: ReturnType<typeof checkoutKit>

    beforeAll(async () => {
      database = await createPostgresTestDatabase(commerceService.migrations)
      t = await createTestCommerce({ database })
      kit = checkoutKit(t)
    })
    afterAll(async () => {
      await t?.close()
      await database?.drop()
    })

    /** An order waiting for 3-D Secure (requires_action), with its sandbox payment id. */
    async function actionOrder(priceId: string) {
      const o = await kit.openOrder(priceId, sandboxTokens.action)
      expect(o.detail).toMatchObject({ status: 'requires_action' })
      return o
    }

    async function finalState(orderId: string) {
      const [o] = await t.database.query<{ status: string }>(
        sql`select status from commerce.orders where id = ${orderId}`,
      )
      const [p] = await t.database.query<{ status: string; failure_code: string | null }>(
        sql`select status, failure_code from commerce.payments where order_id = ${orderId}`,
      )
      const paid = (await t.events('commerce.order.paid')).filter((e) => e.payload.orderId === orderId)
      const [l] = await t.database.query<{ n: number }>(
        sql`select count(*)::int as n from commerce.ledger_transactions where kind = 'payment_captured'
        and ref in (select id from commerce.payments where order_id = ${orderId})`,
      )
      return { order: o!.status, payment: p!, paidEvents: paid.length, captures: l!.n }
    }

    /** Waits until some statement of this database waits for a row lock. */
    async function someoneWaits() {
      for (let i = 0; i < 200; i++) {
        const [r] = await t.database.query<{ n: number }>(
          sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
        )
        if (r!.n > 0) return
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      throw new Error('nobody waited for a lock')
    }

    it('cancel waits for a payment a webhook holds without holding the order (the interleaving that deadlocked)', async () => {
      const { price } = await kit.product({ amount: 1900 })
      const o = await actionOrder(price.id)
      let cancel: ReturnType<typeof t.call> | undefined
      // Stands for the webhook path: the payment locked, then (once cancel waits) the order.
      await t.db.transaction(async (tx) => {
        await tx.execute(sql`select id from commerce.payments where order_id = ${o.orderId} for update`)
        cancel = t.call(o.user, 'POST', `/orders/${o.orderId}/cancel`, {})
        await someoneWaits()
        await tx.execute(sql`select id from commerce.orders where id = ${o.orderId} for update`)
        await tx.execute(
          sql`update commerce.payments set status = 'failed', failure_code = 'card_declined' where order_id = ${o.orderId}`,
        )
      })
      const res = await cancel!
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ status: 'cancelled' })
      expect((await finalState(o.orderId)).payment).toMatchObject({ status: 'failed' })
    })

    it('the abandoned-order job leaves an order whose payment a webhook holds for its next run instead of waiting', async () => {
      const { price } = await kit.product({ amount: 1700 })
      const o = await actionOrder(price.id)
      // As if the provider never answered: commerce.orders.expire_abandoned's share.
      await t.database.query(
        sql`update commerce.payments set provider_ref = null, status = 'requires_payment', next_action = null where order_id = ${o.orderId}`,
      )
      await t.database.query(
        sql`update commerce.orders set status = 'pending_payment' where id = ${o.orderId}`,
      )
      const area = createCheckoutArea(t.deps)
      const later = new Date(Date.now() + 1000)
      await t.db.transaction(async (tx) => {
        await tx.execute(sql`select id from commerce.payments where order_id = ${o.orderId} for update`)
        // The job runs while the payment is held: it neither waits nor cancels.
        await t.db.transaction((job) => area.checkout.expireAbandoned(job, later))
        await tx.execute(sql`select id from commerce.orders where id = ${o.orderId} for update`)
      })
      expect((await finalState(o.orderId)).order).toBe('pending_payment')
      await t.db.transaction((job) => area.checkout.expireAbandoned(job, later))
      expect(await finalState(o.orderId)).toMatchObject({
        order: 'cancelled',
        payment: { status: 'cancelled' },
      })
    })

    it('a buyer cancelling while the payment webhook lands never deadlocks: no 5xx, paid or cancelled, ledger balanced', async () => {
      const { price } = await kit.product({ amount: 2500 })
      const outcomes = { paid: 0, cancelled: 0 }
      for (let round = 0; round < ROUNDS; round++) {
        const orders = []
        for (let i = 0; i < ROUND_WIDTH; i++) orders.push(await actionOrder(price.id))
        const results = await Promise.all(
          orders.flatMap((o, i) => {
            const hook = buildSandboxWebhook(t.config, { type: 'payment.succeeded', providerRef: o.ref })
            const cancel = () => t.call(o.user, 'POST', `/orders/${o.orderId}/cancel`, {})
            const webhook = () =>
              t.app.inject({
                method: 'POST',
                url: '/webhooks/sandbox',
                payload: hook.rawBody,
                headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: hook.signature },
              })
            // Alternate who starts first so both interleavings are exercised.
            return i % 2 === 0 ? [cancel(), webhook()] : [webhook(), cancel()]
          }),
        )
        for (const res of results) {
          expect(res.statusCode, res.body).toBeLessThan(500)
          expect([200, 409]).toContain(res.statusCode)
        }
        for (const o of orders) {
          const s = await finalState(o.orderId)
          if (s.order === 'paid') {
            outcomes.paid++
            expect(s).toMatchObject({ payment: { status: 'succeeded' }, paidEvents: 1, captures: 1 })
          } else {
            outcomes.cancelled++
            expect(s.order).toBe('cancelled')
            expect(s.paidEvents).toBe(0)
            expect(s.captures).toBe(0)
            // The webhook after the cancel: money on a closed order, recorded for reconciliation.
            expect(['cancelled', 'succeeded']).toContain(s.payment.status)
            if (s.payment.status === 'succeeded')
              expect(s.payment.failure_code).toBe('order_closed_needs_refund')
          }
        }
      }
      expect(outcomes.paid + outcomes.cancelled).toBe(ROUNDS * ROUND_WIDTH)
      expect(await kit.ledger()).toMatchObject({ sum: 0 })
    }, 120_000)
  },
)
