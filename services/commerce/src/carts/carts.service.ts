import { createHmac, randomBytes } from 'node:crypto'
import { AppError, newId, notFound, type Database, type Principal, type Tx } from '@learnmesh/kernel'
import type { CommerceConfig } from '../config.ts'
import { createCouponsRepository } from '../coupons/coupons.repository.ts'
import { assertStackable, couponUnusableReason, normalizeCode } from '../coupons/coupons.service.ts'
import { createProductsRepository } from '../products/products.repository.ts'
import { createCartsRepository, type CartRow } from './carts.repository.ts'
import { priceCart, type PricedCart } from './pricing.ts'
import { includedTax } from '../invoices/tax.ts'

const repo = createCartsRepository()
const productsRepo = createProductsRepository()
const couponsRepo = createCouponsRepository()

/** Largest quantity of one multi-seat line (tutoring lessons and packages). */
export const MAX_LINE_QUANTITY = 20
/** Most lines in one cart. */
export const MAX_CART_LINES = 50
/** Product types bought once per customer: a second add keeps quantity 1. */
export const SINGLE_SEAT_TYPES = new Set(['course', 'subscription_plan'])

const TOKEN = /^[A-Za-z0-9_-]{43}$/
/** The only product type whose lines carry a reference (the held slot's booking id). */
export const REFERENCE_TYPES = new Set(['tutoring_lesson'])

/** Who is asking for a cart: a signed-in principal and/or a guest cart token. */
export interface CartCaller {
  principal?: Principal | undefined
  token?: string | undefined
}

/** A cart with its server-side totals (and, once, a new guest token). */
export interface CartView {
  cart: CartRow | null
  priced: PricedCart
  cartToken?: string
  /** The tax included in the total (prices are tax-inclusive), computed per line as checkout does. */
  tax: { label: string; rateBasisPoints: number; includedMinor: number }
}

