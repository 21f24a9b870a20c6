import { and, asc, desc, eq, gt, inArray, isNotNull, lt, lte, or, sql } from 'drizzle-orm'
import type { DbOrTx, Tx } from '@learnmesh/kernel'
import { retryAtSql, type ProviderCallPolicy } from '../payments/provider-calls.ts'
import {
  orders,
  payments,
  planEntitlements,
  prices,
  products,
  subscriptionCharges,
  subscriptions,
  type PlanEntitlement,
} from '../db/schema.ts'

/** A subscriptions row. */
export type SubscriptionRow = typeof subscriptions.$inferSelect
/** A subscription_charges row. */
export type SubscriptionChargeRow = typeof subscriptionCharges.$inferSelect

/** Statuses in which a subscription grants access and renews. */
export const LIVE_STATUSES = ['trialing', 'active', 'past_due'] as const

/** Data access for subscriptions, their renewal charges and plan entitlements. */
export function createSubscriptionsRepository() {
  return {
    /** Inserts a subscription. */
    async insert(tx: Tx, row: typeof subscriptions.$inferInsert): Promise<void> {
      await tx.insert(subscriptions).values(row)
    },
    /** One subscription of an org (locked FOR UPDATE when asked). */
    async find(db: DbOrTx, orgId: string, id: string, lock = false): Promise<SubscriptionRow | undefined> {
      const q = db
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.orgId, orgId), eq(subscriptions.id, id)))
      const [r] = lock ? await q.for('update') : await q
      return r
    },
    /** A subscription by id alone, not locked (what a renewal pass looks at before taking its locks). */
    async peekById(db: DbOrTx, id: string): Promise<SubscriptionRow | undefined> {
      const [r] = await db.select().from(subscriptions).where(eq(subscriptions.id, id))
      return r
    },
    /** A subscription by id alone (jobs), locked FOR UPDATE. */
    async lockById(tx: Tx, id: string): Promise<SubscriptionRow | undefined> {
      const [r] = await tx.select().from(subscriptions).where(eq(subscriptions.id, id)).for('update')
      return r
    },
    /** The incomplete subscriptions a checkout order started. */
    async incompleteForOrder(tx: Tx, orderId: string): Promise<SubscriptionRow[]> {
      return tx
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.orderId, orderId), eq(subscriptions.status, 'incomplete')))
        .for('update')
    },
    /** Changes a subscription. */
    async update(
      tx: Tx,
      id: string,
      set: Partial<typeof subscriptions.$inferInsert>,
    ): Promise<SubscriptionRow> {
      const [r] = await tx
        .update(subscriptions)
        .set({ ...set, updatedAt: sql`now()` })
        .where(eq(subscriptions.id, id))
        .returning()
      return r!
    },
    /**
     * Product ids among `productIds` the user cannot subscribe to again now: a live subscription, or
     * an incomplete one whose checkout order is still being paid.
     */
    async blockingProducts(tx: Tx, orgId: string, userId: string, productIds: string[]): Promise<string[]> {
      if (productIds.length === 0) return []
      const rows = await tx
        .selectDistinct({ productId: subscriptions.productId })
        .from(subscriptions)
        .leftJoin(orders, eq(orders.id, subscriptions.orderId))
        .where(
          and(
            eq(subscriptions.orgId, orgId),
            eq(subscriptions.userId, userId),
            inArray(subscriptions.productId, productIds),
            or(
              inArray(subscriptions.status, [...LIVE_STATUSES]),
              and(
                eq(subscriptions.status, 'incomplete'),
                inArray(orders.status, ['pending_payment', 'requires_action']),
              ),
            ),
          ),
        )
      return rows.map((r) => r.productId)
    },
    /** Product ids among `productIds` whose trial this user already had (one trial per plan and user). */
    async trialsUsed(tx: Tx, orgId: string, userId: string, productIds: string[]): Promise<Set<string>> {
      if (productIds.length === 0) return new Set()
      const rows = await tx
        .selectDistinct({ productId: subscriptions.productId })
        .from(subscriptions)
        .where(
          and(
            eq(subscriptions.orgId, orgId),
            eq(subscriptions.userId, userId),
            inArray(subscriptions.productId, productIds),
            sql`${subscriptions.trialEnd} is not null`,
          ),
        )
      return new Set(rows.map((r) => r.productId))
    },
    /** A user's subscriptions, newest first (keyset on the time-ordered id). */
    async listForUser(
      db: DbOrTx,
      orgId: string,
      userId: string,
      opts: { after?: string; limit: number },
    ): Promise<SubscriptionRow[]> {
      return db
        .select()
        .from(subscriptions)
        .where(
          and(
            eq(subscriptions.orgId, orgId),
            eq(subscriptions.userId, userId),
            opts.after ? lt(subscriptions.id, opts.after) : undefined,
          ),
        )
        .orderBy(desc(subscriptions.id))
        .limit(opts.limit)
    },
    /** An org's subscriptions with filters, newest first. */
    async listForOrg(
      db: DbOrTx,
      orgId: string,
      opts: { status?: string; userId?: string; after?: string; limit: number },
    ): Promise<SubscriptionRow[]> {
      return db
        .select()
        .from(subscriptions)
        .where(
          and(
            eq(subscriptions.orgId, orgId),
            opts.status ? eq(subscriptions.status, opts.status) : undefined,
            opts.userId ? eq(subscriptions.userId, opts.userId) : undefined,
            opts.after ? lt(subscriptions.id, opts.after) : undefined,
          ),
        )
        .orderBy(desc(subscriptions.id))
        .limit(opts.limit)
    },
    /**
     * Ids of subscriptions the sweep must look at by `now`: a period that ended (renew or end it),
     * a retry that is due, or an incomplete one whose checkout order closed unpaid.
     */
    async due(db: DbOrTx, now: Date, limit: number): Promise<string[]> {
      const at = now.toISOString()
      const rows = await db
        .select({ id: subscriptions.id })
        .from(subscriptions)
        .leftJoin(orders, eq(orders.id, subscriptions.orderId))
        .where(
          or(
            and(
              inArray(subscriptions.status, ['trialing', 'active']),
              sql`${subscriptions.currentPeriodEnd} <= ${at}::timestamptz`,
            ),
            and(
              eq(subscriptions.status, 'past_due'),
              or(
                sql`${subscriptions.nextAttemptAt} <= ${at}::timestamptz`,
                and(eq(subscriptions.cancelAtPeriodEnd, true), lte(subscriptions.currentPeriodEnd, now)),
              ),
            ),
            and(eq(subscriptions.status, 'incomplete'), inArray(orders.status, ['failed', 'cancelled'])),
          ),
        )
        .orderBy(subscriptions.currentPeriodEnd)
        .limit(limit)
      return rows.map((r) => r.id)
    },
    /** Inserts a renewal attempt; undefined when that (subscription, period, attempt) already exists. */
    async insertCharge(
      tx: Tx,
      row: typeof subscriptionCharges.$inferInsert,
    ): Promise<SubscriptionChargeRow | undefined> {
      const [r] = await tx.insert(subscriptionCharges).values(row).onConflictDoNothing().returning()
      return r
    },
    /** The attempt of a period, if made (not locked: see `lockCharge`). */
    async findCharge(
      tx: Tx,
      subscriptionId: string,
      periodStart: Date,
      attempt: number,
    ): Promise<SubscriptionChargeRow | undefined> {
      const [r] = await tx
        .select()
        .from(subscriptionCharges)
        .where(
          and(
            eq(subscriptionCharges.subscriptionId, subscriptionId),
            sql`${subscriptionCharges.periodStart} = ${periodStart.toISOString()}::timestamptz`,
            eq(subscriptionCharges.attempt, attempt),
          ),
        )
      return r
    },
    /** A renewal attempt by id, locked FOR UPDATE (after its payment: docs/checkout.md#lock-order). */
    async lockCharge(tx: Tx, id: string): Promise<SubscriptionChargeRow | undefined> {
      const [r] = await tx
        .select()
        .from(subscriptionCharges)
        .where(eq(subscriptionCharges.id, id))
        .for('update')
      return r
    },
    /** The renewal attempt a renewal order belongs to (locked). */
    async chargeForOrder(tx: Tx, orderId: string): Promise<SubscriptionChargeRow | undefined> {
      const [r] = await tx
        .select()
        .from(subscriptionCharges)
        .where(eq(subscriptionCharges.orderId, orderId))
        .for('update')
      return r
    },
    /** Ids of the subscriptions a checkout order started (every status). */
    async idsForCheckoutOrder(tx: Tx, orderId: string): Promise<string[]> {
      const rows = await tx
        .select({ id: subscriptions.id })
        .from(subscriptions)
        .where(eq(subscriptions.orderId, orderId))
        .orderBy(subscriptions.id)
      return rows.map((r) => r.id)
    },
    /** Marks a renewal attempt succeeded or failed. */
    async setChargeStatus(
      tx: Tx,
      id: string,
      status: 'succeeded' | 'failed',
      failureCode: string | null = null,
    ): Promise<void> {
      await tx.update(subscriptionCharges).set({ status, failureCode }).where(eq(subscriptionCharges.id, id))
    },
    /**
     * Claims for `token`, oldest first, pending renewal attempts whose payment was never answered
     * (`requires_payment`): not held by another run, not backing off, not out of calls. Rows another
     * transaction is claiming are skipped, so two runs never claim one attempt.
     */
    async claimCalls(
      tx: Tx,
      input: { token: string; leaseMs: number; maxAttempts: number; limit: number },
    ): Promise<string[]> {
      const { token, leaseMs, maxAttempts, limit } = input
      const res = (await tx.execute(sql`
        update ${subscriptionCharges} set claimed_by = ${token},
          claimed_until = now() + ${leaseMs}::int * interval '1 millisecond'
        where id in (
          select c.id from ${subscriptionCharges} c join ${payments} p on p.id = c.payment_id
          where c.status = 'pending' and p.status = 'requires_payment'
            and (c.claimed_until is null or c.claimed_until <= now())
            and c.next_call_at <= now() and c.call_attempts < ${maxAttempts}
          order by c.created_at, c.id
          limit ${limit}
          for update of c skip locked)
        returning id`)) as unknown as { rows: { id: string }[] }
      return res.rows.map((r) => r.id)
    },
    /** Attempts `token` still holds (claim not lapsed), with what the provider call needs. */
    async claimedCalls(db: DbOrTx, token: string) {
      return db
        .select({ charge: subscriptionCharges, payment: payments, method: subscriptions.paymentMethodRef })
        .from(subscriptionCharges)
        .innerJoin(payments, eq(payments.id, subscriptionCharges.paymentId))
        .innerJoin(subscriptions, eq(subscriptions.id, subscriptionCharges.subscriptionId))
        .where(
          and(eq(subscriptionCharges.claimedBy, token), gt(subscriptionCharges.claimedUntil, sql`now()`)),
        )
        .orderBy(subscriptionCharges.createdAt, subscriptionCharges.id)
    },
    /**
     * Hands an attempt's claim from `token` to `callToken` with a fresh lease, right before the
     * provider call: false when `token` no longer holds it (so one caller at a time asks).
     */
    async takeCall(db: DbOrTx, id: string, token: string, callToken: string, leaseMs: number) {
      const rows = await db
        .update(subscriptionCharges)
        .set({ claimedBy: callToken, claimedUntil: sql`now() + ${leaseMs}::int * interval '1 millisecond'` })
        .where(
          and(
            eq(subscriptionCharges.id, id),
            eq(subscriptionCharges.claimedBy, token),
            gt(subscriptionCharges.claimedUntil, sql`now()`),
          ),
        )
        .returning({ id: subscriptionCharges.id })
      return rows.length > 0
    },
    /** Gives a claim back without counting a call (another run asks later). */
    async releaseCall(db: DbOrTx, id: string, token: string | null = null): Promise<void> {
      await db
        .update(subscriptionCharges)
        .set({ claimedBy: null, claimedUntil: null })
        .where(
          token === null
            ? eq(subscriptionCharges.id, id)
            : and(eq(subscriptionCharges.id, id), eq(subscriptionCharges.claimedBy, token)),
        )
    },
    /**
     * Records a provider call without answer: one more call, the claim given back, not asked again
     * before the policy's back-off (`retryAtSql`). Answers the calls so far.
     */
    async callFailed(
      db: DbOrTx,
      id: string,
      token: string,
      error: string,
      policy: ProviderCallPolicy,
    ): Promise<number> {
      const c = subscriptionCharges
      const [r] = await db
        .update(c)
        .set({
          callAttempts: sql`${c.callAttempts} + 1`,
          nextCallAt: retryAtSql(c.callAttempts, policy),
          lastError: error,
          claimedBy: null,
          claimedUntil: null,
        })
        .where(and(eq(c.id, id), eq(c.claimedBy, token)))
        .returning({ calls: c.callAttempts })
      return r?.calls ?? 0
    },
    /** A subscription's renewal attempts, newest first. */
    async charges(db: DbOrTx, subscriptionId: string): Promise<SubscriptionChargeRow[]> {
      return db
        .select()
        .from(subscriptionCharges)
        .where(eq(subscriptionCharges.subscriptionId, subscriptionId))
        .orderBy(desc(subscriptionCharges.createdAt), desc(subscriptionCharges.id))
    },
    /** A plan product of an org. */
    async findPlanProduct(db: DbOrTx, orgId: string, productId: string) {
      const [r] = await db
        .select()
        .from(products)
        .where(
          and(eq(products.orgId, orgId), eq(products.id, productId), eq(products.type, 'subscription_plan')),
        )
      return r
    },
    /**
     * The org's plans on sale: active subscription_plan products with their active plan prices and
     * what each grants (null: never set, i.e. every course), oldest product first (at most 500 rows).
     */
    async plansOnSale(db: DbOrTx, orgId: string) {
      return db
        .select({ product: products, price: prices, entitlement: planEntitlements.entitlement })
        .from(products)
        .innerJoin(
          prices,
          and(eq(prices.productId, products.id), eq(prices.active, true), isNotNull(prices.interval)),
        )
        .leftJoin(planEntitlements, eq(planEntitlements.productId, products.id))
        .where(
          and(eq(products.orgId, orgId), eq(products.type, 'subscription_plan'), eq(products.active, true)),
        )
        .orderBy(asc(products.id), asc(prices.id))
        .limit(500)
    },
    /** What a plan grants: the admin's setting, else every course of the org. */
    async entitlementOf(db: DbOrTx, productId: string): Promise<PlanEntitlement> {
      const [r] = await db.select().from(planEntitlements).where(eq(planEntitlements.productId, productId))
      return r?.entitlement ?? { scope: 'all_courses' }
    },
    /** Sets what a plan grants. */
    async setEntitlement(
      tx: Tx,
      row: { productId: string; orgId: string; entitlement: PlanEntitlement; updatedBy: string },
    ): Promise<void> {
      await tx
        .insert(planEntitlements)
        .values(row)
        .onConflictDoUpdate({
          target: planEntitlements.productId,
          set: { entitlement: row.entitlement, updatedBy: row.updatedBy, updatedAt: sql`now()` },
        })
    },
  }
}
