import { describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { newId } from '@learnmesh/kernel'
import { useTestCommunication, type TestUser } from '../test-helpers.ts'
import { conversationParticipants } from '../db/schema.ts'
import { groupWorld } from './chat.test-kit.ts'

type View = {
  id: string
  kind: string
  title: string | null
  participantIds: string[]
  participants: { userId: string; displayName: string | null; role: string; joinedAt: string }[]
}
type Msg = {
  id: string
  kind: string
  body: string
  senderId: string
  event: { type: string; actor: { userId: string }; users: { userId: string }[] } | null
}

describe('managing a group over HTTP', () => {
  const t = useTestCommunication()

  const world = () => groupWorld(t)

  const get = (u: TestUser, id: string) => t.call(u, 'GET', `/conversations/${id}`)
  const add = (u: TestUser, id: string, userIds: string[]) =>
    t.call(u, 'POST', `/conversations/${id}/participants`, { userIds })
  const remove = (u: TestUser, id: string, userId: string) =>
    t.call(u, 'DELETE', `/conversations/${id}/participants/${userId}`)
  const setRole = (u: TestUser, id: string, userId: string, role: string) =>
    t.call(u, 'PATCH', `/conversations/${id}/participants/${userId}`, { role })
  const leave = (u: TestUser, id: string) => t.call(u, 'POST', `/conversations/${id}/leave`)
  const rename = (u: TestUser, id: string, title: string) =>
    t.call(u, 'PATCH', `/conversations/${id}`, { title })
  /** Every group change `u` may try on conversation `id`, about `other`, in turn. */
  const everyChange = async (u: TestUser, id: string, other: string) => [
    await add(u, id, [other]),
    await remove(u, id, other),
    await rename(u, id, 'Renamed'),
    await setRole(u, id, other, 'admin'),
    await leave(u, id),
  ]
  const roles = async (u: TestUser, id: string) =>
    Object.fromEntries((await get(u, id)).json<View>().participants.map((p) => [p.userId, p.role]))
  /** The group's system lines since its creation (the creation line has its own test), oldest first. */
  const systemBodies = async (u: TestUser, id: string) =>
    (await t.call(u, 'GET', `/conversations/${id}/messages`))
      .json<{ items: Msg[] }>()
      .items.filter((m) => m.kind === 'system' && m.event?.type !== 'created')
      .map((m) => m.body)
      .reverse()

  describe('happy', () => {
    it('shows one conversation to its participants, with names and roles', async () => {
      const w = await world()
      const res = await get(w.ann, w.id)
      expect(res.statusCode).toBe(200)
      const c = res.json<View>()
      expect(c).toMatchObject({ id: w.id, kind: 'group', title: 'Study group' })
      expect(c.participants).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ userId: w.olga.userId, displayName: 'Olga Owner', role: 'owner' }),
          expect.objectContaining({ userId: w.ann.userId, displayName: 'Ann Member', role: 'member' }),
          expect.objectContaining({ userId: w.ben.userId, displayName: 'Ben Member', role: 'member' }),
        ]),
      )
    })

    it('adds a contact as a member, once (a repeated add changes nothing), and says so in the group', async () => {
      const w = await world()
      const res = await add(w.olga, w.id, [w.cat.userId])
      expect(res.statusCode).toBe(200)
      expect(res.json<View>().participantIds).toContain(w.cat.userId)
      expect((await roles(w.olga, w.id))[w.cat.userId]).toBe('member')
      const again = await add(w.olga, w.id, [w.cat.userId, w.ann.userId, w.olga.userId])
      expect(again.statusCode).toBe(200)
      expect(again.json<View>().participantIds).toHaveLength(4)
      expect(await systemBodies(w.cat, w.id)).toEqual(['Olga Owner added Cat Contact'])
      const [system] = (await t.call(w.cat, 'GET', `/conversations/${w.id}/messages`)).json<{
        items: Msg[]
      }>().items
      expect(system).toMatchObject({
        kind: 'system',
        senderId: w.olga.userId,
        event: { type: 'member_added', actor: { userId: w.olga.userId }, users: [{ userId: w.cat.userId }] },
      })
    })

    it('lets the owner make an admin, who then adds, removes members and renames', async () => {
      const w = await world()
      expect((await setRole(w.olga, w.id, w.ann.userId, 'admin')).statusCode).toBe(200)
      // An admin adds their own contacts: a lesson makes Cat one of Ann's.
      await t.lesson(w.ann, w.cat)
      expect((await add(w.ann, w.id, [w.cat.userId])).statusCode).toBe(200)
      expect((await remove(w.ann, w.id, w.ben.userId)).statusCode).toBe(204)
      const renamed = await rename(w.ann, w.id, '  Algebra club ')
      expect(renamed.statusCode).toBe(200)
      expect(renamed.json<View>().title).toBe('Algebra club')
      expect(await systemBodies(w.olga, w.id)).toEqual([
        'Olga Owner made Ann Member an admin',
        'Ann Member added Cat Contact',
        'Ann Member removed Ben Member',
        'Ann Member renamed the group to “Algebra club”',
      ])
      expect(Object.keys(await roles(w.olga, w.id)).sort()).toEqual(
        [w.olga.userId, w.ann.userId, w.cat.userId].sort(),
      )
    })

    it('lets any member leave; they no longer see it, the others see that they left', async () => {
      const w = await world()
      expect((await leave(w.ben, w.id)).statusCode).toBe(204)
      expect((await get(w.ben, w.id)).statusCode).toBe(404)
      expect((await t.call(w.ben, 'GET', '/conversations')).json().items).toEqual([])
      expect(await systemBodies(w.ann, w.id)).toEqual(['Ben Member left'])
      // Removing oneself is leaving.
      expect((await remove(w.ann, w.id, w.ann.userId)).statusCode).toBe(204)
      expect(Object.keys(await roles(w.olga, w.id))).toEqual([w.olga.userId])
    })

    it('hands the group to the longest-standing member when its owner leaves', async () => {
      const w = await world()
      await add(w.olga, w.id, [w.cat.userId]) // joins after Ann and Ben
      expect((await leave(w.olga, w.id)).statusCode).toBe(204)
      const r = await roles(w.cat, w.id)
      const heir = [w.ann.userId, w.ben.userId].sort()[0]! // joined together: the smaller id first
      expect(r[heir]).toBe('owner')
      expect(Object.values(r).filter((x) => x === 'owner')).toHaveLength(1)
      expect(await systemBodies(w.cat, w.id)).toEqual([
        'Olga Owner added Cat Contact',
        'Olga Owner left',
        `${heir === w.ann.userId ? 'Ann' : 'Ben'} Member is now the owner`,
      ])
    })

    it('prefers an admin as the next owner, and hands over on request', async () => {
      const w = await world()
      await add(w.olga, w.id, [w.cat.userId])
      await setRole(w.olga, w.id, w.cat.userId, 'admin')
      await leave(w.olga, w.id)
      expect((await roles(w.ann, w.id))[w.cat.userId]).toBe('owner')
      // Cat hands over to Ann and stays as an admin.
      expect((await setRole(w.cat, w.id, w.ann.userId, 'owner')).statusCode).toBe(200)
      const r = await roles(w.ann, w.id)
      expect([r[w.ann.userId], r[w.cat.userId]]).toEqual(['owner', 'admin'])
    })

    it('leaves an empty group behind when the last one leaves', async () => {
      const w = await world()
      for (const u of [w.ann, w.ben, w.olga]) expect((await leave(u, w.id)).statusCode).toBe(204)
      const left = await t.db
        .select()
        .from(conversationParticipants)
        .where(eq(conversationParticipants.conversationId, w.id))
      expect(left).toEqual([])
    })

    it('does not count system messages as unread, and nobody may edit or delete them', async () => {
      const w = await world()
      await add(w.olga, w.id, [w.cat.userId])
      const mine = (await t.call(w.ann, 'GET', '/conversations')).json().items[0]
      expect(mine.unreadCount).toBe(0)
      const [system] = (await t.call(w.olga, 'GET', `/conversations/${w.id}/messages`)).json<{
        items: Msg[]
      }>().items
      const url = `/conversations/${w.id}/messages/${system!.id}`
      expect((await t.call(w.olga, 'PATCH', url, { body: 'rewritten' })).statusCode).toBe(403)
      expect((await t.call(w.olga, 'DELETE', url)).statusCode).toBe(403)
    })

    it('lets org staff add any member of their org to a group they manage', async () => {
      const w = await world()
      const g = await t.call(w.ada, 'POST', '/conversations/group', {
        title: 'Staff room',
        memberIds: [w.ann.userId],
      })
      expect((await add(w.ada, g.json().id, [w.sam.userId])).statusCode).toBe(200)
    })
  })

  describe('errors', () => {
    it('refuses group changes to a direct conversation or a course channel (422 not_a_group)', async () => {
      const w = await world()
      const direct = (await t.call(w.olga, 'POST', '/conversations/direct', { userId: w.cat.userId })).json()
      for (const res of await everyChange(w.olga, direct.id, w.cat.userId)) {
        expect(res.statusCode).toBe(422)
        expect(res.headers['content-type']).toContain('application/problem+json')
        expect(res.json()).toMatchObject({ code: 'unprocessable', reason: 'not_a_group' })
      }
      const courseId = await t.publishCourse(w.olga)
      await t.enroll(w.ann, courseId)
      const channel = (await t.call(w.ann, 'GET', '/conversations'))
        .json()
        .items.find((c: View) => c.kind === 'course')
      expect((await leave(w.ann, channel.id)).json()).toMatchObject({ reason: 'not_a_group' })
      expect((await add(w.olga, channel.id, [w.cat.userId])).json()).toMatchObject({ reason: 'not_a_group' })
    })

    it('caps a group at 101 people, counting those already in it', async () => {
      const orgId = newId('org')
      const admin = t.user(['org_admin'], orgId)
      await t.person(admin, 'Ada Admin')
      const people: TestUser[] = []
      for (let i = 0; i < 101; i++) {
        const u = t.user(['learner'], orgId)
        await t.person(u, `Person ${i}`)
        people.push(u)
      }
      const created = await t.call(admin, 'POST', '/conversations/group', {
        title: 'Big',
        memberIds: people.slice(0, 99).map((u) => u.userId),
      })
      expect(created.json().participantIds).toHaveLength(100)
      const over = await add(admin, created.json().id, [people[99]!.userId, people[100]!.userId])
      expect(over.statusCode).toBe(422)
      expect(over.json()).toMatchObject({ reason: 'group_full', limit: 101, size: 100 })
      expect((await get(admin, created.json().id)).json().participantIds).toHaveLength(100)
      expect((await add(admin, created.json().id, [people[99]!.userId])).statusCode).toBe(200)
      const many = await add(
        admin,
        created.json().id,
        Array.from({ length: 101 }, () => newId('usr')),
      )
      expect(many.statusCode).toBe(400)
    })

    it('rejects a blank title, a bad role, and an owner stepping down without handing over', async () => {
      const w = await world()
      expect((await rename(w.olga, w.id, '   ')).statusCode).toBe(400)
      expect((await rename(w.olga, w.id, 'x'.repeat(121))).statusCode).toBe(400)
      expect((await setRole(w.olga, w.id, w.ann.userId, 'instructor')).statusCode).toBe(400)
      const self = await setRole(w.olga, w.id, w.olga.userId, 'member')
      expect(self.statusCode).toBe(422)
      expect(self.json()).toMatchObject({ reason: 'owner_must_hand_over' })
      expect((await setRole(w.olga, w.id, w.cat.userId, 'admin')).statusCode).toBe(404)
    })

    it('treats removing someone who is not in the group as done (204), changing nothing', async () => {
      const w = await world()
      expect((await remove(w.olga, w.id, w.cat.userId)).statusCode).toBe(204)
      expect(await systemBodies(w.olga, w.id)).toEqual([])
    })
  })

  describe('security', () => {
    it('hides a group from non-participants: 404 for reading and every change, nothing changes', async () => {
      const w = await world()
      for (const res of [await get(w.cat, w.id), ...(await everyChange(w.cat, w.id, w.ann.userId))]) {
        expect(res.statusCode).toBe(404)
        expect(res.json().code).toBe('not_found')
      }
      expect((await get(w.olga, w.id)).json()).toMatchObject({ title: 'Study group' })
      expect(Object.keys(await roles(w.olga, w.id))).toHaveLength(3)
    })

    it('lets only the owner and admins add, remove and rename (403), and only the owner set roles', async () => {
      const w = await world()
      await t.lesson(w.ann, w.cat) // Cat is Ann's contact: the refusal is about her role
      const refused = [
        await add(w.ann, w.id, [w.cat.userId]),
        await remove(w.ann, w.id, w.ben.userId),
        await rename(w.ann, w.id, 'Ann rules'),
      ]
      for (const res of refused) {
        expect(res.statusCode).toBe(403)
        expect(res.json()).toMatchObject({ code: 'forbidden', reason: 'group_admins_only' })
      }
      await setRole(w.olga, w.id, w.ann.userId, 'admin')
      expect((await setRole(w.ann, w.id, w.ben.userId, 'admin')).json()).toMatchObject({
        code: 'forbidden',
        reason: 'group_owner_only',
      })
      // An admin removes neither the owner nor another admin.
      await setRole(w.olga, w.id, w.ben.userId, 'admin')
      expect((await remove(w.ann, w.id, w.olga.userId)).statusCode).toBe(403)
      expect((await remove(w.ann, w.id, w.ben.userId)).statusCode).toBe(403)
      expect(Object.keys(await roles(w.olga, w.id))).toHaveLength(3)
      expect(await systemBodies(w.olga, w.id)).toEqual([
        'Olga Owner made Ann Member an admin',
        'Olga Owner made Ben Member an admin',
      ])
    })

    it('adds only people the actor may message (404 naming them), and nobody of them', async () => {
      const w = await world()
      const res = await add(w.olga, w.id, [w.cat.userId, w.sam.userId])
      expect(res.statusCode).toBe(404)
      expect(res.json()).toMatchObject({ code: 'not_found', missing: [w.sam.userId] })
      expect(Object.keys(await roles(w.olga, w.id))).not.toContain(w.cat.userId)
      expect((await get(w.sam, w.id)).statusCode).toBe(404)
      // A member's contacts are not the admin's: an admin adds their own contacts only.
      await setRole(w.olga, w.id, w.ann.userId, 'admin')
      expect((await add(w.ann, w.id, [w.cat.userId])).json()).toMatchObject({ missing: [w.cat.userId] })
    })

    it('will not add someone of another organization, not even for org staff', async () => {
      const w = await world()
      const g = (
        await t.call(w.ada, 'POST', '/conversations/group', { title: 'Staff', memberIds: [w.ann.userId] })
      ).json()
      const other = t.user(['learner'], t.orgB)
      await t.person(other)
      expect((await add(w.ada, g.id, [other.userId])).statusCode).toBe(404)
      expect((await t.call(other, 'GET', '/conversations')).json().items).toEqual([])
    })

    it('takes a removed member out for good: no history, no sending, no conversation', async () => {
      const w = await world()
      expect((await remove(w.olga, w.id, w.ben.userId)).statusCode).toBe(204)
      expect((await get(w.ben, w.id)).statusCode).toBe(404)
      expect((await t.call(w.ben, 'GET', `/conversations/${w.id}/messages`)).statusCode).toBe(404)
      expect(
        (
          await t.call(w.ben, 'POST', `/conversations/${w.id}/messages`, {
            body: 'still here?',
            clientMessageId: 'c-1',
          })
        ).statusCode,
      ).toBe(404)
      expect((await leave(w.ben, w.id)).statusCode).toBe(404)
    })

    it("hides a group from another organization's user with the same id", async () => {
      const w = await world()
      const twin: TestUser = { ...w.ann, orgId: t.orgB }
      expect((await get(twin, w.id)).statusCode).toBe(404)
      expect((await leave(twin, w.id)).statusCode).toBe(404)
    })

    it('requires a token and a well-formed id', async () => {
      const w = await world()
      expect((await t.call(null, 'GET', `/conversations/${w.id}`)).statusCode).toBe(401)
      expect((await get(w.olga, 'cnv_nope')).statusCode).toBe(400)
    })
  })
})
