import { and, eq, sql } from 'drizzle-orm'
import { defineHandler, newId, type EventHandler, type Logger, type Tx } from '@learnmesh/kernel'
import { tutoringTutorListed } from '@learnmesh/contracts'
import { tutorListings } from '../db/schema.ts'
import { createProductsRepository, type ProductRow } from './products.repository.ts'
import { addPrice } from './products.service.ts'

const repo = createProductsRepository()

/** Largest unit amount commerce sells (same bound as the price API). */
const MAX_AMOUNT = 1_000_000_000
/** A tutor id usable inside a product ref (`tut:<tutorId>:<minutes>`). */
const TUTOR_ID = /^[A-Za-z0-9_-]{1,80}$/

/** The offer of a tutoring.tutor.listed event, as pricing needs it. */
export interface TutorOffer {
  tutorId: string
  displayName: string
  hourlyRateMinor: number
  lessonMinutes: number[]
  packages: { lessons: number; discountPercent: number }[]
}

/** One product (and its single active price) a tutor's offer sells. */
export interface OfferedProduct {
  type: 'tutoring_lesson' | 'tutoring_package'
  /** `tut:<tutorId>:<minutes>` or `tut:<tutorId>:<minutes>:x<lessons>`. */
  ref: string
  title: string
  minutes: number
  /** 1 for a single lesson. */
  lessonCount: number
  unitAmountMinor: number
}

/** a × b / c rounded half up, exact (BigInt); a, b ≥ 0, c > 0. */
function mulDivHalfUp(a: number, b: number, c: number): number {
  return Number((2n * BigInt(a) * BigInt(b) + BigInt(c)) / (2n * BigInt(c)))
}

/**
 * The products an offer sells. A lesson of `m` minutes costs `round(hourlyRate × m / 60)`; a
 * package of `n` such lessons at `d` % off costs `round(n × lessonPrice × (100 − d) / 100)`, both
 * rounded half up in exact integer arithmetic (the package is priced from the rounded lesson
 * price, so a 0 % package is exactly n lessons). Lengths and package sizes are deduplicated (first
 * wins), lengths ascending.
 */
export function offeredProducts(offer: TutorOffer): OfferedProduct[] {
  const minutes = [...new Set(offer.lessonMinutes)].sort((a, b) => a - b)
  const seen = new Set<number>()
  const packages = offer.packages.filter((p) => !seen.has(p.lessons) && seen.add(p.lessons))
  const out: OfferedProduct[] = []
  for (const m of minutes) {
    const lessonPrice = mulDivHalfUp(offer.hourlyRateMinor, m, 60)
    out.push({
      type: 'tutoring_lesson',
      ref: `tut:${offer.tutorId}:${m}`,
      title: `${offer.displayName}: ${m}-minute lesson`,
      minutes: m,
      lessonCount: 1,
      unitAmountMinor: lessonPrice,
    })
    for (const p of packages) {
      out.push({
        type: 'tutoring_package',
        ref: `tut:${offer.tutorId}:${m}:x${p.lessons}`,
        title: `${offer.displayName}: ${p.lessons} × ${m}-minute lessons`,
        minutes: m,
        lessonCount: p.lessons,
        unitAmountMinor: mulDivHalfUp(p.lessons * lessonPrice, 100 - p.discountPercent, 100),
      })
    }
  }
  return out
}

/**
 * True when this event is older than the listing already applied for the tutor (at-least-once
 * delivery can reorder events); records it as the latest otherwise. The tutor's row is locked
 * until commit, so two listings of one tutor are applied one after the other.
 */
async function isStale(
  tx: Tx,
  orgId: string,
  tutorId: string,
  listedAt: Date,
  eventId: string,
  active: boolean,
): Promise<boolean> {
  await tx
    .insert(tutorListings)
    .values({ orgId, tutorId, listedAt: new Date(0), eventId: '', active })
    .onConflictDoNothing()
  const [row] = await tx
    .select()
    .from(tutorListings)
    .where(and(eq(tutorListings.orgId, orgId), eq(tutorListings.tutorId, tutorId)))
    .for('update')
  const last = row!
  if (
    last.listedAt.getTime() > listedAt.getTime() ||
    (last.listedAt.getTime() === listedAt.getTime() && last.eventId >= eventId)
  ) {
    return true
  }
  await tx
    .update(tutorListings)
    .set({ listedAt, eventId, active, updatedAt: sql`now()` })
    .where(and(eq(tutorListings.orgId, orgId), eq(tutorListings.tutorId, tutorId)))
  return false
}

