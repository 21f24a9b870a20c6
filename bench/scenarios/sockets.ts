// `sockets`: fan-out of a chat message to a 1,000-member course channel while 5,000 sockets are
// connected. Baseline: a bare `ws` server broadcasting the same message document to the 1,000 of its
// 5,000 clients in that group. Candidates: communication's Socket.IO chat as deployed in cluster mode
// (its own process on PostgreSQL and RabbitMQ, the Redis adapter when Redis is up, real EdDSA access
// tokens checked in the handshake, rooms from course channel membership, each message sent with
// `message:send` and persisted before the broadcast), reached through the gateway's upgrade proxy (the
// production path, the target) and directly (how much of it is the proxy hop).
//
// Per message: the wall-clock time from the sender's `ws.send` to the last of the 1,000 members
// receiving the frame (clients spread over several processes; their clocks are the machine's).
// Messages go one at a time (the next leaves BENCH_SOCKET_GAP_MS after the previous one reached
// everyone), from 50 senders in turn (each stays far below the per-user chat rate limit).
// Each run connects its 5,000 sockets, warms up, measures, disconnects; rounds alternate the variants.
import {
  fixed,
  int,
  loadNote,
  printScenario,
  quantile,
  type EventScenario,
  type EventTargetResult,
} from '../events/report.ts'
import type { ServerChild } from '../lib/children.ts'
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
import type { ClientSpec } from '../sockets/client.ts'

const MAX_RATIO = 2
const labels = {
  p99: `communication (via the gateway) fan-out p99 ≤ ${MAX_RATIO}× the bare ws server's`,
}
/** A message not received by every member within this is lost (and fails the target). */
const GIVE_UP_MS = 10_000
const SENDERS = 50
const BODY_CHARS = 160

interface Variant {
  key: string
  label: string
  kind: 'ws' | 'sio'
  url: string
  servers: ServerChild[]
}

