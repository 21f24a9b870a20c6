import { and, desc, eq, inArray, lt, lte, ne, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx, Tx } from '@learnmesh/kernel'
import { orderItems, orders, payments, providerEvents, refunds } from '../db/schema.ts'
import type { OrderStatus } from './order-state.ts'

/** An orders row. */
export type OrderRow = typeof orders.$inferSelect
/** An order_items row. */
export type OrderItemRow = typeof orderItems.$inferSelect
/** A payments row. */
export type PaymentRow = typeof payments.$inferSelect
/** A payments row to insert. */
export type NewPaymentRow = typeof payments.$inferInsert
/** A refunds row. */
export type RefundRow = typeof refunds.$inferSelect
/** What a list shows of an order's lines: how many, and the titles of the first few in checkout order. */
export interface OrderLinesGlance {
  itemCount: number
  itemTitles: string[]
}

/** Most line titles an order summary carries (itemCount tells how many more there are). */
export const SUMMARY_TITLES = 5

/**
 * An order still `pending_payment` none of whose payments reached a provider: every payment is
 * `requires_payment` with no provider ref (the create call never answered), so there is nothing to
 * cancel anywhere but here. Such orders are commerce.orders.expire_abandoned's (after an hour);
 * every other open order with a card payment is commerce.payments.expire_abandoned's. An order
 * only ever leaves this set (a ref or an answer is never taken back), so the two jobs never share one.
 */
export function neverReachedProvider(): SQL {
  return sql`(${orders.status} = 'pending_payment' and not exists (select 1 from ${payments} p where p.order_id = ${orders.id} and (p.status <> 'requires_payment' or p.provider_ref is not null)))`
}

