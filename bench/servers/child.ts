import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** A message the bench runner sends to a server child over IPC. */
export type ParentMessage = { type: 'cpu' } | { type: 'mem' } | { type: 'stop' }

/** A message a server child sends to the bench runner over IPC. */
export type ChildMessage =
  | { type: 'ready'; url: string; headers?: Record<string, string> }
  | { type: 'cpu'; user: number; system: number }
  | { type: 'mem'; rss: number; heapUsed: number; external: number; arrayBuffers: number }
  | { type: 'error'; message: string }

/** The options the runner passes to a child: JSON in argv[2]. */
export function childOptions<T extends object>(): T {
  const raw = process.argv[2]
  return (raw ? JSON.parse(raw) : {}) as T
}

/** `gc()` without starting node with --expose-gc (the flag set at run time, the function taken from a fresh context). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

function send(message: ChildMessage): void {
  if (process.send) process.send(message)
  else console.error(JSON.stringify(message))
}

/**
 * Serves a bench child: listens on 127.0.0.1 on an ephemeral port, reports its URL (and any request
 * headers clients should send, such as an access token) to the runner,
 * answers CPU-time probes (process.cpuUsage, µs) and exits on 'stop' or when the runner goes away.
 */
export async function serveChild(
  listen: () => Promise<Server | string>,
  close: () => Promise<void>,
  headers?: () => Promise<Record<string, string>>,
): Promise<void> {
  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    const force = setTimeout(() => process.exit(0), 3000)
    force.unref()
    try {
      await close()
    } finally {
      process.exit(0)
    }
  }
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage()
      send({ type: 'cpu', user, system })
    } else if (message.type === 'mem') {
      // A full collection first (twice: weak callbacks free more on the second), so what is left is retained.
      collectGarbage()
      collectGarbage()
      if (process.env.BENCH_HEAP_SNAPSHOT === '1') {
        // Where the memory went: one snapshot per sample, compared with bench/lib/heap-diff.ts.
        const dir = resolve(import.meta.dirname, '../../.tmp/bench/heaps')
        mkdirSync(dir, { recursive: true })
        writeHeapSnapshot(join(dir, `${process.pid}-${Date.now()}.heapsnapshot`))
      }
      const m = process.memoryUsage()
      send({
        type: 'mem',
        rss: m.rss,
        heapUsed: m.heapUsed,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
      })
    } else if (message.type === 'stop') void stop()
  })
  // The runner died or closed the channel: never outlive it.
  process.on('disconnect', () => void stop())
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop())
  try {
    const listening = await listen()
    const url =
      typeof listening === 'string'
        ? listening
        : `http://127.0.0.1:${(listening.address() as AddressInfo).port}`
    send({ type: 'ready', url, ...(headers ? { headers: await headers() } : {}) })
  } catch (error) {
    send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    process.exit(1)
  }
}

/** A Fastify app as a bench child: listens on an ephemeral 127.0.0.1 port, closes on stop. */
export function serveApp(app: {
  listen(options: { host: string; port: number }): Promise<unknown>
  server: Server
  close(): Promise<unknown>
}): Promise<void> {
  return serveChild(
    async () => {
      await app.listen({ host: '127.0.0.1', port: 0 })
      return app.server
    },
    async () => {
      await app.close()
    },
  )
}
