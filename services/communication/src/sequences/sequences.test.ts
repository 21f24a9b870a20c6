import { describe, expect, it } from 'vitest'
import { and, eq, sql } from 'drizzle-orm'
import { newId } from '@learnmesh/kernel'
import { useTestCommunication, type TestUser } from '../test-helpers.ts'
import { sequenceEnrollments } from '../db/schema.ts'

const HOUR = 3_600_000

describe('email sequences (onboarding)', () => {
  const t = useTestCommunication()

  /** Registers a person (as identity would) at `at`; returns the user and their address. */
  async function register(at: Date, orgId?: string, via = 'password') {
    const u = t.user(['learner'], orgId ?? t.orgA)
    const email = `${u.userId}@example.test`
    t.setNow(at)
    await t.deliver('identity.user.registered', u.orgId, {
      userId: u.userId,
      email,
      displayName: 'Nia New',
      orgId: u.orgId,
      via,
    })
    return { u, email }
  }

  /**
   * Moves the service's clock to `at` and makes every job due by then runnable (the runner compares
   * run_at with the database clock), then runs them (twice: a step queues its email).
   */
  async function advanceTo(at: Date) {
    t.setNow(at)
    const due = async () =>
      t.database.query(
        sql`update communication.jobs set run_at = now() - interval '1 second' where status = 'pending' and run_at <= ${at.toISOString()}::timestamptz and run_at > now()`,
      )
    await due()
    await t.runJobs()
    await due()
    await t.runJobs()
  }

  const enrollment = async (u: TestUser) =>
    (
      await t.db
        .select()
        .from(sequenceEnrollments)
        .where(
          and(eq(sequenceEnrollments.userId, u.userId), eq(sequenceEnrollments.sequenceId, 'onboarding')),
        )
    )[0]!
  const sequenceMails = async (to: string) =>
    (await t.emails()).filter((e) => e.to === to && e.template.startsWith('sequence.'))

  describe('happy', () => {
    it('sends day 1, 3 and 7 emails after registration, each at its time, then completes', async () => {
      const t0 = new Date('2026-12-01T09:00:00Z')
      const { u, email } = await register(t0)
      expect(await enrollment(u)).toMatchObject({ status: 'active', nextStep: 0 })

      await advanceTo(new Date(t0.getTime() + 23 * HOUR))
      expect(await sequenceMails(email)).toHaveLength(0) // not yet
      await advanceTo(new Date(t0.getTime() + 24 * HOUR + 60_000))
      let mails = await sequenceMails(email)
      expect(mails.map((m) => m.template)).toEqual(['sequence.onboarding.1'])
      expect(mails[0]!.subject).toBe('Finish your profile and find your first course')
      expect(mails[0]!.text).toContain('http://web.test/catalog')
      expect(mails[0]!.status).toBe('mailbox')

      await advanceTo(new Date(t0.getTime() + 71 * HOUR))
      expect(await sequenceMails(email)).toHaveLength(1)
      await advanceTo(new Date(t0.getTime() + 72 * HOUR + 60_000))
      await advanceTo(new Date(t0.getTime() + 168 * HOUR + 60_000))
      mails = await sequenceMails(email)
      expect(mails.map((m) => m.template)).toEqual([
        'sequence.onboarding.1',
        'sequence.onboarding.2',
        'sequence.onboarding.3',
      ])
      expect(await enrollment(u)).toMatchObject({ status: 'completed', nextStep: 3 })
      t.setNow(null)
    })

    it('the admin list shows the sequence with this org’s counts; pause holds steps, resume releases them', async () => {
      const admin = t.user(['org_admin'], t.orgB)
      const t0 = new Date('2026-12-10T09:00:00Z')
      const { u, email } = await register(t0, t.orgB)
      const list = await t.call(admin, 'GET', '/sequences')
      expect(list.statusCode).toBe(200)
      expect(list.json().items[0]).toMatchObject({
        id: 'onboarding',
        paused: false,
        steps: [{ afterHours: 24 }, { afterHours: 72 }, { afterHours: 168 }],
        enrollments: { active: 1, completed: 0, stopped: 0 },
      })
      const paused = await t.call(admin, 'POST', '/sequences/onboarding/pause')
      expect(paused.json()).toMatchObject({ paused: true })
      await advanceTo(new Date(t0.getTime() + 25 * HOUR))
      expect(await sequenceMails(email)).toHaveLength(0)
      expect(await enrollment(u)).toMatchObject({ status: 'active', nextStep: 0 })
      expect((await t.call(admin, 'POST', '/sequences/onboarding/resume')).json().paused).toBe(false)
      await advanceTo(new Date(t0.getTime() + 32 * HOUR)) // the held step looks again 6 h later
      expect((await sequenceMails(email)).map((m) => m.template)).toEqual(['sequence.onboarding.1'])
      t.setNow(null)
    })

    it('a step that falls in the person’s quiet hours waits for their end', async () => {
      const t0 = new Date('2026-12-05T23:00:00Z')
      const { u, email } = await register(t0)
      const res = await t.call(u, 'PUT', '/notifications/preferences', {
        settings: { timeZone: 'UTC', quietHoursStart: '22:00', quietHoursEnd: '07:00' },
      })
      expect(res.statusCode).toBe(200)
      await advanceTo(new Date(t0.getTime() + 24 * HOUR + 60_000))
      const [mail] = await sequenceMails(email)
      expect(mail!.status).toBe('queued')
      expect(mail!.sendAfter.toISOString()).toBe('2026-12-07T07:00:00.000Z')
      t.setNow(null)
    })
  })

  describe('errors', () => {
    it('stops when the person enrolled in a course (the goal) before the next step', async () => {
      const t0 = new Date('2026-12-02T09:00:00Z')
      const { u, email } = await register(t0)
      await advanceTo(new Date(t0.getTime() + 25 * HOUR))
      await t.enroll(u, newId('crs'))
      await advanceTo(new Date(t0.getTime() + 200 * HOUR))
      expect((await sequenceMails(email)).map((m) => m.template)).toEqual(['sequence.onboarding.1'])
      expect(await enrollment(u)).toMatchObject({ status: 'stopped', stopReason: 'goal', nextStep: 1 })
      t.setNow(null)
    })

    it('stops when the person used the unsubscribe link of a sequence email', async () => {
      const t0 = new Date('2026-12-03T09:00:00Z')
      const { u, email } = await register(t0)
      await advanceTo(new Date(t0.getTime() + 25 * HOUR))
      const [mail] = await sequenceMails(email)
      const link = /Unsubscribe: (\S+)$/.exec(mail!.text)![1]!
      const token = new URL(link).searchParams.get('token')!
      const res = await t.app.inject({
        method: 'POST',
        url: `/unsubscribe?token=${encodeURIComponent(token)}`,
      })
      expect(res.statusCode).toBe(200)
      expect(res.json().scope).toBe('sequence:onboarding')
      const described = await t.app.inject({
        method: 'GET',
        url: `/unsubscribe?token=${encodeURIComponent(token)}`,
      })
      expect(described.json().label).toBe('Emails of the sequence “Onboarding (first week)”')
      await advanceTo(new Date(t0.getTime() + 200 * HOUR))
      expect(await sequenceMails(email)).toHaveLength(1)
      expect(await enrollment(u)).toMatchObject({ status: 'stopped', stopReason: 'unsubscribed' })
      t.setNow(null)
    })

    it('seeded accounts are not enrolled; a redelivered registration enrolls once; unknown sequence is 404', async () => {
      const { u } = await register(new Date('2026-12-04T09:00:00Z'), undefined, 'seed')
      expect(
        await t.db.select().from(sequenceEnrollments).where(eq(sequenceEnrollments.userId, u.userId)),
      ).toEqual([])
      const v = t.user()
      const payload = {
        userId: v.userId,
        email: 'v@example.test',
        displayName: 'V',
        orgId: v.orgId,
        via: 'password',
      }
      const id = await t.deliver('identity.user.registered', v.orgId, payload)
      await t.deliver('identity.user.registered', v.orgId, payload, newId('evt'))
      await t.deliver('identity.user.registered', v.orgId, payload, id)
      expect(
        await t.db.select().from(sequenceEnrollments).where(eq(sequenceEnrollments.userId, v.userId)),
      ).toHaveLength(1)
      const admin = t.user(['org_admin'])
      expect((await t.call(admin, 'POST', '/sequences/nope/pause')).statusCode).toBe(404)
      t.setNow(null)
    })
  })

  describe('security', () => {
    it('only org admins see and pause sequences; a pause is per organization', async () => {
      const learner = t.user()
      expect((await t.call(learner, 'GET', '/sequences')).statusCode).toBe(403)
      expect((await t.call(learner, 'POST', '/sequences/onboarding/pause')).statusCode).toBe(403)
      expect((await t.call(null, 'GET', '/sequences')).statusCode).toBe(401)
      const adminA = t.user(['org_admin'], t.orgA)
      const adminB = t.user(['org_admin'], t.orgB)
      await t.call(adminA, 'POST', '/sequences/onboarding/pause')
      expect((await t.call(adminB, 'GET', '/sequences')).json().items[0].paused).toBe(false)
      await t.call(adminA, 'POST', '/sequences/onboarding/resume')
    })
  })
})
