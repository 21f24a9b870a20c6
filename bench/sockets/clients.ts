// Parent side of the socket benchmarks' client processes (bench/sockets/client.ts): starts them,
// calls them over IPC, collects their `received` reports, and stops only the processes it started.
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { root } from '../lib/children.ts'
import type { ClientReply, ClientRequest } from './client.ts'

/** One client process. */
export interface ClientProcess {
  pid: number
  call<T>(method: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>
  /** Called for every `received` report (all of this process's channel members got `seq`). */
  onReceived(listener: (report: { seq: number; last: number; count: number }) => void): void
  stop(): Promise<void>
}

const started = new Set<ChildProcess>()
let hooked = false

/** Kills every client process still running (the runner's exit path). */
export function killClients(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

/** Starts a client process and waits until it answers. */
export async function startClient(name: string): Promise<ClientProcess> {
  if (!hooked) {
    hooked = true
    process.on('exit', killClients)
  }
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'bench/sockets/client.ts')], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  })
  started.add(child)
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  const listeners: ((r: { seq: number; last: number; count: number }) => void)[] = []
  let exited = false
  child.once('exit', (code, signal) => {
    exited = true
    started.delete(child)
    for (const p of pending.values()) p.reject(new Error(`${name} exited (code ${code}, signal ${signal})`))
    pending.clear()
  })
  child.on('message', (message: ClientReply) => {
    if ('event' in message) {
      for (const l of listeners) l(message)
      return
    }
    const p = pending.get(message.id)
    if (!p) return
    pending.delete(message.id)
    if (message.ok) p.resolve(message.result)
    else p.reject(new Error(`${name}: ${message.error}`))
  })
  let nextId = 1
  const client: ClientProcess = {
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
        child.send({ id, method, args } satisfies ClientRequest)
      })
    },
    onReceived(listener) {
      listeners.push(listener)
    },
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (exited) return resolveStop()
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolveStop()
        })
        if (child.connected) child.send({ id: 0, method: 'stop', args: {} } satisfies ClientRequest)
        else child.kill('SIGTERM')
      }),
  }
  await client.call('ready', {}, (Number(process.env.BENCH_READY_TIMEOUT) || 30) * 1000)
  return client
}
