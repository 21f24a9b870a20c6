import { describe, expect, it } from 'vitest'
import { connectedGroupWorld, useChatTestKit, next, request, silence } from './chat.test-kit.ts'

type Msg = { id: string; body: string; conversationId: string; kind: string }

describe('group changes over Socket.IO', () => {
  const t = useChatTestKit()

  let seq = 0
  const cid = () => `g-${++seq}`

  /** Olga's group with Ann and Ben (Cat is another learner of hers), everyone connected. */
  const world = () => connectedGroupWorld(t)

  describe('happy', () => {
    it('puts an added person in the room at once; the members see who was added', async () => {
      const w = await world()
      const added = next<{ conversationId: string }>(w.sc, 'conversation:added')
      const told = next<Msg>(w.sa, 'message:new')
      const updated = next<{ conversationId: string }>(w.sa, 'conversation:updated')
      expect(
        (await t.call(w.olga, 'POST', `/conversations/${w.id}/participants`, { userIds: [w.cat.userId] }))
          .statusCode,
      ).toBe(200)
      expect(await added).toEqual({ conversationId: w.id })
      expect(await told).toMatchObject({
        conversationId: w.id,
        kind: 'system',
        body: 'Olga Owner added Cat Contact',
      })
      expect(await updated).toEqual({ conversationId: w.id })
      const arriving = next<Msg>(w.sc, 'message:new')
      await request(w.sa, 'message:send', {
        conversationId: w.id,
        body: 'Welcome Cat',
        clientMessageId: cid(),
      })
      expect((await arriving).body).toBe('Welcome Cat')
    })

    it('tells the people of a new group, live, that it was created', async () => {
      const w = await world()
      const added = next<{ conversationId: string }>(w.sc, 'conversation:added')
      const told = next<Msg & { event: unknown }>(w.sc, 'message:new')
      const created = await t.call(w.olga, 'POST', '/conversations/group', {
        title: ' Field trip ',
        memberIds: [w.cat.userId],
      })
      expect(created.statusCode).toBe(201)
      const id = created.json().id as string
      expect(await added).toEqual({ conversationId: id })
      expect(await told).toMatchObject({
        conversationId: id,
        kind: 'system',
        body: 'Olga Owner created the group “Field trip”',
        event: { type: 'created', actor: { userId: w.olga.userId }, users: [], title: 'Field trip' },
      })
      expect(created.json().lastMessageId).toBe((await told).id)
    })

    it('tells the members of a rename', async () => {
      const w = await world()
      const updated = next<{ conversationId: string }>(w.sb, 'conversation:updated')
      const told = next<Msg>(w.sb, 'message:new')
      await t.call(w.olga, 'PATCH', `/conversations/${w.id}`, { title: 'Algebra club' })
      expect(await updated).toEqual({ conversationId: w.id })
      expect((await told).body).toBe('Olga Owner renamed the group to “Algebra club”')
    })
  })

  describe('errors', () => {
    it('broadcasts nothing for a change that changes nothing', async () => {
      const w = await world()
      const quiet = silence(w.sa, 'conversation:updated', 500)
      await t.call(w.olga, 'POST', `/conversations/${w.id}/participants`, { userIds: [w.ben.userId] })
      await t.call(w.olga, 'PATCH', `/conversations/${w.id}`, { title: 'Study group' })
      expect(await quiet).toBe(true)
    })
  })

  describe('security', () => {
    it('takes a removed member out of the room: told, and overhearing nothing more', async () => {
      const w = await world()
      const removed = next<{ conversationId: string }>(w.sb, 'conversation:removed')
      const othersTold = next<Msg>(w.sa, 'message:new')
      const notToBen = silence(w.sb, 'message:new', 600)
      expect(
        (await t.call(w.olga, 'DELETE', `/conversations/${w.id}/participants/${w.ben.userId}`)).statusCode,
      ).toBe(204)
      expect(await removed).toEqual({ conversationId: w.id })
      expect((await othersTold).body).toBe('Olga Owner removed Ben Member')
      await request(w.sa, 'message:send', {
        conversationId: w.id,
        body: 'Ben is gone',
        clientMessageId: cid(),
      })
      expect(await notToBen).toBe(true)
      expect(await request(w.sb, 'typing', { conversationId: w.id })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      })
      expect(await request(w.sb, 'conversation:join', { conversationId: w.id })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      })
    })

    it('takes every connection of someone who leaves out of the room', async () => {
      const w = await world()
      const secondTab = await t.socketFor(w.ann)
      const removedHere = next(w.sa, 'conversation:removed')
      const removedThere = next(secondTab, 'conversation:removed')
      const othersTold = next<Msg>(w.so, 'message:new')
      expect((await t.call(w.ann, 'POST', `/conversations/${w.id}/leave`)).statusCode).toBe(204)
      await Promise.all([removedHere, removedThere])
      expect((await othersTold).body).toBe('Ann Member left')
      const overheard = silence(secondTab, 'message:new', 500)
      await request(w.so, 'message:send', { conversationId: w.id, body: 'after Ann', clientMessageId: cid() })
      expect(await overheard).toBe(true)
    })

    it('never lets a non-member hear about the group', async () => {
      const w = await world()
      const quiet = silence(w.sc, 'conversation:updated', 500)
      await t.call(w.olga, 'PATCH', `/conversations/${w.id}`, { title: 'Members only' })
      expect(await quiet).toBe(true)
    })
  })
})
