import { AppError, newId, notFound, type Database } from '@learnmesh/kernel'
import { createCouponsRepository, type CouponRow } from './coupons.repository.ts'

const repo = createCouponsRepository()

/** How many coupons one cart may carry. */
export const MAX_COUPONS_PER_CART = 5

/** Why a coupon cannot be used on a cart in `currency` at `now`, or null when it can. */
export function couponUnusableReason(coupon: CouponRow, currency: string, now: Date): string | null {
  if (!coupon.active) return 'is no longer active'
  if (coupon.startsAt && coupon.startsAt.getTime() > now.getTime()) return 'is not valid yet'
  if (coupon.endsAt && coupon.endsAt.getTime() <= now.getTime()) return 'has expired'
  if (coupon.maxRedemptions !== null && coupon.redeemedCount >= coupon.maxRedemptions) return 'is used up'
  if (coupon.kind === 'fixed' && coupon.currency !== currency) return `is only valid in ${coupon.currency}`
  return null
}

/**
 * Stacking rule: one non-stackable coupon stands alone; several coupons must all be stackable.
 * Throws 409 when `coupons` may not be combined.
 */
export function assertStackable(coupons: Pick<CouponRow, 'code' | 'stackable'>[]): void {
  if (coupons.length > 1 && coupons.some((c) => !c.stackable)) {
    throw new AppError('conflict', 'These coupons cannot be combined', {
      reason: 'coupon_not_stackable',
    })
  }
  if (coupons.length > MAX_COUPONS_PER_CART) {
    throw new AppError('conflict', `At most ${MAX_COUPONS_PER_CART} coupons per cart`)
  }
}

/** Normalizes a code as typed (case-insensitive). */
export function normalizeCode(code: string): string {
  return code.trim().toUpperCase()
}

/** Input of a new coupon. */
export interface CouponInput {
  code: string
  kind: 'percent' | 'fixed'
  percentOff?: number
  amountOffMinor?: number
  currency?: string
  productIds?: string[]
  maxRedemptions?: number
  maxPerUser?: number
  startsAt?: string
  endsAt?: string
  stackable?: boolean
}

/** Coupons of an organization, managed by org admins. */
export function createCouponsService(database: Database) {
  const db = database.db
  return {
    /** Creates a coupon; 422 on inconsistent fields, 409 when the code exists. */
    async create(orgId: string, input: CouponInput): Promise<CouponRow> {
      if (input.kind === 'percent') {
        if (
          input.percentOff === undefined ||
          input.amountOffMinor !== undefined ||
          input.currency !== undefined
        ) {
          throw new AppError(
            'unprocessable',
            'A percent coupon has percentOff and no amountOffMinor or currency',
          )
        }
      } else if (input.amountOffMinor === undefined || !input.currency || input.percentOff !== undefined) {
        throw new AppError(
          'unprocessable',
          'A fixed coupon has amountOffMinor and currency and no percentOff',
        )
      }
      const startsAt = input.startsAt ? new Date(input.startsAt) : null
      const endsAt = input.endsAt ? new Date(input.endsAt) : null
      if (startsAt && endsAt && endsAt.getTime() <= startsAt.getTime()) {
        throw new AppError('unprocessable', 'endsAt must be after startsAt')
      }
      const productIds = input.productIds ?? []
      if ((await repo.countProducts(db, orgId, productIds)) !== productIds.length) {
        throw new AppError('unprocessable', 'Some productIds are not products of this organization')
      }
      const row = await repo.insert(db, {
        id: newId('cpn'),
        orgId,
        code: normalizeCode(input.code),
        kind: input.kind,
        percentOff: input.percentOff ?? null,
        amountOffMinor: input.amountOffMinor ?? null,
        currency: input.currency ?? null,
        productIds,
        maxRedemptions: input.maxRedemptions ?? null,
        maxPerUser: input.maxPerUser ?? null,
        startsAt,
        endsAt,
        stackable: input.stackable ?? false,
      })
      if (!row) throw new AppError('conflict', `Coupon code ${normalizeCode(input.code)} already exists`)
      return row
    },
    /** One coupon. */
    async get(orgId: string, id: string): Promise<CouponRow> {
      const row = await repo.find(db, orgId, id)
      if (!row) throw notFound('Coupon')
      return row
    },
    /** A page of coupons. */
    list(orgId: string, opts: { after?: string; limit: number }): Promise<CouponRow[]> {
      return repo.list(db, orgId, opts)
    },
    /** Activates/deactivates or changes the end of validity. */
    async update(
      orgId: string,
      id: string,
      set: { active?: boolean; endsAt?: string | null },
    ): Promise<CouponRow> {
      const row = await repo.update(db, orgId, id, {
        ...(set.active !== undefined ? { active: set.active } : {}),
        ...(set.endsAt !== undefined ? { endsAt: set.endsAt === null ? null : new Date(set.endsAt) } : {}),
      })
      if (!row) throw notFound('Coupon')
      return row
    },
  }
}

/** What createCouponsService returns. */
export type CouponsService = ReturnType<typeof createCouponsService>
