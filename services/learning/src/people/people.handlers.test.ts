import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { newId, type EventHandler } from '@learnmesh/kernel'
import type { Envelope } from '@learnmesh/contracts'
import { orgMembers, people } from '../db/schema.ts'
import { createTestLearning, type TestLearning } from '../test-helpers.ts'
import { peopleHandlers } from './people.handlers.ts'

describe('people and memberships from identity events', () => {
  let t: TestLearning
  const handlers = new Map(peopleHandlers().map((h) => [h.event.type, h]))
  const run = (type: string, payload: Record<string, unknown>) =>
    t.db.transaction(async (tx) => {
      const h = handlers.get(type) as EventHandler
      await h.handle(tx, payload as never, { payload } as unknown as Envelope, {
        log: pino({ level: 'silent' }),
      })
    })
  beforeAll(async () => {
    t = await createTestLearning()
  })
  afterAll(async () => t.close())

  it('happy: a registration records the name; a later one updates it; a duplicate changes nothing', async () => {
    const userId = newId('usr')
    const p = { userId, email: 'a@example.test', displayName: 'Ada', orgId: t.orgA, via: 'password' }
    await run('identity.user.registered', p)
    await run('identity.user.registered', p)
    await run('identity.user.registered', { ...p, displayName: 'Ada L.' })
    const rows = await t.db.select().from(people)
    expect(rows.filter((r) => r.userId === userId).map((r) => r.displayName)).toEqual(['Ada L.'])
  })

  it('happy: memberships follow joins, role changes and removals', async () => {
    const userId = newId('usr')
    const base = { userId, orgId: t.orgB, changedBy: null }
    await run('identity.membership.changed', { ...base, roles: ['learner'], change: 'joined' })
    await run('identity.membership.changed', { ...base, roles: ['instructor'], change: 'roles_changed' })
    let rows = (await t.db.select().from(orgMembers)).filter((r) => r.userId === userId)
    expect(rows.map((r) => [r.orgId, r.roles])).toEqual([[t.orgB, ['instructor']]])
    await run('identity.membership.changed', { ...base, roles: [], change: 'removed' })
    await run('identity.membership.changed', { ...base, roles: [], change: 'removed' })
    rows = (await t.db.select().from(orgMembers)).filter((r) => r.userId === userId)
    expect(rows).toEqual([])
  })

  it('a member of a second organization can be added as a co-instructor there', async () => {
    const owner = t.user(['instructor'], t.orgB)
    const { courseId } = await t.publishedCourse(owner)
    const colleague = t.user(['instructor'], t.orgA)
    await t.person(colleague, 'Cole League') // registered in org A
    const before = await t.call(owner, 'POST', `/courses/${courseId}/instructors`, {
      userId: colleague.userId,
    })
    expect(before.statusCode).toBe(422)
    await run('identity.membership.changed', {
      userId: colleague.userId,
      orgId: t.orgB,
      roles: ['instructor'],
      change: 'joined',
      changedBy: null,
    })
    const after = await t.call(owner, 'POST', `/courses/${courseId}/instructors`, {
      userId: colleague.userId,
    })
    expect(after.statusCode).toBeLessThan(300)
  })
})
