import { describe, expect, it } from 'vitest'
import { SMTPServer } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'
import { newId } from '@learnmesh/kernel'
import { createTestCommunication, useTestCommunication, useTestKit } from '../test-helpers.ts'
import { sql } from 'drizzle-orm'
import { notifications } from '../db/schema.ts'

/** A real SMTP server (smtp-server from npm) on 127.0.0.1 that keeps what it receives, parsed. */
async function startSmtp(options: { failFirst?: number } = {}) {
  const received: (ParsedMail & { envelopeTo: string[] })[] = []
  let failures = options.failFirst ?? 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      if (failures > 0) {
        failures--
        stream.resume()
        stream.on('end', () => callback(Object.assign(new Error('Try again later'), { responseCode: 451 })))
        return
      }
      simpleParser(stream)
        .then((mail) => {
          received.push(Object.assign(mail, { envelopeTo: session.envelope.rcptTo.map((r) => r.address) }))
          callback()
        })
        .catch(callback)
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as { port: number }).port
  return { port, received, close: () => new Promise<void>((r) => server.close(() => r())) }
}

describe('event triggers and email delivery', () => {
  const smtp = useTestKit(() => startSmtp())
  const logs: string[] = []
  const t = useTestCommunication(() => ({ env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}` }, logs }))

  describe('happy', () => {
    it('a verification email requested by identity reaches the SMTP server with its link, once', async () => {
      const u = t.user()
      const link = `http://web.test/verify-email?token=${'s'.repeat(40)}`
      const payload = {
        template: 'verify_email',
        to: 'ada@example.test',
        userId: u.userId,
        link,
        expiresAt: '2026-12-01T00:00:00Z',
        data: { displayName: 'Ada' },
      }
      const id = await t.deliver('identity.email.requested', u.orgId, payload)
      await t.deliver('identity.email.requested', u.orgId, payload, id) // redelivery of the same event
      await t.runJobs()
      const mails = smtp.received.filter((m) => m.envelopeTo.includes('ada@example.test'))
      expect(mails).toHaveLength(1)
      expect(mails[0]!.subject).toBe('Confirm your email address')
      expect(mails[0]!.text).toContain(link)
      expect(mails[0]!.html).toContain(link)
      expect(mails[0]!.text).toContain('Hello Ada,')
      expect(mails[0]!.headers.get('list-unsubscribe')).toBeUndefined() // account email: no unsubscribe
      expect((await t.emails()).find((e) => e.to === 'ada@example.test')!.status).toBe('sent')
      expect(logs.join('\n')).not.toContain('s'.repeat(40)) // the token never reaches the logs
    })

    it('an enrollment becomes an in-app notification and an email naming the course, with a working one-click unsubscribe', async () => {
      const learner = t.user()
      const address = await t.person(learner, 'Lea Learner')
      const courseId = newId('crs')
      await t.deliver('learning.course.published', learner.orgId, {
        courseId,
        version: 1,
        slug: 'intro-to-ts',
        title: 'Intro to TypeScript',
        visibility: 'public',
        ownerId: newId('usr'),
        instructorIds: [],
        priceMinor: 0,
        currency: 'EUR',
        publishedBy: newId('usr'),
      })
      await t.enroll(learner, courseId)
      await t.runJobs()
      const list = await t.call(learner, 'GET', '/notifications')
      expect(list.json()).toMatchObject({
        unreadCount: 1,
        items: [{ type: 'learning.enrolled', title: 'You are enrolled in Intro to TypeScript', read: false }],
      })
      const mail = smtp.received.find((m) => m.envelopeTo.includes(address))!
      expect(mail.subject).toBe('You are enrolled in Intro to TypeScript')
      const unsubscribe = mail.headerLines
        .find((h) => h.key === 'list-unsubscribe')!
        .line.slice('List-Unsubscribe: '.length)
      const post = mail.headerLines.find((h) => h.key === 'list-unsubscribe-post')
      expect(post?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click')
      const path =
        new URL(unsubscribe.replace(/[<>]/g, '')).pathname + new URL(unsubscribe.replace(/[<>]/g, '')).search
      // The web page is at /unsubscribe; the API behind it at /api/communication/unsubscribe.
      const res = await t.app.inject({
        method: 'POST',
        url: `/unsubscribe${path.slice(path.indexOf('?'))}`,
        payload: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ scope: 'learning.enrolled', unsubscribed: true })
      const prefs = (await t.call(learner, 'GET', '/notifications/preferences')).json()
      expect(prefs.preferences.find((p: { type: string }) => p.type === 'learning.enrolled').email).toBe(
        false,
      )
    })

    it('a booked lesson notifies learner and tutor, and reminders fire 24 h and 1 h before — not after a cancellation', async () => {
      const learner = t.user()
      const tutor = t.user(['tutor'])
      await t.person(learner, 'Lea')
      await t.person(tutor, 'Theo')
      const start = new Date(Date.now() + 3 * 86_400_000)
      const booked = (bookingId: string, startsAt: Date) => ({
        bookingId,
        tutorId: tutor.userId,
        learnerId: learner.userId,
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 3_600_000).toISOString(),
        minutes: 60,
        orderId: newId('ord'),
        orderItemId: newId('oit'),
        trial: false,
        meetingUrl: 'https://meet.example/x',
      })
      const first = newId('bkg')
      await t.deliver('tutoring.lesson.booked', learner.orgId, booked(first, start))
      const second = newId('bkg')
      await t.deliver(
        'tutoring.lesson.booked',
        learner.orgId,
        booked(second, new Date(start.getTime() + 86_400_000)),
      )
      await t.deliver('tutoring.lesson.cancelled', learner.orgId, {
        bookingId: second,
        tutorId: tutor.userId,
        learnerId: learner.userId,
        orderId: newId('ord'),
        orderItemId: newId('oit'),
        cancelledBy: 'learner',
        refundable: true,
      })
      const titles = async (u: typeof learner) =>
        (await t.call(u, 'GET', '/notifications')).json().items.map((i: { title: string }) => i.title)
      expect(await titles(tutor)).toEqual(expect.arrayContaining(['Lesson booked with Lea']))
      expect(await titles(learner)).toEqual(expect.arrayContaining(['Lesson booked with Theo']))
      t.setNow(new Date(start.getTime() + 2 * 86_400_000 - 30 * 60_000)) // past both reminders of both lessons
      // The job runner compares run_at with the database clock; move the jobs instead.
      await t.database.query(
        (await import('drizzle-orm'))
          .sql`update communication.jobs set run_at = now() - interval '1 second' where name = 'communication.lesson.reminder'`,
      )
      await t.runJobs()
      const learnerTitles = await titles(learner)
      expect(learnerTitles.filter((x: string) => x.startsWith('Lesson with Theo')).sort()).toEqual([
        'Lesson with Theo in 1 hour',
        'Lesson with Theo tomorrow',
      ])
      t.setNow(null)
    })

    it('low-priority notifications wait for the daily digest at the person’s local digest hour', async () => {
      const learner = t.user()
      const address = await t.person(learner)
      // The digest goes out at the person's local digest hour: first another hour, then the current one.
      const tokyoHour = Number(
        new Intl.DateTimeFormat('en-GB', {
          hour: '2-digit',
          hourCycle: 'h23',
          timeZone: 'Asia/Tokyo',
        }).format(new Date()),
      )
      await t.call(learner, 'PUT', '/notifications/preferences', {
        settings: { timeZone: 'Asia/Tokyo', digestHour: (tokyoHour + 12) % 24 },
      })
      for (let i = 0; i < 3; i++) {
        await t.deliver('learning.quiz.graded', learner.orgId, {
          attemptId: newId('att'),
          quizId: newId('quz'),
          courseId: newId('crs'),
          userId: learner.userId,
          score: 8,
          maxScore: 10,
          passed: true,
        })
      }
      await t.runJobs()
      expect(smtp.received.filter((m) => m.envelopeTo.includes(address))).toHaveLength(0)
      const dueDigest = () =>
        t.database.query(
          sql`update communication.jobs set run_at = now() - interval '1 second' where name = 'communication.digest'`,
        )
      await dueDigest()
      await t.runJobs()
      expect(smtp.received.filter((m) => m.envelopeTo.includes(address))).toHaveLength(0) // not the digest hour
      await t.call(learner, 'PUT', '/notifications/preferences', { settings: { digestHour: tokyoHour } })
      await dueDigest()
      await t.runJobs()
      await t.runJobs()
      const digest = smtp.received.filter((m) => m.envelopeTo.includes(address))
      expect(digest).toHaveLength(1)
      expect(digest[0]!.subject).toBe('Your daily summary: 3 updates')
      expect(digest[0]!.text).toContain('Quiz graded')
    })
  })

  describe('errors', () => {
    it('quiet hours delay normal emails until they end; high-priority ones go at once', async () => {
      const learner = t.user()
      await t.person(learner)
      t.setNow(new Date('2026-12-01T23:30:00Z'))
      await t.call(learner, 'PUT', '/notifications/preferences', {
        settings: { timeZone: 'UTC', quietHoursStart: '22:00', quietHoursEnd: '07:00' },
      })
      await t.deliver('commerce.payout.sent', learner.orgId, {
        payoutId: newId('pyo'),
        payeeUserId: learner.userId,
        currency: 'EUR',
        amountMinor: 12345,
        provider: 'sandbox',
        periodStart: '2026-11-01T00:00:00Z',
        periodEnd: '2026-12-01T00:00:00Z',
      })
      await t.deliver('commerce.payment.refunded', learner.orgId, {
        orderId: newId('ord'),
        refundId: newId('rfd'),
        userId: learner.userId,
        currency: 'EUR',
        amountMinor: 500,
        full: false,
        revokedItems: [],
      })
      const mine = (await t.emails()).filter((e) => e.userId === learner.userId)
      const payout = mine.find((e) => e.template === 'earnings.payout')!
      const refund = mine.find((e) => e.template === 'purchases.refund')!
      expect(payout.sendAfter.toISOString()).toBe('2026-12-02T07:00:00.000Z')
      expect(refund.sendAfter.toISOString()).toBe('2026-12-01T23:30:00.000Z')
      expect(payout.subject).toBe('We sent you 123.45 EUR')
      t.setNow(null)
    })

    it('an SMTP server that refuses at first is retried; the email is sent once it accepts', async () => {
      const flaky = await startSmtp({ failFirst: 1 })
      const c = await createTestCommunication({ env: { SMTP_URL: `smtp://127.0.0.1:${flaky.port}` } })
      try {
        const u = c.user()
        await c.deliver('identity.email.requested', u.orgId, {
          template: 'password_reset',
          to: 'bob@example.test',
          userId: u.userId,
          link: 'http://web.test/reset?token=x',
          expiresAt: null,
          data: {},
        })
        await c.runJobs()
        expect((await c.emails())[0]!.status).toBe('queued')
        await c.database.query(
          (await import('drizzle-orm'))
            .sql`update communication.jobs set run_at = now() - interval '1 second'`,
        )
        await c.runJobs()
        expect((await c.emails())[0]!.status).toBe('sent')
        expect(flaky.received.map((m) => m.subject)).toEqual(['Reset your password'])
      } finally {
        await c.close()
        await flaky.close()
      }
    })

    it('bad preferences (unknown type, switching off receipts, unknown zone, half quiet hours) → 422 and nothing changes', async () => {
      const u = t.user()
      for (const body of [
        { preferences: [{ type: 'nope', email: false }] },
        { preferences: [{ type: 'purchases.receipt', email: false }] },
        { settings: { timeZone: 'Mars/Base' } },
        { settings: { quietHoursStart: '22:00' } },
      ]) {
        const res = await t.call(u, 'PUT', '/notifications/preferences', body)
        expect(res.statusCode).toBe(422)
      }
      expect(
        (
          await t.call(u, 'PUT', '/notifications/preferences', {
            settings: { quietHoursStart: '25:00', quietHoursEnd: '07:00' },
          })
        ).statusCode,
      ).toBe(400)
      const prefs = (await t.call(u, 'GET', '/notifications/preferences')).json()
      expect(prefs.settings).toEqual({
        timeZone: 'UTC',
        quietHoursStart: null,
        quietHoursEnd: null,
        digestHour: 8,
        emailOptOut: false,
      })
    })
  })

  describe('security', () => {
    it('notifications are private: another person cannot list or mark mine (404)', async () => {
      const a = t.user()
      await t.deliver('commerce.order.paid', a.orgId, {
        orderId: newId('ord'),
        userId: a.userId,
        currency: 'EUR',
        totalMinor: 4900,
        items: [
          {
            productType: 'course',
            productRef: newId('crs'),
            quantity: 1,
            amountMinor: 4900,
            orderItemId: newId('oit'),
            lessonCount: 1,
          },
        ],
        paidAt: new Date().toISOString(),
      })
      const mine = (await t.call(a, 'GET', '/notifications')).json().items
      expect(mine).toHaveLength(1)
      const other = t.user()
      expect((await t.call(other, 'GET', '/notifications')).json().items).toHaveLength(0)
      expect((await t.call(other, 'POST', `/notifications/${mine[0].id}/read`)).statusCode).toBe(404)
      expect((await t.call(null, 'GET', '/notifications')).statusCode).toBe(401)
      expect((await t.call(a, 'POST', `/notifications/${mine[0].id}/read`)).json().read).toBe(true)
      expect((await t.call(a, 'GET', '/notifications/unread-count')).json()).toEqual({ unreadCount: 0 })
    })

    it('forged or tampered unsubscribe tokens are refused and change nothing', async () => {
      const u = t.user()
      const forged = `${Buffer.from(`${u.userId}:*`).toString('base64url')}.${'A'.repeat(32)}`
      expect((await t.app.inject({ method: 'POST', url: `/unsubscribe?token=${forged}` })).statusCode).toBe(
        404,
      )
      expect(
        (await t.app.inject({ method: 'GET', url: '/unsubscribe?token=garbage-token' })).statusCode,
      ).toBe(404)
      expect((await t.call(u, 'GET', '/notifications/preferences')).json().settings.emailOptOut).toBe(false)
    })

    it('the dev mailbox does not exist when SMTP is configured', async () => {
      expect((await t.app.inject({ method: 'GET', url: '/dev/mailbox' })).statusCode).toBe(404)
      expect(await t.db.select().from(notifications)).not.toHaveLength(0)
    })
  })

  describe('a refund commerce could not complete (commerce.refund.failed)', () => {
    const refusal = (userId: string, over: Record<string, unknown> = {}) => ({
      refundId: newId('rfd'),
      orderId: newId('ord'),
      userId,
      amountMinor: 4000,
      currency: 'EUR',
      reason: 'lesson_cancelled',
      failureReason: 'payment_method_unavailable',
      automatic: true,
      ...over,
    })
    const mailsTo = (address: string) => smtp.received.filter((m) => m.envelopeTo.includes(address))

    it('happy: the customer gets one in-app notification and one email with the amount, the order and its page, despite opt-out and quiet hours; redeliveries change nothing', async () => {
      const learner = t.user()
      const address = await t.person(learner, 'Lea Learner')
      // Quiet hours around now (the job runner reads the database clock: no moved clock here).
      const hour = (d: number) => `${String((new Date().getUTCHours() + 24 + d) % 24).padStart(2, '0')}:00`
      const prefs = await t.call(learner, 'PUT', '/notifications/preferences', {
        settings: { emailOptOut: true, timeZone: 'UTC', quietHoursStart: hour(-1), quietHoursEnd: hour(2) },
      })
      expect(prefs.statusCode, prefs.body).toBe(200)
      const payload = refusal(learner.userId)
      const id = await t.deliver('commerce.refund.failed', learner.orgId, payload)
      await t.deliver('commerce.refund.failed', learner.orgId, payload, id) // the same delivery again
      await t.deliver('commerce.refund.failed', learner.orgId, payload) // the same refund, another event id
      await t.runJobs()

      const list = (await t.call(learner, 'GET', '/notifications')).json()
      expect(list.items).toHaveLength(1)
      expect(list.items[0]).toMatchObject({
        type: 'purchases.refund_failed',
        title: 'We could not complete your refund of 40.00 EUR',
        link: `/orders/${payload.orderId}`,
        read: false,
      })
      expect(list.items[0].body).toContain('Our team has been told and will contact you')

      const mails = mailsTo(address)
      expect(mails).toHaveLength(1)
      const mail = mails[0]!
      expect(mail.subject).toBe('We could not complete your refund of 40.00 EUR')
      const orderUrl = `http://web.test/orders/${payload.orderId}`
      expect(mail.text).toContain(orderUrl)
      expect(mail.html).toContain(`href="${orderUrl}"`)
      expect(mail.text).toContain('Hello Lea Learner,')
      expect(mail.text).toContain(
        `We could not complete your refund of 40.00 EUR for order ${payload.orderId} (your cancelled lesson).`,
      )
      expect(mail.text).toContain('The card or account you paid with can no longer receive money')
      expect(mail.text).toContain('Our team has been told and will contact you')
      expect(mail.html).toContain('Our team has been told and will contact you')
      expect(mail.headers.get('list-unsubscribe')).toBeUndefined() // a purchase record: no unsubscribe
    })

    it('errors: its email switch cannot be turned off (422); a refused refund someone asked for is told too', async () => {
      const learner = t.user()
      const address = await t.person(learner)
      const res = await t.call(learner, 'PUT', '/notifications/preferences', {
        preferences: [{ type: 'purchases.refund_failed', email: false }],
      })
      expect(res.statusCode).toBe(422)
      const pref = (await t.call(learner, 'GET', '/notifications/preferences'))
        .json()
        .preferences.find((p: { type: string }) => p.type === 'purchases.refund_failed')
      expect(pref).toMatchObject({ email: true, required: true, category: 'purchases' })

      await t.deliver(
        'commerce.refund.failed',
        learner.orgId,
        refusal(learner.userId, { automatic: false, reason: 'customer_request', failureReason: 'declined' }),
      )
      await t.runJobs()
      const items = (await t.call(learner, 'GET', '/notifications')).json().items
      expect(items).toHaveLength(1)
      expect(items[0]).toMatchObject({ type: 'purchases.refund_failed' })
      await expect.poll(() => mailsTo(address).length, { timeout: 5000 }).toBe(1)
      expect(mailsTo(address)[0]!.text).not.toContain(' (the ') // no "what it was for" for a request
    })

    it('security: only the buyer is told, with no provider wording, and another person cannot read it (404)', async () => {
      const buyer = t.user()
      const address = await t.person(buyer)
      await t.deliver(
        'commerce.refund.failed',
        buyer.orgId,
        refusal(buyer.userId, { reason: 'enrollment_rejected', failureReason: 'declined', currency: 'JPY' }),
      )
      await t.runJobs()
      const [mail] = mailsTo(address)
      expect(mail!.subject).toBe('We could not complete your refund of 4000 JPY')
      expect(mail!.text).toContain('(the course we could not enroll you in)')
      expect(mail!.text).toContain('Our payment provider did not accept the refund')
      expect(mail!.text).not.toMatch(/declined|failure|payment_method_unavailable|enrollment_rejected/)
      const [item] = (await t.call(buyer, 'GET', '/notifications')).json().items
      const other = t.user()
      expect((await t.call(other, 'GET', '/notifications')).json().items).toHaveLength(0)
      expect((await t.call(other, 'POST', `/notifications/${item.id}/read`)).statusCode).toBe(404)
    })
  })
})
