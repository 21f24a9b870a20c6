import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** RED metrics (rate, errors, duration) per route, on a registry of the app's own. */
export interface Metrics {
  registry: Registry
  /** Records one finished request; `ms` is the response time in milliseconds. */
  observe(method: string, route: string, status: number, ms: number): void
}

/** Creates the registry with default process metrics and the per-route HTTP metrics. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  collectDefaultMetrics({ register: registry })
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route', 'status_class'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  })
  const errors = new Counter({
    name: 'http_request_errors_total',
    help: 'HTTP responses with status >= 500 by route',
    labelNames: ['method', 'route'],
    registers: [registry],
  })
  return {
    registry,
    observe(method, route, status, ms) {
      const statusClass = `${Math.floor(status / 100)}xx`
      duration.observe({ method, route, status_class: statusClass }, ms / 1000)
      requests.inc({ method, route, status: String(status) })
      if (status >= 500) errors.inc({ method, route })
    },
  }
}
