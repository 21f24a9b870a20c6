import { describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { newId } from '@learnmesh/kernel'
import { useTestCommunication, type TestUser } from '../test-helpers.ts'
import { messages } from '../db/schema.ts'

describe('chat over HTTP', () => {
  const t = useTestCommunication({ env: { CHAT_RATE_BURST: '5', CHAT_RATE_PER_SECOND: '0.01' } })

  async function pair() {
    const learner = t.user()
    const tutor = t.user(['tutor'])
    await t.person(learner)
    await t.person(tutor)
    await t.lesson(tutor, learner)
    const res = await t.call(learner, 'POST', '/conversations/direct', { userId: tutor.userId })
    expect(res.statusCode).toBe(200)
    return { learner, tutor, conversationId: res.json().id as string }
  }

  let seq = 0
  const send = (u: TestUser, id: string, body: string, clientMessageId = `c${++seq}`) =>
    t.call(u, 'POST', `/conversations/${id}/messages`, { body, clientMessageId })

  /** A fresh org with a tutor, their learner, an unrelated learner and an org admin. */
  async function groupWorld() {
    const orgId = newId('org')
    const tutor = t.user(['tutor'], orgId)
    const learner = t.user(['learner'], orgId)
    const stranger = t.user(['learner'], orgId)
    const admin = t.user(['org_admin'], orgId)
    for (const u of [tutor, learner, stranger, admin]) await t.person(u)
    await t.lesson(tutor, learner)
    return { tutor, learner, stranger, admin }
  }
  const group = (u: TestUser, memberIds: string[]) =>
    t.call(u, 'POST', '/conversations/group', { title: 'Study group', memberIds })

  describe('happy', () => {
    it('opens one direct conversation per pair, whoever opens it', async () => {
      const { learner, tutor, conversationId } = await pair()
      const again = await t.call(tutor, 'POST', '/conversations/direct', { userId: learner.userId })
      expect(again.json().id).toBe(conversationId)
      expect(again.json().participantIds.sort()).toEqual([learner.userId, tutor.userId].sort())
    })

    it('pages history newest first by message id (keyset)', async () => {
      const { learner, tutor, conversationId } = await pair()
      const ids: string[] = []
      for (let i = 0; i < 5; i++)
        ids.push((await send(i % 2 ? tutor : learner, conversationId, `m${i}`)).json().id)
      const first = await t.call(learner, 'GET', `/conversations/${conversationId}/messages?limit=2`)
      expect(first.json().items.map((m: { body: string }) => m.body)).toEqual(['m4', 'm3'])
      const second = await t.call(
        learner,
        'GET',
        `/conversations/${conversationId}/messages?limit=2&before=${first.json().nextCursor}`,
      )
      expect(second.json().items.map((m: { body: string }) => m.body)).toEqual(['m2', 'm1'])
      const last = await t.call(
        learner,
        'GET',
        `/conversations/${conversationId}/messages?limit=2&before=${second.json().nextCursor}`,
      )
      expect(last.json()).toMatchObject({ items: [{ body: 'm0', id: ids[0] }], nextCursor: null })
    })

    it('counts unread messages from others and lowers the count when read', async () => {
      const { learner, tutor, conversationId } = await pair()
      await send(tutor, conversationId, 'one')
      const second = (await send(tutor, conversationId, 'two')).json()
      await send(learner, conversationId, 'mine')
      const list = await t.call(learner, 'GET', '/conversations')
      expect(list.json().items.find((c: { id: string }) => c.id === conversationId).unreadCount).toBe(2)
      const read = await t.call(learner, 'POST', `/conversations/${conversationId}/read`, {
        messageId: second.id,
      })
      expect(read.json()).toEqual({ lastReadMessageId: second.id, unreadCount: 0 })
    })

    it('lists participants with their names and read marks (receipts on load)', async () => {
      const learner = t.user()
      const tutor = t.user(['tutor'])
      await t.person(learner, 'Lea Learner')
      await t.person(tutor, 'Tom Tutor')
      await t.lesson(tutor, learner)
      const opened = await t.call(learner, 'POST', '/conversations/direct', { userId: tutor.userId })
      const conversationId = opened.json().id as string
      expect(opened.json().participants).toEqual(
        expect.arrayContaining([
          {
            userId: learner.userId,
            displayName: 'Lea Learner',
            lastReadMessageId: null,
            role: 'member',
            joinedAt: expect.any(String),
          },
          {
            userId: tutor.userId,
            displayName: 'Tom Tutor',
            lastReadMessageId: null,
            role: 'member',
            joinedAt: expect.any(String),
          },
        ]),
      )
      const sent = (await send(learner, conversationId, 'hello')).json()
      await t.call(tutor, 'POST', `/conversations/${conversationId}/read`, { messageId: sent.id })
      const list = await t.call(learner, 'GET', '/conversations')
      const c = list.json().items.find((i: { id: string }) => i.id === conversationId)
      expect(c.participants).toHaveLength(2)
      expect(c.participants.find((p: { userId: string }) => p.userId === tutor.userId)).toEqual({
        userId: tutor.userId,
        displayName: 'Tom Tutor',
        lastReadMessageId: sent.id,
        role: 'member',
        joinedAt: expect.any(String),
      })
    })

    it('stores a retried send (same client message id) once', async () => {
      const { learner, conversationId } = await pair()
      const a = await send(learner, conversationId, 'hello', 'retry-1')
      const b = await send(learner, conversationId, 'hello', 'retry-1')
      expect([a.statusCode, b.statusCode]).toEqual([201, 200])
      expect(b.json().id).toBe(a.json().id)
      const rows = await t.db.select().from(messages).where(eq(messages.conversationId, conversationId))
      expect(rows).toHaveLength(1)
    })

    it('edits and deletes softly; attachments are references', async () => {
      const { learner, conversationId } = await pair()
      const sent = await t.call(learner, 'POST', `/conversations/${conversationId}/messages`, {
        body: 'see file',
        clientMessageId: 'att-1',
        attachments: [{ kind: 'file', ref: 'med_123', name: 'notes.pdf', size: 1234 }],
      })
      expect(sent.json().attachments).toEqual([
        { kind: 'file', ref: 'med_123', name: 'notes.pdf', size: 1234 },
      ])
      const edited = await t.call(
        learner,
        'PATCH',
        `/conversations/${conversationId}/messages/${sent.json().id}`,
        {
          body: 'see the file',
        },
      )
      expect(edited.json()).toMatchObject({ body: 'see the file', editedAt: expect.any(String) })
      const deleted = await t.call(
        learner,
        'DELETE',
        `/conversations/${conversationId}/messages/${sent.json().id}`,
      )
      expect(deleted.json()).toMatchObject({ body: '', attachments: [], deletedAt: expect.any(String) })
      const history = await t.call(learner, 'GET', `/conversations/${conversationId}/messages`)
      expect(history.json().items[0]).toMatchObject({ id: sent.json().id, deletedAt: expect.any(String) })
    })

    it('creates a group with the creator as a participant', async () => {
      const owner = t.user(['instructor'])
      const a = t.user()
      const b = t.user()
      await t.person(owner, 'Ivy Instructor')
      for (const u of [a, b]) await t.person(u)
      // Members of a group are the creator's contacts (here: learners of their lessons).
      for (const u of [a, b]) await t.lesson(owner, u)
      const res = await t.call(owner, 'POST', '/conversations/group', {
        title: 'Study group',
        memberIds: [a.userId, b.userId],
      })
      expect(res.statusCode).toBe(201)
      expect(res.json().participantIds).toHaveLength(3)
      expect((await send(b, res.json().id, 'hi all')).statusCode).toBe(201)
      // Its history starts with its creation, which nobody counts as unread.
      const history = (await t.call(a, 'GET', `/conversations/${res.json().id}/messages`)).json().items
      expect(history.map((m: { body: string }) => m.body)).toEqual([
        'hi all',
        'Ivy Instructor created the group “Study group”',
      ])
      expect(history[1]).toMatchObject({
        kind: 'system',
        senderId: owner.userId,
        event: { type: 'created', actor: { userId: owner.userId }, users: [], title: 'Study group' },
      })
      const listed = (await t.call(a, 'GET', '/conversations')).json().items[0]
      expect(listed).toMatchObject({ id: res.json().id, unreadCount: 1, lastMessageId: history[0].id })
    })

    it('lets org staff put any member of their org in a group', async () => {
      const w = await groupWorld()
      const res = await group(w.admin, [w.learner.userId, w.stranger.userId])
      expect(res.statusCode).toBe(201)
      expect(res.json().participantIds).toHaveLength(3)
    })
  })

  describe('errors', () => {
    it('refuses an oversize message (413) and stores nothing', async () => {
      const { learner, conversationId } = await pair()
      const res = await send(learner, conversationId, 'x'.repeat(4001))
      expect(res.statusCode).toBe(413)
      expect(res.json().code).toBe('payload_too_large')
      expect(
        await t.db.select().from(messages).where(eq(messages.conversationId, conversationId)),
      ).toHaveLength(0)
    })

    it('rate limits sends per user (429 with retryAfter)', async () => {
      const { learner, tutor, conversationId } = await pair()
      const statuses: number[] = []
      for (let i = 0; i < 7; i++)
        statuses.push((await send(learner, conversationId, `burst ${i}`)).statusCode)
      expect(statuses.slice(0, 5)).toEqual([201, 201, 201, 201, 201])
      const limited = await send(learner, conversationId, 'one more')
      expect(limited.statusCode).toBe(429)
      expect(limited.json()).toMatchObject({ code: 'rate_limited', retryAfter: expect.any(Number) })
      // Another user has their own bucket.
      expect((await send(tutor, conversationId, 'still fine')).statusCode).toBe(201)
    })

    it('refuses a direct conversation with an unknown person or oneself', async () => {
      const u = t.user()
      await t.person(u)
      expect((await t.call(u, 'POST', '/conversations/direct', { userId: newId('usr') })).statusCode).toBe(
        404,
      )
      expect((await t.call(u, 'POST', '/conversations/direct', { userId: u.userId })).statusCode).toBe(422)
    })

    it('rejects a malformed cursor and an empty message', async () => {
      const { learner, conversationId } = await pair()
      expect(
        (await t.call(learner, 'GET', `/conversations/${conversationId}/messages?before=nope`)).statusCode,
      ).toBe(400)
      expect((await send(learner, conversationId, '   ')).statusCode).toBe(422)
    })

    it('refuses a group with someone who is not my contact (404 naming them) and creates nothing', async () => {
      const w = await groupWorld()
      const res = await group(w.tutor, [w.learner.userId, w.stranger.userId])
      expect(res.statusCode).toBe(404)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.json()).toMatchObject({
        code: 'not_found',
        reason: 'not_a_contact',
        missing: [w.stranger.userId],
      })
      expect(res.json().detail).toMatch(/^You can only add your contacts to a group, such as /)
      expect(res.json().detail).not.toContain('/')
      for (const u of [w.tutor, w.learner, w.stranger])
        expect((await t.call(u, 'GET', '/conversations')).json().items).toEqual([])
    })

    it('lets only the sender edit or delete a message', async () => {
      const { learner, tutor, conversationId } = await pair()
      const m = (await send(learner, conversationId, 'mine')).json()
      const url = `/conversations/${conversationId}/messages/${m.id}`
      expect((await t.call(tutor, 'PATCH', url, { body: 'hijack' })).statusCode).toBe(403)
      expect((await t.call(tutor, 'DELETE', url)).statusCode).toBe(403)
    })
  })

  describe('security', () => {
    it('hides a conversation from non-participants (404 on history, send, read)', async () => {
      const { conversationId, learner } = await pair()
      const m = (await send(learner, conversationId, 'private')).json()
      const outsider = t.user()
      expect((await t.call(outsider, 'GET', `/conversations/${conversationId}/messages`)).statusCode).toBe(
        404,
      )
      expect((await send(outsider, conversationId, 'let me in')).statusCode).toBe(404)
      expect(
        (await t.call(outsider, 'POST', `/conversations/${conversationId}/read`, { messageId: m.id }))
          .statusCode,
      ).toBe(404)
      expect((await t.call(outsider, 'GET', '/conversations')).json().items).toEqual([])
    })

    it("hides another organization's conversation even from a user with the same id", async () => {
      const { learner, conversationId } = await pair()
      const sameIdOtherOrg: TestUser = { ...learner, orgId: t.orgB }
      expect(
        (await t.call(sameIdOtherOrg, 'GET', `/conversations/${conversationId}/messages`)).statusCode,
      ).toBe(404)
      expect((await t.call(sameIdOtherOrg, 'GET', '/conversations')).json().items).toEqual([])
    })

    it('will not open a conversation with someone of another organization', async () => {
      const a = t.user()
      const b = t.user(['tutor'], t.orgB)
      await t.person(a)
      await t.person(b)
      expect((await t.call(a, 'POST', '/conversations/direct', { userId: b.userId })).statusCode).toBe(404)
    })

    it('a learner cannot pull fellow learners or strangers into a group', async () => {
      const w = await groupWorld()
      const res = await group(w.learner, [w.stranger.userId])
      expect(res.statusCode).toBe(404)
      expect((await t.call(w.stranger, 'GET', '/conversations')).json().items).toEqual([])
      // Their tutor is fine.
      expect((await group(w.learner, [w.tutor.userId])).statusCode).toBe(201)
    })

    it('will not put someone of another organization in a group, not even for org staff', async () => {
      const w = await groupWorld()
      const other = t.user(['learner'], t.orgB)
      await t.person(other)
      const res = await group(w.admin, [other.userId])
      expect(res.statusCode).toBe(404)
      expect((await t.call(other, 'GET', '/conversations')).json().items).toEqual([])
    })

    it('requires a token', async () => {
      expect((await t.call(null, 'GET', '/conversations')).statusCode).toBe(401)
    })
  })
})