/**
 * Makes the products of one offered item match it: title, payee, active flag, and exactly one
 * active price with the offered amount. A changed amount never edits a price: the old price is
 * deactivated and a new one created, so orders (which copy the amount and keep the price id)
 * stay as they were; carts holding the old price show the line unavailable.
 */
async function applyProduct(
  tx: Tx,
  orgId: string,
  existing: ProductRow | undefined,
  item: OfferedProduct,
  offer: { tutorId: string; currency: string; active: boolean },
): Promise<void> {
  const title = item.title.slice(0, 200)
  let product = existing
  if (product) {
    product = (await repo.updateProduct(tx, orgId, product.id, {
      title,
      payeeUserId: offer.tutorId,
      active: offer.active,
    }))!
  } else {
    await repo.insertProduct(tx, {
      id: newId('prd'),
      orgId,
      type: item.type,
      ref: item.ref,
      title,
      payeeUserId: offer.tutorId,
      active: offer.active,
    })
    product = (await repo.findProductByRef(tx, orgId, item.type, item.ref))!
  }
  const active = await repo.listPrices(tx, orgId, product.id, true)
  const same = (p: (typeof active)[number]) =>
    p.currency === offer.currency &&
    p.unitAmountMinor === item.unitAmountMinor &&
    p.lessonCount === item.lessonCount
  if (active.length === 1 && same(active[0]!)) return
  for (const p of active) await repo.setPriceActive(tx, orgId, p.id, false)
  await addPrice(tx, product, {
    currency: offer.currency,
    unitAmountMinor: item.unitAmountMinor,
    ...(item.type === 'tutoring_package' ? { lessonCount: item.lessonCount } : {}),
  })
}

/**
 * tutoring.tutor.listed → the tutor's products: one `tutoring_lesson` per lesson length and one
 * `tutoring_package` per (length, package), payee = the tutor, each with one active price
 * (`offeredProducts`). Products the offer no longer lists are archived (inactive); `active: false`
 * archives them all (prices are kept, so a re-listing at the same rates reactivates them as they
 * were). An older listing delivered after a newer one is ignored; duplicates change nothing.
 */
export const onTutorListed = defineHandler({
  event: tutoringTutorListed,
  async handle(tx, payload, envelope, { log }) {
    const orgId = envelope.orgId
    if (!orgId) {
      log.warn({ tutorId: payload.tutorId }, 'tutor.listed without orgId: ignored')
      return
    }
    const currency = payload.currency.toUpperCase()
    if (!TUTOR_ID.test(payload.tutorId) || !/^[A-Z]{3}$/.test(currency)) {
      log.warn(
        { tutorId: payload.tutorId, currency },
        'tutor.listed with an unusable tutor id or currency: ignored',
      )
      return
    }
    const items = offeredProducts({ ...payload, displayName: payload.displayName.trim() || 'Tutor' })
    if (items.some((i) => i.unitAmountMinor > MAX_AMOUNT)) {
      log.warn({ tutorId: payload.tutorId }, 'tutor.listed with prices above the limit: ignored')
      return
    }
    if (
      await isStale(tx, orgId, payload.tutorId, new Date(envelope.occurredAt), envelope.id, payload.active)
    ) {
      log.info(
        { tutorId: payload.tutorId, eventId: envelope.id },
        'tutor.listed older than the applied listing: ignored',
      )
      return
    }
    await applyOffer(tx, orgId, { ...payload, currency }, items, log)
  },
}) as EventHandler

async function applyOffer(
  tx: Tx,
  orgId: string,
  offer: { tutorId: string; currency: string; active: boolean },
  items: OfferedProduct[],
  log: Logger,
): Promise<void> {
  const existing = await repo.listProductsByRefPrefix(
    tx,
    orgId,
    ['tutoring_lesson', 'tutoring_package'],
    `tut:${offer.tutorId}:`,
  )
  const key = (type: string, ref: string) => `${type} ${ref}`
  const byKey = new Map(existing.map((p) => [key(p.type, p.ref), p]))
  for (const item of items) await applyProduct(tx, orgId, byKey.get(key(item.type, item.ref)), item, offer)
  const offered = new Set(items.map((i) => key(i.type, i.ref)))
  for (const p of existing) {
    if (!offered.has(key(p.type, p.ref)) && p.active) {
      await repo.updateProduct(tx, orgId, p.id, { active: false })
    }
  }
  log.info({ tutorId: offer.tutorId, products: items.length, active: offer.active }, 'tutor listing applied')
}
