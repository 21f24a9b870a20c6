import Type, { type Static, type TObject, type TSchema } from 'typebox'
import { requirePlatformAdmin } from '../auth/plugin.ts'
import type { App } from './app.ts'
import { bearer, problems } from './schemas.ts'

const DAY_MS = 86_400_000

/** The query of a service's `GET /admin/kpis`: how many days back, today included. */
export const KpiQuery = Type.Object(
  {
    /** Days back from today (UTC), today included (1–366, default 30). */
    days: Type.Integer({ minimum: 1, maximum: 366, default: 30, description: 'Days back, today included.' }),
  },
  { additionalProperties: false },
)

/** `YYYY-MM-DD` (UTC) of each of the last `days` days, oldest first, today last. */
export function dayRange(days: number, now = new Date()): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  return Array.from({ length: days }, (_, i) =>
    new Date(today - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10),
  )
}

/** The last `days` UTC days and their bounds, for queries that count per day. */
export interface DayWindow {
  /** Every day (`YYYY-MM-DD`), oldest first. */
  days: string[]
  /** The first day. */
  from: string
  /** The last day (today). */
  to: string
  /** Midnight (UTC) starting the first day. */
  since: Date
  /** Midnight (UTC) ending the last day (exclusive bound). */
  until: Date
}

/** The window of the last `days` UTC days, today included. `days` is at least 1. */
export function dayWindow(days: number, now = new Date()): DayWindow {
  if (!Number.isInteger(days) || days < 1)
    throw new RangeError(`days must be a positive integer, got ${days}`)
  const range = dayRange(days, now)
  const from = range[0]!
  const to = range[range.length - 1]!
  const since = new Date(`${from}T00:00:00.000Z`)
  return { days: range, from, to, since, until: new Date(Date.parse(`${to}T00:00:00.000Z`) + DAY_MS) }
}

/** A row of a per-day count query: the day (`YYYY-MM-DD`) and its count (PostgreSQL may send it as text). */
export interface DayCount {
  date: string
  n: number | string
}

/**
 * One point per day of `days`, each series' count that day, 0 for days without a row:
 * `dailyCounts(window.days, { enrollments, completions })` → `[{ date, enrollments, completions }, …]`.
 * Rows for days outside `days` are ignored.
 */
export function dailyCounts<K extends string>(
  days: readonly string[],
  series: Record<K, readonly DayCount[]>,
): ({ date: string } & Record<K, number>)[] {
  const counts = Object.entries<readonly DayCount[]>(series).map(
    ([name, rows]) => [name, new Map(rows.map((r) => [r.date, Number(r.n)]))] as const,
  )
  return days.map((date) => {
    const point: Record<string, string | number> = { date }
    for (const [name, byDay] of counts) point[name] = byDay.get(date) ?? 0
    return point as { date: string } & Record<K, number>
  })
}

/**
 * Registers a service's `GET /admin/kpis` (OpenAPI tag `admin`): platform administrators only, the
 * `?days=` query of {@link KpiQuery}, and `load` called with that window of days. `load` queries the
 * service's own schema and returns the `response` schema's shape.
 */
export function adminKpisRoute<T extends TObject>(
  app: App,
  options: { summary: string; response: T; load: (window: DayWindow) => Promise<Static<T>> },
): void {
  // Typed loosely here; `load`'s return type is what checks each service's response.
  const response: Record<number, TSchema> = { 200: options.response, ...problems(400, 401, 403) }
  app.get(
    '/admin/kpis',
    {
      schema: {
        tags: ['admin'],
        security: bearer,
        summary: options.summary,
        querystring: KpiQuery,
        response,
      },
    },
    async (request) => {
      requirePlatformAdmin(request)
      return options.load(dayWindow(request.query.days))
    },
  )
}
