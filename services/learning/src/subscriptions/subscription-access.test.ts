import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consume, newId, sql, uuid7 } from '@learnmesh/kernel'
import type { Envelope } from '@learnmesh/contracts'
import { createTestLearning, type TestLearning, type TestUser } from '../test-helpers.ts'
import { inbox } from '../db/schema.ts'
import { enrollmentHandlers } from '../enrollments/enrollments.handlers.ts'
import { subscriptionHandlers } from './subscriptions.handlers.ts'

let t: TestLearning
let deliver: (e: Envelope) => Promise<void>
const DAY = 86_400_000

beforeAll(async () => {
  t = await createTestLearning()
  // The consumers exactly as the service wires them (inbox + handler in one transaction), fed by hand.
  consume({
    consumer: 'learning',
    database: t.database,
    inbox,
    transport: {
      publish: async () => {},
      subscribe: (_consumer, _types, handle) => {
        deliver = handle
      },
      close: async () => {},
    },
    logger: t.deps.logger,
    handlers: [...enrollmentHandlers(t.deps), ...subscriptionHandlers()],
  })
})
afterAll(() => t.close())

type Entitlement = { scope: 'all_courses' } | { scope: 'courses'; courseIds: string[] }

/** A commerce subscription (ids and what its events carry). */
function subscription(
  user: TestUser,
  entitlement: Entitlement = { scope: 'all_courses' },
  orgId = user.orgId,
) {
  const base = {
    subscriptionId: newId('sub'),
    userId: user.userId,
    productId: newId('prd'),
    planRef: newId('pln'),
    entitlement,
  }
  const env = (type: string, payload: Record<string, unknown>): Envelope => ({
    id: uuid7(),
    type,
    version: 1,
    occurredAt: new Date().toISOString(),
    producer: 'commerce',
    orgId,
    traceparent: null,
    payload: { ...base, ...payload },
  })
  const iso = (ms: number) => new Date(ms).toISOString()
  return {
    ...base,
    activated: (endMs: number) =>
      env('commerce.subscription.activated', {
        status: 'trialing',
        currentPeriodStart: iso(Date.now()),
        currentPeriodEnd: iso(endMs),
        trialEnd: iso(endMs),
      }),
    renewed: (endMs: number) =>
      env('commerce.subscription.renewed', {
        orderId: newId('ord'),
        currentPeriodStart: iso(Date.now()),
        currentPeriodEnd: iso(endMs),
      }),
    pastDue: (graceMs: number) =>
      env('commerce.subscription.past_due', {
        failureCode: 'card_declined',
        attempt: 1,
        nextAttemptAt: iso(Date.now() + DAY),
        graceUntil: iso(graceMs),
      }),
    cancelled: (atMs: number, reason = 'period_end') =>
      env('commerce.subscription.cancelled', { reason, effectiveAt: iso(atMs) }),
  }
}

async function paidCourse(orgId = t.orgA) {
  const owner = t.user(['instructor'], orgId)
  return (await t.publishedCourse(owner, { priceMinor: 4900 })).courseId
}
const enrollIn = (u: TestUser, courseId: string) => t.call(u, 'POST', '/enrollments', { courseId })
const readEnrollment = async (u: TestUser, id: string) =>
  (await t.call(u, 'GET', `/enrollments/${id}`)).json()

