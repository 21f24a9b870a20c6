import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { sql, type App } from '@learnmesh/kernel'
import {
  createPostgresTestDatabase,
  createTestPrincipals,
  outboxEvents,
  postgresAvailable,
} from '@learnmesh/kernel/testing'
import { buildApp } from '../app.ts'
import { buildSandboxWebhook, SANDBOX_SIGNATURE_HEADER } from '../payments/sandbox.ts'
import { loadCommerceConfig } from '../config.ts'
import type { CommerceDeps } from '../deps.ts'
import { commerceService } from '../service.ts'
import type { TestCommerce } from '../test-helpers.ts'
import { subscriptionsKit } from './subscriptions.test-kit.ts'

const pg = await postgresAvailable()
if (!pg.ok) console.warn(`subscriptions.postgres.test.ts skipped: ${pg.reason}`)

describe.skipIf(!pg.ok)('subscription renewals on PostgreSQL (two runners)', () => {
  let database: Awaited<ReturnType<typeof createPostgresTestDatabase>>
  let app: App
  let k: ReturnType<typeof subscriptionsKit>
  let t: TestCommerce

  beforeAll(async () => {
    database = await createPostgresTestDatabase(commerceService.migrations)
    const principals = await createTestPrincipals()
    const config = loadCommerceConfig({ PUBLIC_URL: 'http://web.test' })
    const deps: CommerceDeps = { database, config, logger: pino({ level: 'silent' }), wakeRelay: () => {} }
    app = await buildApp(deps, { verifier: principals.verifier })
    await app.ready()
    // The parts of the PGlite test harness the subscriptions kit uses, on PostgreSQL.
    t = {
      app,
      database,
      db: database.db,
      config,
      deps,
      orgA: principals.orgA,
      orgB: principals.orgB,
      user: principals.user,
      call: principals.caller(app),
      events: (type?: string) => outboxEvents(database, 'commerce', type),
    } as unknown as TestCommerce
    k = subscriptionsKit(t)
  })
  afterAll(async () => {
    await app?.close()
    await database?.drop()
  })

  async function renewalRows(subscriptionId: string) {
    return database.query<{ status: string; payment_status: string | null }>(
      sql`select c.status, p.status as payment_status from commerce.subscription_charges c
          left join commerce.payments p on p.id = c.payment_id where c.subscription_id = ${subscriptionId}`,
    )
  }

  /** One charge run (claim committed, then the provider calls), as the charge job does. */
  async function chargeRun() {
    const token = `pg:${Math.random()}`
    await database.db.transaction((tx) => k.subscriptions.charges.claim(tx, token))
    return k.subscriptions.charges.settle(token)
  }

  it('two renewal passes, then two charge runs, of the same subscription at once charge the period exactly once', async () => {
    const u = t.user()
    const plan = await k.plan({ amount: 1500, trialDays: 2 })
    const { subscription: sub } = await k.subscribe(u, plan.price.id)
    const at = k.after(sub.currentPeriodEnd!, 0.01)
    const before = await k.ledger()
    const outcomes = await Promise.all([
      database.db.transaction((tx) => k.subscriptions.renewOne(tx, sub.id, at)),
      database.db.transaction((tx) => k.subscriptions.renewOne(tx, sub.id, at)),
    ])
    // One attempt, sent by the charge job after its commit; the passes call no provider.
    expect(outcomes).toEqual(['pending', 'pending'])
    const runs = await Promise.all([chargeRun(), chargeRun()])
    expect(runs.map((r) => r[sub.id]).filter(Boolean)).toEqual(['renewed'])
    expect(await renewalRows(sub.id)).toEqual([{ status: 'succeeded', payment_status: 'succeeded' }])
    const after = await k.ledger()
    expect(after.transactions).toBe(before.transactions + 1)
    expect(after.sum).toBe(0)
    expect((await k.events(sub.id)).filter((e) => e.type === 'commerce.subscription.renewed')).toHaveLength(1)
  })

  it('a renewal pass never waits for a renewal payment its webhook holds (payment → order → subscription): pending, no deadlock', async () => {
    const u = t.user()
    const plan = await k.plan({ amount: 1100, trialDays: 2 })
    const { subscription: sub } = await k.subscribe(u, plan.price.id)
    // The renewal is charged "late": the provider answers processing, its webhook comes later.
    await database.query(
      sql`update commerce.subscriptions set payment_method_ref = 'pm_sandbox_late' where id = ${sub.id}`,
    )
    const at = k.after(sub.currentPeriodEnd!, 0.01)
    expect(await database.db.transaction((tx) => k.subscriptions.renewOne(tx, sub.id, at))).toBe('pending')
    expect((await chargeRun())[sub.id]).toBe('pending') // processing: its webhook comes later
    const [charge] = await database.query<{ payment_id: string; order_id: string }>(
      sql`select payment_id, order_id from commerce.subscription_charges where subscription_id = ${sub.id}`,
    )
    let outcome: string | undefined
    // Stands for the renewal payment's webhook: the payment, then the order, then the subscription.
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`select id from commerce.payments where id = ${charge!.payment_id} for update`)
      outcome = await Promise.race([
        database.db.transaction((pass) => k.subscriptions.renewOne(pass, sub.id, at)),
        new Promise<string>((resolve) => setTimeout(() => resolve('waited for the payment'), 3000)),
      ])
      await tx.execute(sql`select id from commerce.orders where id = ${charge!.order_id} for update`)
      await tx.execute(sql`select id from commerce.subscriptions where id = ${sub.id} for update`)
    })
    expect(outcome).toBe('pending')
    expect(await renewalRows(sub.id)).toEqual([{ status: 'pending', payment_status: 'processing' }])
  })

  /** Waits until the promise settles or some statement of this database waits for a row lock. */
  async function settledOrWaiting(p: Promise<unknown>) {
    let settled = false
    void p.then(
      () => (settled = true),
      () => (settled = true),
    )
    for (let i = 0; i < 200 && !settled; i++) {
      const [r] = await database.query<{ n: number }>(
        sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      )
      if (r!.n > 0) return
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  /** A subscription whose renewal attempt was sent and answered `processing` (its webhook is due). */
  async function processingRenewal(amount: number) {
    const u = t.user()
    const plan = await k.plan({ amount, trialDays: 2 })
    const { subscription: sub } = await k.subscribe(u, plan.price.id)
    await database.query(
      sql`update commerce.subscriptions set payment_method_ref = 'pm_sandbox_late' where id = ${sub.id}`,
    )
    const at = k.after(sub.currentPeriodEnd!, 0.01)
    expect(await database.db.transaction((tx) => k.subscriptions.renewOne(tx, sub.id, at))).toBe('pending')
    expect((await chargeRun())[sub.id]).toBe('pending')
    const [charge] = await database.query<{
      id: string
      payment_id: string
      order_id: string
      provider_ref: string
    }>(
      sql`select c.id, c.payment_id, c.order_id, p.provider_ref from commerce.subscription_charges c
          join commerce.payments p on p.id = c.payment_id where c.subscription_id = ${sub.id}`,
    )
    return { sub, at, charge: charge! }
  }

  it('a renewal pass re-checking a pending attempt while its webhook holds payment, order and attempt (the interleaving that deadlocked)', async () => {
    const { sub, at, charge } = await processingRenewal(1300)
    let pass: Promise<string> | undefined
    // Stands for the capture of the renewal payment's webhook: payment → order → attempt → subscription
    // (applyWebhookEvent, capture, onOrderPaid). The pass starts once the attempt is held.
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`select id from commerce.payments where id = ${charge.payment_id} for update`)
      await tx.execute(sql`select id from commerce.orders where id = ${charge.order_id} for update`)
      await tx.execute(sql`select id from commerce.subscription_charges where id = ${charge.id} for update`)
      pass = database.db.transaction((p) => k.subscriptions.renewOne(p, sub.id, at))
      await settledOrWaiting(pass)
      await tx.execute(sql`select id from commerce.subscriptions where id = ${sub.id} for update`)
    })
    // Before the pass took the payment first it held the subscription and waited for the attempt:
    // PostgreSQL broke the cycle by aborting one side (deadlock detected).
    expect(await pass!).toBe('pending')
    expect(await renewalRows(sub.id)).toEqual([{ status: 'pending', payment_status: 'processing' }])
  })

  it("renewal passes racing their payments' webhooks never deadlock: each period renewed once, no 5xx", async () => {
    const renewals = []
    for (let i = 0; i < 6; i++) renewals.push(await processingRenewal(700 + i))
    const results = await Promise.all(
      renewals.flatMap(({ sub, at, charge }, i) => {
        const hook = buildSandboxWebhook(t.config, {
          type: 'payment.succeeded',
          providerRef: charge.provider_ref,
        })
        const webhook = () =>
          app.inject({
            method: 'POST',
            url: '/webhooks/sandbox',
            payload: hook.rawBody,
            headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: hook.signature },
          })
        const pass = () =>
          database.db
            .transaction((tx) => k.subscriptions.renewOne(tx, sub.id, at))
            .then((outcome) => ({ outcome }))
        return i % 2 === 0 ? [pass(), webhook()] : [webhook(), pass()]
      }),
    )
    for (const r of results) {
      if ('statusCode' in r) expect(r.statusCode, r.body).toBe(200)
      else expect(['pending', 'not_due']).toContain(r.outcome)
    }
    for (const { sub } of renewals) {
      expect(await renewalRows(sub.id)).toEqual([{ status: 'succeeded', payment_status: 'succeeded' }])
      expect((await k.events(sub.id)).filter((e) => e.type === 'commerce.subscription.renewed')).toHaveLength(
        1,
      )
    }
    expect((await k.ledger()).sum).toBe(0)
  })

  it('two sweeps over many due subscriptions at once: each period is charged once', async () => {
    const plan = await k.plan({ amount: 900, trialDays: 1 })
    const subs = []
    for (let i = 0; i < 6; i++) subs.push((await k.subscribe(t.user(), plan.price.id)).subscription)
    const at = k.after(subs[subs.length - 1]!.currentPeriodEnd!, 0.01)
    await Promise.all([k.runAt(at), k.runAt(at), k.runAt(at)])
    for (const s of subs) {
      expect(await renewalRows(s.id)).toEqual([{ status: 'succeeded', payment_status: 'succeeded' }])
      const [row] = await database.query<{ status: string; periods_paid: number }>(
        sql`select status, periods_paid from commerce.subscriptions where id = ${s.id}`,
      )
      expect(row).toEqual({ status: 'active', periods_paid: 1 })
    }
    expect((await k.ledger()).sum).toBe(0)
  })
})
