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

/** A control character (Unicode Cc: C0, DEL, C1) other than the line feed; line breaks are normalized to LF first. */
const CONTROL = /[^\P{Cc}\n]/u
/** A UTF-16 surrogate that is not part of a pair: JSON can carry one, but it is no character of any text. */
const LONE_SURROGATE = /\p{Cs}/u

/**
 * A plan description as stored: CRLF and CR line breaks become LF, then the text is trimmed. Any other
 * control character (tab, NUL, escape, the C1 codes…) is a 400, as is a non-empty description on a
 * product that is not a subscription plan (only plans show one).
 */
export function planDescription(type: string, raw: string): string {
  const text = raw.replace(/\r\n?/g, '\n')
  if (CONTROL.test(text)) {
    throw new AppError(
      'validation_failed',
      'The description may contain line breaks but no other control characters (such as tabs)',
      { errors: [{ path: '/description', message: 'contains a control character' }] },
    )
  }
  if (LONE_SURROGATE.test(text)) {
    throw new AppError('validation_failed', 'The description contains an invalid character', {
      errors: [{ path: '/description', message: 'contains a lone UTF-16 surrogate' }],
    })
  }
  const trimmed = text.trim()
  if (trimmed && type !== 'subscription_plan') {
    throw new AppError('validation_failed', 'Only subscription plans have a description', {
      errors: [{ path: '/description', message: 'only for subscription_plan products' }],
    })
  }
  return trimmed
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
      input: { type: string; ref: string; title: string; description?: string; payeeUserId?: string | null },
    ): Promise<ProductRow> {
      const row = await repo.insertProduct(db, {
        id: newId('prd'),
        orgId,
        type: input.type,
        ref: input.ref,
        title: input.title.trim(),
        description: planDescription(input.type, input.description ?? ''),
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
    /**
     * Updates title, description (plans only), payee or active flag; 404 for another org's product, checked
     * before the description is, so an unknown id never learns more than "not found".
     */
    async update(
      orgId: string,
      productId: string,
      set: { title?: string; description?: string; payeeUserId?: string | null; active?: boolean },
    ): Promise<ProductRow> {
      const row = await db.transaction(async (tx) => {
        let description: string | undefined
        if (set.description !== undefined) {
          const product = await repo.findProduct(tx, orgId, productId)
          if (!product) throw notFound('Product')
          // The type never changes, so checking it before the update is enough.
          description = planDescription(product.type, set.description)
        }
        return repo.updateProduct(tx, orgId, productId, {
          ...(set.title !== undefined ? { title: set.title.trim() } : {}),
          ...(description !== undefined ? { description } : {}),
          ...(set.payeeUserId !== undefined ? { payeeUserId: set.payeeUserId } : {}),
          ...(set.active !== undefined ? { active: set.active } : {}),
        })
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
