import { adminKpisRoute, dailyCounts, Type, type App } from '@learnmesh/kernel'
import { sql } from 'drizzle-orm'
import type { CommerceDeps } from '../deps.ts'

const Point = Type.Object({ date: Type.String(), amountMinor: Type.Integer() })
const CommerceKpis = Type.Object({
  /** First day (YYYY-MM-DD, UTC). */
  from: Type.String(),
  /** Last day (today, UTC). */
  to: Type.String(),
  /** Orders created and orders paid per day, every day present. */
  daily: Type.Array(Type.Object({ date: Type.String(), orders: Type.Integer(), paidOrders: Type.Integer() })),
  /** Paid order totals per currency and day (by payment day), and refunds that succeeded in the range. */
  revenue: Type.Array(
    Type.Object({
      currency: Type.String(),
      totalMinor: Type.Integer(),
      refundedMinor: Type.Integer(),
      daily: Type.Array(Point),
    }),
  ),
})

/**
 * Read-only platform KPIs over commerce's own schema (every organization): orders per day and
 * revenue per currency. Platform administrators only; the admin web page combines it with the
 * other services' KPIs.
 */
export function kpisRoutes(app: App, deps: Pick<CommerceDeps, 'database'>): void {
  adminKpisRoute(app, {
    summary: 'Orders and revenue per day, all organizations (platform admin)',
    response: CommerceKpis,
    load: async ({ days, from, to, since }) => {
      const day = (column: string) => sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD')`)
      const [created, paid, revenue, refunded] = await Promise.all([
        deps.database.query<{ date: string; n: number }>(
          sql`select ${day('created_at')} as date, count(*)::int as n from commerce.orders
              where created_at >= ${since} group by 1`,
        ),
        deps.database.query<{ date: string; n: number }>(
          sql`select ${day('paid_at')} as date, count(*)::int as n from commerce.orders
              where paid_at >= ${since} group by 1`,
        ),
        deps.database.query<{ date: string; currency: string; amount: string }>(
          sql`select ${day('paid_at')} as date, currency, sum(total_minor)::text as amount
              from commerce.orders where paid_at >= ${since} group by 1, 2`,
        ),
        deps.database.query<{ currency: string; amount: string }>(
          sql`select o.currency, sum(r.amount_minor)::text as amount
              from commerce.refunds r join commerce.orders o on o.id = r.order_id
              where r.status = 'succeeded' and r.created_at >= ${since} group by 1`,
        ),
      ])
      const currencies = [
        ...new Set([...revenue.map((r) => r.currency), ...refunded.map((r) => r.currency)]),
      ].sort()
      return {
        from,
        to,
        daily: dailyCounts(days, { orders: created, paidOrders: paid }),
        revenue: currencies.map((currency) => {
          const rows = revenue.filter((r) => r.currency === currency)
          return {
            currency,
            totalMinor: rows.reduce((sum, r) => sum + Number(r.amount), 0),
            refundedMinor: Number(refunded.find((r) => r.currency === currency)?.amount ?? 0),
            daily: dailyCounts(days, { amountMinor: rows.map((r) => ({ date: r.date, n: r.amount })) }),
          }
        }),
      }
    },
  })
}
