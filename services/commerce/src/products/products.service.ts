import { AppError, newId, notFound, type Database, type Tx } from '@learnmesh/kernel'
import { createProductsRepository, type PriceRow, type ProductRow } from './products.repository.ts'

const repo = createProductsRepository()

/** Input of a new price. */
export interface PriceInput {
  currency: string
  unitAmountMinor: number
  lessonCount?: number
  interval?: 'month' | 'year'
  trialDays?: number
}

/** The price columns a product type allows; 422 when the combination makes no sense. */
export function priceShape(
  type: string,
  input: PriceInput,
): Pick<PriceRow, 'lessonCount' | 'interval' | 'trialDays'> {
  const lessonCount = input.lessonCount ?? 1
  if (type === 'subscription_plan') {
    if (!input.interval) throw new AppError('unprocessable', 'A subscription plan price needs an interval')
    if (lessonCount !== 1) throw new AppError('unprocessable', 'Only tutoring packages have a lesson count')
    return { lessonCount: 1, interval: input.interval, trialDays: input.trialDays ?? 0 }
  }
  if (input.interval || input.trialDays) {
    throw new AppError('unprocessable', 'Only subscription plan prices have an interval or trial days')
  }
  if (type === 'tutoring_package') {
    if (lessonCount < 2) throw new AppError('unprocessable', 'A tutoring package includes 2 or more lessons')
    return { lessonCount, interval: null, trialDays: 0 }
  }
  if (lessonCount !== 1) throw new AppError('unprocessable', 'Only tutoring packages have a lesson count')
  return { lessonCount: 1, interval: null, trialDays: 0 }
}

/** Adds a price to a product inside a transaction (also used by the course.published consumer). */
export async function addPrice(tx: Tx, product: ProductRow, input: PriceInput): Promise<PriceRow> {
  return repo.insertPrice(tx, {
    id: newId('pri'),
    productId: product.id,
    orgId: product.orgId,
    currency: input.currency,
    unitAmountMinor: input.unitAmountMinor,
    ...priceShape(product.type, input),
  })
}

/** Products and prices of an organization (org admins manage them; prices are public). */
export function createProductsService(database: Database) {
  const db = database.db
  return {
    /** Creates a product; 409 when the org already sells that (type, ref). */
    async create(
      orgId: string,
      input: { type: string; ref: string; title: string; payeeUserId?: string | null },
    ): Promise<ProductRow> {
      const row = await repo.insertProduct(db, {
        id: newId('prd'),
        orgId,
        type: input.type,
        ref: input.ref,
        title: input.title.trim(),
        payeeUserId: input.payeeUserId ?? null,
      })
      if (!row) throw new AppError('conflict', `A ${input.type} product with ref ${input.ref} already exists`)
      return row
    },
    /** One product with all its prices. */
    async get(orgId: string, productId: string): Promise<{ product: ProductRow; prices: PriceRow[] }> {
      const product = await repo.findProduct(db, orgId, productId)
      if (!product) throw notFound('Product')
      return { product, prices: await repo.listPrices(db, orgId, productId) }
    },
    /** A page of products. */
    list(orgId: string, opts: { type?: string; after?: string; limit: number }): Promise<ProductRow[]> {
      return repo.listProducts(db, orgId, opts)
    },
    /** Updates title, payee or active flag. */
    async update(
      orgId: string,
      productId: string,
      set: { title?: string; payeeUserId?: string | null; active?: boolean },
    ): Promise<ProductRow> {
      const row = await repo.updateProduct(db, orgId, productId, {
        ...(set.title !== undefined ? { title: set.title.trim() } : {}),
        ...(set.payeeUserId !== undefined ? { payeeUserId: set.payeeUserId } : {}),
        ...(set.active !== undefined ? { active: set.active } : {}),
      })
      if (!row) throw notFound('Product')
      return row
    },
    /** Adds a price to a product of the org. */
    async createPrice(orgId: string, productId: string, input: PriceInput): Promise<PriceRow> {
      return db.transaction(async (tx) => {
        const product = await repo.findProduct(tx, orgId, productId)
        if (!product) throw notFound('Product')
        return addPrice(tx, product, input)
      })
    },
    /** Activates or deactivates a price. */
    async setPriceActive(orgId: string, priceId: string, active: boolean): Promise<PriceRow> {
      const row = await repo.setPriceActive(db, orgId, priceId, active)
      if (!row) throw notFound('Price')
      return row
    },
    /** Public lookup: an active product's active prices, by owning-service ref. */
    async lookup(
      orgId: string,
      type: string,
      ref: string,
    ): Promise<{ product: ProductRow; prices: PriceRow[] }> {
      const product = await repo.findProductByRef(db, orgId, type, ref)
      if (!product || !product.active) throw notFound('Product')
      return { product, prices: await repo.listPrices(db, orgId, product.id, true) }
    },
  }
}

/** What createProductsService returns. */
export type ProductsService = ReturnType<typeof createProductsService>
