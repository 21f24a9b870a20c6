import { requirePlatformAdmin, Type, type App } from '@learnmesh/kernel'
import { sql } from 'drizzle-orm'
import type { TutoringDeps } from '../deps.ts'
import { problems } from '../shared/http.ts'

/** `YYYY-MM-DD` (UTC) of each of the last `days` days, today last. */
export function dayRange(days: number, now = new Date()): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  return Array.from({ length: days }, (_, i) =>
    new Date(today - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10),
  )
}

const KpiQuery = Type.Object(
  {
    /** Days back from today (UTC), today included (1–366, default 30). */
    days: Type.Integer({ minimum: 1, maximum: 366, default: 30, description: 'Days back, today included.' }),
  },
  { additionalProperties: false },
)

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
  app.get(
    '/admin/kpis',
    {
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Lessons per day and admin queues, all organizations (platform admin)',
        querystring: KpiQuery,
        response: { 200: TutoringKpis, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      requirePlatformAdmin(request)
      const range = dayRange(request.query.days)
      const since = new Date(`${range[0]}T00:00:00.000Z`)
      const until = new Date(Date.parse(`${range.at(-1)}T00:00:00.000Z`) + 86_400_000)
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
      const l = new Map(lessons.map((r) => [r.date, Number(r.n)]))
      const c = new Map(completed.map((r) => [r.date, Number(r.n)]))
      return {
        from: range[0]!,
        to: range.at(-1)!,
        daily: range.map((date) => ({ date, lessons: l.get(date) ?? 0, completed: c.get(date) ?? 0 })),
        openDisputes: Number(queues[0]?.disputes ?? 0),
        pendingVerifications: Number(queues[0]?.pending ?? 0),
      }
    },
  )
}
