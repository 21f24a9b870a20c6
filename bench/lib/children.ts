import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildMessage } from '../servers/child.ts'

/** The repository root (bench/lib/../..). */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** CPU time a child has used so far, in microseconds. */
export interface CpuSample {
  user: number
  system: number
}

/** process.memoryUsage() of a child after a full GC, in bytes. */
export interface MemorySample {
  rss: number
  heapUsed: number
  external: number
  arrayBuffers: number
}

/** A server child process the runner started (and alone may stop). */
export interface ServerChild {
  name: string
  url: string
  /** Request headers the child asks clients to send (e.g. an access token it signed). */
  headers: Record<string, string>
  pid: number
  /** Total CPU time (user + system, µs) the child has used so far, from process.cpuUsage() inside it. */
  cpu(): Promise<number>
  /** The child's memory (bytes) right after a full garbage collection inside it. */
  memory(): Promise<MemorySample>
  stop(): Promise<void>
}

const started = new Set<ChildProcess>()

/** How long a child may take to start (BENCH_READY_TIMEOUT, seconds; a loaded machine needs more). */
const readySeconds =
  Number(process.env.BENCH_READY_TIMEOUT) > 0 ? Number(process.env.BENCH_READY_TIMEOUT) : 30

/** BENCH_CPU_PROF=1: every child started with these node flags writes a V8 CPU profile to .tmp/bench/profiles when stopped. */
export const profileArgs =
  process.env.BENCH_CPU_PROF === '1'
    ? ['--cpu-prof', `--cpu-prof-dir=${resolve(root, '.tmp/bench/profiles')}`]
    : []

/** Kills every child still running (the runner's exit path); only processes this runner started. */
export function killAll(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

/**
 * Starts `bench/servers/<script>.ts` under node + tsx with `options` as JSON in argv, waits for its
 * URL on IPC. `logFile`, when given, receives the child's stdout (its JSON logs), as a deployment's
 * log collector would; otherwise stdout is discarded.
 */
export async function startServer(
  name: string,
  script: string,
  options: Record<string, unknown> = {},
  logFile?: string,
): Promise<ServerChild> {
  let out: number | 'ignore' = 'ignore'
  if (logFile) {
    mkdirSync(dirname(logFile), { recursive: true })
    out = openSync(logFile, 'w')
  }
  const child = spawn(
    process.execPath,
    [
      ...profileArgs,
      '--import',
      'tsx',
      resolve(root, 'bench/servers', `${script}.ts`),
      JSON.stringify(options),
    ],
    { cwd: root, stdio: ['ignore', out, 'inherit', 'ipc'], env: { ...process.env, NODE_ENV: 'production' } },
  )
  if (typeof out === 'number') closeSync(out)
  started.add(child)
  child.once('exit', () => started.delete(child))

  const ready = await new Promise<{ url: string; headers: Record<string, string> }>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name}: no 'ready' within ${readySeconds} s`)),
      readySeconds * 1000,
    )
    const onMessage = (message: ChildMessage): void => {
      if (message.type === 'ready') {
        clearTimeout(timer)
        child.off('message', onMessage)
        resolveUrl({ url: message.url, headers: message.headers ?? {} })
      } else if (message.type === 'error') {
        clearTimeout(timer)
        reject(new Error(`${name} failed to start: ${message.message}`))
      }
    }
    child.on('message', onMessage)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited before it was ready (code ${code}, signal ${signal})`))
    })
  }).catch((error: unknown) => {
    child.kill('SIGKILL')
    throw error
  })

  return {
    name,
    url: ready.url,
    headers: ready.headers,
    pid: child.pid!,
    cpu: () =>
      new Promise<number>((resolveCpu, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no CPU sample within 5 s`)), 5000)
        const onMessage = (message: ChildMessage): void => {
          if (message.type !== 'cpu') return
          clearTimeout(timer)
          child.off('message', onMessage)
          resolveCpu(message.user + message.system)
        }
        child.on('message', onMessage)
        child.send({ type: 'cpu' })
      }),
    memory: () =>
      new Promise<MemorySample>((resolveMem, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no memory sample within 10 s`)), 10_000)
        const onMessage = (message: ChildMessage): void => {
          if (message.type !== 'mem') return
          clearTimeout(timer)
          child.off('message', onMessage)
          const { rss, heapUsed, external, arrayBuffers } = message
          resolveMem({ rss, heapUsed, external, arrayBuffers })
        }
        child.on('message', onMessage)
        child.send({ type: 'mem' })
      }),
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveStop()
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolveStop()
        })
        if (child.connected) child.send({ type: 'stop' })
        else child.kill('SIGTERM')
      }),
  }
}
