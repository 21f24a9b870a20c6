// `npm run bench [-- <scenario>...]`: runs each scenario's variants side by side, alternately
// (A/B/A/B) under the same load, and prints medians, ratios against the baseline, CPU µs per request
// and each target's PASS/FAIL. Results also go to .tmp/bench/latest.json.
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { killAll, root } from './lib/children.ts'
import { measure, median, probe, type LoadSettings, type RunResult } from './lib/measure.ts'
import { gatewayScenario } from './scenarios/gateway.ts'
import { httpScenario } from './scenarios/http.ts'
import { heartbeatsScenario } from './scenarios/heartbeats.ts'
import { catalogScenario } from './scenarios/catalog.ts'
import { quizScenario } from './scenarios/quiz.ts'
import { checkoutWriteScenario } from './scenarios/checkout-write.ts'
import { checkoutLatencyScenario } from './scenarios/checkout-latency.ts'
import { socketsScenario } from './scenarios/sockets.ts'
import { socketMemoryScenario } from './scenarios/socket-memory.ts'
import { killClients } from './sockets/clients.ts'
import type { Scenario, Target } from './scenarios/types.ts'
import { eventScenarios, killWorkers, type EventScenario } from './events/index.ts'

const scenarios: (Scenario | EventScenario)[] = [
  httpScenario,
  gatewayScenario,
  ...eventScenarios,
  catalogScenario,
  heartbeatsScenario,
  quizScenario,
  checkoutWriteScenario,
  checkoutLatencyScenario,
  socketsScenario,
  socketMemoryScenario,
]

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got '${raw}'`)
  return value
}

const duration = numberFromEnv('BENCH_DURATION', 8)
const warmup = numberFromEnv('BENCH_WARMUP', 3)
const rounds = Math.max(1, Math.floor(numberFromEnv('BENCH_ROUNDS', 3)))
// Later rounds only need the connections re-established and caches refilled, not the JIT warmed again.
const rewarm = Math.min(warmup, 1)
const keepLogs = process.env.BENCH_KEEP_LOGS === '1'
const outDir = join(root, '.tmp/bench')
const logDir = join(outDir, 'logs')

/** The medians of one variant over its rounds. */
interface Summary {
  key: string
  label: string
  reqPerSec: number
  rounds: number[]
  p50: number
  p99: number
  cpuUsPerReq: number
  cpuBreakdown: Record<string, number>
  loadgenUsPerReq: number
  /** Median cores used by other processes on the machine during this variant's runs. */
  otherLoad: number
  errors: number
  non2xx: number
  runs: RunResult[]
}

interface TargetResult {
  label: string
  value: number | null
  status: 'PASS' | 'FAIL' | 'N/A'
  detail: string
}

function summarize(key: string, label: string, runs: RunResult[]): Summary {
  const names = Object.keys(runs[0]?.cpuBreakdown ?? {})
  return {
    key,
    label,
    reqPerSec: median(runs.map((r) => r.reqPerSec)),
    rounds: runs.map((r) => r.reqPerSec),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpuUsPerReq: median(runs.map((r) => r.cpuUsPerReq)),
    cpuBreakdown: Object.fromEntries(names.map((n) => [n, median(runs.map((r) => r.cpuBreakdown[n]!))])),
    loadgenUsPerReq: median(runs.map((r) => r.loadgenUsPerReq)),
    otherLoad: median(runs.map((r) => r.otherLoad)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    runs,
  }
}

/**
 * The req/s ratio of two variants: the median of the per-round ratios. A round runs the variants
 * back to back, so each ratio compares runs close in time, which cancels slow drift on the machine
 * better than a ratio of medians taken over different moments.
 */
function pairedRatio(candidate: Summary, baseline: Summary): { ratio: number; rounds: number[] } {
  const rounds = candidate.runs.map((run, i) => run.reqPerSec / (baseline.runs[i]?.reqPerSec ?? Number.NaN))
  return { ratio: median(rounds), rounds }
}

function check(target: Target, summaries: Summary[]): TargetResult {
  const candidate = summaries.find((s) => s.key === target.variant)
  const valid = (s: Summary | undefined): s is Summary => !!s && s.errors === 0 && s.non2xx === 0
  if (target.kind === 'ratio') {
    const baseline = summaries.find((s) => s.key === target.baseline)
    if (!candidate || !baseline)
      return { label: target.label, value: null, status: 'N/A', detail: 'variant did not run' }
    const { ratio, rounds } = pairedRatio(candidate, baseline)
    const ok = valid(candidate) && valid(baseline) && ratio >= target.min
    const cpu = candidate.cpuUsPerReq / baseline.cpuUsPerReq
    return {
      label: target.label,
      value: ratio,
      status: ok ? 'PASS' : 'FAIL',
      detail:
        `${ratio.toFixed(2)}× (per round ${rounds.map((r) => r.toFixed(2)).join(' / ')}); ` +
        `server CPU per request ${cpu.toFixed(2)}× the ${baseline.key}'s`,
    }
  }
  if (!candidate) return { label: target.label, value: null, status: 'N/A', detail: 'variant did not run' }
  const ok = valid(candidate) && candidate.p99 <= target.maxMs
  return {
    label: target.label,
    value: candidate.p99,
    status: ok ? 'PASS' : 'FAIL',
    detail: `${candidate.p99} ms`,
  }
}

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—')
const fixed = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '—')

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    )
    .join('\n')
}

