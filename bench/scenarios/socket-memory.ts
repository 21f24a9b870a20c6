// `socket-memory`: what an idle connection costs the server. Each run starts the servers fresh,
// opens and closes a few hundred connections (warm-up: code compiled, pools and caches filled),
// samples the server's memory after a full GC, connects BENCH_SOCKET_USERS (5,000) idle sockets,
// lets them settle, samples again after a full GC, and divides the growth by the connections.
// Baseline: the bare `ws` server. Candidate: communication as deployed in cluster mode (Socket.IO
// with the access-token handshake, the user's and course channel's rooms joined, the chat handlers
// and the token-expiry timer per socket), connected straight to the service process (what is
// measured); the gateway's upgrade proxy would add its own process's sockets, not the service's.
// Reference (no target): a bare Socket.IO server (`servers/sio-bare.ts`) with the same rooms joined,
// to split the gap into what Socket.IO itself costs and what communication adds.
import {
  fixed,
  int,
  loadNote,
  printScenario,
  type EventScenario,
  type EventTargetResult,
} from '../events/report.ts'
import { median } from '../lib/measure.ts'
import type { MemorySample, ServerChild } from '../lib/children.ts'
import type { ClientProcess } from '../sockets/clients.ts'
import type { ClientSpec } from '../sockets/client.ts'
import {
  channelId,
  checkInfra,
  prepareSocketBench,
  specsFor,
  wsUrl,
  type SocketBench,
} from '../sockets/setup.ts'
import { numberFromEnv } from '../lib/env.ts'
import { skippedScenario } from '../lib/platform.ts'