describe('happy', () => {
  it('an active subscription enrolls in a covered paid course; renewals extend it; cancellation ends it', async () => {
    const learner = t.user()
    const courseId = await paidCourse()
    expect((await enrollIn(learner, courseId)).statusCode).toBe(403)

    const sub = subscription(learner)
    const trialEnd = Date.now() + 14 * DAY
    await deliver(sub.activated(trialEnd))
    const res = await enrollIn(learner, courseId)
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({
      source: 'subscription',
      sourceRef: sub.subscriptionId,
      status: 'active',
      expiresAt: new Date(trialEnd).toISOString(),
    })
    const id = res.json().id
    // Enrolling again is the same enrollment (200).
    expect((await enrollIn(learner, courseId)).statusCode).toBe(200)

    const nextEnd = trialEnd + 30 * DAY
    const renewed = sub.renewed(nextEnd)
    await deliver(renewed)
    await deliver(renewed) // redelivery: the inbox drops it
    expect((await readEnrollment(learner, id)).expiresAt).toBe(new Date(nextEnd).toISOString())

    // Past due keeps access until the last retry.
    const grace = nextEnd + 5 * DAY
    await deliver(sub.pastDue(grace))
    expect((await readEnrollment(learner, id)).expiresAt).toBe(new Date(grace).toISOString())

    // Cancelled (at its effective time, here a moment ago): access ends.
    const endedAt = Date.now() - 1000
    await deliver(sub.cancelled(endedAt, 'payment_failed'))
    expect(await readEnrollment(learner, id)).toMatchObject({
      status: 'expired',
      expiresAt: new Date(endedAt).toISOString(),
    })
    // A late renewed for the ended subscription changes nothing, and enrolling needs a purchase again.
    await deliver(sub.renewed(nextEnd + 60 * DAY))
    expect((await readEnrollment(learner, id)).status).toBe('expired')
    const again = await enrollIn(learner, courseId)
    expect(again.statusCode).toBe(403)
    expect(again.json()).toMatchObject({ purchaseRequired: true })
  })

  it('a new subscription re-opens an enrollment that expired with an old one', async () => {
    const learner = t.user()
    const courseId = await paidCourse()
    const old = subscription(learner)
    await deliver(old.activated(Date.now() + DAY))
    const id = (await enrollIn(learner, courseId)).json().id
    await deliver(old.cancelled(Date.now() - 1000))
    expect((await readEnrollment(learner, id)).status).toBe('expired')
    const fresh = subscription(learner)
    await deliver(fresh.activated(Date.now() + 30 * DAY))
    const res = await enrollIn(learner, courseId)
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({ id, status: 'active', sourceRef: fresh.subscriptionId })
  })

  it('a plan limited to a list of courses covers only those', async () => {
    const learner = t.user()
    const covered = await paidCourse()
    const other = await paidCourse()
    await deliver(
      subscription(learner, { scope: 'courses', courseIds: [covered] }).activated(Date.now() + DAY),
    )
    expect((await enrollIn(learner, covered)).statusCode).toBe(201)
    expect((await enrollIn(learner, other)).statusCode).toBe(403)
  })

  it('buying a course held through a subscription makes the access permanent (source order, no expiry)', async () => {
    const learner = t.user()
    const courseId = await paidCourse()
    await deliver(subscription(learner).activated(Date.now() + DAY))
    const id = (await enrollIn(learner, courseId)).json().id
    await deliver({
      id: uuid7(),
      type: 'commerce.order.paid',
      version: 1,
      occurredAt: new Date().toISOString(),
      producer: 'commerce',
      orgId: learner.orgId,
      traceparent: null,
      payload: {
        orderId: newId('ord'),
        userId: learner.userId,
        currency: 'USD',
        totalMinor: 4900,
        items: [
          {
            productType: 'course',
            productRef: courseId,
            quantity: 1,
            amountMinor: 4900,
            orderItemId: newId('oit'),
            lessonCount: 1,
          },
        ],
        paidAt: new Date().toISOString(),
      },
    })
    expect(await readEnrollment(learner, id)).toMatchObject({
      source: 'order',
      expiresAt: null,
      status: 'active',
    })
  })
})

describe('errors', () => {
  it('a cancellation that arrives before its activation leaves no access', async () => {
    const learner = t.user()
    const courseId = await paidCourse()
    const sub = subscription(learner)
    await deliver(sub.cancelled(Date.now() - 1000, 'admin'))
    await deliver(sub.activated(Date.now() + DAY))
    expect((await enrollIn(learner, courseId)).statusCode).toBe(403)
  })

  it('an admin-revoked enrollment is not restored by a subscription (409)', async () => {
    const learner = t.user()
    const admin = t.user(['org_admin'])
    const courseId = await paidCourse()
    await deliver(subscription(learner).activated(Date.now() + DAY))
    const id = (await enrollIn(learner, courseId)).json().id
    expect((await t.call(admin, 'POST', `/org/enrollments/${id}/revoke`)).statusCode).toBe(200)
    expect((await enrollIn(learner, courseId)).statusCode).toBe(409)
  })
})

describe('security', () => {
  it('a plan of one org never covers another org’s course, and one user’s access never helps another', async () => {
    const learner = t.user()
    const stranger = t.user()
    const foreign = await paidCourse(t.orgB)
    const own = await paidCourse()
    await deliver(subscription(learner).activated(Date.now() + DAY))
    expect((await enrollIn(learner, foreign)).statusCode).toBe(403)
    expect((await enrollIn(stranger, own)).statusCode).toBe(403)
    // Access recorded for org B does not work with an org A token.
    const learnerB = t.user()
    await deliver(subscription(learnerB, { scope: 'all_courses' }, t.orgB).activated(Date.now() + DAY))
    expect((await enrollIn(learnerB, own)).statusCode).toBe(403)
  })

  it('an event naming another user for an existing subscription changes nothing', async () => {
    const learner = t.user()
    const courseId = await paidCourse()
    const sub = subscription(learner)
    await deliver(sub.activated(Date.now() + DAY))
    const hijack = sub.cancelled(Date.now() - 1000)
    ;(hijack.payload as { userId: string }).userId = t.user().userId
    await deliver(hijack)
    expect((await enrollIn(learner, courseId)).statusCode).toBe(201)
    const [row] = await t.database.query<{ status: string }>(
      sql`select status from learning.subscription_access where subscription_id = ${sub.subscriptionId}`,
    )
    expect(row!.status).toBe('trialing')
  })
})
