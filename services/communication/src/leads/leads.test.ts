import { beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { newId } from '@learnmesh/kernel'
import { useTestCommunication } from '../test-helpers.ts'
import { leads } from '../db/schema.ts'

describe('leads', () => {
  const t = useTestCommunication({ env: { LEADS_MAX_PER_IP_HOUR: '3', LEADS_MAX_PER_EMAIL_DAY: '2' } })
  beforeAll(async () => {
    // Leads are taken for organizations communication knows: each has a registered admin.
    await t.cast({ olga: ['org_admin', 'Olga Owner'] }, t.orgA)
    await t.cast({ otto: ['org_admin', 'Otto Owner'] }, t.orgB)
  })

  let ipCounter = 1
  /** Sends the landing-page form from its own client IP (each test its own, so limits don't leak). */
  const submit = (body: Record<string, unknown>, ip = `10.0.0.${ipCounter++}`) =>
    t.app.inject({ method: 'POST', url: '/leads', payload: body, remoteAddress: ip })
  const form = (over: Record<string, unknown> = {}) => ({
    orgId: t.orgA,
    email: `${newId('x')}@example.test`,
    name: 'Paula Prospect',
    interest: 'Spanish B1',
    message: 'Do you offer evening classes?',
    consent: true,
    ...over,
  })
  const stored = (email: string) => t.db.select().from(leads).where(eq(leads.email, email))

  describe('happy', () => {
    it('takes the form, emails a confirmation, and org admins see the lead as new', async () => {
      const f = form({ email: 'Paula.P@Example.test' })
      const res = await submit(f)
      expect(res.statusCode).toBe(202)
      expect(res.json()).toEqual({ received: true })
      const [lead] = await stored('paula.p@example.test')
      expect(lead).toMatchObject({ status: 'new', name: 'Paula Prospect', consent: true, orgId: t.orgA })
      expect(lead!.ipHash).not.toContain('10.0.0') // the address is not kept in clear
      await t.runJobs()
      const mail = (await t.emails()).find((e) => e.to === 'paula.p@example.test')!
      expect(mail).toMatchObject({ template: 'lead.confirmation', subject: 'We received your message' })
      expect(mail.text).toContain('Hello Paula Prospect,')

      const admin = t.user(['org_admin'])
      const list = await t.call(admin, 'GET', '/leads?status=new')
      expect(list.statusCode).toBe(200)
      expect(list.json().items.map((l: { id: string }) => l.id)).toContain(lead!.id)
    })

    it('moves through contacted → qualified → converted with notes, and lists by status with keyset pages', async () => {
      const admin = t.user(['org_admin'])
      const email = `${newId('x')}@example.test`
      await submit(form({ email }))
      const [lead] = await stored(email)
      const patch = (body: unknown) => t.call(admin, 'PATCH', `/leads/${lead!.id}`, body)
      expect((await patch({ status: 'contacted', notes: 'Called, call back Monday' })).json()).toMatchObject({
        status: 'contacted',
        notes: 'Called, call back Monday',
      })
      expect((await patch({ status: 'qualified' })).json().status).toBe('qualified')
      const done = (await patch({ status: 'converted' })).json()
      expect(done.status).toBe('converted')
      expect(done.convertedAt).not.toBeNull()
      expect(done.notes).toBe('Called, call back Monday')

      for (let i = 0; i < 3; i++) await submit(form())
      const page1 = (await t.call(admin, 'GET', '/leads?limit=2')).json()
      expect(page1.items).toHaveLength(2)
      expect(page1.nextBefore).toBe(page1.items[1].id)
      const page2 = (await t.call(admin, 'GET', `/leads?limit=2&before=${page1.nextBefore}`)).json()
      expect(page2.items[0].id < page1.items[1].id).toBe(true)
      const converted = (await t.call(admin, 'GET', '/leads?status=converted')).json()
      expect(converted.items.map((l: { id: string }) => l.id)).toEqual([lead!.id])
    })

    it('converts when the person registers with the same email in the same org', async () => {
      const email = `${newId('x')}@example.test`
      await submit(form({ email }))
      await submit(form({ email, orgId: t.orgB }))
      const u = t.user()
      await t.deliver('identity.user.registered', t.orgA, {
        userId: u.userId,
        email: email.toUpperCase(),
        displayName: 'Paula',
        orgId: t.orgA,
        via: 'password',
      })
      const rows = await stored(email)
      expect(rows.find((r) => r.orgId === t.orgA)).toMatchObject({ status: 'converted', userId: u.userId })
      expect(rows.find((r) => r.orgId === t.orgB)).toMatchObject({ status: 'new', userId: null })
    })
  })

  describe('errors', () => {
    it('bad forms are 4xx problems and store nothing', async () => {
      const email = `${newId('x')}@example.test`
      const cases = [
        form({ email, consent: false }),
        form({ email, name: '   ' }),
        form({ email: 'not-an-email' }),
        form({ email, orgId: 'acme' }),
        form({ email, message: 'x'.repeat(4001) }),
        form({ email, extra: 1 }),
        { email, name: 'No org', consent: true },
      ]
      for (const body of cases) {
        const res = await submit(body)
        expect([400, 422]).toContain(res.statusCode)
        expect(res.headers['content-type']).toContain('application/problem+json')
      }
      expect(await stored(email)).toEqual([])
    })

    it('a form for an organization nobody belongs to is a 404 and sends no email', async () => {
      const email = `${newId('x')}@example.test`
      const res = await submit(form({ email, orgId: newId('org') }))
      expect(res.statusCode).toBe(404)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(await stored(email)).toEqual([])
      await t.runJobs()
      expect((await t.emails()).filter((e) => e.to === email)).toEqual([])
    })

    it('a filled honeypot looks accepted but stores and sends nothing', async () => {
      const email = `${newId('x')}@example.test`
      const res = await submit(form({ email, website: 'http://spam.example' }))
      expect(res.statusCode).toBe(202)
      expect(await stored(email)).toEqual([])
      expect((await t.emails()).filter((e) => e.to === email)).toEqual([])
    })

    it('refuses moves that skip or undo the pipeline (409) and unknown leads (404)', async () => {
      const admin = t.user(['org_admin'])
      const email = `${newId('x')}@example.test`
      await submit(form({ email }))
      const [lead] = await stored(email)
      expect((await t.call(admin, 'PATCH', `/leads/${lead!.id}`, { status: 'converted' })).statusCode).toBe(
        409,
      )
      expect((await t.call(admin, 'PATCH', `/leads/${lead!.id}`, { status: 'won' })).statusCode).toBe(400)
      expect((await t.call(admin, 'PATCH', `/leads/${lead!.id}`, {})).statusCode).toBe(400)
      expect((await t.call(admin, 'PATCH', `/leads/${newId('led')}`, { notes: 'x' })).statusCode).toBe(404)
      expect((await stored(email))[0]!.status).toBe('new')
    })
  })

  describe('security', () => {
    it('rate limits per IP: 429 with Retry-After, nothing stored', async () => {
      const ip = '192.0.2.7'
      for (let i = 0; i < 3; i++) expect((await submit(form(), ip)).statusCode).toBe(202)
      const email = `${newId('x')}@example.test`
      const res = await submit(form({ email }), ip)
      expect(res.statusCode).toBe(429)
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(3000)
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(3600)
      expect(res.json().code).toBe('rate_limited')
      expect(await stored(email)).toEqual([])
      expect((await submit(form())).statusCode).toBe(202) // another network is not affected
    })

    it('rate limits per email address across networks (no mail bombing through confirmations)', async () => {
      const email = `${newId('x')}@example.test`
      expect((await submit(form({ email }))).statusCode).toBe(202)
      expect((await submit(form({ email }))).statusCode).toBe(202)
      const res = await submit(form({ email }))
      expect(res.statusCode).toBe(429)
      expect(res.headers['retry-after']).toBeDefined()
      expect(await stored(email)).toHaveLength(2)
    })

    it('anonymous callers can only create; learners cannot read; another org’s leads are invisible', async () => {
      const email = `${newId('x')}@example.test`
      await submit(form({ email }))
      const [lead] = await stored(email)
      expect((await t.call(null, 'GET', '/leads')).statusCode).toBe(401)
      expect((await t.call(null, 'PATCH', `/leads/${lead!.id}`, { status: 'lost' })).statusCode).toBe(401)
      expect((await t.call(t.user(), 'GET', '/leads')).statusCode).toBe(403)
      expect((await t.call(t.user(), 'GET', `/leads/${lead!.id}`)).statusCode).toBe(403)
      const adminB = t.user(['org_admin'], t.orgB)
      const listB = (await t.call(adminB, 'GET', '/leads?limit=100')).json()
      expect(listB.items.map((l: { id: string }) => l.id)).not.toContain(lead!.id)
      expect((await t.call(adminB, 'GET', `/leads/${lead!.id}`)).statusCode).toBe(404)
      expect((await t.call(adminB, 'PATCH', `/leads/${lead!.id}`, { status: 'lost' })).statusCode).toBe(404)
      expect((await stored(email))[0]!.status).toBe('new')
    })
  })
})
