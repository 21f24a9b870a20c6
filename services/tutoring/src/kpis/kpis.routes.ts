import { adminKpisRoute, dailyCounts, Type, type App } from '@learnmesh/kernel'
import { sql } from 'drizzle-orm'
import type { TutoringDeps } from '../deps.ts'

const TutoringKpis = Type.Object({
  /** First day (YYYY-MM-DD, UTC). */
  from: Type.String(),
  /** Last day (today, UTC). */
  to: Type.String(),
  /** Paid lessons by start day and lessons completed per day, every day present. */
  daily: Type.Array(Type.Object({ date: Type.String(), lessons: Type.Integer(), completed: Type.Integer() })),
  /** Disputes waiting for an admin now. */
  openDisputes: Type.Integer(),
  /** Profiles waiting for verification now. */
  pendingVerifications: Type.Integer(),
})

/** Booking states of a lesson that was paid and not called off. */
const LESSON_STATES = ['booked', 'confirmed', 'completed', 'disputed']

/**
 * Read-only platform KPIs over tutoring's own schema (every organization): lessons per day and the
 * admin queues' sizes. Platform administrators only; the admin web page combines it with the
 * other services' KPIs.
 */
export function kpisRoutes(app: App, deps: Pick<TutoringDeps, 'database'>): void {
  adminKpisRoute(app, {
    summary: 'Lessons per day and admin queues, all organizations (platform admin)',
    response: TutoringKpis,
    load: async ({ days, from, to, since, until }) => {
      const states = sql.join(
        LESSON_STATES.map((s) => sql`${s}`),
        sql`, `,
      )
      const [lessons, completed, queues] = await Promise.all([
        deps.database.query<{ date: string; n: number }>(
          sql`select to_char(starts_at at time zone 'UTC', 'YYYY-MM-DD') as date, count(*)::int as n
              from tutoring.bookings where starts_at >= ${since} and starts_at < ${until}
              and status in (${states}) group by 1`,
        ),
        deps.database.query<{ date: string; n: number }>(
          sql`select to_char(completed_at at time zone 'UTC', 'YYYY-MM-DD') as date, count(*)::int as n
              from tutoring.bookings where completed_at >= ${since} group by 1`,
        ),
        deps.database.query<{ disputes: number; pending: number }>(
          sql`select (select count(*)::int from tutoring.disputes where status = 'open') as disputes,
                     (select count(*)::int from tutoring.tutor_profiles where verification_status = 'pending') as pending`,
        ),
      ])
      return {
        from,
        to,
        daily: dailyCounts(days, { lessons, completed }),
        openDisputes: Number(queues[0]?.disputes ?? 0),
        pendingVerifications: Number(queues[0]?.pending ?? 0),
      }
    },
  })
}
