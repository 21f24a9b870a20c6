import type { ServerChild } from '../lib/children.ts'
import type { Variant } from '../lib/measure.ts'

/** A pass/fail target of a scenario, checked on the medians. */
export type Target =
  | { kind: 'ratio'; label: string; variant: string; baseline: string; min: number }
  | { kind: 'p99'; label: string; variant: string; maxMs: number }

/** What a scenario's setup started: variants to measure (baseline first) and the processes to stop. */
export interface ScenarioSetup {
  variants: Variant[]
  servers: ServerChild[]
  /** Files the servers log to (size is reported, then they are deleted). */
  logFiles: string[]
  /** Things the reader must know (e.g. a variant that could not run and why). */
  notes: string[]
}

/** One benchmark: servers side by side, measured alternately under the same load. */
export interface Scenario {
  name: string
  title: string
  connections: number
  targets: Target[]
  setup(logDir: string): Promise<ScenarioSetup>
}
