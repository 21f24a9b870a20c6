// Parent side of the event benchmarks' worker processes: each publisher, relay and consumer runs in
// its own child (as it would in its own service process), answers calls over IPC and measures its
// own CPU time, so a variant's figures never include the runner's bookkeeping.
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { profileArgs } from '../lib/children.ts'
import { rpcChildren, type RpcChild } from '../lib/rpc-child.ts'
import type { WorkerOptions } from './worker.ts'

/** A worker child the runner started (and alone may stop). */
export interface Worker extends RpcChild {
  name: string
}

const workers = rpcChildren()

/** Kills every worker still running (the runner's exit path); only processes started here. */
export const killWorkers: () => void = workers.killAll

/**
 * Starts `bench/events/worker.ts` in the given role and waits until it is ready (connected to the
 * broker and the database it needs). `logFile` receives the child's stdout (its JSON logs).
 * BENCH_CPU_PROF=1: every worker writes a V8 CPU profile to .tmp/bench/profiles when stopped.
 */
export async function startWorker(name: string, options: WorkerOptions, logFile?: string): Promise<Worker> {
  let out: number | 'ignore' = 'ignore'
  if (logFile) {
    mkdirSync(dirname(logFile), { recursive: true })
    out = openSync(logFile, 'a')
  }
  const child = workers.start({
    name,
    script: 'bench/events/worker.ts',
    nodeArgs: profileArgs,
    args: [JSON.stringify(options)],
    stdout: out,
    stopTimeoutMs: 10_000,
  })
  if (typeof out === 'number') closeSync(out)
  try {
    await child.call('ready', {}, 30_000)
  } catch (error) {
    child.kill()
    throw error
  }
  return { name, ...child }
}
