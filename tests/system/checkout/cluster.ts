import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../..', import.meta.url))

/** `npm run cluster` started by a test: the supervisor and every process it runs, tracked by pid. */
export interface TestCluster {
  /** The gateway's URL. */
  readonly url: string
  /** The supervisor's output so far (every child's lines, prefixed by its label). */
  output(): string
  /** Current pid of a process (`learning#1`, `gateway`); undefined while it is down. */
  pid(label: string): number | undefined
  /** Every pid any process ever had (for the final clean-up). */
  readonly allPids: Set<number>
  /** SIGKILLs the current incarnation of `label` and resolves with its pid. */
  kill(label: string): number
  /** Resolves when the supervisor restarted `label` after `oldPid` died and the new one answers /ready. */
  restarted(label: string, oldPid: number, timeoutMs?: number): Promise<number>
  /** Ctrl-C the supervisor; anything still alive afterwards is SIGKILLed by pid. */
  stop(): Promise<void>
}

async function freeBase(count: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer()
      s.once('error', () => resolve(false))
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
    })
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000)
    let ok = true
    for (let i = 0; i < count && ok; i++) ok = await free(base + i)
    if (ok) return base
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Starts `scripts/start.mjs cluster` (one process per service plus the gateway, each service with
 * its own database role) with `env` on top of the test's environment, and waits for "running at".
 */
export async function startTestCluster(env: Record<string, string>): Promise<TestCluster> {
  const base = await freeBase(10) // the gateway and one port per replica (with room for new services)
  let out = ''
  const supervisor: ChildProcess = spawn(process.execPath, ['scripts/start.mjs', 'cluster'], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(base), CLUSTER_BASE_PORT: String(base) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const append = (d: Buffer) => {
    out += d.toString()
    if (out.length > 4_000_000) out = out.slice(-2_000_000)
  }
  supervisor.stdout!.on('data', append)
  supervisor.stderr!.on('data', append)
  const pids = new Map<string, number | undefined>()
  const urls = new Map<string, string>()
  const allPids = new Set<number>()
  const killAll = () => {
    if (supervisor.exitCode === null && supervisor.signalCode === null) supervisor.kill('SIGKILL')
    for (const pid of allPids) if (alive(pid)) process.kill(pid, 'SIGKILL')
  }
  process.once('exit', killAll)
  // Restarts print "<label> restarted (pid N)"; crashes "<label> (pid N) exited with …".
  let scanned = 0
  const scan = () => {
    const text = out.slice(scanned)
    scanned = out.length
    for (const m of text.matchAll(/^\s+(\S+) restarted \(pid (\d+)\)/gm)) {
      pids.set(m[1]!, Number(m[2]))
      allPids.add(Number(m[2]))
    }
    for (const m of text.matchAll(/^\s+(\S+) \(pid (\d+)\) exited with/gm)) {
      if (pids.get(m[1]!) === Number(m[2])) pids.set(m[1]!, undefined)
    }
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`cluster not running within 120 s:\n${out.slice(-6000)}`)),
        120_000,
      )
      const poll = setInterval(() => {
        if (/running at http:\/\/localhost:\d+/.test(out) && out.includes('Ctrl-C')) {
          clearInterval(poll)
          clearTimeout(timer)
          resolve()
        } else if (supervisor.exitCode !== null) {
          clearInterval(poll)
          clearTimeout(timer)
          reject(new Error(`cluster exited with ${supervisor.exitCode}:\n${out.slice(-6000)}`))
        }
      }, 50)
    })
  } catch (err) {
    killAll()
    process.off('exit', killAll)
    throw err
  }
  for (const m of out.matchAll(/^\s+(\S+)\s+pid (\d+)\s+(http:\/\/\S+)$/gm)) {
    pids.set(m[1]!, Number(m[2]))
    urls.set(m[1]!, m[3]!)
    allPids.add(Number(m[2]))
  }
  scanned = out.length

  return {
    url: urls.get('gateway') ?? `http://127.0.0.1:${base}`,
    output: () => out,
    pid(label) {
      scan()
      return pids.get(label)
    },
    allPids,
    kill(label) {
      scan()
      const pid = pids.get(label)
      if (!pid) throw new Error(`${label} is not running`)
      process.kill(pid, 'SIGKILL')
      return pid
    },
    async restarted(label, oldPid, timeoutMs = 90_000) {
      const until = Date.now() + timeoutMs
      for (;;) {
        scan()
        const pid = pids.get(label)
        if (pid && pid !== oldPid) {
          try {
            const res = await fetch(`${urls.get(label)}/health`, { signal: AbortSignal.timeout(1000) })
            if (res.status < 500) return pid
          } catch {
            // not listening yet
          }
        }
        if (Date.now() > until) throw new Error(`${label} not restarted within ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    async stop() {
      process.off('exit', killAll)
      if (supervisor.exitCode === null && supervisor.signalCode === null) {
        const exited = new Promise<void>((resolve) => supervisor.once('exit', () => resolve()))
        supervisor.kill('SIGINT')
        const timer = setTimeout(() => supervisor.kill('SIGKILL'), 20_000)
        await exited
        clearTimeout(timer)
      }
      scan()
      for (const pid of allPids) if (alive(pid)) process.kill(pid, 'SIGKILL')
    },
  }
}
