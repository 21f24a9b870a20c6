import { execFile } from 'node:child_process'
import { Socket } from 'node:net'
import { promisify } from 'node:util'
import { describe, expect, it, vi } from 'vitest'
import amqp from 'amqplib'
import { sql } from 'drizzle-orm'
import { rabbitAvailable, testRabbitUrl } from '../testing/rabbit.ts'
import { notes } from '../testing/fixtures/schema.ts'
import { envelope, logger, noteAdded, useRabbitFixture, waitFor } from './rabbit.kit.ts'
import { createRabbitTransport } from './rabbit.ts'

const rabbit = await rabbitAvailable()

describe.runIf(rabbit.ok)('RabbitMQ transport', () => {
  const k = useRabbitFixture()

  describe('happy', () => {
    it('round-trips a confirmed batch to a subscribed consumer, in order, with traceparent and message id', async () => {
      const t = k.transport({ prefetch: 1 })
      const seen: string[] = []
      k.counter(t, seen)
      await t.ready()
      // A raw observer queue bound to the same key shows what went over the wire.
      const conn = await amqp.connect(testRabbitUrl)
      const ch = await conn.createChannel()
      const { queue } = await ch.assertQueue('', { exclusive: true })
      await ch.bindQueue(queue, `${k.prefix}learnmesh.events`, noteAdded.type)
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
      const batch = [envelope('a', { traceparent }), envelope('b')]
      await t.publish(batch)
      await waitFor(() => seen.length === 2)
      expect(seen).toEqual(['a', 'b'])
      expect(await k.noteCount('a')).toBe(1)
      const wire = await ch.get(queue, { noAck: true })
      await conn.close()
      expect(wire && wire.properties.messageId).toBe(batch[0]!.id)
      expect(wire && wire.properties.headers?.traceparent).toBe(traceparent)
      expect(wire && wire.properties.deliveryMode).toBe(2) // persistent
      expect(JSON.parse(wire ? wire.content.toString() : '{}').traceparent).toBe(traceparent)
    })
    it('turns Nagle off on its broker socket: small frames are sent at once, not after a delayed ACK', async () => {
      // amqplib leaves TCP_NODELAY off by default; then every publish and ack waited ~20–40 ms.
      const calls: { socket: Socket; on: boolean | undefined }[] = []
      const original = Socket.prototype.setNoDelay
      const spy = vi.spyOn(Socket.prototype, 'setNoDelay').mockImplementation(function (
        this: Socket,
        noDelay?: boolean,
      ) {
        calls.push({ socket: this, on: noDelay })
        return original.call(this, noDelay)
      })
      try {
        const t = k.transport()
        await t.ready()
        await t.publish([envelope('nodelay')])
      } finally {
        spy.mockRestore()
      }
      const toBroker = calls.filter(
        (c) => c.socket.remotePort === Number(new URL(testRabbitUrl).port || 5672),
      )
      expect(toBroker.length).toBeGreaterThan(0)
      expect(toBroker.every((c) => c.on === true)).toBe(true)
    })
    it('retries a failing handler after a delay and then succeeds', async () => {
      const t = k.transport({ retryDelaysMs: [150] })
      const seen: string[] = []
      const times: number[] = []
      let failures = 2
      k.counter(t, seen, () => {
        times.push(Date.now())
        return failures-- > 0
      })
      await t.ready()
      await t.publish([envelope('a')])
      await waitFor(async () => (await k.noteCount('a')) === 1)
      expect(seen).toEqual(['a', 'a', 'a'])
      // Really delayed (TTL queue), not requeued hot.
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(120)
      expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(120)
      expect(await k.admin.countDeadLetters('counter')).toBe(0)
    })
    it('shares a queue between two instances of one service: each event handled once', async () => {
      const one = k.transport({ prefetch: 1 })
      const two = k.transport({ prefetch: 1 })
      const seenOne: string[] = []
      const seenTwo: string[] = []
      k.counter(one, seenOne)
      k.counter(two, seenTwo)
      await one.ready()
      await two.ready()
      const ids = Array.from({ length: 30 }, (_, i) => `m${i}`)
      await k.database.db.insert(notes).values(ids.map((id) => ({ id, body: 'x' })))
      await one.publish(ids.map((id) => envelope(id)))
      await waitFor(() => seenOne.length + seenTwo.length === ids.length)
      await new Promise((r) => setTimeout(r, 200)) // no late duplicates
      expect([...seenOne, ...seenTwo].sort()).toEqual([...ids].sort())
      const rows = await k.database.query<{ n: number }>(
        sql`select count(*)::int as n from kernel_fixture.inbox`,
      )
      expect(rows[0]!.n).toBe(ids.length)
    })
    it('closes gracefully: a running handler finishes and acks before the connection closes', async () => {
      const t = k.transport()
      let finished = false
      let started = false
      t.subscribe('slow', [noteAdded.type], async () => {
        started = true
        await new Promise((r) => setTimeout(r, 300))
        finished = true
      })
      await t.ready()
      await t.publish([envelope('a')])
      await waitFor(() => started)
      k.forget(t)
      await t.close()
      expect(finished).toBe(true)
      const conn = await amqp.connect(testRabbitUrl)
      const ch = await conn.createChannel()
      const q = await ch.checkQueue(`${k.prefix}slow`)
      await conn.close()
      expect(q.messageCount).toBe(0)
      await expect(t.publish([envelope('a')])).rejects.toThrow(/closed/)
    })
    it('reconnects after the broker drops the connection: consumers re-subscribe, publishers resume', async (ctx) => {
      const name = `lm-reconnect-${k.prefix}`
      const lines: string[] = []
      const { default: pino } = await import('pino')
      const capture = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) })
      const t = k.transport({ connectionName: name, reconnectMinMs: 50, logger: capture })
      const seen: string[] = []
      k.counter(t, seen)
      await t.ready()
      await t.publish([envelope('a')])
      await waitFor(() => seen.length === 1)
      // rabbitmqctl (same host as the broker) is the only way to drop one connection from outside.
      const run = promisify(execFile)
      const list = await run('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q'], {
        timeout: 15_000,
      }).catch(() => undefined)
      if (!list) return ctx.skip('rabbitmqctl is not usable here')
      const line = list.stdout.split('\n').find((l) => l.includes(name))
      expect(line).toBeDefined()
      const connName = line!.split('\t')[0]!
      await run('rabbitmqctl', ['close_connection', connName, 'test'], { timeout: 15_000 })
      await waitFor(() => lines.some((l) => l.includes('broker connection restored')))
      expect(lines.some((l) => l.includes('broker connection lost'))).toBe(true)
      await t.publish([envelope('b')])
      await waitFor(() => seen.includes('b'), 10_000)
      expect(await k.noteCount('b')).toBe(1)
    }, 30_000)
  })

  describe('errors', () => {
    it('drops a duplicate delivery through the inbox', async () => {
      const t = k.transport({ prefetch: 1 })
      const seen: string[] = []
      k.counter(t, seen)
      await t.ready()
      const e = envelope('a')
      await t.publish([e, e])
      await t.publish([e, envelope('b')])
      await waitFor(async () => (await k.noteCount('b')) === 1)
      expect(await k.noteCount('a')).toBe(1)
      expect(seen).toEqual(['a', 'b'])
      const rows = await k.database.query<{ n: number }>(
        sql`select count(*)::int as n from kernel_fixture.inbox`,
      )
      expect(rows[0]!.n).toBe(2)
    })
    it('fails a publish within its timeout while the broker is unreachable', async () => {
      const t = createRabbitTransport({
        url: 'amqp://guest:guest@127.0.0.1:1',
        logger,
        prefix: k.prefix,
        publishTimeoutMs: 300,
      })
      const started = Date.now()
      await expect(t.publish([envelope('a')])).rejects.toThrow(/unavailable/)
      expect(Date.now() - started).toBeLessThan(3000)
      await t.close()
    })
  })

  describe('security', () => {
    it('never puts the broker password in logs', async () => {
      const lines: string[] = []
      const { default: pino } = await import('pino')
      const capture = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) })
      const t = createRabbitTransport({
        url: 'amqp://guest:s3cret-pw@127.0.0.1:1',
        logger: capture,
        prefix: k.prefix,
        publishTimeoutMs: 300,
        reconnectMinMs: 50,
      })
      await t.publish([envelope('a')]).catch(() => {})
      await t.close()
      expect(lines.length).toBeGreaterThan(0)
      expect(lines.join('\n')).not.toContain('s3cret-pw')
    })
  })
})