const MAX_RATIO = 2
const labels = {
  mem: `communication memory (V8 heap + external) per idle connection ≤ ${MAX_RATIO}× the bare ws server's`,
  memGateway: `via the gateway, gateway + communication memory per idle connection ≤ ${MAX_RATIO}× the bare ws server's`,
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Growth {
  rss: number
  heap: number
  native: number
}

const perConnection = (before: MemorySample, after: MemorySample, n: number): Growth => ({
  rss: (after.rss - before.rss) / n,
  heap: (after.heapUsed - before.heapUsed) / n,
  native: (after.external - before.external) / n,
})

async function connectAll(
  clients: ClientProcess[],
  specs: ClientSpec[][],
  kind: 'ws' | 'sio',
  url: string,
  concurrency: number,
): Promise<number> {
  const results = await Promise.all(
    clients.map((c, i) =>
      c.call<{ connected: number; failed: number; errors: string[] }>(
        'connect',
        { kind, url, specs: specs[i]!, concurrency, conversationId: channelId(0) },
        600_000,
      ),
    ),
  )
  const failed = results.reduce((s, r) => s + r.failed, 0)
  if (failed) throw new Error(`${failed} connections failed: ${results.flatMap((r) => r.errors).join('; ')}`)
  return results.reduce((s, r) => s + r.connected, 0)
}

export const socketMemoryScenario: EventScenario = {
  name: 'socket-memory',
  title: 'memory per idle connection: communication (Socket.IO) vs a bare ws server',
  targetLabels: Object.values(labels),
  async run({ logDir, keepLogs }) {
    const infra = await checkInfra()
    if (infra.missing.length) return skippedScenario(this, infra.missing, { failUnderRequireInfra: true })
    const users = Math.floor(numberFromEnv('BENCH_SOCKET_USERS', 5000, 2))
    const channelSize = Math.min(users, Math.floor(numberFromEnv('BENCH_SOCKET_CHANNEL', 1000, 1)))
    const processes = Math.floor(numberFromEnv('BENCH_SOCKET_CLIENTS', 4, 1))
    const rounds = Math.floor(numberFromEnv('BENCH_SOCKET_MEMORY_ROUNDS', 2, 1))
    const concurrency = Math.floor(numberFromEnv('BENCH_SOCKET_CONNECT_CONCURRENCY', 25, 1))
    const warmCount = Math.min(users, 400)
    const settleMs = 3000
    const notes = [loadNote('at start')]
    if (!infra.redis) notes.push('Redis is not reachable: communication runs without the Redis adapter')

    let bench: SocketBench | undefined
    try {
      bench = await prepareSocketBench({
        scenario: 'socket-memory',
        users,
        channelSize,
        logDir,
        keepLogs,
        redis: infra.redis,
      })
      const clients = await bench.clients(processes)
      const specs = specsFor(processes, users, channelSize, bench.tokens)
      const warmSpecs = specs.map((s) => s.slice(0, Math.ceil(warmCount / processes)))
      const runs: {
        variant: string
        round: number
        server: Growth
        gateway?: Growth
        connections: number
      }[] = []

      const once = async (
        variant: string,
        kind: 'ws' | 'sio',
        url: string,
        server: ServerChild,
        gateway: ServerChild | undefined,
        round: number,
      ) => {
        await connectAll(clients, warmSpecs, kind, url, concurrency)
        await Promise.all(clients.map((c) => c.call('close')))
        await sleep(1000)
        const [before, gwBefore] = await Promise.all([server.memory(), gateway?.memory()])
        const connections = await connectAll(clients, specs, kind, url, concurrency)
        await sleep(settleMs)
        const [after, gwAfter] = await Promise.all([server.memory(), gateway?.memory()])
        await Promise.all(clients.map((c) => c.call('close', {}, 120_000)))
        const run = {
          variant,
          round,
          connections,
          server: perConnection(before, after, connections),
          ...(gwBefore && gwAfter ? { gateway: perConnection(gwBefore, gwAfter, connections) } : {}),
        }
        console.error(
          `   [socket-memory ${round}/${rounds}] ${variant}: RSS ${fixed(run.server.rss / 1024, 2)} KiB, ` +
            `heap ${fixed(run.server.heap / 1024, 2)} KiB per connection (${int(connections)} connections)`,
        )
        runs.push(run)
      }

      for (let round = 1; round <= rounds; round++) {
        const ws = await bench.startBareWs(`ws-${round}`)
        await once('ws', 'ws', wsUrl(ws.url, '/ws'), ws, undefined, round)
        await ws.stop()
        const sio = await bench.startBareSocketIo(`sio-${round}`)
        await once('bare Socket.IO', 'sio', wsUrl(sio.url, '/socket.io/'), sio, undefined, round)
        await sio.stop()
        // Straight to the service: its memory per connection is what is measured, and the gateway
        // (a byte pipe per connection, its own process) would only add its own, shown by `sockets`' CPU.
        const { service } = await bench.startCommunication(`communication-${round}`, false)
        await once('communication', 'sio', wsUrl(service.url, '/socket.io/'), service, undefined, round)
        await service.stop()
        // Cluster mode's path: the gateway holds the clients' sockets and carries them over one link
        // (socket-mux.ts), the service holds one connection object each. Both processes' growth counts.
        const viaGateway = await bench.startCommunication(`communication-gw-${round}`, true)
        await once(
          'via gateway',
          'sio',
          wsUrl(viaGateway.gateway!.url, '/api/communication/socket.io/'),
          viaGateway.service,
          viaGateway.gateway,
          round,
        )
        await Promise.all([viaGateway.gateway!.stop(), viaGateway.service.stop()])
      }

      const kib = (bytes: number) => fixed(bytes / 1024, 2)
      const of = (variant: string) => runs.filter((r) => r.variant === variant)
      const ws = of('ws')
      const comm = of('communication')
      const sio = of('bare Socket.IO')
      // Via the gateway: the service's and the gateway's growth together.
      const gw = of('via gateway').map((r) => ({
        ...r,
        server: {
          rss: r.server.rss + (r.gateway?.rss ?? 0),
          heap: r.server.heap + (r.gateway?.heap ?? 0),
          native: r.server.native + (r.gateway?.native ?? 0),
        },
      }))
      const js = (g: Growth) => g.heap + g.native
      const ratiosOf = (list: typeof runs) => ({
        rss: list.map((r, i) => r.server.rss / ws[i]!.server.rss),
        heap: list.map((r, i) => js(r.server) / js(ws[i]!.server)),
      })
      const { rss: rssRatios, heap: heapRatios } = ratiosOf(comm)
      const sioRatios = ratiosOf(sio)
      const gwRatios = ratiosOf(gw)
      const rows = [
        [
          'variant (per idle connection)',
          'RSS KiB',
          'per round',
          'heap KiB',
          'external KiB',
          '× ws RSS',
          '× ws heap+external',
        ],
        ...(
          [
            ['bare ws', ws, { rss: [1], heap: [1] }],
            ['bare Socket.IO (reference)', sio, sioRatios],
            ['communication (service process)', comm, { rss: rssRatios, heap: heapRatios }],
            ['via the gateway (gateway + service)', gw, gwRatios],
          ] satisfies [string, typeof runs, { rss: number[]; heap: number[] }][]
        ).map(([label, list, ratios]) => [
          label,
          kib(median(list.map((r) => r.server.rss))),
          list.map((r) => kib(r.server.rss)).join(' / '),
          kib(median(list.map((r) => r.server.heap))),
          kib(median(list.map((r) => r.server.native))),
          fixed(median(ratios.rss), 2),
          fixed(median(ratios.heap), 2),
        ]),
      ]
      const ratio = median(heapRatios)
      const targets: EventTargetResult[] = [
        {
          label: labels.mem,
          value: ratio,
          status: ratio <= MAX_RATIO ? 'PASS' : 'FAIL',
          detail:
            `${fixed(ratio, 2)}× (per round ${heapRatios.map((r) => r.toFixed(2)).join(' / ')}); ` +
            `RSS ${fixed(median(rssRatios), 2)}× (per round ${rssRatios.map((r) => r.toFixed(2)).join(' / ')})`,
        },
        {
          label: labels.memGateway,
          value: median(gwRatios.heap),
          status: median(gwRatios.heap) <= MAX_RATIO ? 'PASS' : 'FAIL',
          detail: `${fixed(median(gwRatios.heap), 2)}× (per round ${gwRatios.heap.map((r) => r.toFixed(2)).join(' / ')})`,
        },
      ]
      notes.push(
        `${int(users)} idle connections per run, fresh server processes per run, ${warmCount} connections opened and closed first; ` +
          `memory sampled inside each server after a full GC, before connecting and ${settleMs / 1000} s after the last connected`,
        'the target is on V8 heap + external (what the connection objects retain, exact after a GC); RSS after a GC also depends on whether the allocator reuses the pages the warm-up freed, and can even shrink',
        'communication: Socket.IO connections straight to the service process; via the gateway: through the gateway (cluster mode: it holds the sockets and carries them to the service over one link), both processes counted',
        `bare Socket.IO (no target) is Socket.IO's defaults with the user's and the channel's rooms and nothing else: ` +
          `what the framework alone costs per connection; communication's own share is the difference (per round ${sioRatios.heap.map((r) => r.toFixed(2)).join(' / ')}× ws)`,
        loadNote('at the end'),
      )
      printScenario(this, `growth per connection, median of ${rounds} rounds`, rows, [], targets, notes)
      return { name: this.name, title: this.title, summaries: runs, targets, notes }
    } finally {
      await bench?.close()
    }
  },
}
