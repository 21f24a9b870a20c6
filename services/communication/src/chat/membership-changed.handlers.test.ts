import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { at, createTestCommunication, type TestCommunication, type TestUser } from '../test-helpers.ts'

describe('chat follows memberships (identity.membership.changed)', () => {
  let t: TestCommunication
  beforeAll(async () => {
    t = await createTestCommunication()
  })
  afterAll(async () => {
    await t.close()
  })

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
