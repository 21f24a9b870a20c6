import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { createTokenVerifier, newId, sql, type App } from '@learnmesh/kernel'
import { createPostgresTestDatabase, createTestSigner, postgresAvailable } from '@learnmesh/kernel/testing'
import { buildApp } from '../app.ts'
import { loadCommerceConfig } from '../config.ts'
import type { CommerceDeps } from '../deps.ts'
import { commerceService } from '../service.ts'
import type { TestUser } from '../test-helpers.ts'
import { createCouponsRepository } from '../coupons/coupons.repository.ts'

const pg = await postgresAvailable()

describe.skipIf(!pg.ok)('checkout on PostgreSQL (concurrency)', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>
  let app: App
  let signer: Awaited<ReturnType<typeof createTestSigner>>
  const orgId = newId('org')
  const admin: TestUser = { userId: newId('usr'), orgId, roles: ['org_admin'] }

  beforeAll(async () => {
    database = await createPostgresTestDatabase(commerceService.migrations)
    signer = await createTestSigner()
    const verifier = createTokenVerifier({
      jwks: signer.jwks,
      issuer: signer.issuer,
      audience: signer.audience,
      cooldownMs: 0,
    })
    const deps: CommerceDeps = {
      database,
      config: loadCommerceConfig({ PUBLIC_URL: 'http://web.test' }),
      logger: pino({ level: 'silent' }),
      wakeRelay: () => {},
    }
    app = await buildApp(deps, { verifier })
    await app.ready()
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  async function call(
    u: TestUser,
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) {
    const token = await signer.sign({ sub: u.userId, org: u.orgId, roles: u.roles, padm: false })
    return app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      headers: { authorization: `Bearer ${token}`, ...headers },
    })
  }
  const learner = (): TestUser => ({ userId: newId('usr'), orgId, roles: ['learner'] })

  async function price(amount: number) {
    const p = await call(admin, 'POST', '/products', {
      type: 'course',
      ref: newId('crs'),
      title: 'C',
      payeeUserId: newId('usr'),
    })
    const pr = await call(admin, 'POST', `/products/${p.json().id}/prices`, {
      currency: 'EUR',
      unitAmountMinor: amount,
    })
    return pr.json().id as string
  }

  it('N concurrent checkouts with the last coupon: exactly one gets it', async () => {
    const priceId = await price(5000)
    const coupon = await call(admin, 'POST', '/coupons', {
      code: 'LASTONE',
      kind: 'percent',
      percentOff: 50,
      maxRedemptions: 1,
    })
    expect(coupon.statusCode).toBe(201)
    const users = Array.from({ length: 12 }, learner)
    for (const u of users) {
      expect((await call(u, 'POST', '/cart/items', { priceId })).statusCode).toBe(200)
      expect((await call(u, 'POST', '/cart/coupons', { code: 'LASTONE' })).statusCode).toBe(200)
    }
    const results = await Promise.all(
      users.map((u) => call(u, 'POST', '/checkout', {}, { 'idempotency-key': randomUUID() })),
    )
    const ok = results.filter((r) => r.statusCode === 201)
    const refused = results.filter((r) => r.statusCode === 409)
    expect(ok).toHaveLength(1)
    expect(refused).toHaveLength(users.length - 1)
    expect(refused.every((r) => r.json().reason === 'coupon_unavailable')).toBe(true)
    expect(ok[0]!.json()).toMatchObject({ status: 'paid', totalMinor: 2500 })
    const [c] = await database.query<{ redeemed_count: number }>(
      sql`select redeemed_count from commerce.coupons where code = 'LASTONE'`,
    )
    const [r] = await database.query<{ n: number }>(
      sql`select count(*)::int as n from commerce.coupon_redemptions`,
    )
    expect([c!.redeemed_count, r!.n]).toEqual([1, 1])
  })

  it('concurrent requests with one Idempotency-Key execute once: one order, the rest 409 or the replay', async () => {
    const u = learner()
    await call(u, 'POST', '/cart/items', { priceId: await price(1000) })
    const key = randomUUID()
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        call(u, 'POST', '/checkout', { paymentMethod: 'pm_sandbox_ok' }, { 'idempotency-key': key }),
      ),
    )
    const statuses = results.map((r) => r.statusCode)
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true)
    const created = results.filter((r) => r.statusCode === 201)
    expect(created.length).toBeGreaterThanOrEqual(1)
    expect(new Set(created.map((r) => r.json().id)).size).toBe(1)
    const [o] = await database.query<{ n: number }>(
      sql`select count(*)::int as n from commerce.orders where user_id = ${u.userId}`,
    )
    expect(o!.n).toBe(1)
    const conflicts = results.filter((r) => r.statusCode === 409)
    for (const c of conflicts) expect(c.json().detail).toMatch(/in progress/)
  })

  it('concurrent refunds cannot exceed what was captured', async () => {
    const u = learner()
    await call(u, 'POST', '/cart/items', { priceId: await price(10_000) })
    const order = (await call(u, 'POST', '/checkout', {}, { 'idempotency-key': randomUUID() })).json()
    expect(order.status).toBe('paid')
    const results = await Promise.all(
      Array.from({ length: 7 }, () =>
        call(
          admin,
          'POST',
          `/orders/${order.id}/refunds`,
          { reason: 'race', amountMinor: 2000 },
          { 'idempotency-key': randomUUID() },
        ),
      ),
    )
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(5)
    expect(results.filter((r) => r.statusCode === 409)).toHaveLength(2)
    const after = (await call(admin, 'GET', `/orders/${order.id}`)).json()
    expect(after).toMatchObject({ status: 'refunded', refundedMinor: 10_000 })
    const [l] = await database.query<{ s: number }>(
      sql`select coalesce(sum(amount_minor), 0)::bigint as s from commerce.ledger_entries`,
    )
    expect(Number(l!.s)).toBe(0)
  })

  it('per-user limit under concurrency: two transactions of one user with a 1-per-user coupon → one redemption', async () => {
    const repo = createCouponsRepository()
    const coupon = await call(admin, 'POST', '/coupons', {
      code: 'ONEEACH',
      kind: 'percent',
      percentOff: 10,
      maxPerUser: 1,
    })
    const couponId = coupon.json().id as string
    const userId = newId('usr')
    const attempt = () =>
      database.db
        .transaction(async (tx) => {
          const row = await repo.redeemOne(tx, orgId, couponId, new Date())
          if (!row) throw new Error('used up')
          // Hold the row lock a little so the other transaction really waits on it.
          await tx.execute(sql`select pg_sleep(0.05)`)
          if ((await repo.countUserRedemptions(tx, couponId, userId)) >= row.maxPerUser!)
            throw new Error('per user')
          await repo.insertRedemption(tx, {
            couponId,
            orderId: newId('ord'),
            userId,
            orgId,
            discountMinor: 1,
          })
          return 'ok'
        })
        .catch((e: Error) => e.message)
    const results = await Promise.all([attempt(), attempt(), attempt()])
    expect(results.filter((r) => r === 'ok')).toHaveLength(1)
    expect(results.filter((r) => r === 'per user')).toHaveLength(2)
    const [c] = await database.query<{ n: number }>(
      sql`select redeemed_count as n from commerce.coupons where id = ${couponId}`,
    )
    expect(c!.n).toBe(1)
  })
})