interface Run {
  variant: string
  round: number
  samples: number[]
  lost: number
  connectMs: number
  serverCpuUs: number
  clientCpuUs: number
  wallMs: number
  invalid: number
  acksOk: number
  acksFailed: string[]
  closedEarly: number
  connectErrors: string[]
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function body(seq: number): string {
  const head = `#bench-${seq}# `
  return (
    head +
    'Hello channel, this is a benchmark message of ordinary length. '
      .repeat(4)
      .slice(0, BODY_CHARS - head.length)
  )
}

export const socketsScenario: EventScenario = {
  name: 'sockets',
  title: 'chat fan-out: 1,000-member course channel among 5,000 connected sockets (Socket.IO vs bare ws)',
  targetLabels: Object.values(labels),
  async run({ rounds, logDir, keepLogs }) {
    const infra = await checkInfra()
    if (infra.missing.length) return skippedScenario(this, infra.missing, { failUnderRequireInfra: true })
    const users = Math.floor(numberFromEnv('BENCH_SOCKET_USERS', 5000, 2))
    const channelSize = Math.min(users, Math.floor(numberFromEnv('BENCH_SOCKET_CHANNEL', 1000, 1)))
    const messages = Math.floor(numberFromEnv('BENCH_SOCKET_MESSAGES', 200, 1))
    const warmup = Math.floor(numberFromEnv('BENCH_SOCKET_WARMUP', 20, 0))
    const processes = Math.floor(numberFromEnv('BENCH_SOCKET_CLIENTS', 4, 1))
    const gapMs = numberFromEnv('BENCH_SOCKET_GAP_MS', 20, 0)
    const concurrency = Math.floor(numberFromEnv('BENCH_SOCKET_CONNECT_CONCURRENCY', 25, 1))
    const withDirect = process.env.BENCH_SOCKET_DIRECT !== '0'
    const senders = Math.min(SENDERS, channelSize)
    const notes = [loadNote('at start')]
    if (!infra.redis)
      notes.push(
        'Redis is not reachable: communication runs without the Redis adapter (one replica, in-process rate limits)',
      )

    let bench: SocketBench | undefined
    try {
      bench = await prepareSocketBench({
        scenario: 'sockets',
        users,
        channelSize,
        logDir,
        keepLogs,
        redis: infra.redis,
      })
      const ws = await bench.startBareWs('ws')
      const { service, gateway } = await bench.startCommunication('communication', true)
      const clients = await bench.clients(processes)
      const specs = specsFor(processes, users, channelSize, bench.tokens)
      const all: Variant[] = [
        { key: 'ws', label: 'bare ws', kind: 'ws', url: wsUrl(ws.url, '/ws'), servers: [ws] },
        {
          key: 'gateway',
          label: 'communication via gateway',
          kind: 'sio',
          url: wsUrl(gateway!.url, '/api/communication/socket.io/'),
          servers: [gateway!, service],
        },
        ...(withDirect
          ? [
              {
                key: 'direct',
                label: 'communication direct',
                kind: 'sio' as const,
                url: wsUrl(service.url, '/socket.io/'),
                servers: [service],
              },
            ]
          : []),
      ]

      // BENCH_SOCKET_VARIANTS (e.g. `ws,direct`) runs a subset, for a look at one path.
      const only = process.env.BENCH_SOCKET_VARIANTS?.split(',').map((v) => v.trim())
      const variants = only ? all.filter((v) => only.includes(v.key)) : all
      if (!variants.some((v) => v.key === 'ws')) throw new Error('BENCH_SOCKET_VARIANTS must include ws')

      // Reports of "all my members got seq" from the client processes.
      const waiting = new Map<number, { left: number; last: number; done: () => void }>()
      const withMembers = clients.filter((_, i) => specs[i]!.some((s) => s.group === 0)).length
      for (const c of clients) {
        c.onReceived((r) => {
          const w = waiting.get(r.seq)
          if (!w) return
          w.last = Math.max(w.last, r.last)
          if (--w.left === 0) w.done()
        })
      }
      let seq = 0
      const runs: Run[] = []

      const measure = async (variant: Variant, round: number): Promise<Run> => {
        const connected = await Promise.all(
          clients.map((c, i) =>
            c.call<{ connected: number; failed: number; errors: string[]; ms: number }>(
              'connect',
              {
                kind: variant.kind,
                url: variant.url,
                specs: specs[i]! satisfies ClientSpec[],
                concurrency,
                conversationId: channelId(0),
              },
              600_000,
            ),
          ),
        )
        const connectMs = Math.max(...connected.map((c) => c.ms))
        const connectErrors = [...new Set(connected.flatMap((c) => c.errors))]
        const failed = connected.reduce((s, c) => s + c.failed, 0)
        if (failed > 0)
          console.error(
            `   [sockets] ${variant.label}: ${failed} connections failed: ${connectErrors.join('; ')}`,
          )
        await sleep(1000)
        const samples: number[] = []
        let lost = 0
        let serverBefore: number[] = []
        let clientBefore: number[] = []
        let wallStart = 0
        for (let i = 0; i < warmup + messages; i++) {
          if (i === warmup) {
            serverBefore = await Promise.all(variant.servers.map((s) => s.cpu()))
            clientBefore = await Promise.all(clients.map((c) => c.call<number>('cpu')))
            wallStart = performance.now()
          }
          const s = ++seq
          const sender = i % senders
          let done!: () => void
          const all = new Promise<void>((resolve) => (done = resolve))
          const entry = { left: withMembers, last: 0, done }
          waiting.set(s, entry)
          const { t0 } = await clients[sender % processes]!.call<{ t0: number }>('send', {
            index: Math.floor(sender / processes),
            conversationId: channelId(0),
            clientMessageId: `bench-${s}`,
            body: body(s),
          })
          const complete = await Promise.race([all.then(() => true), sleep(GIVE_UP_MS).then(() => false)])
          waiting.delete(s)
          if (i >= warmup) {
            if (complete) samples.push(entry.last - t0)
            else lost++
          }
          if (gapMs > 0) await sleep(gapMs)
        }
        const wallMs = performance.now() - wallStart
        const serverAfter = await Promise.all(variant.servers.map((s) => s.cpu()))
        const clientAfter = await Promise.all(clients.map((c) => c.call<number>('cpu')))
        const stats = await Promise.all(
          clients.map((c) =>
            c.call<{ invalid: number; acksOk: number; acksFailed: string[]; closedEarly: number }>('stats'),
          ),
        )
        await Promise.all(clients.map((c) => c.call('close', {}, 120_000)))
        await sleep(1000) // the servers forget the closed sockets before the next run
        const run: Run = {
          variant: variant.key,
          round,
          samples,
          lost,
          connectMs,
          serverCpuUs: serverAfter.reduce((sum, v, k) => sum + v - serverBefore[k]!, 0),
          clientCpuUs: clientAfter.reduce((sum, v, k) => sum + v - clientBefore[k]!, 0),
          wallMs,
          invalid: stats.reduce((sum, x) => sum + x.invalid, 0),
          acksOk: stats.reduce((sum, x) => sum + x.acksOk, 0),
          acksFailed: stats.flatMap((x) => x.acksFailed).slice(0, 10),
          closedEarly: stats.reduce((sum, x) => sum + x.closedEarly, 0),
          connectErrors: failed ? [`${failed} failed: ${connectErrors.join('; ')}`] : [],
        }
        const sorted = [...samples].sort((a, b) => a - b)
        console.error(
          `   [sockets ${round}/${rounds}] ${variant.label}: p50 ${fixed(quantile(sorted, 0.5))} ms, ` +
            `p99 ${fixed(quantile(sorted, 0.99))} ms, ${lost} lost, connected in ${fixed(connectMs / 1000)} s`,
        )
        return run
      }

      for (let round = 1; round <= rounds; round++) {
        for (const variant of variants) runs.push(await measure(variant, round))
      }

      // --- Figures: percentiles over every round's samples; ratios of p99s (pooled and per round).
      const pooled = (key: string) =>
        runs
          .filter((r) => r.variant === key)
          .flatMap((r) => r.samples)
          .sort((a, b) => a - b)
      const p99Of = (key: string, round: number) =>
        quantile(
          [...(runs.find((r) => r.variant === key && r.round === round)?.samples ?? [])].sort(
            (a, b) => a - b,
          ),
          0.99,
        )
      const rows = [
        [
          'variant',
          'messages',
          'p50 ms',
          'p90 ms',
          'p99 ms',
          'max ms',
          'p99 per round',
          'lost',
          'server CPU µs/msg',
          'clients CPU µs/msg',
          'connect s',
          '× ws p99',
        ],
      ]
      const base = pooled('ws')
      const summaries = variants.map((v) => {
        const xs = pooled(v.key)
        const mine = runs.filter((r) => r.variant === v.key)
        const count = mine.reduce((s, r) => s + r.samples.length + r.lost, 0)
        const summary = {
          key: v.key,
          label: v.label,
          samples: xs.length,
          lost: mine.reduce((s, r) => s + r.lost, 0),
          p50: quantile(xs, 0.5),
          p90: quantile(xs, 0.9),
          p99: quantile(xs, 0.99),
          max: xs[xs.length - 1] ?? Number.NaN,
          p99Rounds: mine.map((r) => p99Of(v.key, r.round)),
          serverCpuUsPerMessage: mine.reduce((s, r) => s + r.serverCpuUs, 0) / count,
          clientCpuUsPerMessage: mine.reduce((s, r) => s + r.clientCpuUs, 0) / count,
          connectSeconds: mine.map((r) => r.connectMs / 1000),
          ratio: quantile(xs, 0.99) / quantile(base, 0.99),
          invalid: mine.reduce((s, r) => s + r.invalid, 0),
          acksOk: mine.reduce((s, r) => s + r.acksOk, 0),
          acksFailed: mine.flatMap((r) => r.acksFailed).slice(0, 10),
          closedEarly: mine.reduce((s, r) => s + r.closedEarly, 0),
          connectErrors: mine.flatMap((r) => r.connectErrors),
        }
        rows.push([
          v.label,
          int(summary.samples),
          fixed(summary.p50),
          fixed(summary.p90),
          fixed(summary.p99),
          fixed(summary.max),
          summary.p99Rounds.map((p) => fixed(p)).join(' / '),
          int(summary.lost),
          int(summary.serverCpuUsPerMessage),
          int(summary.clientCpuUsPerMessage),
          summary.connectSeconds.map((s) => fixed(s)).join(' / '),
          fixed(summary.ratio, 2),
        ])
        return summary
      })
      const warnings: string[] = []
      const problems = (s: (typeof summaries)[number]) => {
        const out: string[] = []
        if (s.lost) out.push(`${s.lost} messages did not reach every member within ${GIVE_UP_MS / 1000} s`)
        if (s.invalid) out.push(`${s.invalid} connections got a wrong first chat frame`)
        if (s.connectErrors.length) out.push(`connections failed: ${s.connectErrors.join('; ')}`)
        if (s.closedEarly) out.push(`${s.closedEarly} connections closed by the server during the run`)
        if (s.acksFailed.length) out.push(`failed acks: ${s.acksFailed.join(' | ')}`)
        return out
      }
      for (const s of summaries) for (const p of problems(s)) warnings.push(`${s.label}: ${p}`)
      const baseline = summaries.find((s) => s.key === 'ws')!
      const expectedAcks = rounds * (warmup + messages)
      const judge = (candidate: (typeof summaries)[number]) => {
        const roundRatios = candidate.p99Rounds.map((p, i) => p / baseline.p99Rounds[i]!)
        const valid = problems(candidate).length === 0 && problems(baseline).length === 0
        return {
          ok: valid && candidate.acksOk === expectedAcks && candidate.ratio <= MAX_RATIO,
          detail:
            `${fixed(candidate.ratio, 2)}× (p99 ${fixed(candidate.p99)} ms vs ${fixed(baseline.p99)} ms; ` +
            `per round ${roundRatios.map((r) => r.toFixed(2)).join(' / ')}); ` +
            `${int(candidate.acksOk)}/${int(expectedAcks)} sends acknowledged ok`,
        }
      }
      const viaGateway = summaries.find((s) => s.key === 'gateway')
      const direct = summaries.find((s) => s.key === 'direct')
      const targets: EventTargetResult[] = [
        viaGateway
          ? {
              label: labels.p99,
              value: viaGateway.ratio,
              status: judge(viaGateway).ok ? 'PASS' : 'FAIL',
              detail: judge(viaGateway).detail,
            }
          : {
              label: labels.p99,
              value: null,
              status: 'N/A',
              detail: `not measured (BENCH_SOCKET_VARIANTS)${direct ? `; direct: ${judge(direct).detail}` : ''}`,
            },
      ]
      notes.push(
        `${int(users)} sockets per run (${int(channelSize)} per course channel, ${Math.ceil(users / channelSize)} channels), ` +
          `${processes} client processes; ${int(messages)} measured messages per run after ${warmup} unmeasured, ` +
          `one at a time, ${gapMs} ms apart, from ${senders} senders in turn; ${BODY_CHARS}-character bodies`,
        `communication: cluster mode (PostgreSQL, RabbitMQ${infra.redis ? ', Redis adapter and rate limits' : ''}), ` +
          `every message persisted before its broadcast; the sender is a member and receives it too`,
        'server CPU µs/msg: every server process of the variant over the measured messages (idle sockets’ heartbeats included)',
        loadNote('at the end'),
      )
      printScenario(
        this,
        `send → last of ${int(channelSize)} members received, ${rounds} rounds alternating, percentiles over all rounds`,
        rows,
        warnings,
        targets,
        notes,
      )
      return { name: this.name, title: this.title, summaries, targets, notes }
    } finally {
      await bench?.close()
    }
  },
}
