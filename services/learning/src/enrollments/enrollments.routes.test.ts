import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consume, newId, sql, uuid7 } from '@learnmesh/kernel'
import type { Envelope } from '@learnmesh/contracts'
import { createTestLearning, type TestLearning, type TestUser } from '../test-helpers.ts'
import { inbox } from '../db/schema.ts'
import { enrollmentHandlers } from './enrollments.handlers.ts'

let t: TestLearning
let deliver: (e: Envelope) => Promise<void>
const logs: string[] = []

beforeAll(async () => {
  t = await createTestLearning({ logs })
  // The consumer exactly as the service wires it (inbox + handler in one transaction), fed by hand.
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
    handlers: enrollmentHandlers(t.deps),
  })
})
afterAll(() => t.close())

async function count(table: string, where = sql`true`): Promise<number> {
  const [row] = await t.database.query<{ n: number }>(
    sql`select count(*)::int as n from ${sql.raw(`learning.${table}`)} where ${where}`,
  )
  return row!.n
}
const enrollmentsOf = (courseId: string) => count('enrollments', sql`course_id = ${courseId}`)
async function enrollmentCount(courseId: string): Promise<number> {
  const [row] = await t.database.query<{ n: number }>(
    sql`select enrollment_count as n from learning.catalog_entries where course_id = ${courseId}`,
  )
  return row!.n
}
async function eventsFor(type: string, enrollmentId: string) {
  return (await t.events(type)).filter((e) => e.payload.enrollmentId === enrollmentId)
}

function envelope(type: string, payload: unknown, orgId: string | null, id = uuid7()): Envelope {
  return {
    id,
    type,
    version: 1,
    occurredAt: new Date().toISOString(),
    producer: 'commerce',
    orgId,
    traceparent: null,
    payload,
  }
}
function orderPaid(buyer: TestUser, courseIds: string[], orderId = newId('ord')) {
  return envelope(
    'commerce.order.paid',
    {
      orderId,
      userId: buyer.userId,
      currency: 'USD',
      totalMinor: 4900 * courseIds.length,
      items: courseIds.map((c) => ({
        productType: 'course',
        productRef: c,
        quantity: 1,
        amountMinor: 4900,
        orderItemId: newId('oit'),
        lessonCount: 1,
      })),
      paidAt: new Date().toISOString(),
    },
    buyer.orgId,
  )
}
function refunded(buyer: TestUser, orderId: string, courseIds: string[]) {
  return envelope(
    'commerce.payment.refunded',
    {
      orderId,
      refundId: newId('rfd'),
      userId: buyer.userId,
      currency: 'USD',
      amountMinor: 4900,
      full: true,
      revokedItems: courseIds.map((c) => ({ productType: 'course', productRef: c })),
    },
    buyer.orgId,
  )
}

const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString()

