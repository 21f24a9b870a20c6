import { newId, sql } from '@learnmesh/kernel'
import type { TestTutoring, TestUser } from '../test-helpers.ts'

/** Monday 6 January 2030, 08:00 UTC (09:00 in Paris): the tests' "now". */
export const NOW = new Date('2030-01-07T08:00:00.000Z')

/** An instant `days` after NOW's day at `hh:mm` UTC (Paris is UTC+1 in January: 08:00Z = 09:00 local). */
export function at(days: number, hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number)
  const d = new Date(NOW)
  d.setUTCDate(d.getUTCDate() + days)
  d.setUTCHours(h!, m!, 0, 0)
  return d.toISOString()
}

/** Test-only helpers of the bookings area: hold, pay through commerce.order.paid, packages. */
export function bookingKit(t: TestTutoring) {
  t.setNow(NOW)

  /** POST /bookings as `u`. */
  async function hold(u: TestUser, body: Record<string, unknown>) {
    return t.call(u, 'POST', '/bookings', { payWith: 'checkout', minutes: 60, ...body })
  }

  /** Delivers commerce.order.paid for a held booking (one tutoring_lesson line referencing it). */
  async function pay(
    u: TestUser,
    booking: { id: string; productRef: string; priceMinor: number },
    opts: { orderId?: string; orderItemId?: string; productRef?: string; lessonCount?: number } = {},
  ) {
    const orderId = opts.orderId ?? newId('ord')
    const orderItemId = opts.orderItemId ?? newId('oit')
    const payload = {
      orderId,
      userId: u.userId,
      currency: 'EUR',
      totalMinor: booking.priceMinor,
      items: [
        {
          productType: 'tutoring_lesson',
          productRef: opts.productRef ?? booking.productRef,
          quantity: 1,
          amountMinor: booking.priceMinor,
          orderItemId,
          lessonCount: opts.lessonCount ?? 1,
          reference: booking.id,
        },
      ],
      paidAt: t.deps.now().toISOString(),
    }
    await t.deliver('commerce.order.paid', u.orgId, payload)
    return { orderId, orderItemId, payload }
  }

  /** Holds and pays a lesson: a booked booking. */
  async function book(u: TestUser, tutorId: string, startsAt: string, body: Record<string, unknown> = {}) {
    const res = await hold(u, { tutorId, startsAt, ...body })
    if (res.statusCode !== 201) throw new Error(`hold failed: ${res.statusCode} ${res.body}`)
    const booking = res.json().booking
    const paid = await pay(u, booking)
    return { id: booking.id as string, ...paid, booking }
  }

  /** Delivers commerce.order.paid for a package of `lessons` lessons with a tutor. */
  async function buyPackage(u: TestUser, tutorUserId: string, minutes: number, lessons: number) {
    const orderId = newId('ord')
    const orderItemId = newId('oit')
    await t.deliver('commerce.order.paid', u.orgId, {
      orderId,
      userId: u.userId,
      currency: 'EUR',
      totalMinor: 10_000,
      items: [
        {
          productType: 'tutoring_package',
          productRef: `tut:${tutorUserId}:${minutes}:x${lessons}`,
          quantity: 1,
          amountMinor: 10_000,
          orderItemId,
          lessonCount: lessons,
        },
      ],
      paidAt: t.deps.now().toISOString(),
    })
    return { orderId, orderItemId }
  }

  /** Row counts of bookings by status (for "nothing changed" checks). */
  async function statusCounts(): Promise<Record<string, number>> {
    const rows = await t.database.query<{ status: string; n: number }>(
      sql`select status, count(*)::int as n from tutoring.bookings group by status`,
    )
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]))
  }

  return { hold, pay, book, buyPackage, statusCounts }
}
