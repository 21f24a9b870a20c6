import { Registry, collectDefaultMetrics, type Metric } from 'prom-client'

/** RED metrics (rate, errors, duration) per route, on a registry of the app's own. */
export interface Metrics {
  registry: Registry
  /**
   * A recorder bound to one route: what the HTTP layer calls on every request. Resolving the
   * method and route once (at route registration) keeps the per-request cost to a map lookup by
   * status and a few additions.
   */
  forRoute(method: string, route: string): (status: number, ms: number) => void
}

/** Histogram buckets, in seconds. */
const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const bucketsMs = buckets.map((b) => b * 1000)

interface Cell {
  status: number
  count: number
  sumMs: number
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  bucketCounts: Float64Array
}

/**
 * Creates the registry with default process metrics and the per-route HTTP metrics
 * `http_requests_total{method,route,status}`, `http_request_errors_total{method,route}` and
 * `http_request_duration_seconds{method,route,status_class}`.
 *
 * prom-client hashes a label object on every observation (three per request here); instead,
 * requests are counted in plain per-route cells and turned into prom-client's exposition format
 * only when `/metrics` is scraped.
 */
export function createMetrics(service: string): Metrics {
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  collectDefaultMetrics({ register: registry })
  const routes = new Map<string, { method: string; route: string; cells: Map<number, Cell> }>()

  function routeCells(method: string, route: string) {
    const key = `${method} ${route}`
    let entry = routes.get(key)
    if (!entry) routes.set(key, (entry = { method, route, cells: new Map() }))
    return entry.cells
  }

  function recorder(cells: Map<number, Cell>) {
    return (status: number, ms: number) => {
      let cell = cells.get(status)
      if (!cell)
        cells.set(
          status,
          (cell = { status, count: 0, sumMs: 0, bucketCounts: new Float64Array(buckets.length + 1) }),
        )
      cell.count++
      cell.sumMs += ms
      let i = 0
      while (i < bucketsMs.length && ms > bucketsMs[i]!) i++
      cell.bucketCounts[i]!++
    }
  }

  const metric = (name: string, help: string, type: 'counter' | 'histogram', values: () => unknown[]) =>
    ({
      name,
      help,
      type,
      aggregator: 'sum',
      labelNames: [],
      get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
      reset: () => routes.clear(),
    }) as unknown as Metric

  registry.registerMetric(
    metric('http_requests_total', 'HTTP requests by route and status', 'counter', () =>
      [...routes.values()].flatMap(({ method, route, cells }) =>
        [...cells.values()].map((c) => ({
          labels: { method, route, status: String(c.status) },
          value: c.count,
        })),
      ),
    ),
  )
  registry.registerMetric(
    metric('http_request_errors_total', 'HTTP responses with status >= 500 by route', 'counter', () =>
      [...routes.values()].flatMap(({ method, route, cells }) => {
        let n = 0
        for (const c of cells.values()) if (c.status >= 500) n += c.count
        return n ? [{ labels: { method, route }, value: n }] : []
      }),
    ),
  )
  registry.registerMetric(
    metric('http_request_duration_seconds', 'HTTP request duration by route', 'histogram', () =>
      [...routes.values()].flatMap(({ method, route, cells }) => {
        const byClass = new Map<string, { count: number; sumMs: number; counts: Float64Array }>()
        for (const c of cells.values()) {
          const statusClass = `${Math.floor(c.status / 100)}xx`
          let agg = byClass.get(statusClass)
          if (!agg)
            byClass.set(
              statusClass,
              (agg = { count: 0, sumMs: 0, counts: new Float64Array(buckets.length + 1) }),
            )
          agg.count += c.count
          agg.sumMs += c.sumMs
          for (let i = 0; i <= buckets.length; i++) agg.counts[i]! += c.bucketCounts[i]!
        }
        return [...byClass].flatMap(([statusClass, agg]) => {
          const labels = { method, route, status_class: statusClass }
          let cumulative = 0
          const rows: unknown[] = buckets.map((le, i) => {
            cumulative += agg.counts[i]!
            return {
              metricName: 'http_request_duration_seconds_bucket',
              labels: { ...labels, le },
              value: cumulative,
            }
          })
          rows.push({
            metricName: 'http_request_duration_seconds_bucket',
            labels: { ...labels, le: '+Inf' },
            value: agg.count,
          })
          rows.push({ metricName: 'http_request_duration_seconds_sum', labels, value: agg.sumMs / 1000 })
          rows.push({ metricName: 'http_request_duration_seconds_count', labels, value: agg.count })
          return rows
        })
      }),
    ),
  )

  return {
    registry,
    forRoute(method, route) {
      return recorder(routeCells(method, route))
    },
  }
}