describe('happy', () => {
  it('a learner enrolls in a free public course once; enrolling again returns the same enrollment', async () => {
    const owner = t.user(['instructor'])
    const { courseId } = await t.publishedCourse(owner)
    const learner = t.user()
    const res = await t.call(learner, 'POST', '/enrollments', { courseId })
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(body).toMatchObject({
      courseId,
      userId: learner.userId,
      orgId: t.orgA,
      version: 1,
      source: 'free',
      status: 'active',
      progressPercent: 0,
      resume: null,
    })
    expect(await eventsFor('learning.enrollment.created', body.id)).toHaveLength(1)
    expect(await enrollmentCount(courseId)).toBe(1)
    expect(t.wakes()).toBeGreaterThan(0)

    const again = await t.call(learner, 'POST', '/enrollments', { courseId })
    expect(again.statusCode).toBe(200)
    expect(again.json().id).toBe(body.id)
    expect(await eventsFor('learning.enrollment.created', body.id)).toHaveLength(1)
    expect(await enrollmentCount(courseId)).toBe(1)
  })

  it("a learner of another organization enrolls in a public course; the enrollment is their org's", async () => {
    const { courseId } = await t.publishedCourse(t.user(['instructor']))
    const outsider = t.user(['learner'], t.orgB)
    const res = await t.call(outsider, 'POST', '/enrollments', { courseId })
    expect(res.statusCode).toBe(201)
    expect(res.json().orgId).toBe(t.orgB)
  })

  it('lists my enrollments newest first with cursor paging and reads one', async () => {
    const learner = t.user()
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const { courseId } = await t.publishedCourse(t.user(['instructor']), { title: `Paging ${i}` })
      ids.push((await t.call(learner, 'POST', '/enrollments', { courseId })).json().id)
    }
    const page1 = (await t.call(learner, 'GET', '/enrollments?limit=2')).json()
    expect(page1.items.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]])
    expect(page1.items[0].courseTitle).toBe('Paging 2')
    const page2 = (await t.call(learner, 'GET', `/enrollments?limit=2&before=${page1.nextCursor}`)).json()
    expect(page2.items.map((e: { id: string }) => e.id)).toEqual([ids[0]])
    expect(page2.nextCursor).toBeNull()
    const one = await t.call(learner, 'GET', `/enrollments/${ids[0]}`)
    expect(one.statusCode).toBe(200)
    expect(one.json().courseTitle).toBe('Paging 0')
  })

  it('shows expired, revoked, completed and upcoming statuses', async () => {
    const learner = t.user()
    const mk = async () => (await t.publishedCourse(t.user(['instructor']))).courseId
    const expired = await t.enroll(learner, await mk(), { expiresAt: new Date(Date.now() - 1000) })
    const revoked = await t.enroll(learner, await mk(), { status: 'revoked', revokedAt: new Date() })
    const completed = await t.enroll(learner, await mk(), { completedAt: new Date(), progressPercent: 100 })
    const statuses = Object.fromEntries(
      (await t.call(learner, 'GET', '/enrollments'))
        .json()
        .items.map((e: { id: string; status: string }) => [e.id, e.status]),
    )
    expect(statuses[expired.id]).toBe('expired')
    expect(statuses[revoked.id]).toBe('revoked')
    expect(statuses[completed.id]).toBe('completed')
  })

  it('instructors create cohorts; a learner joins one that has not started and is upcoming; capacity holds', async () => {
    const owner = t.user(['instructor'])
    const { courseId } = await t.publishedCourse(owner)
    const created = await t.call(owner, 'POST', `/courses/${courseId}/cohorts`, {
      name: 'Spring',
      startsAt: future(7),
      endsAt: future(60),
      capacity: 1,
    })
    expect(created.statusCode).toBe(201)
    const cohort = created.json()
    expect(cohort).toMatchObject({ name: 'Spring', capacity: 1, seatsTaken: 0 })

    const first = await t.call(t.user(), 'POST', '/enrollments', { courseId, cohortId: cohort.id })
    expect(first.statusCode).toBe(201)
    expect(first.json()).toMatchObject({ status: 'upcoming', cohort: { id: cohort.id, name: 'Spring' } })

    const second = await t.call(t.user(), 'POST', '/enrollments', { courseId, cohortId: cohort.id })
    expect(second.statusCode).toBe(409)
    expect(second.json().detail).toMatch(/full/)
    expect(await enrollmentsOf(courseId)).toBe(1)

    const listed = await t.call(t.user(), 'GET', `/courses/${courseId}/cohorts`)
    expect(listed.json().items).toEqual([expect.objectContaining({ id: cohort.id, seatsTaken: 1 })])
    const grown = await t.call(owner, 'PATCH', `/courses/${courseId}/cohorts/${cohort.id}`, { capacity: 5 })
    expect(grown.statusCode).toBe(200)
    expect(grown.json()).toMatchObject({ capacity: 5, seatsTaken: 1 })
  })

  it('an org admin grants, changes the expiry of, revokes and re-grants an enrollment', async () => {
    const admin = t.user(['org_admin'])
    const { courseId } = await t.publishedCourse(t.user(['instructor']), { priceMinor: 9900 })
    const learner = t.user()
    const granted = await t.call(admin, 'POST', '/org/enrollments', {
      userId: learner.userId,
      courseId,
      expiresAt: future(30),
    })
    expect(granted.statusCode).toBe(201)
    const e = granted.json()
    expect(e).toMatchObject({ source: 'grant', sourceRef: admin.userId, status: 'active', orgId: t.orgA })

    const extended = await t.call(admin, 'PATCH', `/org/enrollments/${e.id}`, { expiresAt: null })
    expect(extended.statusCode).toBe(200)
    expect(extended.json().expiresAt).toBeNull()

    const revoked = await t.call(admin, 'POST', `/org/enrollments/${e.id}/revoke`)
    expect(revoked.statusCode).toBe(200)
    expect(revoked.json().status).toBe('revoked')
    expect((await eventsFor('learning.enrollment.revoked', e.id)).map((x) => x.payload.reason)).toEqual([
      'admin',
    ])
    // Revoking again changes nothing and writes no second event.
    await t.call(admin, 'POST', `/org/enrollments/${e.id}/revoke`)
    expect(await eventsFor('learning.enrollment.revoked', e.id)).toHaveLength(1)

    const regranted = await t.call(admin, 'POST', '/org/enrollments', { userId: learner.userId, courseId })
    expect(regranted.statusCode).toBe(201)
    expect(regranted.json()).toMatchObject({ id: e.id, status: 'active', revokedAt: null })
    expect(await enrollmentsOf(courseId)).toBe(1)
    expect(await enrollmentCount(courseId)).toBe(1)
  })

  it('the roster lists a course’s learners with progress, page by page, for its instructor and admins', async () => {
    const owner = t.user(['instructor'])
    const { courseId } = await t.publishedCourse(owner)
    const a = t.user()
    const b = t.user()
    await t.person(a, 'Ada')
    await t.enroll(a, courseId, { progressPercent: 50 })
    await t.enroll(b, courseId)
    const page1 = await t.call(owner, 'GET', `/courses/${courseId}/roster?limit=1`)
    expect(page1.statusCode).toBe(200)
    expect(page1.json().items).toEqual([
      expect.objectContaining({ userId: a.userId, displayName: 'Ada', progressPercent: 50 }),
    ])
    const page2 = await t.call(
      t.user(['org_admin']),
      'GET',
      `/courses/${courseId}/roster?limit=1&after=${page1.json().nextCursor}`,
    )
    expect(page2.json().items.map((e: { userId: string }) => e.userId)).toEqual([b.userId])
    expect(page2.json().nextCursor).toBeNull()
  })

  it('order.paid enrolls the buyer once: duplicate delivery and a second order change nothing', async () => {
    const { courseId } = await t.publishedCourse(t.user(['instructor']), { priceMinor: 4900 })
    const buyer = t.user()
    const paid = orderPaid(buyer, [courseId])
    await deliver(paid)
    await deliver(paid) // redelivery of the same event
    await deliver(orderPaid(buyer, [courseId])) // a second order for the same course
    expect(await enrollmentsOf(courseId)).toBe(1)
    const [row] = await t.database.query<{ id: string; source: string; source_ref: string; org_id: string }>(
      sql`select id, source, source_ref, org_id from learning.enrollments where course_id = ${courseId}`,
    )
    expect(row).toMatchObject({
      source: 'order',
      source_ref: (paid.payload as { orderId: string }).orderId,
      org_id: buyer.orgId,
    })
    expect(await eventsFor('learning.enrollment.created', row!.id)).toHaveLength(1)
    expect(await enrollmentCount(courseId)).toBe(1)
    // The buyer studies it.
    expect((await t.call(buyer, 'GET', `/learn/courses/${courseId}`)).statusCode).toBe(200)
  })

  it('a refund revokes the order’s enrollment; a new order reactivates it', async () => {
    const { courseId } = await t.publishedCourse(t.user(['instructor']), { priceMinor: 4900 })
    const buyer = t.user()
    const paid = orderPaid(buyer, [courseId])
    const orderId = (paid.payload as { orderId: string }).orderId
    await deliver(paid)
    const refund = refunded(buyer, orderId, [courseId])
    await deliver(refund)
    await deliver(refund)
    const [row] = await t.database.query<{ id: string; status: string }>(
      sql`select id, status from learning.enrollments where course_id = ${courseId}`,
    )
    expect(row!.status).toBe('revoked')
    expect((await eventsFor('learning.enrollment.revoked', row!.id)).map((e) => e.payload.reason)).toEqual([
      'refund',
    ])
    expect((await t.call(buyer, 'GET', `/learn/courses/${courseId}`)).statusCode).toBe(403)

    await deliver(orderPaid(buyer, [courseId]))
    const [after] = await t.database.query<{ id: string; status: string }>(
      sql`select id, status from learning.enrollments where course_id = ${courseId}`,
    )
    expect(after).toEqual({ id: row!.id, status: 'active' })
  })
})

