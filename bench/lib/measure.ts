import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import type { ServerChild } from './children.ts'

/** Load settings shared by every variant of a scenario, so they run under identical conditions. */
export interface LoadSettings {
  connections: number
  /** Measured seconds per run. */
  duration: number
  /** Unmeasured seconds before each run (JIT, connection pools, caches). */
  warmup: number
}

/** One thing being measured: a URL and the server processes that do the work behind it. */
export interface Variant {
  key: string
  label: string
  url: string
  headers?: Record<string, string>
  /** Every server process on the request path; their CPU time is summed per request. */
  servers: ServerChild[]
}

/** The figures of one measured run. */
export interface RunResult {
  variant: string
  round: number
  requests: number
  reqPerSec: number
  p50: number
  p99: number
  /** Server CPU (user + system) per completed request, all servers on the path, µs. */
  cpuUsPerReq: number
  /** The same, per server process. */
  cpuBreakdown: Record<string, number>
  /** The load generator's own CPU per request (it shares the 2 cores with the servers), µs. */
  loadgenUsPerReq: number
  /**
   * CPU the rest of the machine used during the run (cores, from /proc/stat minus the servers and
   * the load generator): other work competing for the same cores. NaN where /proc is missing.
   */
  otherLoad: number
  errors: number
  non2xx: number
}

/** Busy (non-idle) CPU time of the whole machine so far, in µs; NaN without /proc/stat. */
function machineBusyUs(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal (guest is inside user). Idle and iowait are not
    // busy; irq and softirq are left out because the benchmark's own loopback traffic lands there.
    const busy = fields.slice(0, 8).reduce((sum, v, i) => (i >= 3 && i <= 6 ? sum : sum + v), 0)
    return (busy * 1e6) / 100 // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN
  }
}

async function fire(variant: Variant, settings: LoadSettings, duration: number) {
  return autocannon({
    url: variant.url,
    connections: settings.connections,
    duration,
    pipelining: 1,
    timeout: 10,
    ...(variant.headers ? { headers: variant.headers } : {}),
  })
}

/** Warms a variant up, then measures it: throughput, latency, and CPU time of every server on the path. */
export async function measure(variant: Variant, settings: LoadSettings, round: number): Promise<RunResult> {
  if (settings.warmup > 0) await fire(variant, settings, settings.warmup)
  const before = await Promise.all(variant.servers.map((s) => s.cpu()))
  const genBefore = process.cpuUsage()
  const machineBefore = machineBusyUs()
  const started = performance.now()
  const result = await fire(variant, settings, settings.duration)
  const wallUs = (performance.now() - started) * 1000
  const machine = machineBusyUs() - machineBefore
  const gen = process.cpuUsage(genBefore)
  const after = await Promise.all(variant.servers.map((s) => s.cpu()))
  const requests = result.requests.total
  const perReq = (us: number): number => (requests > 0 ? us / requests : Number.NaN)
  const cpuBreakdown: Record<string, number> = {}
  let cpu = 0
  variant.servers.forEach((server, i) => {
    const used = after[i]! - before[i]!
    cpu += used
    cpuBreakdown[server.name] = perReq(used)
  })
  return {
    variant: variant.key,
    round,
    requests,
    reqPerSec: requests / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUsPerReq: perReq(cpu),
    cpuBreakdown,
    loadgenUsPerReq: perReq(gen.user + gen.system),
    otherLoad: Math.max(0, (machine - cpu - gen.user - gen.system) / wallUs),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  }
}

/** Checks a URL answers 2xx before it is measured, so a misrouted variant fails loudly, not as "fast 404s". */
export async function probe(variant: Variant): Promise<void> {
  const res = await fetch(variant.url, { headers: variant.headers ?? {}, signal: AbortSignal.timeout(5000) })
  const body = await res.text()
  if (!res.ok)
    throw new Error(`${variant.label}: GET ${variant.url} answered ${res.status}: ${body.slice(0, 300)}`)
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
