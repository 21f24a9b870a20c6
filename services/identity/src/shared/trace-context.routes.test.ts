import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestIdentity, GOOD_PASSWORD, type TestIdentity } from '../test-helpers.ts'

let t: TestIdentity
beforeAll(async () => {
  t = await createTestIdentity()
})
afterAll(() => t.close())

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
const TP2 = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00'

/** Type → envelope.traceparent of every outbox row about this aggregate (user id or email), oldest first. */
async function traceOf(aggregateId: string): Promise<[string, string | null][]> {
  const rows = await t.database.query<{ type: string; envelope: { traceparent: string | null } }>(
    sql`select type, envelope from identity.outbox where aggregate_id = ${aggregateId} order by seq`,
  )
  return rows.map((r) => [r.type, r.envelope.traceparent])
}

async function register(headers: Record<string, string>) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/auth/register',
    headers,
    payload: { email: t.email('trace'), password: GOOD_PASSWORD, displayName: 'Tracy' },
  })
  expect(res.statusCode).toBe(201)
  return res.json() as { user: { id: string; email: string } }
}

describe('happy', () => {
  it("carries the request's traceparent into every event POST /auth/register writes", async () => {
    const { user } = await register({ traceparent: TP })
    expect(await traceOf(user.id)).toEqual([
      ['identity.membership.changed', TP],
      ['identity.user.registered', TP],
      ['identity.email.requested', TP],
    ])
  })

  it('uses the traceparent of the request that causes each later change (verify-email)', async () => {
    const { user } = await register({ traceparent: TP })
    const token = await t.emailToken('verify_email', user.email)
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/verify-email',
      headers: { traceparent: TP2 },
      payload: { token },
    })
    expect(res.statusCode).toBe(204)
    expect((await traceOf(user.id)).at(-1)).toEqual(['identity.user.verified', TP2])
  })

  it('threads it through an external (OIDC) sign-in too', async () => {
    const res = await t.identity.deps.signInWithExternalIdentity({
      provider: 'acme',
      subject: `sub-${Math.random().toString(36).slice(2)}`,
      email: t.email('oidc-trace'),
      emailVerified: true,
      displayName: 'Otto',
      ip: '127.0.0.1',
      userAgent: 'test',
      traceparent: TP2,
    })
    expect(await traceOf(res.user.id)).toEqual([
      ['identity.membership.changed', TP2],
      ['identity.user.registered', TP2],
      ['identity.user.verified', TP2],
    ])
  })
})

describe('errors', () => {
  it('writes null when the request has no traceparent', async () => {
    const { user } = await register({})
    const trace = await traceOf(user.id)
    expect(trace).toHaveLength(3)
    expect(trace.every(([, tp]) => tp === null)).toBe(true)
  })
})

describe('security', () => {
  it.each([
    ['garbage', 'not-a-traceparent'],
    ['uppercase hex', TP.toUpperCase()],
    ['unknown version', TP.replace(/^00/, '01')],
    ['short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['trailing data', `${TP}-extra`],
  ])(
    'ignores a malformed traceparent (%s): the request succeeds and events carry null',
    async (_, header) => {
      const { user } = await register({ traceparent: header })
      const trace = await traceOf(user.id)
      expect(trace).toHaveLength(3)
      expect(trace.every(([, tp]) => tp === null)).toBe(true)
    },
  )
})
