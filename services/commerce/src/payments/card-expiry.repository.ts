import { and, eq, gt, sql } from 'drizzle-orm'
import type { DbOrTx, Tx } from '@learnmesh/kernel'
import { cardExpiries, orders, payments } from '../db/schema.ts'
import { neverReachedProvider, type PaymentRow } from '../orders/orders.repository.ts'
import { retryAtSql, type ProviderCallPolicy } from './provider-calls.ts'

/** What a run claims with. */
export interface ClaimInput {
  /** The run's token (stored in `claimed_by`). */
  token: string
  /** The configured payment provider: only its payments are expired. */
  provider: string
  /** Every payment of the order started before this. */
  before: Date
  /** How long the claim holds. */
  leaseMs: number
  /** Orders at this many failed attempts are no longer claimed. */
  maxAttempts: number
  limit: number
}

/** Data access for the abandoned card payment expiry (`card_expiries`). */
export function createCardExpiryRepository() {
  return {
    /**
     * Claims, oldest first, orders still open (`pending_payment` / `requires_action`) whose every
     * payment is an open one (`requires_payment` / `requires_action`) of `provider` started before
     * `before`, except those that never reached the provider (commerce.orders.expire_abandoned's),
     * those another run holds, those backing off and those out of attempts. One statement: two
     * runs can never both claim an order (the row's conflict is re-checked under its lock).
     */
    async claim(tx: Tx, input: ClaimInput): Promise<string[]> {
      const { token, provider, before, leaseMs, maxAttempts, limit } = input
      const res = (await tx.execute(sql`
        insert into ${cardExpiries} (order_id, claimed_by, claimed_until, updated_at)
        select ${orders.id}, ${token}, now() + ${leaseMs}::int * interval '1 millisecond', now()
        from ${orders}
        where ${orders.status} in ('pending_payment', 'requires_action')
          and exists (select 1 from ${payments} p where p.order_id = ${orders.id})
          and not exists (select 1 from ${payments} p where p.order_id = ${orders.id}
            and (p.provider <> ${provider} or p.status not in ('requires_payment', 'requires_action')
              or p.created_at >= ${before.toISOString()}::timestamptz))
          and not ${neverReachedProvider()}
          and not exists (select 1 from ${cardExpiries} e where e.order_id = ${orders.id}
            and (e.claimed_until > now() or e.next_attempt_at > now() or e.attempts >= ${maxAttempts}))
        order by ${orders.createdAt}
        limit ${limit}
        on conflict (order_id) do update set claimed_by = excluded.claimed_by,
          claimed_until = excluded.claimed_until, updated_at = now()
        where (${cardExpiries.claimedUntil} is null or ${cardExpiries.claimedUntil} <= now())
          and ${cardExpiries.nextAttemptAt} <= now() and ${cardExpiries.attempts} < ${maxAttempts}
        returning order_id`)) as unknown as { rows: { order_id: string }[] }
      return res.rows.map((r) => r.order_id)
    },
    /** Orders `token` still holds (claim not lapsed), oldest claim first. */
    async claimedBy(db: DbOrTx, token: string): Promise<string[]> {
      const rows = await db
        .select({ orderId: cardExpiries.orderId })
        .from(cardExpiries)
        .where(and(eq(cardExpiries.claimedBy, token), gt(cardExpiries.claimedUntil, sql`now()`)))
        .orderBy(cardExpiries.orderId)
      return rows.map((r) => r.orderId)
    },
    /**
     * Hands the order's claim from `token` to `callToken` with a fresh lease, right before calling
     * the provider: false when `token` no longer holds it (lapsed and taken by another run, or
     * already taken by a concurrent caller), so at most one caller asks about an order at a time.
     */
    async take(
      db: DbOrTx,
      orderId: string,
      token: string,
      callToken: string,
      leaseMs: number,
    ): Promise<boolean> {
      const rows = await db
        .update(cardExpiries)
        .set({
          claimedBy: callToken,
          claimedUntil: sql`now() + ${leaseMs}::int * interval '1 millisecond'`,
          updatedAt: sql`now()`,
        })
        .where(
          and(
            eq(cardExpiries.orderId, orderId),
            eq(cardExpiries.claimedBy, token),
            gt(cardExpiries.claimedUntil, sql`now()`),
          ),
        )
        .returning({ orderId: cardExpiries.orderId })
      return rows.length > 0
    },
    /** Gives the claim back without counting an attempt (the order is retried on a later run). */
    async release(db: DbOrTx, orderId: string, token: string): Promise<void> {
      await db
        .update(cardExpiries)
        .set({ claimedBy: null, claimedUntil: null, updatedAt: sql`now()` })
        .where(and(eq(cardExpiries.orderId, orderId), eq(cardExpiries.claimedBy, token)))
    },
    /**
     * Records a failed provider call: one more attempt, the claim given back, not asked again
     * before the policy's back-off (`retryAtSql`). Answers the attempts so far.
     */
    async failed(
      db: DbOrTx,
      orderId: string,
      token: string,
      error: string,
      policy: ProviderCallPolicy,
    ): Promise<number> {
      const [r] = await db
        .update(cardExpiries)
        .set({
          attempts: sql`${cardExpiries.attempts} + 1`,
          nextAttemptAt: retryAtSql(cardExpiries.attempts, policy),
          lastError: error,
          claimedBy: null,
          claimedUntil: null,
          updatedAt: sql`now()`,
        })
        .where(and(eq(cardExpiries.orderId, orderId), eq(cardExpiries.claimedBy, token)))
        .returning({ attempts: cardExpiries.attempts })
      return r?.attempts ?? 0
    },
    /** The order's outcome is recorded: its expiry row goes. */
    async done(db: DbOrTx, orderId: string): Promise<void> {
      await db.delete(cardExpiries).where(eq(cardExpiries.orderId, orderId))
    },
    /**
     * The order's payments locked, skipping those another transaction holds (the webhook and
     * confirm paths lock a payment and then its order: waiting here could deadlock).
     */
    async lockPayments(tx: Tx, orderId: string): Promise<PaymentRow[]> {
      return tx
        .select()
        .from(payments)
        .where(eq(payments.orderId, orderId))
        .orderBy(payments.id)
        .for('update', { skipLocked: true })
    },
    /** The order's status (undefined when it does not exist). */
    async orderStatus(db: DbOrTx, orderId: string): Promise<string | undefined> {
      const [r] = await db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId))
      return r?.status
    },
  }
}