describe('errors', () => {
  it('a paid course cannot be self-enrolled: 403 telling to buy it, nothing created', async () => {
    const { courseId } = await t.publishedCourse(t.user(['instructor']), { priceMinor: 1999 })
    const res = await t.call(t.user(), 'POST', '/enrollments', { courseId })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ purchaseRequired: true, priceMinor: 1999, currency: 'USD' })
    expect(res.json().detail).toMatch(/buy it/)
    expect(await enrollmentsOf(courseId)).toBe(0)
  })

  it('an archived course takes no new enrollments (410) but an enrolled learner keeps theirs', async () => {
    const { courseId } = await t.publishedCourse(t.user(['instructor']))
    const enrolled = t.user()
    await t.enroll(enrolled, courseId)
    await t.database.query(sql`update learning.courses set status = 'archived' where id = ${courseId}`)
    const res = await t.call(t.user(), 'POST', '/enrollments', { courseId })
    expect(res.statusCode).toBe(410)
    expect(await enrollmentsOf(courseId)).toBe(1)
    expect((await t.call(enrolled, 'POST', '/enrollments', { courseId })).statusCode).toBe(200)
  })

  it('unknown course → 404; malformed ids and unknown fields → 400; nothing created', async () => {
    const learner = t.user()
    expect((await t.call(learner, 'POST', '/enrollments', { courseId: newId('crs') })).statusCode).toBe(404)
    expect((await t.call(learner, 'POST', '/enrollments', { courseId: 'nope' })).statusCode).toBe(400)
    const { courseId } = await t.publishedCourse(t.user(['instructor']))
    expect((await t.call(learner, 'POST', '/enrollments', { courseId, extra: 1 })).statusCode).toBe(400)
    expect(await enrollmentsOf(courseId)).toBe(0)
  })

  it('a cohort of another course is a 404 and nothing is created', async () => {
    const owner = t.user(['instructor'])
    const { courseId } = await t.publishedCourse(owner)
    const other = await t.publishedCourse(owner)
    const cohort = (
      await t.call(owner, 'POST', `/courses/${other.courseId}/cohorts`, { name: 'X', startsAt: future(1) })
    ).json()
    const res = await t.call(t.user(), 'POST', '/enrollments', { courseId, cohortId: cohort.id })
    expect(res.statusCode).toBe(404)
    expect(await enrollmentsOf(courseId)).toBe(0)
  })

  it('a revoked learner cannot re-enroll themselves (409)', async () => {
    const { courseId } = await t.publishedCourse(t.user(['instructor']))
    const learner = t.user()
    await t.enroll(learner, courseId, { status: 'revoked', revokedAt: new Date() })
    const res = await t.call(learner, 'POST', '/enrollments', { courseId })
    expect(res.statusCode).toBe(409)
    expect(await count('enrollments', sql`course_id = ${courseId} and status = 'active'`)).toBe(0)
  })

  it('grants need org_admin and a future expiry; cohort rules are checked', async () => {
    const owner = t.user(['instructor'])
    const { courseId } = await t.publishedCourse(owner)
    const learner = t.user()
    const byLearner = await t.call(learner, 'POST', '/org/enrollments', { userId: learner.userId, courseId })
    expect(byLearner.statusCode).toBe(403)
    const past = await t.call(t.user(['org_admin']), 'POST', '/org/enrollments', {
      userId: learner.userId,
      courseId,
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    })
    expect(past.statusCode).toBe(400)
    expect(await enrollmentsOf(courseId)).toBe(0)

    const backwards = await t.call(owner, 'POST', `/courses/${courseId}/cohorts`, {
      name: 'B',
      startsAt: future(10),
      endsAt: future(5),
    })
    expect(backwards.statusCode).toBe(400)
    const cohort = (
      await t.call(owner, 'POST', `/courses/${courseId}/cohorts`, {
        name: 'C',
        startsAt: future(1),
        capacity: 2,
      })
    ).json()
    await t.call(t.user(), 'POST', '/enrollments', { courseId, cohortId: cohort.id })
    await t.call(t.user(), 'POST', '/enrollments', { courseId, cohortId: cohort.id })
    const shrink = await t.call(owner, 'PATCH', `/courses/${courseId}/cohorts/${cohort.id}`, { capacity: 1 })
    expect(shrink.statusCode).toBe(409)
    const empty = await t.call(owner, 'PATCH', `/courses/${courseId}/cohorts/${cohort.id}`, {})
    expect(empty.statusCode).toBe(400)
  })

  it('order.paid for a course that does not exist rejects the line (learning.enrollment.rejected) without failing', async () => {
    const buyer = t.user()
    const ghost = newId('crs')
    const before = await count('enrollments')
    await expect(deliver(orderPaid(buyer, [ghost]))).resolves.toBeUndefined()
    expect(await count('enrollments')).toBe(before)
    expect(await count('inbox', sql`type = 'commerce.order.paid'`)).toBeGreaterThan(0)
    expect(logs.some((l) => l.includes('enrollment_impossible') && l.includes(ghost))).toBe(true)
    // commerce's saga refunds the line when it hears this.
    const rejected = (await t.events('learning.enrollment.rejected')).filter(
      (e) => e.payload.courseId === ghost,
    )
    expect(rejected).toEqual([
      {
        type: 'learning.enrollment.rejected',
        payload: expect.objectContaining({ userId: buyer.userId, reason: 'course_unknown' }),
      },
    ])
  })
})

