// A child process the runner calls over IPC: it answers `{ id, method, args }` with
// `{ id, ok: true, result }` or `{ id, ok: false, error }`. The event benchmarks' workers
// (bench/events/workers.ts) and the socket benchmarks' clients (bench/sockets/clients.ts) are such children.
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { root } from './children.ts'

/** A call from the runner. */
export interface RpcRequest {
  id: number
  method: string
  args: Record<string, unknown>
}

/** The answer to a call. */
export type RpcReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string }

/** A child the runner started (and alone may stop). */
export interface RpcChild {
  pid: number
  /** Calls one of the child's methods; rejects with the child's error, or when it does not answer in time. */
  call<T>(method: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>
  /** Asks the child to stop (`stop` call; SIGTERM when IPC is gone), SIGKILL after `stopTimeoutMs`. */
  stop(): Promise<void>
  /** SIGKILLs the child at once. */
  kill(): void
}

/** The children of one kind, so the runner's exit path can kill those still running. */
export function rpcChildren() {
  const started = new Set<ChildProcess>()
  let hooked = false
  /** Kills every child still running; only processes started through this set. */
  const killAll = (): void => {
    for (const child of started)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }

  /**
   * Starts `node [nodeArgs] --import tsx <script> [args]` (`script` relative to the repository root).
   * Messages that are not replies (no numeric `id`) go to `onMessage`.
   */
  function start(options: {
    name: string
    script: string
    nodeArgs?: string[]
    args?: string[]
    stdout: number | 'ignore' | 'inherit'
    stopTimeoutMs: number
    onMessage?: (message: unknown) => void
  }): RpcChild {
    const { name } = options
    if (!hooked) {
      hooked = true
      process.on('exit', killAll)
    }
    const child = spawn(
      process.execPath,
      [
        ...(options.nodeArgs ?? []),
        '--import',
        'tsx',
        resolve(root, options.script),
        ...(options.args ?? []),
      ],
      {
        cwd: root,
        stdio: ['ignore', options.stdout, 'inherit', 'ipc'],
        env: { ...process.env, NODE_ENV: 'production' },
      },
    )
    started.add(child)
    const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
    let exited = false
    child.once('exit', (code, signal) => {
      exited = true
      started.delete(child)
      for (const p of pending.values()) p.reject(new Error(`${name} exited (code ${code}, signal ${signal})`))
      pending.clear()
    })
    child.on('message', (message: RpcReply | { id?: undefined }) => {
      if (typeof message.id !== 'number') {
        options.onMessage?.(message)
        return
      }
      const p = pending.get(message.id)
      if (!p) return
      pending.delete(message.id)
      if (message.ok) p.resolve(message.result)
      else p.reject(new Error(`${name}: ${message.error}`))
    })
    let nextId = 1
    return {
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
          child.send({ id, method, args } satisfies RpcRequest)
        })
      },
      stop: () =>
        new Promise<void>((resolveStop) => {
          if (exited) return resolveStop()
          const timer = setTimeout(() => child.kill('SIGKILL'), options.stopTimeoutMs)
          child.once('exit', () => {
            clearTimeout(timer)
            resolveStop()
          })
          if (child.connected) child.send({ id: 0, method: 'stop', args: {} } satisfies RpcRequest)
          else child.kill('SIGTERM')
        }),
      kill: () => void child.kill('SIGKILL'),
    }
  }

  return { start, killAll }
}
