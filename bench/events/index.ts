// The event backbone's benchmarks (PostgreSQL + RabbitMQ), run by bench/run.ts after the HTTP ones.
import { latencyScenario } from './latency.ts'
import { relayScenario } from './relay.ts'
import type { EventScenario } from './report.ts'

export type { EventScenario, EventScenarioContext, EventScenarioResult } from './report.ts'
export { killWorkers } from './workers.ts'

/** Every event scenario, in the order `npm run bench` runs them. */
export const eventScenarios: EventScenario[] = [relayScenario, latencyScenario]
