// Parent side of the event benchmarks' worker processes: each publisher, relay and consumer runs in
// its own child (as it would in its own service process), answers calls over IPC and measures its
// own CPU time, so a variant's figures never include the runner's bookkeeping.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { root } from '../lib/children.ts'
import type { WorkerOptions, WorkerReply, WorkerRequest } from './worker.ts'

/** A worker child the runner started (and alone may stop). */
export interface Worker {
  name: string
  pid: number
  /** Calls one of the worker's methods; rejects with the worker's error. */
  call<T>(method: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>
  stop(): Promise<void>
}

const started = new Set<ChildProcess>()
let exitHookInstalled = false

/** BENCH_CPU_PROF=1: every worker writes a V8 CPU profile to .tmp/bench/profiles when stopped. */
const profileArgs =
  process.env.BENCH_CPU_PROF === '1'
    ? ['--cpu-prof', `--cpu-prof-dir=${resolve(root, '.tmp/bench/profiles')}`]
    : []

/** Kills every worker still running (the runner's exit path); only processes started here. */
export function killWorkers(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

/**
 * Starts `bench/events/worker.ts` in the given role and waits until it is ready (connected to the
 * broker and the database it needs). `logFile` receives the child's stdout (its JSON logs).
 */
export async function startWorker(name: string, options: WorkerOptions, logFile?: string): Promise<Worker> {
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.on('exit', killWorkers)
  }
  let out: number | 'ignore' = 'ignore'
  if (logFile) {
    mkdirSync(dirname(logFile), { recursive: true })
    out = openSync(logFile, 'a')
  }
  const child = spawn(
    process.execPath,
    [...profileArgs, '--import', 'tsx', resolve(root, 'bench/events/worker.ts'), JSON.stringify(options)],
    { cwd: root, stdio: ['ignore', out, 'inherit', 'ipc'], env: { ...process.env, NODE_ENV: 'production' } },
  )
  if (typeof out === 'number') closeSync(out)
  started.add(child)
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  let exited = false
  child.once('exit', (code, signal) => {
    exited = true
    started.delete(child)
    for (const p of pending.values()) p.reject(new Error(`${name} exited (code ${code}, signal ${signal})`))
    pending.clear()
  })
  child.on('message', (message: WorkerReply) => {
    const p = pending.get(message.id)
    if (!p) return
    pending.delete(message.id)
    if (message.ok) p.resolve(message.result)
    else p.reject(new Error(`${name}: ${message.error}`))
  })
  let nextId = 1
  const worker: Worker = {
    name,
    pid: child.pid!,
    call<T>(method: string, args: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
      if (exited) return Promise.reject(new Error(`${name} is not running`))
      const id = nextId++
      return new Promise<T>((resolveCall, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`${name}: ${method} did not answer within ${timeoutMs} ms`))
        }, timeoutMs)
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer)
            resolveCall(v as T)
          },
          reject: (e) => {
            clearTimeout(timer)
            reject(e)
          },
        })
        child.send({ id, method, args } satisfies WorkerRequest)
      })
    },
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (exited) return resolveStop()
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolveStop()
        })
        if (child.connected) child.send({ id: 0, method: 'stop', args: {} } satisfies WorkerRequest)
        else child.kill('SIGTERM')
      }),
  }
  try {
    await worker.call('ready', {}, 30_000)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  return worker
}