/** Carts: persistent, per signed-in user (one open per org) or per guest token. */
export function createCartsService(database: Database, config: CommerceConfig) {
  const db = database.db
  const hashToken = (token: string) =>
    createHmac('sha256', config.COMMERCE_SECRET).update(`cart:${token}`).digest('hex')

  /** The caller's cart (locked), or undefined. A bad or foreign token is a 404. */
  async function findCart(tx: Tx, caller: CartCaller): Promise<CartRow | undefined> {
    if (caller.principal)
      return repo.findOpenUserCart(tx, caller.principal.orgId, caller.principal.userId, true)
    if (!caller.token) return undefined
    if (!TOKEN.test(caller.token)) throw notFound('Cart')
    const cart = await repo.findByTokenHash(tx, hashToken(caller.token), true)
    if (!cart || cart.status !== 'open') throw notFound('Cart')
    return cart
  }

  const rateBasisPoints = config.INVOICE_TAX_RATE_BASIS_POINTS
  // The order's tax (checkout.service.ts): each available line's included tax, summed.
  const taxOf = (priced: PricedCart): CartView['tax'] => ({
    label: config.INVOICE_TAX_LABEL,
    rateBasisPoints,
    includedMinor: priced.lines
      .filter((l) => l.available)
      .reduce((sum, l) => sum + includedTax(l.totalMinor, rateBasisPoints), 0),
  })

  async function view(tx: Tx, cart: CartRow | undefined | null, cartToken?: string): Promise<CartView> {
    if (!cart) {
      const priced: PricedCart = { lines: [], coupons: [], subtotalMinor: 0, discountMinor: 0, totalMinor: 0 }
      return { cart: null, priced, tax: taxOf(priced) }
    }
    const lines = await repo.lines(tx, cart.id)
    const coupons = await couponsRepo.findByCodes(tx, cart.orgId, cart.couponCodes)
    const priced = priceCart(cart.currency, lines, cart.couponCodes, coupons, new Date())
    return { cart, priced, tax: taxOf(priced), ...(cartToken ? { cartToken } : {}) }
  }

  /** Creates the user's open cart (or returns the one a concurrent request created). */
  async function userCart(tx: Tx, principal: Principal, currency: string): Promise<CartRow> {
    const existing = await repo.findOpenUserCart(tx, principal.orgId, principal.userId, true)
    if (existing) return existing
    await repo.insert(tx, { id: newId('crt'), orgId: principal.orgId, userId: principal.userId, currency })
    return (await repo.findOpenUserCart(tx, principal.orgId, principal.userId, true))!
  }

  /**
   * Adds quantity of a price to a cart row, enforcing currency, seats and limits. A reference (a
   * held tutoring slot's booking id) is only allowed on a `tutoring_lesson` price, with quantity 1,
   * and makes its own line; adding the same (price, reference) again keeps it, and one reference
   * cannot sit on two lines.
   */
  async function addLine(
    tx: Tx,
    cart: CartRow,
    priceId: string,
    quantity: number,
    reference = '',
  ): Promise<void> {
    const found = await productsRepo.findPriceWithProduct(tx, cart.orgId, priceId)
    if (!found) throw notFound('Price')
    const { price, product } = found
    if (reference !== '' && !REFERENCE_TYPES.has(product.type)) {
      throw new AppError('unprocessable', 'Only a tutoring lesson line can carry a reference', {
        reason: 'reference_not_allowed',
      })
    }
    if (reference !== '' && quantity !== 1) {
      throw new AppError('unprocessable', 'A lesson bought for a booking has quantity 1', {
        reason: 'reference_quantity',
      })
    }
    if (!price.active || !product.active) throw new AppError('conflict', 'This price is not for sale')
    const lines = await repo.lines(tx, cart.id)
    if (lines.length > 0 && price.currency !== cart.currency) {
      throw new AppError(
        'conflict',
        `This cart is in ${cart.currency}; ${price.currency} items cannot be mixed in`,
        {
          reason: 'currency_mismatch',
        },
      )
    }
    if (lines.length === 0 && price.currency !== cart.currency)
      await repo.update(tx, cart.id, { currency: price.currency })
    const existing = lines.find((l) => l.price.id === priceId && l.reference === reference)
    if (!existing && lines.length >= MAX_CART_LINES)
      throw new AppError('conflict', `A cart holds at most ${MAX_CART_LINES} lines`)
    if (reference !== '') {
      if (existing) return
      if (lines.some((l) => l.reference === reference)) {
        throw new AppError('conflict', 'This booking is already in the cart', { reason: 'reference_in_cart' })
      }
      await repo.setItem(tx, cart.id, priceId, 1, reference)
      return
    }
    if (SINGLE_SEAT_TYPES.has(product.type)) {
      if (quantity !== 1)
        throw new AppError('unprocessable', `A ${product.type} is bought once: quantity must be 1`)
      if (existing) return
      if (lines.some((l) => l.product.id === product.id)) {
        throw new AppError('conflict', 'This product is already in the cart at another price')
      }
      await repo.setItem(tx, cart.id, priceId, 1)
      return
    }
    const next = (existing?.quantity ?? 0) + quantity
    if (next > MAX_LINE_QUANTITY)
      throw new AppError('unprocessable', `At most ${MAX_LINE_QUANTITY} of one item`)
    await repo.setItem(tx, cart.id, priceId, next)
  }

  return {
    hashToken,
    /** The caller's cart with totals (an empty view when there is none yet). */
    async get(caller: CartCaller): Promise<CartView> {
      return db.transaction(async (tx) => view(tx, await findCart(tx, caller)))
    },
    /**
     * Adds an item. A signed-in caller's cart is created on first add; a guest without a token gets
     * a new cart in the price's organization and its token (returned this once, stored hashed).
     */
    async addItem(
      caller: CartCaller,
      input: { priceId: string; quantity: number; reference?: string | undefined },
    ): Promise<CartView> {
      return db.transaction(async (tx) => {
        let cart = await findCart(tx, caller)
        let cartToken: string | undefined
        if (!cart) {
          if (caller.principal) {
            const found = await productsRepo.findPriceWithProduct(tx, caller.principal.orgId, input.priceId)
            if (!found) throw notFound('Price')
            cart = await userCart(tx, caller.principal, found.price.currency)
          } else {
            const price = await findPublicPrice(tx, input.priceId)
            cartToken = randomBytes(32).toString('base64url')
            const created = await repo.insert(tx, {
              id: newId('crt'),
              orgId: price.orgId,
              guestTokenHash: hashToken(cartToken),
              currency: price.currency,
            })
            cart = created!
          }
        }
        await addLine(tx, cart, input.priceId, input.quantity, input.reference ?? '')
        return view(tx, await findCartById(tx, cart), cartToken)
      })
    },
    /** Removes the lines of a price (only the one with `reference` when given). */
    async removeItem(caller: CartCaller, priceId: string, reference?: string): Promise<CartView> {
      return db.transaction(async (tx) => {
        const cart = await findCart(tx, caller)
        if (!cart || !(await repo.deleteItem(tx, cart.id, priceId, reference))) throw notFound('Cart item')
        return view(tx, cart)
      })
    },
    /** Applies a coupon code (case-insensitive); 404 unknown, 422 unusable, 409 not stackable. */
    async applyCoupon(caller: CartCaller, rawCode: string): Promise<CartView> {
      return db.transaction(async (tx) => {
        const cart = await findCart(tx, caller)
        if (!cart) throw notFound('Cart')
        const code = normalizeCode(rawCode)
        if (cart.couponCodes.includes(code)) return view(tx, cart)
        const [coupon] = await couponsRepo.findByCodes(tx, cart.orgId, [code])
        if (!coupon) throw notFound('Coupon')
        const reason = couponUnusableReason(coupon, cart.currency, new Date())
        if (reason)
          throw new AppError('unprocessable', `This coupon ${reason}`, { reason: 'coupon_unusable' })
        if (caller.principal && coupon.maxPerUser !== null) {
          const used = await couponsRepo.countUserRedemptions(tx, coupon.id, caller.principal.userId)
          if (used >= coupon.maxPerUser) {
            throw new AppError('unprocessable', 'You have already used this coupon', {
              reason: 'coupon_unusable',
            })
          }
        }
        const others = await couponsRepo.findByCodes(tx, cart.orgId, cart.couponCodes)
        assertStackable([...others, coupon])
        const couponCodes = [...cart.couponCodes, code]
        await repo.update(tx, cart.id, { couponCodes })
        return view(tx, { ...cart, couponCodes })
      })
    },
    /** Removes a coupon code from the cart. */
    async removeCoupon(caller: CartCaller, rawCode: string): Promise<CartView> {
      return db.transaction(async (tx) => {
        const cart = await findCart(tx, caller)
        const code = normalizeCode(rawCode)
        if (!cart || !cart.couponCodes.includes(code)) throw notFound('Coupon on this cart')
        const couponCodes = cart.couponCodes.filter((c) => c !== code)
        await repo.update(tx, cart.id, { couponCodes })
        return view(tx, { ...cart, couponCodes })
      })
    },
    /**
     * Merges a guest cart (by token) into the signed-in user's open cart of the same org: lines are
     * added (single-seat items once, multi-seat quantities summed up to the limit, referenced lines
     * once per reference, keeping their reference), coupons kept
     * while the stacking rule allows; the guest cart becomes `merged`. A cart in another currency
     * than a non-empty user cart is a 409 and nothing changes.
     */
    async merge(principal: Principal, token: string | undefined): Promise<CartView> {
      if (!token) throw new AppError('bad_request', 'Send the guest cart token in the X-Cart-Token header')
      return db.transaction(async (tx) => {
        const guest = await findCart(tx, { token })
        if (!guest || guest.orgId !== principal.orgId || guest.userId !== null) throw notFound('Cart')
        const guestLines = await repo.lines(tx, guest.id)
        const cart = await userCart(tx, principal, guest.currency)
        const userLines = await repo.lines(tx, cart.id)
        if (guestLines.length > 0 && userLines.length > 0 && cart.currency !== guest.currency) {
          throw new AppError(
            'conflict',
            `Your cart is in ${cart.currency}; the guest cart is in ${guest.currency}`,
            {
              reason: 'currency_mismatch',
            },
          )
        }
        if (userLines.length === 0 && cart.currency !== guest.currency) {
          await repo.update(tx, cart.id, { currency: guest.currency })
          cart.currency = guest.currency
        }
        for (const line of guestLines) {
          const mine = userLines.find((l) => l.price.id === line.price.id && l.reference === line.reference)
          if (line.reference !== '') {
            if (!userLines.some((l) => l.reference === line.reference))
              await repo.setItem(tx, cart.id, line.price.id, 1, line.reference)
          } else if (SINGLE_SEAT_TYPES.has(line.product.type)) {
            if (!userLines.some((l) => l.product.id === line.product.id))
              await repo.setItem(tx, cart.id, line.price.id, 1)
          } else {
            await repo.setItem(
              tx,
              cart.id,
              line.price.id,
              Math.min(MAX_LINE_QUANTITY, (mine?.quantity ?? 0) + line.quantity),
            )
          }
        }
        let couponCodes = [...cart.couponCodes]
        for (const code of guest.couponCodes) {
          if (couponCodes.includes(code)) continue
          const candidate = await couponsRepo.findByCodes(tx, cart.orgId, [...couponCodes, code])
          try {
            assertStackable(candidate)
            couponCodes = [...couponCodes, code]
          } catch {
            // Not combinable with the user's own coupons: the user's win, the guest's is dropped.
          }
        }
        await repo.update(tx, cart.id, { couponCodes })
        await repo.update(tx, guest.id, { status: 'merged' })
        return view(tx, { ...cart, couponCodes })
      })
    },
  }

  async function findCartById(tx: Tx, cart: CartRow): Promise<CartRow> {
    const fresh = cart.userId
      ? await repo.findOpenUserCart(tx, cart.orgId, cart.userId)
      : await repo.findByTokenHash(tx, cart.guestTokenHash!)
    return fresh ?? cart
  }

  async function findPublicPrice(tx: Tx, priceId: string) {
    const price = await productsRepo.findPriceById(tx, priceId)
    if (!price) throw notFound('Price')
    return price
  }
}

/** What createCartsService returns. */
export type CartsService = ReturnType<typeof createCartsService>
