import { adminKpisRoute, dailyCounts, Type, type App } from '@learnmesh/kernel'
import { sql } from 'drizzle-orm'
import type { LearningDeps } from '../deps.ts'

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
  adminKpisRoute(app, {
    summary: 'Enrollments and completions per day, all organizations (platform admin)',
    response: LearningKpis,
    load: async ({ days, from, to, since }) => {
      const perDay = (column: 'enrolled_at' | 'completed_at') =>
        deps.database.query<{ date: string; n: number }>(
          sql`select to_char(${sql.identifier(column)} at time zone 'UTC', 'YYYY-MM-DD') as date, count(*)::int as n
              from learning.enrollments where ${sql.identifier(column)} >= ${since} group by 1`,
        )
      const [enrollments, completions] = await Promise.all([perDay('enrolled_at'), perDay('completed_at')])
      return { from, to, daily: dailyCounts(days, { enrollments, completions }) }
    },
  })
}
