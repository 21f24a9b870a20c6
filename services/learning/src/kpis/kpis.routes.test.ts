import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dayRange } from '@learnmesh/kernel'
import { createTestLearning } from '../test-helpers.ts'

let t: Awaited<ReturnType<typeof createTestLearning>>
beforeAll(async () => {
  t = await createTestLearning()
})
afterAll(() => t.close())

const admin = () => t.user(['learner'], t.orgA, { platformAdmin: true })

describe('happy', () => {
  it('counts enrollments and completions per UTC day, every day present', async () => {
    const now = new Date()
    const old = new Date(Date.now() - 40 * 86_400_000)
    await t.database.query(
      sql`insert into learning.enrollments (id, org_id, course_id, user_id, version, source, enrolled_at, completed_at)
          values ('enr_k1', ${t.orgA}, 'crs_1', 'usr_1', 1, 'free', ${now}, ${now}),
                 ('enr_k2', ${t.orgA}, 'crs_1', 'usr_2', 1, 'free', ${now}, null),
                 ('enr_k3', ${t.orgB}, 'crs_2', 'usr_3', 1, 'free', ${old}, null)`,
    )
    const res = await t.call(admin(), 'GET', '/admin/kpis?days=30')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.daily).toHaveLength(30)
    expect(body.daily.at(-1)).toEqual({ date: dayRange(1)[0], enrollments: 2, completions: 1 })
    expect(body.daily.reduce((s: number, d: { enrollments: number }) => s + d.enrollments, 0)).toBe(2)
  })
})

describe('errors and security', () => {
  it('400 problem for a bad range; 401 anonymous; 403 for an org admin', async () => {
    const bad = await t.call(admin(), 'GET', '/admin/kpis?days=abc')
    expect(bad.statusCode).toBe(400)
    expect(bad.headers['content-type']).toContain('application/problem+json')
    expect((await t.call(null, 'GET', '/admin/kpis')).statusCode).toBe(401)
    expect((await t.call(t.user(['org_admin']), 'GET', '/admin/kpis')).statusCode).toBe(403)
  })
})