describe('security', () => {
  it("another org's private course is a 404 and nothing is created", async () => {
    const { courseId } = await t.publishedCourse(t.user(['instructor']), { visibility: 'org' })
    const outsider = t.user(['learner', 'org_admin'], t.orgB)
    expect((await t.call(outsider, 'POST', '/enrollments', { courseId })).statusCode).toBe(404)
    expect(
      (await t.call(outsider, 'POST', '/org/enrollments', { userId: outsider.userId, courseId })).statusCode,
    ).toBe(404)
    expect((await t.call(outsider, 'GET', `/courses/${courseId}/cohorts`)).statusCode).toBe(404)
    expect(await enrollmentsOf(courseId)).toBe(0)
    // A member of the owning org may enroll.
    expect((await t.call(t.user(), 'POST', '/enrollments', { courseId })).statusCode).toBe(201)
  })

  it("another org's enrollment cannot be read, changed or revoked (404, unchanged)", async () => {
    const { courseId } = await t.publishedCourse(t.user(['instructor']))
    const learner = t.user()
    const e = await t.enroll(learner, courseId)
    const otherAdmin = t.user(['org_admin'], t.orgB)
    expect((await t.call(otherAdmin, 'GET', `/enrollments/${e.id}`)).statusCode).toBe(404)
    expect(
      (await t.call(otherAdmin, 'PATCH', `/org/enrollments/${e.id}`, { expiresAt: future(1) })).statusCode,
    ).toBe(404)
    expect((await t.call(otherAdmin, 'POST', `/org/enrollments/${e.id}/revoke`)).statusCode).toBe(404)
    // Another learner of the same org cannot read it either.
    expect((await t.call(t.user(), 'GET', `/enrollments/${e.id}`)).statusCode).toBe(404)
    const [row] = await t.database.query<{ status: string; expires_at: unknown }>(
      sql`select status, expires_at from learning.enrollments where id = ${e.id}`,
    )
    expect(row).toEqual({ status: 'active', expires_at: null })
    expect(await eventsFor('learning.enrollment.revoked', e.id)).toHaveLength(0)
  })

  it('only instructors of the course and org admins of its org see the roster or manage cohorts', async () => {
    const owner = t.user(['instructor'])
    const { courseId } = await t.publishedCourse(owner)
    await t.enroll(t.user(), courseId)
    expect((await t.call(t.user(), 'GET', `/courses/${courseId}/roster`)).statusCode).toBe(404)
    expect((await t.call(t.user(['instructor']), 'GET', `/courses/${courseId}/roster`)).statusCode).toBe(404)
    expect(
      (await t.call(t.user(['org_admin'], t.orgB), 'GET', `/courses/${courseId}/roster`)).statusCode,
    ).toBe(404)
    const create = await t.call(t.user(), 'POST', `/courses/${courseId}/cohorts`, {
      name: 'X',
      startsAt: future(1),
    })
    expect(create.statusCode).toBe(404)
    expect(await count('cohorts', sql`course_id = ${courseId}`)).toBe(0)
  })

  it('an org admin cannot grant another org’s course, even a public one', async () => {
    const { courseId } = await t.publishedCourse(t.user(['instructor']))
    const otherAdmin = t.user(['org_admin'], t.orgB)
    const res = await t.call(otherAdmin, 'POST', '/org/enrollments', { userId: newId('usr'), courseId })
    expect(res.statusCode).toBe(404)
    expect(await enrollmentsOf(courseId)).toBe(0)
  })

  it('anonymous callers get 401', async () => {
    const { courseId } = await t.publishedCourse(t.user(['instructor']))
    expect((await t.call(null, 'POST', '/enrollments', { courseId })).statusCode).toBe(401)
    expect((await t.call(null, 'GET', '/enrollments')).statusCode).toBe(401)
    expect(await enrollmentsOf(courseId)).toBe(0)
  })
})