/** Data access for orders, their items, payments and refunds. */
export function createOrdersRepository() {
  return {
    /** Serializes one user's checkouts (transaction-scoped advisory lock). */
    async lockUser(tx: Tx, orgId: string, userId: string): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`checkout:${orgId}:${userId}`}))`)
    },
    /** Inserts an order with its items. */
    async insertOrder(
      tx: Tx,
      order: typeof orders.$inferInsert,
      items: (typeof orderItems.$inferInsert)[],
    ): Promise<void> {
      await tx.insert(orders).values(order)
      if (items.length > 0) await tx.insert(orderItems).values(items)
    },
    /** One order of an org (locked FOR UPDATE when asked). */
    async findOrder(db: DbOrTx, orgId: string, id: string, lock = false): Promise<OrderRow | undefined> {
      const q = db
        .select()
        .from(orders)
        .where(and(eq(orders.orgId, orgId), eq(orders.id, id)))
      const [r] = lock ? await q.for('update') : await q
      return r
    },
    /**
     * The order locked the one way every path that locks an order and its payments takes them:
     * its payments first (oldest first), then the order (docs/checkout.md#lock-order). The webhook
     * and provider-answer paths lock a payment and then its order; taking the order first here
     * could deadlock with them. Undefined when the order is not the org's.
     */
    async lockOrderWithPayments(tx: Tx, orgId: string, id: string): Promise<OrderRow | undefined> {
      await this.lockPaymentsOf(tx, orgId, id)
      return this.findOrder(tx, orgId, id, true)
    },
    /**
     * An order's payments locked FOR UPDATE, oldest first (the lock order's first step); with
     * `skipLocked`, those another transaction holds are left out (callers compare with paymentsOf).
     */
    async lockPaymentsOf(
      tx: Tx,
      orgId: string,
      orderId: string,
      opts: { skipLocked?: boolean } = {},
    ): Promise<PaymentRow[]> {
      return tx
        .select()
        .from(payments)
        .where(and(eq(payments.orgId, orgId), eq(payments.orderId, orderId)))
        .orderBy(payments.id)
        .for('update', opts.skipLocked ? { skipLocked: true } : {})
    },
    /** Items of an order, in checkout order. */
    async items(db: DbOrTx, orderId: string): Promise<OrderItemRow[]> {
      return db.select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(orderItems.id)
    },
    /**
     * The line count and the first SUMMARY_TITLES line titles (checkout order) of each order, in one
     * query for a whole page; an order without lines is absent from the map.
     */
    async linesGlance(db: DbOrTx, orderIds: string[]): Promise<Map<string, OrderLinesGlance>> {
      const glances = new Map<string, OrderLinesGlance>()
      if (orderIds.length === 0) return glances
      const ranked = db
        .select({
          orderId: orderItems.orderId,
          title: orderItems.title,
          n: sql<number>`(row_number() over (partition by ${orderItems.orderId} order by ${orderItems.id}))::int`.as(
            'n',
          ),
          count: sql<number>`(count(*) over (partition by ${orderItems.orderId}))::int`.as('count'),
        })
        .from(orderItems)
        .where(inArray(orderItems.orderId, orderIds))
        .as('ranked')
      const rows = await db
        .select()
        .from(ranked)
        .where(lte(ranked.n, SUMMARY_TITLES))
        .orderBy(ranked.orderId, ranked.n)
      for (const r of rows) {
        const glance = glances.get(r.orderId) ?? { itemCount: Number(r.count), itemTitles: [] }
        glance.itemTitles.push(r.title)
        glances.set(r.orderId, glance)
      }
      return glances
    },
    /**
     * Moves an order from `from` to `to` (the caller validated the transition): conditional on the
     * old status, so a concurrent change makes this return undefined instead of overwriting it.
     */
    async setStatus(
      tx: Tx,
      id: string,
      from: string,
      to: OrderStatus,
      extra: Partial<Pick<OrderRow, 'paidAt' | 'refundedMinor'>> = {},
    ): Promise<OrderRow | undefined> {
      const [r] = await tx
        .update(orders)
        .set({ status: to, ...extra, updatedAt: sql`now()` })
        .where(and(eq(orders.id, id), eq(orders.status, from)))
        .returning()
      return r
    },
    /** Course refs of this user's orders that still hold the course (paid or being paid, not fully refunded). */
    async heldCourseRefs(tx: Tx, orgId: string, userId: string, refs: string[]): Promise<string[]> {
      if (refs.length === 0) return []
      const rows = await tx
        .selectDistinct({ ref: orderItems.productRef })
        .from(orderItems)
        .innerJoin(orders, eq(orders.id, orderItems.orderId))
        .where(
          and(
            eq(orders.orgId, orgId),
            eq(orders.userId, userId),
            inArray(orders.status, ['pending_payment', 'requires_action', 'paid', 'partially_refunded']),
            eq(orderItems.productType, 'course'),
            inArray(orderItems.productRef, refs),
            sql`(${orderItems.refundedMinor} < ${orderItems.amountMinor} or ${orderItems.amountMinor} = 0)`,
          ),
        )
        // Checkout's hot path: parsed once per connection (one statement per number of refs).
        .prepare(`commerce_held_course_refs_${refs.length}`)
        .execute()
      return rows.map((r) => r.ref)
    },
    /** A user's orders, newest first (keyset on the time-ordered id). */
    async listForUser(
      db: DbOrTx,
      orgId: string,
      userId: string,
      opts: { after?: string; limit: number },
    ): Promise<OrderRow[]> {
      return db
        .select()
        .from(orders)
        .where(
          and(
            eq(orders.orgId, orgId),
            eq(orders.userId, userId),
            opts.after ? lt(orders.id, opts.after) : undefined,
          ),
        )
        .orderBy(desc(orders.id))
        .limit(opts.limit)
    },
    /** An org's orders with filters, newest first. */
    async listForOrg(
      db: DbOrTx,
      orgId: string,
      opts: { status?: string; userId?: string; from?: Date; to?: Date; after?: string; limit: number },
    ): Promise<OrderRow[]> {
      return db
        .select()
        .from(orders)
        .where(
          and(
            eq(orders.orgId, orgId),
            opts.status ? eq(orders.status, opts.status) : undefined,
            opts.userId ? eq(orders.userId, opts.userId) : undefined,
            opts.from ? sql`${orders.createdAt} >= ${opts.from.toISOString()}::timestamptz` : undefined,
            opts.to ? sql`${orders.createdAt} < ${opts.to.toISOString()}::timestamptz` : undefined,
            opts.after ? lt(orders.id, opts.after) : undefined,
          ),
        )
        .orderBy(desc(orders.id))
        .limit(opts.limit)
    },
    /**
     * Orders created before `before` that never reached a provider (`neverReachedProvider`: the
     * share of commerce.orders.expire_abandoned), locked, skipping rows another transaction holds.
     */
    async abandoned(tx: Tx, before: Date, limit: number): Promise<OrderRow[]> {
      return tx
        .select()
        .from(orders)
        .where(and(neverReachedProvider(), sql`${orders.createdAt} < ${before.toISOString()}::timestamptz`))
        .limit(limit)
        .for('update', { skipLocked: true })
    },
    /**
     * Orders still waiting for a Stellar payment (`requires_action`, every payment a Stellar request
     * not yet paid) created before `before`, locked, skipping rows another sweeper holds.
     */
    async awaitingStellar(tx: Tx, before: Date, limit: number): Promise<OrderRow[]> {
      return tx
        .select()
        .from(orders)
        .where(
          and(
            eq(orders.status, 'requires_action'),
            sql`${orders.createdAt} < ${before.toISOString()}::timestamptz`,
            sql`exists (select 1 from ${payments} p where p.order_id = ${orders.id})`,
            sql`not exists (select 1 from ${payments} p where p.order_id = ${orders.id} and (p.provider <> 'stellar' or p.status not in ('requires_payment', 'requires_action')))`,
          ),
        )
        .limit(limit)
        .for('update', { skipLocked: true })
    },
    /** The order locked when it can still be paid; undefined when closed or when another transaction holds it (SKIP LOCKED). */
    async lockPayable(tx: Tx, id: string): Promise<OrderRow | undefined> {
      const [r] = await tx
        .select()
        .from(orders)
        .where(and(eq(orders.id, id), inArray(orders.status, ['pending_payment', 'requires_action'])))
        .for('update', { skipLocked: true })
      return r
    },
    /** Records a provider webhook event; false when it was already recorded (replay or duplicate). */
    async recordProviderEvent(tx: Tx, provider: string, eventId: string, type: string): Promise<boolean> {
      const inserted = await tx
        .insert(providerEvents)
        .values({ provider, eventId, type })
        .onConflictDoNothing()
        .returning({ id: providerEvents.eventId })
      return inserted.length > 0
    },
    /** Inserts a payment. */
    async insertPayment(tx: Tx, row: NewPaymentRow): Promise<PaymentRow> {
      const [r] = await tx.insert(payments).values(row).returning()
      return r!
    },
    /** A payment by id (locked when asked). */
    async findPayment(db: DbOrTx, id: string, lock = false): Promise<PaymentRow | undefined> {
      const q = db.select().from(payments).where(eq(payments.id, id))
      const [r] = lock ? await q.for('update') : await q
      return r
    },
    /** A payment by its provider id (locked when asked). */
    async findPaymentByRef(
      db: DbOrTx,
      provider: string,
      ref: string,
      lock = false,
    ): Promise<PaymentRow | undefined> {
      const q = db
        .select()
        .from(payments)
        .where(and(eq(payments.provider, provider), eq(payments.providerRef, ref)))
      const [r] = lock ? await q.for('update') : await q
      return r
    },
    /** Updates a payment. */
    async updatePayment(tx: Tx, id: string, set: Partial<typeof payments.$inferInsert>): Promise<PaymentRow> {
      const [r] = await tx
        .update(payments)
        .set({ ...set, updatedAt: sql`now()` })
        .where(eq(payments.id, id))
        .returning()
      return r!
    },
    /** Payments of an order, oldest first. */
    async paymentsOf(db: DbOrTx, orderId: string): Promise<PaymentRow[]> {
      return db.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(payments.id)
    },
    /** Refunds of an order, oldest first (optionally without failed ones). */
    async refundsOf(db: DbOrTx, orderId: string, liveOnly = false): Promise<RefundRow[]> {
      return db
        .select()
        .from(refunds)
        .where(and(eq(refunds.orderId, orderId), liveOnly ? ne(refunds.status, 'failed') : undefined))
        .orderBy(refunds.id)
    },
    /** Inserts a refund. */
    async insertRefund(tx: Tx, row: typeof refunds.$inferInsert): Promise<RefundRow> {
      const [r] = await tx.insert(refunds).values(row).returning()
      return r!
    },
    /** A refund by id (locked when asked). */
    async findRefund(db: DbOrTx, id: string, lock = false): Promise<RefundRow | undefined> {
      const q = db.select().from(refunds).where(eq(refunds.id, id))
      const [r] = lock ? await q.for('update') : await q
      return r
    },
    /**
     * The refund a provider event is about (locked): by the provider's refund id, or by our refund
     * id from the provider object's metadata while the provider id is not recorded yet. Only
     * refunds of this provider's payments.
     */
    async findRefundForProvider(
      tx: Tx,
      provider: string,
      providerRef: string,
      ourRef?: string,
    ): Promise<RefundRow | undefined> {
      const match = ourRef
        ? sql`(${refunds.providerRef} = ${providerRef} or (${refunds.id} = ${ourRef} and ${refunds.providerRef} is null))`
        : eq(refunds.providerRef, providerRef)
      const [r] = await tx
        .select({ id: refunds.id })
        .from(refunds)
        .innerJoin(payments, eq(payments.id, refunds.paymentId))
        .where(and(eq(payments.provider, provider), match))
        .limit(1)
      return r ? this.findRefund(tx, r.id, true) : undefined
    },
    /**
     * Refunds of `provider`'s payments still `pending` and never answered (no provider ref),
     * created after `newerThan`: those with an automatic reason at once, the others only when
     * created before `graceBefore`; oldest first.
     */
    async unsentRefunds(
      db: DbOrTx,
      q: { provider: string; automaticReasons: string[]; newerThan: Date; graceBefore: Date; limit: number },
    ): Promise<RefundRow[]> {
      const rows = await db
        .select({ refund: refunds })
        .from(refunds)
        .innerJoin(payments, eq(payments.id, refunds.paymentId))
        .where(
          and(
            eq(refunds.status, 'pending'),
            sql`${refunds.providerRef} is null`,
            eq(payments.provider, q.provider),
            sql`${refunds.createdAt} > ${q.newerThan.toISOString()}::timestamptz`,
            sql`(${inArray(refunds.reason, q.automaticReasons)} or ${refunds.createdAt} < ${q.graceBefore.toISOString()}::timestamptz)`,
          ),
        )
        .orderBy(refunds.createdAt, refunds.id)
        .limit(q.limit)
      return rows.map((r) => r.refund)
    },
    /** Updates a refund. */
    async updateRefund(tx: Tx, id: string, set: Partial<typeof refunds.$inferInsert>): Promise<RefundRow> {
      const [r] = await tx.update(refunds).set(set).where(eq(refunds.id, id)).returning()
      return r!
    },
    /** Adds a succeeded refund to an item's refunded total. */
    async addItemRefunded(tx: Tx, itemId: string, amountMinor: number): Promise<void> {
      await tx
        .update(orderItems)
        .set({ refundedMinor: sql`${orderItems.refundedMinor} + ${amountMinor}` })
        .where(eq(orderItems.id, itemId))
    },
    /** Adds a succeeded refund to a payment's refunded total. */
    async addPaymentRefunded(tx: Tx, paymentId: string, amountMinor: number): Promise<void> {
      await tx
        .update(payments)
        .set({ refundedMinor: sql`${payments.refundedMinor} + ${amountMinor}`, updatedAt: sql`now()` })
        .where(eq(payments.id, paymentId))
    },
  }
}
