import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCommerce, type TestCommerce } from '../test-helpers.ts'

let t: TestCommerce
beforeAll(async () => {
  t = await createTestCommerce()
})
afterAll(() => t.close())

const admin = () => t.user(['learner'], t.orgA, { platformAdmin: true })

async function order(id: string, status: string, totalMinor: number, currency: string, paidAt: Date | null) {
  await t.database.query(
    sql`insert into commerce.orders (id, org_id, user_id, status, currency, subtotal_minor, total_minor, paid_at)
        values (${id}, ${t.orgA}, 'usr_x', ${status}, ${currency}, ${totalMinor}, ${totalMinor}, ${paidAt})`,
  )
}

describe('happy', () => {
  it('counts orders and sums paid revenue per currency and UTC day, refunds included', async () => {
    const now = new Date()
    await order('ord_k1', 'paid', 1500, 'EUR', now)
    await order('ord_k2', 'paid', 2500, 'EUR', now)
    await order('ord_k3', 'pending_payment', 999, 'EUR', null)
    await order('ord_k4', 'paid', 700, 'USD', now)
    await t.database.query(
      sql`insert into commerce.refunds (id, payment_id, order_id, org_id, amount_minor, reason, status)
          values ('ref_k1', 'pay_x', 'ord_k1', ${t.orgA}, 500, 'requested_by_customer', 'succeeded'),
                 ('ref_k2', 'pay_x', 'ord_k2', ${t.orgA}, 900, 'requested_by_customer', 'failed')`,
    )
    const res = await t.call(admin(), 'GET', '/admin/kpis?days=7')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.daily).toHaveLength(7)
    expect(body.daily.at(-1)).toMatchObject({ orders: 4, paidOrders: 3 })
    expect(body.daily[0]).toMatchObject({ orders: 0, paidOrders: 0 })
    const eur = body.revenue.find((r: { currency: string }) => r.currency === 'EUR')
    expect(eur).toMatchObject({ totalMinor: 4000, refundedMinor: 500 })
    expect(eur.daily.at(-1).amountMinor).toBe(4000)
    expect(body.revenue.map((r: { currency: string }) => r.currency)).toEqual(['EUR', 'USD'])
  })
})

describe('errors and security', () => {
  it('400 problem for a bad range', async () => {
    const res = await t.call(admin(), 'GET', '/admin/kpis?days=0')
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toContain('application/problem+json')
  })

  it('401 anonymous, 403 for an org admin who is not a platform admin', async () => {
    expect((await t.call(null, 'GET', '/admin/kpis')).statusCode).toBe(401)
    expect((await t.call(t.user(['org_admin']), 'GET', '/admin/kpis')).statusCode).toBe(403)
  })
})
