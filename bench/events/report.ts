// Types and printing shared by the event benchmarks (same look as the HTTP scenarios' output).
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { deleteRabbitTopology, postgresAvailable, rabbitAvailable } from '@learnmesh/kernel/testing'

/** A target's outcome, as run.ts prints and stores it. */
export interface EventTargetResult {
  label: string
  value: number | null
  status: 'PASS' | 'FAIL' | 'N/A'
  detail: string
}

/** What run.ts passes to an event scenario. */
export interface EventScenarioContext {
  rounds: number
  logDir: string
  keepLogs: boolean
}

/** What an event scenario returns (stored in .tmp/bench/latest.json). */
export interface EventScenarioResult {
  name: string
  title: string
  summaries: unknown[]
  targets: EventTargetResult[]
  notes: string[]
}

/**
 * A benchmark that is not an HTTP load test: it drives its own worker processes (publishers,
 * relay, consumers) against the real PostgreSQL and RabbitMQ and checks its targets itself.
 */
export interface EventScenario {
  name: string
  title: string
  /** The target labels, printed as N/A when the scenario is skipped. */
  targetLabels: string[]
  run(context: EventScenarioContext): Promise<EventScenarioResult>
}

/** Formats an integer with thousands separators ('—' when not finite). */
export const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—')
/** Formats a number with `digits` decimals ('—' when not finite). */
export const fixed = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '—')

/** Aligns rows into columns: the first left-aligned, the others right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    )
    .join('\n')
}

/** The q-quantile (0..1) of sorted numbers, nearest rank. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

/** Prints a scenario's header, table, warnings, targets and notes. */
export function printScenario(
  scenario: { name: string; title: string },
  subtitle: string,
  rows: string[][],
  warnings: string[],
  targets: EventTargetResult[],
  notes: string[],
): void {
  console.log(`\n== ${scenario.name}: ${scenario.title}`)
  console.log(`   ${subtitle}\n`)
  console.log(table(rows))
  for (const w of warnings) console.log(`!! ${w}`)
  console.log('')
  for (const t of targets) console.log(`   ${t.status.padEnd(4)}  ${t.label}: ${t.detail}`)
  for (const n of notes) console.log(`   note: ${n}`)
}

/**
 * Checks PostgreSQL and RabbitMQ; when one is missing, prints the scenario as skipped (targets
 * N/A) and returns that result. With REQUIRE_INFRA=1 a missing server throws instead.
 */
export async function skipWithoutInfra(scenario: EventScenario): Promise<EventScenarioResult | undefined> {
  const [pg, rabbit] = await Promise.all([postgresAvailable(), rabbitAvailable()])
  const reasons = [pg, rabbit].flatMap((r) => (r.ok ? [] : [r.reason]))
  if (reasons.length === 0) return undefined
  const targets = scenario.targetLabels.map((label): EventTargetResult => ({
    label,
    value: null,
    status: 'N/A',
    detail: 'skipped',
  }))
  const notes = reasons.map((r) => `skipped: ${r}`)
  console.log(`\n== ${scenario.name}: ${scenario.title}`)
  for (const t of targets) console.log(`   ${t.status.padEnd(4)}  ${t.label}: ${t.detail}`)
  for (const n of notes) console.log(`   note: ${n}`)
  return { name: scenario.name, title: scenario.title, summaries: [], targets, notes }
}

/** A unique exchange/queue prefix for one benchmark run (deleted afterwards). */
export function benchPrefix(scenario: string): string {
  return `lmbench.${scenario}.${Date.now().toString(36)}.${randomBytes(3).toString('hex')}.`
}

/** Deletes what a scenario declared, logging (not throwing) when the broker is gone. */
export async function cleanUpTopology(topology: { exchanges: string[]; queues: string[] }): Promise<void> {
  await deleteRabbitTopology(topology).catch((err: unknown) =>
    console.error(`   could not delete the benchmark's queues/exchanges: ${(err as Error).message}`),
  )
}

/** The 1-minute load average, as a note on how busy the machine was. */
export function loadNote(when: string): string {
  return `load average ${when}: ${loadavg()[0]!.toFixed(2)} (1 min) on this machine`
}

/** Where a worker's JSON logs go. */
export function workerLog(logDir: string, scenario: string, worker: string): string {
  return join(logDir, `${scenario}-${worker}.log`)
}
