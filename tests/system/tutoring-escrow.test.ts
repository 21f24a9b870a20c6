import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import {
  createInProcessTransport,
  createTokenVerifier,
  newId,
  sql,
  type RunningService,
  type Transport,
} from '@learnmesh/kernel'
import { createPostgresTestDatabase, createTestSigner, postgresAvailable } from '@learnmesh/kernel/testing'
import type { Envelope } from '@learnmesh/contracts'
import { commerceService } from '@learnmesh/commerce'
import { tutoringService } from '@learnmesh/tutoring'

/**
 * Tutoring and commerce as they run embedded (their own relays, inboxes and consumers over one
 * transport) on real PostgreSQL: a learner holds a slot in tutoring, pays it in commerce's checkout,
 * tutoring books it, the lesson completes, commerce releases the escrow. Then the completion event
 * is delivered again (duplicates) and both services are restarted: the release stays exactly once
 * (one escrow_release ledger transaction, one escrow_lessons row, the tutor's payable unchanged).
 */
const pg = await postgresAvailable()

describe.skipIf(!pg.ok)('tutoring ↔ commerce escrow (exactly once across duplicates and restarts)', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>
  let transport: Transport
  let signer: Awaited<ReturnType<typeof createTestSigner>>
  let running: RunningService[] = []
  const published: Envelope[] = []
  const orgId = newId('org')
  const admin = { userId: newId('usr'), orgId, roles: ['org_admin'] }
  const tutor = { userId: newId('usr'), orgId, roles: ['tutor'] }
  const learner = { userId: newId('usr'), orgId, roles: ['learner'] }
  const env = { PUBLIC_URL: 'http://web.test', BOOKING_MIN_NOTICE_HOURS: '0' }

  async function start() {
    const verifier = createTokenVerifier({
      jwks: signer.jwks,
      issuer: signer.issuer,
      audience: signer.audience,
      cooldownMs: 0,
    })
    const logger = pino({ level: 'silent' })
    running = []
    for (const s of [commerceService, tutoringService]) {
      running.push(await s.start({ database, transport, verifier, logger, env }))
    }
  }
  async function stop() {
    for (const s of running.reverse()) await s.close()
    running = []
  }
  const app = (name: string) => running.find((s) => s.name === name)!.app
  async function call(
    service: string,
    u: { userId: string; orgId: string; roles: string[] },
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) {
    const token = await signer.sign({ sub: u.userId, org: u.orgId, roles: u.roles, padm: false })
    return app(service).inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      headers: { authorization: `Bearer ${token}`, ...headers },
    })
  }
  async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 20_000) {
    const deadline = Date.now() + ms
    for (;;) {
      const v = await probe()
      if (v) return v
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const count = async (q: ReturnType<typeof sql>) =>
    Number((await database.query<{ n: number }>(q))[0]?.n ?? 0)

  beforeAll(async () => {
    database = await createPostgresTestDatabase(commerceService.migrations, tutoringService.migrations)
    transport = createInProcessTransport()
    // Keep a copy of every event published, to redeliver some later.
    transport.subscribe('test-recorder', ['tutoring.lesson.completed'], async (e) => void published.push(e))
    signer = await createTestSigner()
    await start()
  }, 120_000)
  afterAll(async () => {
    await stop()
    await transport?.close?.()
    await database?.drop()
  })

  it('pays, books, completes and releases once, despite duplicate events and restarts', async () => {
    // A tutor available every day, all day (the test runs at any hour), 40.00 EUR an hour.
    const tutorId = newId('tut')
    await database.query(sql`insert into tutoring.tutor_profiles
      (id, org_id, user_id, display_name, time_zone, currency, hourly_rate_minor, lesson_minutes, status)
      values (${tutorId}, ${orgId}, ${tutor.userId}, 'Theo', 'UTC', 'EUR', 4000, '{30,60}', 'listed')`)
    for (let weekday = 1; weekday <= 7; weekday++) {
      await database.query(sql`insert into tutoring.availability_rules (id, tutor_id, org_id, weekday, start_minute, end_minute)
        values (${newId('avr')}, ${tutorId}, ${orgId}, ${weekday}, 0, 1440)`)
    }
    // Commerce sells the tutor's 30-minute lesson (an admin creates it here; tutoring.tutor.listed in production).
    const product = await call('commerce', admin, 'POST', '/products', {
      type: 'tutoring_lesson',
      ref: `tut:${tutor.userId}:30`,
      title: '30 minutes with Theo',
      payeeUserId: tutor.userId,
    })
    expect(product.statusCode).toBe(201)
    const price = await call('commerce', admin, 'POST', `/products/${product.json().id}/prices`, {
      currency: 'EUR',
      unitAmountMinor: 2000,
    })
    expect(price.statusCode).toBe(201)

    // Hold the next quarter hour at least 30 minutes ahead, put it in the cart, check out.
    const q = 15 * 60_000
    const startsAt = new Date(Math.ceil((Date.now() + 30 * 60_000) / q) * q).toISOString()
    const hold = await call('tutoring', learner, 'POST', '/bookings', {
      tutorId,
      startsAt,
      minutes: 30,
      payWith: 'checkout',
    })
    expect(hold.statusCode).toBe(201)
    const { booking, checkout } = hold.json()
    expect(checkout.productRef).toBe(`tut:${tutor.userId}:30`)
    const added = await call('commerce', learner, 'POST', '/cart/items', {
      priceId: price.json().id,
      reference: checkout.reference,
    })
    expect(added.statusCode).toBe(200)
    const order = await call(
      'commerce',
      learner,
      'POST',
      '/checkout',
      { paymentMethod: 'pm_sandbox_ok' },
      {
        'idempotency-key': newId('idk'),
      },
    )
    expect(order.statusCode).toBe(201)

    // commerce.order.paid → tutoring books the held slot.
    await until('the booking', async () => {
      const b = (await call('tutoring', learner, 'GET', `/bookings/${booking.id}`)).json()
      return b.status === 'booked' && b
    })

    // The lesson took place: move it into the past (the services use the real clock), then confirm.
    await database.query(sql`update tutoring.bookings set starts_at = now() - interval '2 hours',
      ends_at = now() - interval '90 minutes', blocks_from = now() - interval '2 hours',
      blocks_until = now() - interval '90 minutes' where id = ${booking.id}`)
    const done = await call('tutoring', learner, 'POST', `/bookings/${booking.id}/complete`)
    expect(done.json().status).toBe('completed')

    const releases = sql`select count(*)::int as n from commerce.ledger_transactions
      where kind = 'escrow_release' and ref = ${booking.id}`
    await until('the escrow release', async () => (await count(releases)) === 1)
    const payable = sql`select coalesce(sum(e.amount_minor), 0)::int as n from commerce.ledger_entries e
      join commerce.ledger_accounts a on a.id = e.account_id
      where a.kind = 'payable' and a.owner_id = ${tutor.userId}`
    const payableBefore = await count(payable)
    expect(payableBefore).not.toBe(0)

    // Duplicates: the completion delivered three more times, and both services restarted.
    const completed = await until('the recorded completion', async () =>
      published.find((e) => (e.payload as { bookingId: string }).bookingId === booking.id),
    )
    for (let i = 0; i < 3; i++) await transport.publish([completed])
    await stop()
    await start()
    await transport.publish([completed])
    // A duplicate confirmation after the restart changes nothing either.
    expect((await call('tutoring', learner, 'POST', `/bookings/${booking.id}/complete`)).statusCode).toBe(200)
    await new Promise((r) => setTimeout(r, 1500))

    expect(await count(releases)).toBe(1)
    expect(
      await count(
        sql`select count(*)::int as n from commerce.escrow_lessons where booking_id = ${booking.id}`,
      ),
    ).toBe(1)
    expect(await count(payable)).toBe(payableBefore)
    expect(
      await count(sql`select count(*)::int as n from tutoring.outbox
        where type = 'tutoring.lesson.completed' and envelope->'payload'->>'bookingId' = ${booking.id}`),
    ).toBe(1)
  }, 120_000)
})
