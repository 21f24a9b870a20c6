import { describe, expect, it } from 'vitest'
import amqp from 'amqplib'
import { rabbitAvailable, testRabbitUrl } from '../testing/rabbit.ts'
import { uuid7 } from '../ids.ts'
import { envelope, noteAdded, useRabbitFixture, waitFor } from './rabbit.kit.ts'

const rabbit = await rabbitAvailable()

describe.runIf(rabbit.ok)('RabbitMQ dead letters', () => {
  const k = useRabbitFixture()

  describe('happy', () => {
    it('dead-letters a poison message after the delivery limit, then replay applies it exactly once', async () => {
      const t = k.transport({ prefetch: 1 })
      const seen: string[] = []
      let healed = false
      k.counter(t, seen, (id) => id === 'poison' && !healed)
      await t.ready()
      const poison = envelope('poison')
      await t.publish([poison, envelope('a')])
      await waitFor(async () => (await k.admin.countDeadLetters('counter')) === 1)
      expect(seen.filter((s) => s === 'poison')).toHaveLength(3) // maxDeliveries
      expect(await k.noteCount('a')).toBe(1)
      const [letter] = await k.admin.listDeadLetters('counter', 10)
      expect(letter).toMatchObject({
        eventId: poison.id,
        type: noteAdded.type,
        reason: 'failed',
        attempts: 3,
      })
      expect(letter!.error).toMatch(/handler refused poison/)
      expect(letter!.envelope?.payload).toEqual({ id: 'poison' })
      // Listing does not consume.
      expect(await k.admin.countDeadLetters('counter')).toBe(1)
      expect((await k.admin.showDeadLetter('counter', poison.id)).eventId).toBe(poison.id)

      healed = true
      expect(await k.admin.replayDeadLetters('counter')).toEqual({ replayed: [poison.id] })
      await waitFor(async () => (await k.noteCount('poison')) === 1)
      expect(await k.admin.countDeadLetters('counter')).toBe(0)
      // A second copy (a replay of something already applied) is dropped by the inbox; with
      // prefetch 1, once the event after it is applied, the copy has been handled.
      await t.publish([poison, envelope('b')])
      await waitFor(async () => (await k.noteCount('b')) === 1)
      expect(await k.noteCount('poison')).toBe(1)
      expect(seen.filter((s) => s === 'poison')).toHaveLength(4) // the handler did not even run
    })
    it('replays only the requested ids and only to that consumer, not to other subscribers', async () => {
      const t = k.transport()
      const seen: string[] = []
      const other: string[] = []
      let healed = false
      k.counter(t, seen, () => !healed)
      t.subscribe('other', [noteAdded.type], async (e) => void other.push((e.payload as { id: string }).id))
      await t.ready()
      const first = envelope('a')
      const second = envelope('b')
      await t.publish([first, second])
      await waitFor(async () => (await k.admin.countDeadLetters('counter')) === 2)
      healed = true
      expect(await k.admin.replayDeadLetters('counter', { ids: [second.id] })).toEqual({
        replayed: [second.id],
      })
      await waitFor(async () => (await k.noteCount('b')) === 1)
      expect(await k.noteCount('a')).toBe(0)
      expect(await k.admin.countDeadLetters('counter')).toBe(1)
      expect(other.sort()).toEqual(['a', 'b']) // delivered once each, never replayed to them
    })
  })

  describe('errors', () => {
    it('lets the broker dead-letter a message that keeps coming back unacked (crashing consumer)', async () => {
      const t = k.transport()
      t.subscribe('crashy', [noteAdded.type], async () => {})
      await t.ready()
      await t.close()
      k.forget(t)
      await k.rawPublish(noteAdded.type, Buffer.from(JSON.stringify(envelope('a'))))
      // A consumer that dies mid-handling = a delivery returned without ack, again and again.
      const conn = await amqp.connect(testRabbitUrl)
      const ch = await conn.createChannel()
      await ch.consume(`${k.prefix}crashy`, (m) => m && ch.nack(m, false, true))
      await waitFor(async () => (await k.admin.countDeadLetters('crashy')) === 1)
      await conn.close()
      const [letter] = await k.admin.listDeadLetters('crashy')
      expect(letter!.reason).toBe('delivery_limit')
    })
    it('answers not_found for an unknown consumer or event id', async () => {
      await expect(k.admin.listDeadLetters('nobody')).rejects.toMatchObject({ code: 'not_found' })
      const t = k.transport()
      k.counter(t, [])
      await t.ready()
      await expect(k.admin.showDeadLetter('counter', uuid7())).rejects.toMatchObject({ code: 'not_found' })
    })
  })

  describe('security', () => {
    it('dead-letters malformed messages at once without running the handler', async () => {
      const t = k.transport()
      const seen: string[] = []
      k.counter(t, seen)
      await t.ready()
      await k.rawPublish(noteAdded.type, Buffer.from('{not json'))
      await k.rawPublish(noteAdded.type, Buffer.from(JSON.stringify({ ...envelope('a'), id: 'not-a-uuid' })))
      const e = envelope('a')
      await k.rawPublish(noteAdded.type, Buffer.from(JSON.stringify(e)), { messageId: uuid7() }) // id mismatch
      await k.rawPublish(
        noteAdded.type,
        Buffer.from(JSON.stringify(envelope('a', { payload: { id: 1, admin: true } }))),
      )
      await waitFor(async () => (await k.admin.countDeadLetters('counter')) === 4)
      expect(seen).toEqual([])
      const letters = await k.admin.listDeadLetters('counter', 10)
      expect(letters.map((l) => l.reason).sort()).toEqual(['invalid', 'invalid', 'invalid', 'rejected'])
      expect(letters.every((l) => l.attempts === 1)).toBe(true) // not retried
      expect(letters.find((l) => l.raw !== null)?.raw).toBe('{not json')
      expect(await k.noteCount('a')).toBe(0)
    })
    it('dead-letters an oversized message unread', async () => {
      const t = k.transport({ maxMessageBytes: 512 })
      const seen: string[] = []
      k.counter(t, seen)
      await t.ready()
      await k.rawPublish(noteAdded.type, Buffer.from(JSON.stringify(envelope('x'.repeat(2000)))))
      await waitFor(async () => (await k.admin.countDeadLetters('counter')) === 1)
      expect(seen).toEqual([])
      expect((await k.admin.listDeadLetters('counter'))[0]!.error).toMatch(/larger than 512/)
    })
    it('refuses consumer names that are not plain identifiers', async () => {
      await expect(k.admin.listDeadLetters('../x')).rejects.toMatchObject({ code: 'validation_failed' })
      await expect(k.admin.replayDeadLetters('a b')).rejects.toMatchObject({ code: 'validation_failed' })
    })
  })
})
