import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm'
import type { DbOrTx } from '@learnmesh/kernel'
import { prices, products } from '../db/schema.ts'

/** A products row. */
export type ProductRow = typeof products.$inferSelect
/** A prices row. */
export type PriceRow = typeof prices.$inferSelect

/** Data access for products and prices; every query is scoped by org. */
export function createProductsRepository() {
  return {
    /** Inserts a product; undefined when (org, type, ref) exists. */
    async insertProduct(db: DbOrTx, row: typeof products.$inferInsert): Promise<ProductRow | undefined> {
      const [r] = await db.insert(products).values(row).onConflictDoNothing().returning()
      return r
    },
    /** One product of an org. */
    async findProduct(db: DbOrTx, orgId: string, id: string): Promise<ProductRow | undefined> {
      const [r] = await db
        .select()
        .from(products)
        .where(and(eq(products.orgId, orgId), eq(products.id, id)))
      return r
    },
    /** The product for an owning-service ref. */
    async findProductByRef(
      db: DbOrTx,
      orgId: string,
      type: string,
      ref: string,
    ): Promise<ProductRow | undefined> {
      const [r] = await db
        .select()
        .from(products)
        .where(and(eq(products.orgId, orgId), eq(products.type, type), eq(products.ref, ref)))
      return r
    },
    /** Products of an org of the given types whose ref starts with `prefix` (a tutor's `tut:<id>:`). */
    async listProductsByRefPrefix(
      db: DbOrTx,
      orgId: string,
      types: string[],
      prefix: string,
    ): Promise<ProductRow[]> {
      return db
        .select()
        .from(products)
        .where(
          and(
            eq(products.orgId, orgId),
            inArray(products.type, types),
            sql`left(${products.ref}, ${prefix.length}) = ${prefix}`,
          ),
        )
        .orderBy(products.id)
    },
    /** Products of an org, newest first (keyset on id). */
    async listProducts(
      db: DbOrTx,
      orgId: string,
      opts: { type?: string; after?: string; limit: number },
    ): Promise<ProductRow[]> {
      return db
        .select()
        .from(products)
        .where(
          and(
            eq(products.orgId, orgId),
            opts.type ? eq(products.type, opts.type) : undefined,
            opts.after ? lt(products.id, opts.after) : undefined,
          ),
        )
        .orderBy(desc(products.id))
        .limit(opts.limit)
    },
    /** Updates a product of an org. */
    async updateProduct(
      db: DbOrTx,
      orgId: string,
      id: string,
      set: Partial<Pick<ProductRow, 'title' | 'description' | 'payeeUserId' | 'active'>>,
    ): Promise<ProductRow | undefined> {
      const [r] = await db
        .update(products)
        .set(set)
        .where(and(eq(products.orgId, orgId), eq(products.id, id)))
        .returning()
      return r
    },
    /** Inserts a price. */
    async insertPrice(db: DbOrTx, row: typeof prices.$inferInsert): Promise<PriceRow> {
      const [r] = await db.insert(prices).values(row).returning()
      return r!
    },
    /** Prices of a product (optionally only active ones), oldest first. */
    async listPrices(db: DbOrTx, orgId: string, productId: string, activeOnly = false): Promise<PriceRow[]> {
      return db
        .select()
        .from(prices)
        .where(
          and(
            eq(prices.orgId, orgId),
            eq(prices.productId, productId),
            activeOnly ? eq(prices.active, true) : undefined,
          ),
        )
        .orderBy(prices.id)
    },
    /** A price with its product (same org). */
    async findPriceWithProduct(
      db: DbOrTx,
      orgId: string,
      priceId: string,
    ): Promise<{ price: PriceRow; product: ProductRow } | undefined> {
      const [r] = await db
        .select({ price: prices, product: products })
        .from(prices)
        .innerJoin(products, eq(products.id, prices.productId))
        .where(and(eq(prices.orgId, orgId), eq(prices.id, priceId)))
      return r
    },
    /** A price by id, any org (guest carts: the price decides the cart's org). */
    async findPriceById(db: DbOrTx, priceId: string): Promise<PriceRow | undefined> {
      const [r] = await db.select().from(prices).where(eq(prices.id, priceId))
      return r
    },
    /** Activates or deactivates a price of an org. */
    async setPriceActive(
      db: DbOrTx,
      orgId: string,
      id: string,
      active: boolean,
    ): Promise<PriceRow | undefined> {
      const [r] = await db
        .update(prices)
        .set({ active })
        .where(and(eq(prices.orgId, orgId), eq(prices.id, id)))
        .returning()
      return r
    },
  }
}
