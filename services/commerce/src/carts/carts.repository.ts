import { and, asc, eq, sql } from 'drizzle-orm'
import type { DbOrTx, Tx } from '@learnmesh/kernel'
import { cartItems, carts, prices, products } from '../db/schema.ts'
import type { PriceRow, ProductRow } from '../products/products.repository.ts'

/** A carts row. */
export type CartRow = typeof carts.$inferSelect
/** A cart line with its price and product. */
export interface CartLine {
  /** The buyer's reference on the line ('' for none): a tutoring booking id for a held slot. */
  reference: string
  quantity: number
  addedAt: Date
  price: PriceRow
  product: ProductRow
}

/** Data access for carts and their lines. */
export function createCartsRepository() {
  return {
    /** The user's open cart in an org (locked FOR UPDATE when asked). */
    async findOpenUserCart(
      db: DbOrTx,
      orgId: string,
      userId: string,
      lock = false,
    ): Promise<CartRow | undefined> {
      const q = db
        .select()
        .from(carts)
        .where(and(eq(carts.orgId, orgId), eq(carts.userId, userId), eq(carts.status, 'open')))
      const [r] = lock ? await q.for('update') : await q
      return r
    },
    /**
     * Checks out the user's open cart in one statement (the update locks it until commit) and returns
     * it; undefined when there is none. The caller's transaction rolls this back if checkout fails.
     */
    async checkOutOpenUserCart(tx: Tx, orgId: string, userId: string): Promise<CartRow | undefined> {
      const [r] = await tx
        .update(carts)
        .set({ status: 'checked_out', updatedAt: sql`now()` })
        .where(and(eq(carts.orgId, orgId), eq(carts.userId, userId), eq(carts.status, 'open')))
        .returning()
        .prepare('commerce_cart_check_out') // checkout's hot path: parsed once per connection
        .execute()
      return r
    },
    /** A guest cart by its token hash (any status). */
    async findByTokenHash(db: DbOrTx, hash: string, lock = false): Promise<CartRow | undefined> {
      const q = db.select().from(carts).where(eq(carts.guestTokenHash, hash))
      const [r] = lock ? await q.for('update') : await q
      return r
    },
    /** Inserts a cart; undefined when the user already has an open cart (unique index). */
    async insert(db: DbOrTx, row: typeof carts.$inferInsert): Promise<CartRow | undefined> {
      const [r] = await db.insert(carts).values(row).onConflictDoNothing().returning()
      return r
    },
    /** Updates a cart. */
    async update(
      db: DbOrTx,
      id: string,
      set: Partial<Pick<CartRow, 'currency' | 'status' | 'couponCodes'>>,
    ): Promise<void> {
      await db
        .update(carts)
        .set({ ...set, updatedAt: sql`now()` })
        .where(eq(carts.id, id))
    },
    /** The lines of a cart with prices and products, in the order they were added. */
    async lines(db: DbOrTx, cartId: string): Promise<CartLine[]> {
      return db
        .select({
          reference: cartItems.reference,
          quantity: cartItems.quantity,
          addedAt: cartItems.addedAt,
          price: prices,
          product: products,
        })
        .from(cartItems)
        .innerJoin(prices, eq(prices.id, cartItems.priceId))
        .innerJoin(products, eq(products.id, prices.productId))
        .where(eq(cartItems.cartId, cartId))
        .orderBy(asc(cartItems.addedAt), asc(cartItems.priceId), asc(cartItems.reference))
        .prepare('commerce_cart_lines') // checkout's hot path: parsed once per connection
        .execute()
    },
    /** Sets a line's quantity (inserting it); a line is a price plus a reference ('' for none). */
    async setItem(
      db: DbOrTx,
      cartId: string,
      priceId: string,
      quantity: number,
      reference = '',
    ): Promise<void> {
      await db
        .insert(cartItems)
        .values({ cartId, priceId, quantity, reference })
        .onConflictDoUpdate({
          target: [cartItems.cartId, cartItems.priceId, cartItems.reference],
          set: { quantity },
        })
    },
    /**
     * Removes a line; false when it was not there. Without a reference, every line of that price
     * goes (the price's unreferenced line and all its referenced ones).
     */
    async deleteItem(db: DbOrTx, cartId: string, priceId: string, reference?: string): Promise<boolean> {
      const rows = await db
        .delete(cartItems)
        .where(
          and(
            eq(cartItems.cartId, cartId),
            eq(cartItems.priceId, priceId),
            reference === undefined ? undefined : eq(cartItems.reference, reference),
          ),
        )
        .returning({ p: cartItems.priceId })
      return rows.length > 0
    },
  }
}
