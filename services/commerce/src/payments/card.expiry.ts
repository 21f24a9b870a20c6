import { randomUUID } from 'node:crypto'
import type { Tx } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import type { CheckoutArea } from '../orders/checkout.area.ts'
import { createOrdersRepository } from '../orders/orders.repository.ts'
import { createCardExpiryRepository } from './card-expiry.repository.ts'
import type { ProviderPaymentResult } from './provider.ts'
import { CARD_EXPIRY_CALLS as POLICY, failureOf, isOutage } from './provider-calls.ts'

const ordersRepo = createOrdersRepository()
const repo = createCardExpiryRepository()
const OPEN = new Set(['requires_payment', 'requires_action'])
const PAYABLE = new Set(['pending_payment', 'requires_action'])

/** What a run did, per outcome (`cancelled`, `captured`, `kept`, `skipped`, `busy`, `unreachable`, …). */
export type ExpiryOutcomes = Record<string, number>

/**
 * The abandoned card payment expiry, in three steps so that no transaction is open while the
 * provider is called:
 * 1. `claim` (in the job's own short transaction): marks the candidates with the run's token and
 *    a lease (card_expiries), so another run or replica leaves them alone;
 * 2. `settle` (after that commit, outside any transaction): for each claimed order still open,
 *    cancels its payments at the provider;
 * 3. then records the answer in one short transaction per order: a payment that succeeded
 *    meanwhile is captured (the order ends paid), one still moving is left to its webhook, the
 *    rest are cancelled with the order and its coupons given back.
 * A provider failure changes nothing but the order's attempt count and back-off (bounded by
 * CARD_EXPIRY_CALLS.maxAttempts); an outage (no answer, 5xx, 429) stops the run's other calls.
 */
export function createCardExpiry(deps: CommerceDeps, area: CheckoutArea) {
  const { provider, payments, checkout } = area
  const db = deps.database.db
  const { logger } = deps

  /** Step 3 for one order: its outcome, in one transaction. */
  async function record(tx: Tx, orderId: string, token: string, answers: Map<string, ProviderPaymentResult>) {
    const all = await ordersRepo.paymentsOf(tx, orderId)
    const locked = await repo.lockPayments(tx, orderId)
    const order = locked.length === all.length ? await ordersRepo.lockPayable(tx, orderId) : undefined
    if (!order) {
      // Closed meanwhile (paid by its webhook, cancelled by the buyer): nothing left to do. In use
      // by a request or webhook: the next run looks again (the provider answers the same state).
      if (PAYABLE.has((await repo.orderStatus(tx, orderId)) ?? '')) {
        await repo.release(tx, orderId, token)
        return 'busy'
      }
      await repo.done(tx, orderId)
      return 'skipped'
    }
    await repo.done(tx, orderId)
    const succeeded = [...answers].find(([, a]) => a.status === 'succeeded')
    const moving = [...answers].filter(([, a]) => a.status === 'processing' || a.status === 'requires_action')
    if (succeeded) {
      // The buyer paid meanwhile (the cancel was refused): the order ends paid, never expired.
      await payments.applyResult(tx, succeeded[0], succeeded[1], null)
      return 'captured'
    }
    if (moving.length > 0) {
      for (const [id, a] of moving) await payments.applyResult(tx, id, a, null)
      return 'kept'
    }
    if (locked.some((p) => !OPEN.has(p.status))) return 'skipped'
    await checkout.cancelUnpaid(tx, [order])
    return 'cancelled'
  }

  return {
    /** Step 1, in the job's transaction: claims up to CARD_EXPIRY_CALLS.batch orders for `token`. */
    async claim(tx: Tx, token: string, now = new Date()): Promise<number> {
      const ids = await repo.claim(tx, {
        token,
        provider: provider.name,
        before: new Date(now.getTime() - deps.config.CARD_PAYMENT_WINDOW_HOURS * 3_600_000),
        leaseMs: POLICY.leaseMs,
        maxAttempts: POLICY.maxAttempts,
        limit: POLICY.batch,
      })
      return ids.length
    },

    /** Steps 2 and 3 for the orders `token` claimed; call it only after the claim committed. */
    async settle(token: string): Promise<ExpiryOutcomes> {
      const outcomes: ExpiryOutcomes = {}
      const count = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1)
      let outage = false
      for (const orderId of await repo.claimedBy(db, token)) {
        if (outage) {
          await repo.release(db, orderId, token)
          count('deferred')
          continue
        }
        const open = await ordersRepo.paymentsOf(db, orderId)
        const status = await repo.orderStatus(db, orderId)
        if (!PAYABLE.has(status ?? '') || open.some((p) => !OPEN.has(p.status))) {
          // Paid (its webhook came), cancelled or moving since the claim: no call to make.
          await repo.done(db, orderId)
          count('skipped')
          continue
        }
        // Only the caller that takes the claim asks the provider: never two runs about one order.
        const mine = `${token}/${randomUUID()}`
        if (!(await repo.take(db, orderId, token, mine, POLICY.leaseMs))) {
          count('lost')
          continue
        }
        const answers = new Map<string, ProviderPaymentResult>()
        try {
          for (const p of open) {
            if (p.providerRef && provider.cancel) {
              answers.set(p.id, await provider.cancel({ providerRef: p.providerRef }))
            }
          }
        } catch (err) {
          const { error, status: httpStatus } = failureOf(err)
          const attempts = await repo.failed(db, orderId, mine, error, POLICY)
          outage = isOutage(httpStatus)
          count('unreachable')
          if (attempts >= POLICY.maxAttempts) {
            logger.error(
              { orderId, attempts, error },
              'abandoned card payment: provider cancel failed; gave up (the order stays open for a person to settle)',
            )
          } else {
            logger.warn(
              { orderId, attempts, error },
              'abandoned card payment: provider cancel failed; retried later',
            )
          }
          continue
        }
        count(await db.transaction((tx) => record(tx, orderId, mine, answers)))
      }
      if (outcomes.captured) deps.wakeRelay()
      return outcomes
    },
  }
}

/** What createCardExpiry returns. */
export type CardExpiry = ReturnType<typeof createCardExpiry>
