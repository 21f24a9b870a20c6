import { describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { at, useTestCommunication, type TestUser } from '../test-helpers.ts'

describe('course channels follow enrollments (learning.enrollment.created / .revoked)', () => {
  const t = useTestCommunication()

  /** A fresh org: Ivy teaches "Algebra I"; Lea is a learner (not enrolled yet). */
  async function world() {
    const w = await t.cast({ ivy: ['instructor', 'Ivy Instructor'], lea: ['learner', 'Lea Learner'] })
    return { ...w, courseId: await t.publishCourse(w.ivy) }
  }

  type World = Awaited<ReturnType<typeof world>>

  /** learning.enrollment.created or .revoked of `enrollmentId` for `who` (default Lea), at `occurredAt`. */
  const enrollmentEvent = (
    w: World,
    type: 'created' | 'revoked',
    enrollmentId: string,
    occurredAt: string,
    who: TestUser = w.lea,
  ) =>
    type === 'created'
      ? t.enroll(who, w.courseId, { enrollmentId, occurredAt })
      : t.revoke(who, w.courseId, enrollmentId, occurredAt)

  const channelOf = async (u: TestUser) =>
    ((await t.call(u, 'GET', '/conversations')).json().items as { id: string; kind: string }[]).find(
      (c) => c.kind === 'course',
    )
  const contactNames = async (u: TestUser) =>
    ((await t.call(u, 'GET', '/contacts')).json().items as { displayName: string }[]).map(
      (c) => c.displayName,
    )

  describe('happy', () => {
    it('a revoked learner leaves the channel and stops being a contact through it', async () => {
      const w = await world()
      const enr = newId('enr')
      await enrollmentEvent(w, 'created', enr, at(-60))
      const channel = (await channelOf(w.lea))!
      expect(await contactNames(w.ivy)).toEqual(['Lea Learner'])
      expect(await contactNames(w.lea)).toEqual(['Ivy Instructor'])

      await enrollmentEvent(w, 'revoked', enr, at(-30))
      expect(await channelOf(w.lea)).toBeUndefined()
      expect(await contactNames(w.ivy)).toEqual([])
      expect(await contactNames(w.lea)).toEqual([])
      // The channel itself goes on, with its instructor.
      expect((await t.call(w.ivy, 'GET', `/conversations/${channel.id}/messages`)).statusCode).toBe(200)
    })

    it("keeps what was said: the learner's channel messages and their direct conversation stay readable", async () => {
      const w = await world()
      const enr = newId('enr')
      await enrollmentEvent(w, 'created', enr, at(-60))
      const channel = (await channelOf(w.lea))!
      const said = await t.call(w.lea, 'POST', `/conversations/${channel.id}/messages`, {
        body: 'A question about chapter 2',
        clientMessageId: 'q1',
      })
      expect(said.statusCode).toBe(201)
      const dm = await t.call(w.ivy, 'POST', '/conversations/direct', { userId: w.lea.userId })
      expect(dm.statusCode).toBe(200)

      await enrollmentEvent(w, 'revoked', enr, at(-30))
      const history = await t.call(w.ivy, 'GET', `/conversations/${channel.id}/messages`)
      expect(history.json().items.map((m: { body: string }) => m.body)).toEqual([
        'A question about chapter 2',
      ])
      expect((await t.call(w.lea, 'GET', `/conversations/${dm.json().id}/messages`)).statusCode).toBe(200)
      // They talked directly before: that reason stays.
      expect(await contactNames(w.ivy)).toEqual(['Lea Learner'])
    })

    it('a newer enrollment brings the learner back; another active enrollment keeps them in', async () => {
      const w = await world()
      const first = newId('enr')
      const second = newId('enr')
      await enrollmentEvent(w, 'created', first, at(-90))
      await enrollmentEvent(w, 'revoked', first, at(-60))
      await enrollmentEvent(w, 'created', second, at(-30))
      expect(await channelOf(w.lea)).toBeDefined()

      const third = newId('enr')
      await enrollmentEvent(w, 'created', third, at(-20))
      await enrollmentEvent(w, 'revoked', second, at(-10))
      expect(await channelOf(w.lea)).toBeDefined()
    })

    it('a revocation of someone who also teaches the course leaves them its instructor', async () => {
      const w = await world()
      const enr = newId('enr')
      await enrollmentEvent(w, 'created', enr, at(-60), w.ivy)
      await enrollmentEvent(w, 'revoked', enr, at(-30), w.ivy)
      expect(await channelOf(w.ivy)).toBeDefined()
    })
  })

  describe('errors', () => {
    it('a revocation delivered before its enrollment keeps the learner out (out of order)', async () => {
      const w = await world()
      const enr = newId('enr')
      await enrollmentEvent(w, 'revoked', enr, at(-30))
      await enrollmentEvent(w, 'created', enr, at(-60))
      expect(await channelOf(w.lea)).toBeUndefined()
      expect(await contactNames(w.ivy)).toEqual([])
    })

    it('a late older revocation does not undo a newer enrollment of the same id', async () => {
      const w = await world()
      const enr = newId('enr')
      await enrollmentEvent(w, 'created', enr, at(-30))
      await enrollmentEvent(w, 'revoked', enr, at(-60))
      expect(await channelOf(w.lea)).toBeDefined()
    })

    it('a repeated revocation, or one of a course without a channel, changes nothing and does not fail', async () => {
      const w = await world()
      const enr = newId('enr')
      await enrollmentEvent(w, 'created', enr, at(-60))
      const when = at(-30)
      await enrollmentEvent(w, 'revoked', enr, when)
      await enrollmentEvent(w, 'revoked', enr, when)
      expect(await channelOf(w.lea)).toBeUndefined()
      await expect(t.revoke(w.lea, newId('crs'), newId('enr'))).resolves.toBeDefined()
    })
  })

  describe('security', () => {
    it('a revoked learner can no longer read or write the channel (404, as if it did not exist)', async () => {
      const w = await world()
      const enr = newId('enr')
      await enrollmentEvent(w, 'created', enr, at(-60))
      const channel = (await channelOf(w.lea))!
      await enrollmentEvent(w, 'revoked', enr, at(-30))
      const read = await t.call(w.lea, 'GET', `/conversations/${channel.id}/messages`)
      expect(read.statusCode).toBe(404)
      expect(read.headers['content-type']).toContain('application/problem+json')
      const write = await t.call(w.lea, 'POST', `/conversations/${channel.id}/messages`, {
        body: 'still here?',
        clientMessageId: 'x1',
      })
      expect(write.statusCode).toBe(404)
      expect(
        (await t.call(w.lea, 'POST', '/conversations/direct', { userId: w.ivy.userId })).statusCode,
      ).toBe(404)
    })
  })
})
