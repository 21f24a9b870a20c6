import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm'
import type { DbOrTx, Tx } from '@learnmesh/kernel'
import { couponRedemptions, coupons, products } from '../db/schema.ts'

/** A coupons row. */
export type CouponRow = typeof coupons.$inferSelect

/** Data access for coupons and their redemptions; every query is scoped by org. */
export function createCouponsRepository() {
  return {
    /** Inserts a coupon; undefined when the code exists in the org. */
    async insert(db: DbOrTx, row: typeof coupons.$inferInsert): Promise<CouponRow | undefined> {
      const [r] = await db.insert(coupons).values(row).onConflictDoNothing().returning()
      return r
    },
    /** One coupon of an org. */
    async find(db: DbOrTx, orgId: string, id: string): Promise<CouponRow | undefined> {
      const [r] = await db
        .select()
        .from(coupons)
        .where(and(eq(coupons.orgId, orgId), eq(coupons.id, id)))
      return r
    },
    /** Coupons of an org by (upper-cased) codes. */
    async findByCodes(db: DbOrTx, orgId: string, codes: string[]): Promise<CouponRow[]> {
      if (codes.length === 0) return []
      return db
        .select()
        .from(coupons)
        .where(and(eq(coupons.orgId, orgId), inArray(coupons.code, codes)))
    },
    /** A page of coupons, newest first. */
    async list(db: DbOrTx, orgId: string, opts: { after?: string; limit: number }): Promise<CouponRow[]> {
      return db
        .select()
        .from(coupons)
        .where(and(eq(coupons.orgId, orgId), opts.after ? lt(coupons.id, opts.after) : undefined))
        .orderBy(desc(coupons.id))
        .limit(opts.limit)
    },
    /** Updates a coupon of an org. */
    async update(
      db: DbOrTx,
      orgId: string,
      id: string,
      set: Partial<Pick<CouponRow, 'active' | 'endsAt'>>,
    ): Promise<CouponRow | undefined> {
      const [r] = await db
        .update(coupons)
        .set(set)
        .where(and(eq(coupons.orgId, orgId), eq(coupons.id, id)))
        .returning()
      return r
    },
    /** How many of these product ids exist in the org. */
    async countProducts(db: DbOrTx, orgId: string, ids: string[]): Promise<number> {
      if (ids.length === 0) return 0
      const rows = await db
        .select({ id: products.id })
        .from(products)
        .where(and(eq(products.orgId, orgId), inArray(products.id, ids)))
      return rows.length
    },
    /**
     * Takes one redemption: a conditional update that only succeeds while the coupon is active,
     * valid at `now` and below its limit. It row-locks the coupon until the transaction ends, so
     * concurrent redemptions of one coupon serialize and re-check the limit (READ COMMITTED
     * re-evaluates the WHERE on the committed row). Undefined when none is left.
     */
    async redeemOne(tx: Tx, orgId: string, id: string, now: Date): Promise<CouponRow | undefined> {
      const [r] = await tx
        .update(coupons)
        .set({ redeemedCount: sql`${coupons.redeemedCount} + 1` })
        .where(
          and(
            eq(coupons.orgId, orgId),
            eq(coupons.id, id),
            eq(coupons.active, true),
            sql`(${coupons.maxRedemptions} is null or ${coupons.redeemedCount} < ${coupons.maxRedemptions})`,
            sql`(${coupons.startsAt} is null or ${coupons.startsAt} <= ${now.toISOString()}::timestamptz)`,
            sql`(${coupons.endsAt} is null or ${coupons.endsAt} > ${now.toISOString()}::timestamptz)`,
          ),
        )
        .returning()
      return r
    },
    /** Redemptions of a coupon by a user (call while holding the coupon's row lock). */
    async countUserRedemptions(tx: Tx, couponId: string, userId: string): Promise<number> {
      const [r] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(couponRedemptions)
        .where(and(eq(couponRedemptions.couponId, couponId), eq(couponRedemptions.userId, userId)))
      return r?.n ?? 0
    },
    /** Records a redemption by an order. */
    async insertRedemption(tx: Tx, row: typeof couponRedemptions.$inferInsert): Promise<void> {
      await tx.insert(couponRedemptions).values(row)
    },
    /** Gives back an unpaid order's redemptions (failed or cancelled order). */
    async releaseForOrder(tx: Tx, orderId: string): Promise<void> {
      const rows = await tx
        .delete(couponRedemptions)
        .where(eq(couponRedemptions.orderId, orderId))
        .returning()
      for (const r of rows) {
        await tx
          .update(coupons)
          .set({ redeemedCount: sql`greatest(${coupons.redeemedCount} - 1, 0)` })
          .where(eq(coupons.id, r.couponId))
      }
    },
  }
}
