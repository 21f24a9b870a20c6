import { describe, expect, it } from 'vitest'
import { newId } from '@learnmesh/kernel'
import { useTestCommunication, type TestUser } from '../test-helpers.ts'

interface Contact {
  userId: string
  displayName: string
  reasons: { kind: string; course: string | null; label: string }[]
}

describe('chat contacts (GET /contacts)', () => {
  const t = useTestCommunication()

  /**
   * One fresh organization (listed tutors are visible org-wide, so scenarios do not share one):
   * Lea learns with Tom (a lesson) and in Ivy's course "Algebra I"; Lisa is a listed tutor; Sam is
   * an unrelated learner; Ada is an org admin.
   */
  async function world() {
    const { orgId, lea, tom, ivy, lisa, sam, ada } = await t.cast({
      lea: ['learner', 'Lea Learner'],
      tom: ['tutor', 'Tom Tutor'],
      ivy: ['instructor', 'Ivy Instructor'],
      lisa: ['tutor', 'Lisa Listed'],
      sam: ['learner', 'Sam Stranger'],
      ada: ['org_admin', 'Ada Admin'],
    })
    await t.lesson(tom, lea)
    const courseId = await t.publishCourse(ivy)
    for (const learner of [lea, sam]) await t.enroll(learner, courseId)
    await listTutor(orgId, lisa, true)
    return { orgId, lea, tom, ivy, lisa, sam, ada }
  }

  async function listTutor(orgId: string, tutor: TestUser, active: boolean, occurredAt?: string) {
    await t.deliver(
      'tutoring.tutor.listed',
      orgId,
      {
        tutorId: tutor.userId,
        displayName: 'x',
        currency: 'EUR',
        hourlyRateMinor: 3000,
        lessonMinutes: [60],
        packages: [],
        active,
      },
      newId('evt'),
      occurredAt,
    )
  }

  const contacts = async (u: TestUser, query = '') => {
    const res = await t.call(u, 'GET', `/contacts${query}`)
    expect(res.statusCode).toBe(200)
    return res.json() as { items: Contact[]; nextCursor: string | null }
  }
  const labels = (page: { items: Contact[] }) =>
    Object.fromEntries(page.items.map((c) => [c.displayName, c.reasons.map((r) => r.label)]))

  describe('happy', () => {
    it('a learner finds their tutor, their course instructor and listed tutors, by name', async () => {
      const w = await world()
      expect(labels(await contacts(w.lea))).toEqual({
        'Ivy Instructor': ['Instructor of Algebra I'],
        'Lisa Listed': ['Offers tutoring'],
        'Tom Tutor': ['Your tutor'],
      })
    })

    it('a tutor finds their learner; an instructor finds the learners of their course', async () => {
      const w = await world()
      expect(labels(await contacts(w.tom))).toMatchObject({ 'Lea Learner': ['Your learner'] })
      expect(labels(await contacts(w.ivy))).toEqual({
        'Lea Learner': ['Learner in Algebra I'],
        'Lisa Listed': ['Offers tutoring'],
        'Sam Stranger': ['Learner in Algebra I'],
      })
    })

    it('searches by any part of the name, in any case', async () => {
      const w = await world()
      expect((await contacts(w.lea, '?q=TUT')).items.map((c) => c.displayName)).toEqual(['Tom Tutor'])
      expect((await contacts(w.lea, '?q=%20li')).items.map((c) => c.displayName)).toEqual(['Lisa Listed'])
    })

    it('pages by name with a cursor, no one twice', async () => {
      const w = await world()
      const seen: string[] = []
      let cursor: string | null = null
      do {
        const page: { items: Contact[]; nextCursor: string | null } = await contacts(
          w.lea,
          `?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        )
        expect(page.items.length).toBeLessThanOrEqual(1)
        seen.push(...page.items.map((c) => c.displayName))
        cursor = page.nextCursor
      } while (cursor)
      expect(seen).toEqual(['Ivy Instructor', 'Lisa Listed', 'Tom Tutor'])
    })

    it('someone I already talk with stays a contact ("Earlier conversation")', async () => {
      const w = await world()
      expect(
        (await t.call(w.ada, 'POST', '/conversations/direct', { userId: w.sam.userId })).statusCode,
      ).toBe(200)
      expect(labels(await contacts(w.sam, '?q=ada'))).toEqual({ 'Ada Admin': ['Earlier conversation'] })
    })

    it('org staff find every member of their organization', async () => {
      const w = await world()
      const page = await contacts(w.ada)
      expect(page.items.map((c) => c.displayName)).toEqual([
        'Ivy Instructor',
        'Lea Learner',
        'Lisa Listed',
        'Sam Stranger',
        'Tom Tutor',
      ])
      expect(labels(page)['Sam Stranger']).toEqual(['Member of your organization'])
    })

    it('a learner may open a conversation with a contact, e.g. a listed tutor before booking', async () => {
      const w = await world()
      const res = await t.call(w.lea, 'POST', '/conversations/direct', { userId: w.lisa.userId })
      expect(res.statusCode).toBe(200)
    })
  })

  describe('errors', () => {
    it.each([
      ['q too long', `?q=${'a'.repeat(101)}`],
      ['control character in q', '?q=%00'],
      ['limit 0', '?limit=0'],
      ['limit too big', '?limit=51'],
      ['limit not a number', '?limit=ten'],
      ['malformed cursor', '?cursor=not%20a%20cursor'],
      ['cursor we did not make', '?cursor=abc'],
    ])('%s → 400 problem+json', async (_what, query) => {
      const w = await world()
      const res = await t.call(w.lea, 'GET', `/contacts${query}`)
      expect(res.statusCode).toBe(400)
      expect(res.headers['content-type']).toContain('application/problem+json')
    })

    it('LIKE wildcards in q match themselves, not everyone', async () => {
      const w = await world()
      expect((await contacts(w.lea, '?q=%25')).items).toEqual([])
      expect((await contacts(w.lea, '?q=_')).items).toEqual([])
    })

    it('requires a token', async () => {
      expect((await t.call(null, 'GET', '/contacts')).statusCode).toBe(401)
    })
  })

  describe('security', () => {
    it('a learner cannot find or message an unrelated learner, even by exact name', async () => {
      const w = await world()
      expect((await contacts(w.lea, '?q=Sam%20Stranger')).items).toEqual([])
      const res = await t.call(w.lea, 'POST', '/conversations/direct', { userId: w.sam.userId })
      expect(res.statusCode).toBe(404)
      // Plain words (no API path); the same answer as for someone who does not exist.
      expect(res.json()).toMatchObject({ code: 'not_found', reason: 'not_a_contact' })
      expect(res.json().detail).toMatch(/^You can only message your contacts, such as /)
      expect(res.json().detail).not.toContain('/')
      const nobody = await t.call(w.lea, 'POST', '/conversations/direct', { userId: newId('usr') })
      expect({ ...nobody.json(), requestId: null }).toEqual({ ...res.json(), requestId: null })
      // Fellow learners of a course are not each other's contacts either.
      expect(labels(await contacts(w.sam))).toEqual({
        'Ivy Instructor': ['Instructor of Algebra I'],
        'Lisa Listed': ['Offers tutoring'],
      })
    })

    it("another organization's people never appear, not even for its staff or for the same user id", async () => {
      const a = await world()
      const b = await world()
      const names = (await contacts(b.ada)).items.map((c) => c.userId)
      for (const u of [a.lea, a.tom, a.ivy, a.lisa, a.sam, a.ada]) expect(names).not.toContain(u.userId)
      const sameIdOtherOrg: TestUser = { ...a.lea, orgId: b.orgId }
      expect((await contacts(sameIdOtherOrg)).items.map((c) => c.displayName)).toEqual(['Lisa Listed'])
      expect(
        (await t.call(b.ada, 'POST', '/conversations/direct', { userId: a.lea.userId })).statusCode,
      ).toBe(404)
    })

    it('a withdrawn tutor stops being a contact; a late older listing does not bring them back', async () => {
      const w = await world()
      await listTutor(w.orgId, w.lisa, false)
      await listTutor(w.orgId, w.lisa, true, new Date(Date.now() - 60_000).toISOString())
      expect((await contacts(w.lea, '?q=lisa')).items).toEqual([])
      expect(
        (await t.call(w.lea, 'POST', '/conversations/direct', { userId: w.lisa.userId })).statusCode,
      ).toBe(404)
    })
  })
})
