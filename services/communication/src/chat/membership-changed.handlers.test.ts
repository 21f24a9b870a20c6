import { describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { newId } from '@learnmesh/kernel'
import { conversationParticipants, conversations, orgGroupDepartures } from '../db/schema.ts'
import { GROUP_MAX_PARTICIPANTS } from './chat.schemas.ts'
import { at, useTestCommunication, type TestUser } from '../test-helpers.ts'
import { connectedGroupWorld, useChatTestKit, groupWorld, next, request, silence } from './chat.test-kit.ts'

describe('chat follows memberships (identity.membership.changed)', () => {
  const t = useTestCommunication()

  /**
   * A fresh org: Ada is its org admin; Ivy teaches "Algebra I", where Lea and Leo are enrolled; Tom
   * tutors Lea.
   */
  async function world() {
    const { orgId, ada, ivy, lea, leo, tom } = await t.cast({
      ada: ['org_admin', 'Ada Admin'],
      ivy: ['instructor', 'Ivy Instructor'],
      lea: ['learner', 'Lea Learner'],
      leo: ['learner', 'Leo Learner'],
      tom: ['tutor', 'Tom Tutor'],
    })
    await t.lesson(tom, lea)
    const courseId = await t.publishCourse(ivy)
    for (const u of [lea, leo]) await t.enroll(u, courseId)
    return { orgId, ada, ivy, lea, leo, tom, courseId }
  }

  const membership = (
    u: TestUser,
    change: 'joined' | 'roles_changed' | 'removed',
    roles: string[],
    occurredAt: string,
  ) =>
    t.deliver(
      'identity.membership.changed',
      u.orgId,
      { userId: u.userId, orgId: u.orgId, roles, change, changedBy: null },
      newId('evt'),
      occurredAt,
    )

  const contactNames = async (u: TestUser, query = '') =>
    ((await t.call(u, 'GET', `/contacts${query}`)).json().items as { displayName: string }[]).map(
      (c) => c.displayName,
    )
  const channels = async (u: TestUser) =>
    ((await t.call(u, 'GET', '/conversations')).json().items as { kind: string }[]).filter(
      (c) => c.kind === 'course',
    ).length

  describe('happy', () => {
    it('a removed member leaves the org’s course channels and is nobody’s contact there', async () => {
      const w = await world()
      expect(await contactNames(w.ivy)).toEqual(['Lea Learner', 'Leo Learner'])
      expect(await contactNames(w.ada)).toContain('Lea Learner')
      await membership(w.lea, 'removed', [], at(-10))
      expect(await contactNames(w.ivy)).toEqual(['Leo Learner'])
      expect(await contactNames(w.ada)).not.toContain('Lea Learner')
      expect(await contactNames(w.tom)).toEqual([])
      expect(await channels(w.lea)).toBe(0)
    })

    it('a removed instructor is no longer "Instructor of" for the course’s learners', async () => {
      const w = await world()
      await membership(w.ivy, 'removed', [], at(-10))
      expect(await contactNames(w.leo)).toEqual([])
      expect(await channels(w.ivy)).toBe(0)
    })

    it('keeps the history: a direct conversation with a removed member stays readable', async () => {
      const w = await world()
      const dm = await t.call(w.ivy, 'POST', '/conversations/direct', { userId: w.lea.userId })
      await t.call(w.ivy, 'POST', `/conversations/${dm.json().id}/messages`, {
        body: 'See you next week',
        clientMessageId: 'm1',
      })
      await membership(w.lea, 'removed', [], at(-10))
      const history = await t.call(w.ivy, 'GET', `/conversations/${dm.json().id}/messages`)
      expect(history.statusCode).toBe(200)
      expect(history.json().items).toHaveLength(1)
    })

    it('someone who joins again is back in the channels of their active enrollments', async () => {
      const w = await world()
      await membership(w.lea, 'removed', [], at(-20))
      await membership(w.lea, 'joined', ['learner'], at(-10))
      expect(await channels(w.lea)).toBe(1)
      expect(await contactNames(w.ivy)).toEqual(['Lea Learner', 'Leo Learner'])
    })

    it('a role change that keeps org_admin keeps the org-wide search', async () => {
      const w = await world()
      await membership(w.ada, 'roles_changed', ['instructor', 'org_admin'], at(-10))
      expect(await contactNames(w.ada)).toHaveLength(4)
    })
  })

  describe('errors', () => {
    it('a late older "joined" does not bring a removed member back', async () => {
      const w = await world()
      await membership(w.lea, 'removed', [], at(-10))
      await membership(w.lea, 'joined', ['learner'], at(-60))
      expect(await contactNames(w.ivy)).toEqual(['Leo Learner'])
      expect(await channels(w.lea)).toBe(0)
    })

    it('an enrollment delivered after the removal does not put the member back in a channel', async () => {
      const w = await world()
      await membership(w.leo, 'removed', [], at(-10))
      await t.enroll(w.leo, w.courseId)
      expect(await channels(w.leo)).toBe(0)
      expect(await contactNames(w.ivy)).toEqual(['Lea Learner'])
    })

    it('a repeated removal changes nothing and does not fail', async () => {
      const w = await world()
      const when = at(-10)
      await membership(w.lea, 'removed', [], when)
      await membership(w.lea, 'removed', [], when)
      expect(await contactNames(w.ivy)).toEqual(['Leo Learner'])
    })
  })

  describe('security', () => {
    it('a demoted org admin loses the org-wide search at once, even with an older token', async () => {
      const w = await world()
      await membership(w.ada, 'roles_changed', ['learner'], at(-10))
      // Ada's token still says org_admin; communication heard otherwise.
      expect(await contactNames(w.ada)).toEqual([])
      expect(
        (await t.call(w.ada, 'POST', '/conversations/direct', { userId: w.leo.userId })).statusCode,
      ).toBe(404)
      // A late older event that still had org_admin changes nothing.
      await membership(w.ada, 'roles_changed', ['org_admin'], at(-60))
      expect(await contactNames(w.ada)).toEqual([])
    })

    it('a promotion communication heard of is not enough without the role in the token', async () => {
      const w = await world()
      await membership(w.lea, 'roles_changed', ['learner', 'org_admin'], at(-10))
      expect(await contactNames(w.lea)).toEqual(['Ivy Instructor', 'Tom Tutor'])
    })

    it('nobody can open a conversation with, or add to a group, a removed member', async () => {
      const w = await world()
      await membership(w.lea, 'removed', [], at(-10))
      for (const u of [w.ada, w.tom, w.ivy]) {
        expect((await t.call(u, 'POST', '/conversations/direct', { userId: w.lea.userId })).statusCode).toBe(
          404,
        )
        const group = await t.call(u, 'POST', '/conversations/group', {
          title: 'Study group',
          memberIds: [w.lea.userId],
        })
        expect(group.statusCode).toBe(404)
        expect(group.json()).toMatchObject({ code: 'not_found', missing: [w.lea.userId] })
      }
    })

    it('a removal in another organization changes nothing here', async () => {
      const a = await world()
      const b = await world()
      await membership({ ...a.lea, orgId: b.orgId }, 'removed', [], at(-10))
      expect(await contactNames(a.ivy)).toEqual(['Lea Learner', 'Leo Learner'])
      expect(await channels(a.lea)).toBe(1)
    })
  })
})

describe('a member removed from the organization leaves its groups (identity.membership.changed)', () => {
  const t = useChatTestKit()

  type Msg = { body: string; kind: string; conversationId: string; event: { type: string } | null }

  /** Olga's "Study group" with Ann and Ben (groupWorld), everyone connected. */
  const world = () => connectedGroupWorld(t)

  /** identity.membership.changed for `u` (by the org admin `by`, or themselves); returns the event id. */
  const membership = (
    u: TestUser,
    change: 'joined' | 'removed',
    occurredAt: string,
    opts: { by?: TestUser; id?: string } = {},
  ) =>
    t.deliver(
      'identity.membership.changed',
      u.orgId,
      {
        userId: u.userId,
        orgId: u.orgId,
        roles: change === 'removed' ? [] : ['learner'],
        change,
        changedBy: (opts.by ?? u).userId,
      },
      opts.id ?? newId('evt'),
      occurredAt,
    )

  const roles = async (u: TestUser, id: string) =>
    Object.fromEntries(
      (
        (await t.call(u, 'GET', `/conversations/${id}`)).json().participants as {
          userId: string
          role: string
        }[]
      ).map((p) => [p.userId, p.role]),
    )
  /** The group's system lines since its creation, oldest first. */
  const systemBodies = async (u: TestUser, id: string) =>
    ((await t.call(u, 'GET', `/conversations/${id}/messages`)).json().items as Msg[])
      .filter((m) => m.kind === 'system' && m.event?.type !== 'created')
      .map((m) => m.body)
      .reverse()
  const groupIds = async (u: TestUser) =>
    ((await t.call(u, 'GET', '/conversations')).json().items as { id: string; kind: string }[])
      .filter((c) => c.kind === 'group')
      .map((c) => c.id)

  /**
   * Runs `change` (about Ben) with everyone listening: Ben hears `hisEvent`, Ann the system line
   * (`type`, `body`, Ben its actor), Olga `conversation:updated`.
   */
  async function heardLive(
    w: Awaited<ReturnType<typeof world>>,
    hisEvent: string,
    type: string,
    body: string,
    change: () => Promise<unknown>,
  ) {
    const his = next<{ conversationId: string }>(w.sb, hisEvent)
    const told = next<Msg>(w.sa, 'message:new')
    const updated = next<{ conversationId: string }>(w.so, 'conversation:updated')
    await change()
    expect(await his).toEqual({ conversationId: w.id })
    expect(await told).toMatchObject({
      conversationId: w.id,
      kind: 'system',
      body,
      event: { type, actor: { userId: w.ben.userId }, users: [] },
    })
    expect(await updated).toEqual({ conversationId: w.id })
  }

  describe('happy', () => {
    it('takes them out of the group as if they had left; they and the others hear it live', async () => {
      const w = await world()
      await heardLive(
        w,
        'conversation:removed',
        'removed_from_org',
        'Ben Member was removed from the organization',
        () => membership(w.ben, 'removed', at(-10), { by: w.ada }),
      )
      expect(await roles(w.ann, w.id)).toEqual({ [w.olga.userId]: 'owner', [w.ann.userId]: 'member' })
      expect((await t.call(w.ben, 'GET', `/conversations/${w.id}`)).statusCode).toBe(404)
      expect(await groupIds(w.ben)).toEqual([])
    })

    it('says "left the organization" when they left it themselves', async () => {
      const w = await world()
      await membership(w.ann, 'removed', at(-10))
      expect(await systemBodies(w.olga, w.id)).toEqual(['Ann Member left the organization'])
    })

    it('passes a removed owner’s group on to its longest-standing admin, who then manages it', async () => {
      const w = await world()
      await t.call(w.olga, 'PATCH', `/conversations/${w.id}/participants/${w.ben.userId}`, { role: 'admin' })
      await membership(w.olga, 'removed', at(-10), { by: w.ada })
      expect(await roles(w.ann, w.id)).toEqual({ [w.ann.userId]: 'member', [w.ben.userId]: 'owner' })
      expect(await systemBodies(w.ann, w.id)).toEqual([
        'Olga Owner made Ben Member an admin',
        'Olga Owner was removed from the organization',
        'Ben Member is now the owner',
      ])
      expect(
        (await t.call(w.ben, 'PATCH', `/conversations/${w.id}`, { title: 'Ben’s group' })).statusCode,
      ).toBe(200)
    })

    it('passes it to a member when there is no admin: exactly one owner remains', async () => {
      const w = await world()
      await membership(w.olga, 'removed', at(-10), { by: w.ada })
      const left = Object.values(await roles(w.ann, w.id)).sort()
      expect(left).toEqual(['member', 'owner'])
    })

    it('takes them out of every group of the org, and the last one out leaves a group empty', async () => {
      const w = await world()
      const other = await t.call(w.ben, 'POST', '/conversations/group', {
        title: 'Ben and Olga',
        memberIds: [w.olga.userId],
      })
      expect(other.statusCode).toBe(201)
      await membership(w.ben, 'removed', at(-10), { by: w.ada })
      expect(await roles(w.olga, other.json().id)).toEqual({ [w.olga.userId]: 'owner' })
      expect(await groupIds(w.ben)).toEqual([])
      await membership(w.olga, 'removed', at(-5), { by: w.ada })
      expect(await groupIds(w.olga)).toEqual([])
    })
  })

  describe('errors', () => {
    it('a redelivered removal changes nothing more: one message, no error', async () => {
      const w = await world()
      const id = newId('evt')
      const when = at(-10)
      await membership(w.ben, 'removed', when, { by: w.ada, id })
      await membership(w.ben, 'removed', when, { by: w.ada, id })
      // Another event with the same news (identity retried the removal) changes nothing either.
      await membership(w.ben, 'removed', at(-5), { by: w.ada })
      expect(await systemBodies(w.olga, w.id)).toEqual(['Ben Member was removed from the organization'])
    })

    it('a late older removal after a newer "joined" leaves them in their groups', async () => {
      const w = await world()
      const quiet = silence(w.sb, 'conversation:removed', 500)
      await membership(w.ben, 'joined', at(-10))
      await membership(w.ben, 'removed', at(-60), { by: w.ada })
      expect(await quiet).toBe(true)
      expect(await roles(w.ben, w.id)).toHaveProperty(w.ben.userId, 'member')
      expect(await systemBodies(w.olga, w.id)).toEqual([])
    })

    it('a late older "joined" does not put them back; the newer one does', async () => {
      const w = await world()
      await membership(w.ben, 'removed', at(-20), { by: w.ada })
      await membership(w.ben, 'joined', at(-60))
      expect(await groupIds(w.ben)).toEqual([])
      await membership(w.ben, 'joined', at(-10))
      expect(await groupIds(w.ben)).toEqual([w.id])
    })
  })

  describe('security', () => {
    it('they overhear nothing more from the group', async () => {
      const w = await world()
      const removed = next(w.sb, 'conversation:removed')
      await membership(w.ben, 'removed', at(-10), { by: w.ada })
      await removed
      const overheard = silence(w.sb, 'message:new', 500)
      await request(w.sa, 'message:send', {
        conversationId: w.id,
        body: 'Ben is gone',
        clientMessageId: 'x1',
      })
      expect(await overheard).toBe(true)
      expect(await request(w.sb, 'conversation:join', { conversationId: w.id })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      })
    })

    it('a removal from another organization leaves this one’s groups alone', async () => {
      const w = await world()
      const elsewhere = await groupWorld(t)
      const quiet = silence(w.sb, 'conversation:removed', 500)
      await membership({ ...w.ben, orgId: elsewhere.orgId }, 'removed', at(-10), { by: elsewhere.ada })
      expect(await quiet).toBe(true)
      expect(await roles(w.ann, w.id)).toHaveProperty(w.ben.userId, 'member')
    })
  })

  describe('joining again: back in the groups the removal took them out of', () => {
    /** Ann's message in the group; returns its id. */
    const say = async (u: TestUser, id: string, body: string) =>
      (
        await t.call(u, 'POST', `/conversations/${id}/messages`, { body, clientMessageId: newId('cm') })
      ).json().id as string
    const newGroup = async (owner: TestUser, title: string, members: TestUser[]) =>
      (
        await t.call(owner, 'POST', '/conversations/group', {
          title,
          memberIds: members.map((m) => m.userId),
        })
      ).json().id as string

    describe('happy', () => {
      it('puts them back as a member; they hear it, the group reads "rejoined", live', async () => {
        const w = await world()
        const removed = next(w.sb, 'conversation:removed')
        const removalTold = next(w.sa, 'message:new')
        await membership(w.ben, 'removed', at(-20), { by: w.ada })
        await Promise.all([removed, removalTold])
        await heardLive(w, 'conversation:added', 'rejoined', 'Ben Member rejoined', () =>
          membership(w.ben, 'joined', at(-10)),
        )
        expect(await roles(w.ben, w.id)).toHaveProperty(w.ben.userId, 'member')
        expect(await groupIds(w.ben)).toEqual([w.id])
        expect(await systemBodies(w.olga, w.id)).toEqual([
          'Ben Member was removed from the organization',
          'Ben Member rejoined',
        ])
        // Their connection is in the room again.
        const arriving = next<Msg>(w.sb, 'message:new')
        await say(w.ann, w.id, 'Welcome back')
        expect((await arriving).body).toBe('Welcome back')
      })

      it('keeps their read mark: what was written while they were away is unread', async () => {
        const w = await world()
        const seen = await say(w.ann, w.id, 'Before')
        await t.call(w.ben, 'POST', `/conversations/${w.id}/read`, { messageId: seen })
        await membership(w.ben, 'removed', at(-20), { by: w.ada })
        await say(w.ann, w.id, 'While you were away')
        await membership(w.ben, 'joined', at(-10))
        const [mine] = (await t.call(w.ben, 'GET', '/conversations')).json().items as {
          unreadCount: number
          lastReadMessageId: string
        }[]
        expect(mine).toMatchObject({ unreadCount: 1, lastReadMessageId: seen })
      })

      it('an owner is back as a member: the group stays with its new owner', async () => {
        const w = await world()
        await t.call(w.olga, 'PATCH', `/conversations/${w.id}/participants/${w.ann.userId}`, {
          role: 'admin',
        })
        await membership(w.olga, 'removed', at(-20), { by: w.ada })
        await membership(w.olga, 'joined', at(-10))
        expect(await roles(w.ann, w.id)).toEqual({
          [w.ann.userId]: 'owner',
          [w.ben.userId]: 'member',
          [w.olga.userId]: 'member',
        })
      })

      it('someone who left the organization themselves is back too', async () => {
        const w = await world()
        await membership(w.ann, 'removed', at(-20))
        await membership(w.ann, 'joined', at(-10))
        expect(await groupIds(w.ann)).toEqual([w.id])
        expect(await systemBodies(w.olga, w.id)).toEqual([
          'Ann Member left the organization',
          'Ann Member rejoined',
        ])
      })

      it('the first one back in a group left empty is its owner', async () => {
        const w = await world()
        for (const u of [w.ann, w.ben, w.olga]) await membership(u, 'removed', at(-30), { by: w.ada })
        await membership(w.ben, 'joined', at(-10))
        expect(await roles(w.ben, w.id)).toEqual({ [w.ben.userId]: 'owner' })
        expect((await systemBodies(w.ben, w.id)).slice(-2)).toEqual([
          'Ben Member rejoined',
          'Ben Member is now the owner',
        ])
        await membership(w.ann, 'joined', at(-5))
        expect(await roles(w.ben, w.id)).toEqual({ [w.ben.userId]: 'owner', [w.ann.userId]: 'member' })
      })
    })

    describe('errors', () => {
      it('a redelivered or repeated "joined" puts them back once', async () => {
        const w = await world()
        await membership(w.ben, 'removed', at(-20), { by: w.ada })
        const id = newId('evt')
        const when = at(-10)
        const added = next(w.sb, 'conversation:added')
        await membership(w.ben, 'joined', when, { id })
        await added
        const noMore = silence(w.sb, 'conversation:added', 500)
        await membership(w.ben, 'joined', when, { id })
        await membership(w.ben, 'joined', at(-5))
        expect(await noMore).toBe(true)
        expect(await systemBodies(w.olga, w.id)).toEqual([
          'Ben Member was removed from the organization',
          'Ben Member rejoined',
        ])
        expect(Object.keys(await roles(w.olga, w.id))).toHaveLength(3)
      })

      it('not the groups they left, or were removed from, themselves', async () => {
        const w = await world()
        const removedByOwner = await newGroup(w.olga, 'Removed by Olga', [w.ben, w.ann])
        const kept = await newGroup(w.olga, 'Kept', [w.ben])
        await t.call(w.ben, 'POST', `/conversations/${w.id}/leave`)
        await t.call(w.olga, 'DELETE', `/conversations/${removedByOwner}/participants/${w.ben.userId}`)
        await membership(w.ben, 'removed', at(-20), { by: w.ada })
        await membership(w.ben, 'joined', at(-10))
        expect(await groupIds(w.ben)).toEqual([kept])
        expect(await systemBodies(w.olga, w.id)).toEqual(['Ben Member left'])
        expect(await systemBodies(w.olga, removedByOwner)).toEqual(['Olga Owner removed Ben Member'])
      })

      it('not a group gone meanwhile, nor one full meanwhile', async () => {
        const w = await world()
        const full = await newGroup(w.olga, 'Full', [w.ben])
        await membership(w.ben, 'removed', at(-20), { by: w.ada })
        // The group is deleted (as a deletion would); the other fills up to the cap.
        await t.db.delete(conversationParticipants).where(eq(conversationParticipants.conversationId, w.id))
        await t.db.delete(conversations).where(eq(conversations.id, w.id))
        await t.db.insert(conversationParticipants).values(
          Array.from({ length: GROUP_MAX_PARTICIPANTS - 1 }, () => ({
            conversationId: full,
            orgId: w.orgId,
            userId: newId('usr'),
            role: 'member',
          })),
        )
        await membership(w.ben, 'joined', at(-10))
        expect(await groupIds(w.ben)).toEqual([])
        const left = await t.db
          .select()
          .from(orgGroupDepartures)
          .where(eq(orgGroupDepartures.userId, w.ben.userId))
        expect(left).toEqual([])
      })
    })

    describe('security', () => {
      it('another organization’s groups are untouched', async () => {
        const w = await world()
        const elsewhere = await groupWorld(t)
        await membership(w.ben, 'removed', at(-30), { by: w.ada })
        await membership(elsewhere.ben, 'removed', at(-30), { by: elsewhere.ada })
        // "Joined" another organization, with A's Ben's id: A's groups stay as they are.
        await membership({ ...w.ben, orgId: elsewhere.orgId }, 'joined', at(-20))
        expect(await groupIds(w.ben)).toEqual([])
        // B's Ben joins B again: back in B's group only.
        await membership(elsewhere.ben, 'joined', at(-10))
        expect(await groupIds(elsewhere.ben)).toEqual([elsewhere.id])
        expect(await groupIds(w.ben)).toEqual([])
        expect(await systemBodies(w.olga, w.id)).toEqual(['Ben Member was removed from the organization'])
      })
    })
  })
})