function print(scenario: Scenario, summaries: Summary[], targets: TargetResult[], notes: string[]): void {
  const baseline = summaries[0]
  const rows = [
    [
      'variant',
      'req/s',
      'per round',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'CPU by process',
      'loadgen µs/req',
      'other load',
      `× ${baseline?.key ?? ''}`,
    ],
    ...summaries.map((s) => [
      s.label,
      int(s.reqPerSec),
      s.rounds.map(int).join(' / '),
      fixed(s.p50, 0),
      fixed(s.p99, 0),
      fixed(s.cpuUsPerReq),
      Object.entries(s.cpuBreakdown)
        .map(([n, v]) => `${n} ${fixed(v)}`)
        .join(' + '),
      fixed(s.loadgenUsPerReq),
      Number.isFinite(s.otherLoad) ? `${s.otherLoad.toFixed(2)} cores` : '—',
      baseline ? pairedRatio(s, baseline).ratio.toFixed(2) : '',
    ]),
  ]
  console.log(`\n== ${scenario.name}: ${scenario.title}`)
  console.log(
    `   ${scenario.connections} connections, ${duration} s measured per run after a warm-up (${warmup} s, then ${rewarm} s), ${rounds} rounds alternating, medians\n`,
  )
  console.log(table(rows))
  for (const s of summaries) {
    if (s.errors || s.non2xx)
      console.log(`!! ${s.label}: ${s.errors} errors/timeouts, ${s.non2xx} non-2xx responses`)
  }
  const busiest = Math.max(
    ...summaries.flatMap((s) => s.runs.map((r) => r.otherLoad)).filter(Number.isFinite),
  )
  if (busiest > 0.25) {
    console.log(
      `!! other processes used up to ${busiest.toFixed(2)} of the cores during these runs: req/s and its ratios ` +
        'are unreliable (compare the per-round figures); CPU µs/req is much less affected.',
    )
  }
  console.log('')
  for (const t of targets) console.log(`   ${t.status.padEnd(4)}  ${t.label}: ${t.detail}`)
  for (const n of notes) console.log(`   note: ${n}`)
}

async function runScenario(scenario: Scenario) {
  const settings: LoadSettings = { connections: scenario.connections, duration, warmup }
  mkdirSync(logDir, { recursive: true })
  const setup = await scenario.setup(logDir)
  const notes = [...setup.notes]
  try {
    for (const variant of setup.variants) await probe(variant)
    const runs = new Map<string, RunResult[]>(setup.variants.map((v) => [v.key, []]))
    for (let round = 1; round <= rounds; round++) {
      for (const variant of setup.variants) {
        const result = await measure(variant, { ...settings, warmup: round === 1 ? warmup : rewarm }, round)
        runs.get(variant.key)!.push(result)
        console.error(
          `   [${scenario.name} ${round}/${rounds}] ${variant.label}: ${int(result.reqPerSec)} req/s, ` +
            `p99 ${result.p99} ms, ${fixed(result.cpuUsPerReq)} CPU µs/req`,
        )
      }
    }
    const summaries = setup.variants.map((v) => summarize(v.key, v.label, runs.get(v.key)!))
    const targets = scenario.targets.map((t) => check(t, summaries))
    for (const file of setup.logFiles) {
      try {
        const bytes = statSync(file).size
        if (bytes > 0)
          notes.push(`${file.slice(root.length + 1)}: ${(bytes / 1e6).toFixed(0)} MB of JSON logs written`)
      } catch {
        // A variant that did not start wrote no log.
      }
    }
    print(scenario, summaries, targets, notes)
    return {
      name: scenario.name,
      title: scenario.title,
      connections: scenario.connections,
      summaries,
      targets,
      notes,
    }
  } finally {
    await Promise.all(setup.servers.map((s) => s.stop()))
    if (!keepLogs) for (const file of setup.logFiles) rmSync(file, { force: true })
  }
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter((w) => !scenarios.some((s) => s.name === w))
  if (unknown.length) {
    console.error(
      `unknown scenario(s): ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`,
    )
    process.exit(2)
  }
  const selected = wanted.length ? scenarios.filter((s) => wanted.includes(s.name)) : scenarios
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`
  console.log(`learnmesh bench: ${selected.map((s) => s.name).join(', ')} on ${machine}`)
  const results = []
  for (const scenario of selected)
    results.push(
      'run' in scenario
        ? await scenario.run({ rounds, logDir, keepLogs }) // event scenarios drive their own workers
        : await runScenario(scenario),
    )
  mkdirSync(outDir, { recursive: true })
  const file = join(outDir, 'latest.json')
  writeFileSync(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        machine,
        settings: { duration, warmup, rewarm, rounds },
        scenarios: results,
      },
      null,
      2,
    ),
  )
  console.log(`\nresults: ${file.slice(root.length + 1)}`)
  if (results.some((r) => r.targets.some((t) => t.status === 'FAIL'))) process.exitCode = 1
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll()
    killWorkers()
    killClients()
    process.exit(130)
  })
}
process.on('exit', killAll)

main().catch((error: unknown) => {
  console.error(error)
  killAll()
  killWorkers()
  killClients()
  process.exit(1)
})
