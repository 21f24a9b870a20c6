import { requirePlatformAdmin, Type, type App } from '@learnmesh/kernel'
import { sql } from 'drizzle-orm'
import type { LearningDeps } from '../deps.ts'
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

const LearningKpis = Type.Object({
  /** First day (YYYY-MM-DD, UTC). */
  from: Type.String(),
  /** Last day (today, UTC). */
  to: Type.String(),
  /** Enrollments made and courses completed per day, every day present. */
  daily: Type.Array(
    Type.Object({ date: Type.String(), enrollments: Type.Integer(), completions: Type.Integer() }),
  ),
})

/**
 * Read-only platform KPIs over learning's own schema (every organization): enrollments and
 * completions per day. Platform administrators only; the admin web page combines it with the
 * other services' KPIs.
 */
export function kpisRoutes(app: App, deps: Pick<LearningDeps, 'database'>): void {
  app.get(
    '/admin/kpis',
    {
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Enrollments and completions per day, all organizations (platform admin)',
        querystring: KpiQuery,
        response: { 200: LearningKpis, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      requirePlatformAdmin(request)
      const range = dayRange(request.query.days)
      const since = new Date(`${range[0]}T00:00:00.000Z`)
      const perDay = (column: 'enrolled_at' | 'completed_at') =>
        deps.database.query<{ date: string; n: number }>(
          sql`select to_char(${sql.identifier(column)} at time zone 'UTC', 'YYYY-MM-DD') as date, count(*)::int as n
              from learning.enrollments where ${sql.identifier(column)} >= ${since} group by 1`,
        )
      const [enrolled, completed] = await Promise.all([perDay('enrolled_at'), perDay('completed_at')])
      const e = new Map(enrolled.map((r) => [r.date, Number(r.n)]))
      const c = new Map(completed.map((r) => [r.date, Number(r.n)]))
      return {
        from: range[0]!,
        to: range.at(-1)!,
        daily: range.map((date) => ({ date, enrollments: e.get(date) ?? 0, completions: c.get(date) ?? 0 })),
      }
    },
  )
}
