import { describe, expect, it } from 'vitest'
import { useTestCommunication } from '../test-helpers.ts'
import { loadCommunicationConfig } from '../config.ts'

describe('dev mailbox (no SMTP configured)', () => {
  const t = useTestCommunication()

  it('happy: account emails land in the mailbox with their link, newest first, filterable by address', async () => {
    const u = t.user()
    await t.deliver('identity.email.requested', u.orgId, {
      template: 'verify_email',
      to: 'Mia@Example.test',
      userId: u.userId,
      link: 'http://web.test/verify-email?token=abc',
      expiresAt: null,
      data: {},
    })
    await t.deliver('identity.email.requested', u.orgId, {
      template: 'password_changed',
      to: 'other@example.test',
      userId: null,
      link: null,
      expiresAt: null,
      data: {},
    })
    await t.runJobs()
    const list = await t.app.inject({ method: 'GET', url: '/dev/mailbox?to=mia@example.test' })
    expect(list.statusCode).toBe(200)
    expect(list.json().items).toMatchObject([{ subject: 'Confirm your email address', status: 'mailbox' }])
    const one = await t.app.inject({ method: 'GET', url: `/dev/mailbox/${list.json().items[0].id}` })
    expect(one.json().text).toContain('http://web.test/verify-email?token=abc')
    expect((await t.app.inject({ method: 'GET', url: '/dev/mailbox' })).json().items).toHaveLength(2)
  })

  it('errors: malformed ids → 400, unknown → 404', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/dev/mailbox/nope' })).statusCode).toBe(400)
    expect(
      (await t.app.inject({ method: 'GET', url: `/dev/mailbox/eml_${'0'.repeat(32)}` })).statusCode,
    ).toBe(404)
  })

  it('security: production refuses to start without SMTP or with the development secret', () => {
    expect(() =>
      loadCommunicationConfig({ NODE_ENV: 'production', COMMUNICATION_SECRET: 'x'.repeat(40) }),
    ).toThrow(/SMTP_URL/)
    expect(() => loadCommunicationConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail:25' })).toThrow(
      /COMMUNICATION_SECRET/,
    )
    expect(() => loadCommunicationConfig({ SMTP_URL: 'http://mail' })).toThrow(/SMTP_URL/)
  })
})
