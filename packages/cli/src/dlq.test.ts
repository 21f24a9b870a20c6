import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Envelope } from '@learnmesh/contracts'
import {
  createLogger,
  createRabbitTransport,
  PermanentEventError,
  uuid7,
  type RabbitTransport,
} from '@learnmesh/kernel'
import {
  deleteRabbitTopology,
  rabbitAvailable,
  rabbitTestPrefix,
  testRabbitUrl,
} from '@learnmesh/kernel/testing'
import { runDlq, table } from './dlq.ts'

// `learnmesh dlq` against the real RabbitMQ, under a unique exchange/queue prefix per run.
const rabbit = await rabbitAvailable()
const prefix = rabbitTestPrefix()
const env = { BROKER_URL: testRabbitUrl, BROKER_PREFIX: prefix }
let transport: RabbitTransport
const handled: string[] = []
let healed = false
const first = envelopeFor('first')
const second = envelopeFor('second')

function envelopeFor(note: string): Envelope {
  return {
    id: uuid7(),
    type: 'clitest.note.added',
    version: 1,
    occurredAt: new Date().toISOString(),
    producer: 'clitest',
    orgId: null,
    traceparent: null,
    payload: { note },
  }
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runDlq(args, env, { out: (t) => (out += t), err: (t) => (err += t) })
  return { code, out, err }
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function dlqTotal(): Promise<number> {
  return (JSON.parse((await cli('list', 'notes', '--json')).out) as { total: number }).total
}

beforeAll(async () => {
  if (!rabbit.ok) return
  transport = createRabbitTransport({ url: testRabbitUrl, prefix, logger: createLogger('test', 'silent') })
  // The consumer rejects every event as permanent until healed: straight to its dead-letter queue.
  transport.subscribe('notes', ['clitest.note.added'], async (e) => {
    if (!healed) throw new PermanentEventError(`cannot handle ${(e.payload as { note: string }).note}`)
    handled.push(e.id)
  })
  await transport.ready()
  await transport.publish([first, second])
  await until(async () => (await dlqTotal()) === 2)
})

afterAll(async () => {
  if (!rabbit.ok) return
  const topology = transport.topology()
  await transport.close()
  await deleteRabbitTopology(topology)
})

describe('table', () => {
  it('aligns columns and shows missing values as -', () => {
    expect(
      table(
        ['A', 'BB'],
        [
          ['xxx', null],
          ['y', 'z'],
        ],
      ),
    ).toBe('A    BB\nxxx  -\ny    z')
  })
})

describe.runIf(rabbit.ok)('learnmesh dlq on RabbitMQ', () => {
  describe('happy', () => {
    it('lists dead letters as a table without consuming them', async () => {
      const { code, out } = await cli('list', 'notes')
      expect(code).toBe(0)
      const lines = out.trim().split('\n')
      expect(lines[0]).toBe('notes: 2 dead letters')
      expect(lines[2]).toMatch(/^EVENT ID\s+TYPE\s+REASON\s+ATTEMPTS\s+DEAD-LETTERED AT\s+ERROR$/)
      expect(lines[3]).toContain(first.id)
      expect(lines[3]).toMatch(/clitest\.note\.added\s+rejected\s+1\s+\d{4}-/)
      expect(lines[3]).toContain('cannot handle first')
      expect(lines[4]).toContain(second.id)
      expect(await dlqTotal()).toBe(2)
      const limited = await cli('list', 'notes', '--limit', '1')
      expect(limited.out).toContain('(showing 1)')
    })

    it('prints JSON for scripts', async () => {
      const { code, out } = await cli('list', 'notes', '--json')
      expect(code).toBe(0)
      const parsed = JSON.parse(out) as { service: string; total: number; deadLetters: { eventId: string }[] }
      expect(parsed.service).toBe('notes')
      // Sorted: a partial scan (--limit above) returns the messages it read behind the others.
      expect(parsed.deadLetters.map((d) => d.eventId).sort()).toEqual([first.id, second.id].sort())
      expect(parsed.total).toBe(2)
    })

    it('shows one dead letter with its envelope', async () => {
      const { code, out } = await cli('show', 'notes', '--id', second.id)
      expect(code).toBe(0)
      expect(out).toMatch(new RegExp(`event id\\s+${second.id}`))
      expect(out).toMatch(/reason\s+rejected/)
      expect(out).toContain('"note": "second"')
      const json = JSON.parse((await cli('show', 'notes', '--id', second.id, '--json')).out) as Envelope & {
        envelope: Envelope
      }
      expect(json.envelope).toEqual(second)
    })

    it('replays the chosen ids to the consumer, then the rest', async () => {
      healed = true
      const one = await cli('replay', 'notes', '--id', second.id)
      expect(one.code).toBe(0)
      expect(one.out).toContain(`replayed 1 to notes's queue`)
      await until(() => handled.includes(second.id))
      expect(handled).not.toContain(first.id)
      expect(await dlqTotal()).toBe(1)
      const rest = JSON.parse((await cli('replay', 'notes', '--json')).out) as { replayed: string[] }
      expect(rest.replayed).toEqual([first.id])
      await until(() => handled.includes(first.id))
      expect((await cli('list', 'notes')).out.trim()).toBe('notes: no dead letters')
    })
  })

  describe('errors', () => {
    it('reports an unknown service, an unknown id and bad usage with non-zero exit codes', async () => {
      const unknown = await cli('list', 'nobody')
      expect(unknown.code).toBe(1)
      expect(unknown.err).toMatch(/no dead-letter queue for consumer nobody/)
      const missing = await cli('show', 'notes', '--id', uuid7())
      expect(missing.code).toBe(1)
      expect(missing.err).toMatch(/is not in notes's dead-letter queue/)
      const notReplayed = await cli('replay', 'notes', '--id', 'not-there')
      expect(notReplayed.code).toBe(1)
      expect(notReplayed.out).toMatch(/not in the dead-letter queue:\n\s+not-there/)
      expect((await cli('show', 'notes')).code).toBe(2)
      expect((await cli('purge', 'notes')).code).toBe(2)
      expect((await cli('list')).code).toBe(2)
      expect((await cli('list', 'notes', '--limit', 'many')).code).toBe(2)
      expect((await cli('list', 'notes', '--bogus')).code).toBe(2)
    })
  })

  describe('security', () => {
    it('refuses a service name that is not a queue name (no wildcard or path tricks)', async () => {
      const bad = await cli('list', '../*')
      expect(bad.code).toBe(1)
      expect(bad.err).toMatch(/invalid consumer name/)
    })
  })
})
