import { describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { newId } from '@learnmesh/kernel'
import type { TestUser } from '../test-helpers.ts'
import { messages } from '../db/schema.ts'
import { notify } from '../notifications/deliver.ts'
import { useChatTestKit, next, request, silence } from './chat.test-kit.ts'

type Msg = { id: string; body: string; conversationId: string; senderId: string }

describe('chat over Socket.IO', () => {
  const t = useChatTestKit({ env: { CHAT_RATE_BURST: '5', CHAT_RATE_PER_SECOND: '0.01' } })

  /** A learner and a tutor with a direct conversation, both connected. */
  async function dm() {
    const learner = t.user()
    const tutor = t.user(['tutor'])
    await t.people(learner, tutor)
    await t.lesson(tutor, learner)
    const conversationId = (
      await t.call(learner, 'POST', '/conversations/direct', { userId: tutor.userId })
    ).json().id as string
    return { learner, tutor, conversationId, a: await t.socketFor(learner), b: await t.socketFor(tutor) }
  }

  let seq = 0
  const cid = () => `c-${++seq}`

  describe('happy', () => {
    it('delivers a direct message in real time, acknowledged with the stored message', async () => {
      const { a, b, conversationId, learner } = await dm()
      const arriving = next<Msg>(b, 'message:new')
      const ack = await request(a, 'message:send', {
        conversationId,
        body: 'Hello tutor',
        clientMessageId: cid(),
      })
      expect(ack).toMatchObject({
        ok: true,
        duplicate: false,
        message: { body: 'Hello tutor', senderId: learner.userId },
      })
      const got = await arriving
      expect(got).toMatchObject({ id: (ack.message as Msg).id, body: 'Hello tutor', conversationId })
    })

    it('puts enrolled learners and the instructors into the course channel, and pushes the notification live', async () => {
      const instructor = t.user(['instructor'])
      const learner = t.user()
      await t.people(instructor, learner)
      const si = await t.socketFor(instructor)
      const sl = await t.socketFor(learner)
      const instructorAdded = next<{ conversationId: string }>(si, 'conversation:added')
      const courseId = await t.publishCourse(instructor, { title: 'Intro to Rust', slug: 'intro' })
      const { conversationId } = await instructorAdded
      const learnerAdded = next<{ conversationId: string }>(sl, 'conversation:added')
      const notified = next<{ type: string; title: string }>(sl, 'notification:new')
      await t.enroll(learner, courseId)
      expect((await learnerAdded).conversationId).toBe(conversationId)
      expect(await notified).toMatchObject({
        type: 'learning.enrolled',
        title: 'You are enrolled in Intro to Rust',
      })
      const list = (await t.call(learner, 'GET', '/conversations')).json().items
      expect(list).toMatchObject([{ id: conversationId, kind: 'course', title: 'Intro to Rust', courseId }])
      // The learner's open connection is already in the room.
      const arriving = next<Msg>(si, 'message:new')
      await request(sl, 'message:send', { conversationId, body: 'Hi class', clientMessageId: cid() })
      expect((await arriving).body).toBe('Hi class')
    })

    it('propagates edits and deletes', async () => {
      const { a, b, conversationId } = await dm()
      const sent = (
        await request(a, 'message:send', { conversationId, body: 'tpyo', clientMessageId: cid() })
      ).message as Msg
      const edited = next<Msg>(b, 'message:edited')
      expect(
        await request(a, 'message:edit', { conversationId, messageId: sent.id, body: 'typo' }),
      ).toMatchObject({
        ok: true,
      })
      expect(await edited).toMatchObject({ id: sent.id, body: 'typo' })
      const deleted = next<{ id: string; deletedAt: string }>(b, 'message:deleted')
      await request(a, 'message:delete', { conversationId, messageId: sent.id })
      expect(await deleted).toMatchObject({ id: sent.id, deletedAt: expect.any(String) })
    })

    it('relays typing to the others in the conversation, not back to the typist', async () => {
      const { a, b, conversationId, learner } = await dm()
      const typing = next(b, 'typing')
      const echo = silence(a, 'typing')
      expect(await request(a, 'typing', { conversationId })).toMatchObject({ ok: true })
      expect(await typing).toEqual({ conversationId, userId: learner.userId, typing: true })
      expect(await echo).toBe(true)
    })

    it('sends read receipts and updates the unread count', async () => {
      const { a, b, conversationId, tutor } = await dm()
      await request(a, 'message:send', { conversationId, body: 'one', clientMessageId: cid() })
      const two = (await request(a, 'message:send', { conversationId, body: 'two', clientMessageId: cid() }))
        .message as Msg
      const unread = async () =>
        (await t.call(tutor, 'GET', '/conversations'))
          .json()
          .items.find((c: { id: string }) => c.id === conversationId).unreadCount
      expect(await unread()).toBe(2)
      const receipt = next(a, 'read')
      expect(await request(b, 'read', { conversationId, messageId: two.id })).toMatchObject({
        ok: true,
        unreadCount: 0,
      })
      expect(await receipt).toEqual({ conversationId, userId: tutor.userId, messageId: two.id })
      expect(await unread()).toBe(0)
    })

    it('gives a reconnecting client exactly the messages it missed', async () => {
      const { a, b, conversationId, tutor } = await dm()
      const seen = (
        await request(a, 'message:send', { conversationId, body: 'before', clientMessageId: cid() })
      ).message as Msg
      await next(b, 'message:new').catch(() => {})
      b.disconnect()
      const missed: string[] = []
      for (const body of ['while away 1', 'while away 2']) {
        missed.push(
          (
            (await request(a, 'message:send', { conversationId, body, clientMessageId: cid() }))
              .message as Msg
          ).id,
        )
      }
      const again = await t.socketFor(tutor)
      const ack = await request(again, 'resume', {
        conversations: [{ conversationId, lastMessageId: seen.id }],
      })
      expect(ack).toMatchObject({ ok: true })
      const [one] = ack.conversations as { conversationId: string; messages: Msg[]; more: boolean }[]
      expect(one!.messages.map((m) => m.id)).toEqual(missed)
      expect(one!.more).toBe(false)
    })

    it('stores a retried send once and broadcasts it once', async () => {
      const { a, b, conversationId } = await dm()
      let broadcasts = 0
      b.on('message:new', () => broadcasts++)
      const clientMessageId = cid()
      const first = await request(a, 'message:send', { conversationId, body: 'once', clientMessageId })
      const retry = await request(a, 'message:send', { conversationId, body: 'once', clientMessageId })
      expect(retry).toMatchObject({ ok: true, duplicate: true, message: { id: (first.message as Msg).id } })
      await silence(b, 'nothing', 200)
      expect(broadcasts).toBe(1)
      expect(
        await t.db.select().from(messages).where(eq(messages.conversationId, conversationId)),
      ).toHaveLength(1)
    })
  })

  describe('errors', () => {
    it('answers an oversize message with a payload_too_large ack and stores nothing', async () => {
      const { a, conversationId } = await dm()
      const ack = await request(a, 'message:send', {
        conversationId,
        body: 'x'.repeat(4001),
        clientMessageId: cid(),
      })
      expect(ack).toMatchObject({ ok: false, error: { code: 'payload_too_large', status: 413, limit: 4000 } })
      expect(
        await t.db.select().from(messages).where(eq(messages.conversationId, conversationId)),
      ).toHaveLength(0)
      expect(a.connected).toBe(true)
    })

    it('answers a user over the rate limit with a rate_limited ack', async () => {
      const { a, conversationId } = await dm()
      const acks = []
      for (let i = 0; i < 6; i++)
        acks.push(await request(a, 'message:send', { conversationId, body: `m${i}`, clientMessageId: cid() }))
      expect(acks.slice(0, 5).every((x) => x.ok === true)).toBe(true)
      expect(acks[5]).toMatchObject({
        ok: false,
        error: { code: 'rate_limited', status: 429, retryAfter: expect.any(Number) },
      })
    })

    it('answers a malformed event with validation_failed, and survives events without an ack', async () => {
      const { a, conversationId } = await dm()
      expect(await request(a, 'message:send', { conversationId: 'nope', body: 1 })).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', status: 400 },
      })
      a.emit('message:send', null)
      a.emit('resume', 'garbage')
      expect(await request(a, 'typing', { conversationId })).toMatchObject({ ok: true })
    })
  })

  describe('security', () => {
    it('pushes a notification only once its transaction commits, never after a rollback', async () => {
      const u = t.user()
      const s = await t.socketFor(u)
      const input = (sourceKey: string) => ({
        orgId: u.orgId,
        userId: u.userId,
        type: 'learning.enrolled',
        title: `About ${sourceKey}`,
        body: 'b',
        sourceKey,
      })
      const nothing = silence(s, 'notification:new', 800)
      await t.db
        .transaction(async (tx) => {
          await notify(tx, t.deps, input('rolled-back'))
          throw new Error('roll back')
        })
        .catch(() => {})
      expect(await nothing).toBe(true)
      const arriving = next<{ title: string }>(s, 'notification:new')
      await t.db.transaction(async (tx) => {
        await notify(tx, t.deps, input('committed'))
      })
      expect((await arriving).title).toBe('About committed')
    })

    it('ends a connection when its token expires', async () => {
      const u = t.user()
      const token = await t.signer.sign(
        { sub: u.userId, org: u.orgId, roles: ['learner'] },
        { expiresIn: Math.floor(Date.now() / 1000) + 2 },
      )
      const s = await t.socketFor(u, { token })
      expect(s.connected).toBe(true)
      expect(await next<string>(s, 'disconnect', 4000)).toBe('io server disconnect')
    })

    it('refuses a connection without a token, with a bad one, or with an expired one', async () => {
      const u = t.user()
      await expect(t.socketFor(null)).rejects.toMatchObject({ message: 'unauthenticated' })
      await expect(t.socketFor(u, { token: 'not-a-jwt' })).rejects.toMatchObject({ message: 'invalid_token' })
      const expired = await t.signer.sign(
        { sub: u.userId, org: u.orgId, roles: ['learner'] },
        { expiresIn: Math.floor(Date.now() / 1000) - 120 },
      )
      await expect(t.socketFor(u, { token: expired })).rejects.toMatchObject({ message: 'invalid_token' })
    })

    it('keeps non-participants out: no join, no send, no history, no messages, no typing', async () => {
      const { a, conversationId } = await dm()
      const outsider = t.user()
      await t.people(outsider)
      const o = await t.socketFor(outsider)
      const overheard = silence(o, 'message:new', 500)
      expect(await request(o, 'conversation:join', { conversationId })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      })
      expect(
        await request(o, 'message:send', { conversationId, body: 'hi', clientMessageId: cid() }),
      ).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      })
      expect(await request(o, 'typing', { conversationId })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      })
      const resumed = await request(o, 'resume', { conversations: [{ conversationId, lastMessageId: null }] })
      expect(resumed).toEqual({ ok: true, conversations: [] })
      await request(a, 'message:send', { conversationId, body: 'private', clientMessageId: cid() })
      expect(await overheard).toBe(true)
      expect((await t.call(outsider, 'GET', `/conversations/${conversationId}/messages`)).statusCode).toBe(
        404,
      )
    })

    it('takes a revoked learner out of the channel room at once: told, and no longer overhearing', async () => {
      const instructor = t.user(['instructor'])
      const learner = t.user()
      await t.people(instructor, learner)
      const courseId = await t.publishCourse(instructor, { title: 'Revoked course' })
      const enrollmentId = newId('enr')
      await t.enroll(learner, courseId, { enrollmentId })
      const si = await t.socketFor(instructor)
      const sl = await t.socketFor(learner)
      const removed = next<{ conversationId: string }>(sl, 'conversation:removed')
      await t.revoke(learner, courseId, enrollmentId)
      const { conversationId } = await removed
      const overheard = silence(sl, 'message:new', 500)
      await request(si, 'message:send', { conversationId, body: 'after you left', clientMessageId: cid() })
      expect(await overheard).toBe(true)
    })

    it("keeps another organization's users out of a conversation", async () => {
      const { learner, conversationId } = await dm()
      const twin: TestUser = { ...learner, orgId: t.orgB }
      const s = await t.socketFor(twin)
      expect(await request(s, 'conversation:join', { conversationId })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      })
    })
  })
})
