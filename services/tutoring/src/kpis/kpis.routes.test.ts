import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestTutoring } from '../test-helpers.ts'

let t: Awaited<ReturnType<typeof createTestTutoring>>
beforeAll(async () => {
  t = await createTestTutoring()
})
afterAll(() => t.close())

const admin = () => t.user(['learner'], t.orgA, { platformAdmin: true })

async function booking(
  id: string,
  tutorId: string,
  status: string,
  startsAt: Date,
  completedAt: Date | null,
) {
  const endsAt = new Date(startsAt.getTime() + 3_600_000)
  await t.database.query(
    sql`insert into tutoring.bookings (id, org_id, tutor_id, tutor_user_id, learner_id, starts_at, ends_at,
          blocks_from, blocks_until, minutes, status, paid_with, price_minor, currency, product_ref, completed_at)
        values (${id}, ${t.orgA}, ${tutorId}, 'usr_t', ${`usr_${id}`}, ${startsAt}, ${endsAt}, ${startsAt}, ${endsAt},
          60, ${status}, 'checkout', 4000, 'EUR', 'tut:usr_t:60', ${completedAt})`,
  )
}

describe('happy', () => {
  it('counts paid lessons by start day, completions, open disputes and pending verifications', async () => {
    const { tutorId } = await t.tutor()
    await t.tutor({ verificationStatus: 'pending' })
    const today = new Date()
    today.setUTCHours(0, 0, 0, 0)
    const at = (hours: number) => new Date(today.getTime() + hours * 3_600_000)
    await booking('bkg_k1', tutorId, 'completed', at(-20), at(-18))
    await booking('bkg_k2', tutorId, 'booked', at(1), null)
    await booking('bkg_k3', tutorId, 'cancelled', at(3), null)
    await booking('bkg_k4', tutorId, 'disputed', at(5), null)
    await t.database.query(
      sql`insert into tutoring.disputes (id, org_id, booking_id, opened_by, reason)
          values ('dsp_k1', ${t.orgA}, 'bkg_k4', 'usr_bkg_k4', 'no show')`,
    )
    const res = await t.call(admin(), 'GET', '/admin/kpis?days=2')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.daily).toHaveLength(2)
    expect(body.daily[0]).toMatchObject({ lessons: 1, completed: 1 })
    expect(body.daily[1]).toMatchObject({ lessons: 2, completed: 0 })
    expect(body).toMatchObject({ openDisputes: 1, pendingVerifications: 1 })
  })
})

describe('errors and security', () => {
  it('400 problem for a bad range; 401 anonymous; 403 for an org admin', async () => {
    const bad = await t.call(admin(), 'GET', '/admin/kpis?days=400')
    expect(bad.statusCode).toBe(400)
    expect(bad.headers['content-type']).toContain('application/problem+json')
    expect((await t.call(null, 'GET', '/admin/kpis')).statusCode).toBe(401)
    expect((await t.call(t.user(['org_admin']), 'GET', '/admin/kpis')).statusCode).toBe(403)
  })
})
