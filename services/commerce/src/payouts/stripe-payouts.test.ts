import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createJobRunner, newId, sql, type RecurringJob, type Tx } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce } from '../test-helpers.ts'
import { startStripeServer, type StripeTestServer } from '../testing/stripe-server.ts'
import { postPaymentCaptured } from '../ledger/postings.ts'
import { courseLine, ledgerInvariants, payment } from '../ledger/ledger.test-kit.ts'
import { ledgerJobs, PAYOUT_JOB } from '../ledger/ledger.jobs.ts'
import { payoutProviderFrom } from './payout-provider.ts'
import { reservePayouts, sendPendingPayouts } from './payouts.service.ts'

let server: StripeTestServer
let t: TestCommerce

beforeAll(async () => {
  server = await startStripeServer()
  t = await createTestCommerce({
    env: {
      PAYOUT_PROVIDER: 'stripe',
      PAYOUT_MINIMUM_MINOR: '1000',
      STRIPE_SECRET_KEY: server.secretKey,
      STRIPE_API_URL: server.url,
    },
  })
})
afterAll(async () => {
  await t.close()
  await server.close()
})

const provider = () => payoutProviderFrom(t.config)
const past = () => new Date(Date.now() - 60_000).toISOString()

/** A fresh org with an instructor who earned 80% of `gross` (course sale). */
async function earner(gross = 10_000) {
  const orgId = newId('org')
  const payee = t.user([], orgId)
  await t.db.transaction((tx: Tx) =>
    postPaymentCaptured(tx, t.config, payment(orgId, [courseLine(payee.userId, gross)])),
  )
  return { orgId, payee, admin: t.user(['org_admin'], orgId) }
}

/** Registers a connected, onboarded Stripe account as the payee's payout account. */
async function connect(payee: ReturnType<typeof t.user>) {
  const acct = server.addAccount()
  const res = await t.call(payee, 'PUT', '/earnings/me/payout-account', {
    provider: 'stripe',
    accountRef: acct,
  })
  expect(res.statusCode, res.body).toBe(200)
  return acct
}

function run(admin: ReturnType<typeof t.user>, key = newId('k')) {
  return t.call(admin, 'POST', '/ledger/payouts/run', { periodEnd: past() }, { 'idempotency-key': key })
}

async function payoutsOf(orgId: string) {
  return t.database.query<{ id: string; status: string; amount_minor: number; provider_ref: string | null }>(
    sql`select id, status, amount_minor::int as amount_minor, provider_ref from commerce.payouts where org_id = ${orgId} order by created_at`,
  )
}

async function available(payee: ReturnType<typeof t.user>) {
  const res = await t.call(payee, 'GET', '/earnings/me')
  return res.json().balances[0]?.availableMinor as number
}

const transfersFor = (payoutId: string) =>
  [...server.transfers.values()].filter((tr) => (tr.metadata as Record<string, string>).payoutId === payoutId)

describe('happy', () => {
  it('Connect onboarding: an Express account and a Stripe-hosted link; the account becomes the payout account', async () => {
    const { payee } = await earner()
    const res = await t.call(payee, 'POST', '/earnings/me/payout-account/onboarding')
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body.accountRef).toMatch(/^acct_/)
    expect(body.url).toContain(`/connect/onboarding/${body.accountRef}/`)
    expect(server.accounts.get(body.accountRef)).toMatchObject({
      type: 'express',
      metadata: { userId: payee.userId },
    })
    const again = await t.call(payee, 'POST', '/earnings/me/payout-account/onboarding')
    expect(again.json().accountRef).toBe(body.accountRef) // reused, not a second account
    const mine = await t.call(payee, 'GET', '/earnings/me/payout-account')
    expect(mine.statusCode).toBe(200)
    expect(mine.json()).toMatchObject({ account: { provider: 'stripe', accountRef: body.accountRef } })
  })

  it('a run pays the payee by a Connect transfer (idempotency key = payout id), settles the ledger, writes commerce.payout.sent', async () => {
    const { orgId, payee, admin } = await earner(10_000)
    const acct = await connect(payee)
    const res = await run(admin)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().payouts).toHaveLength(1)
    const payout = res.json().payouts[0]
    expect(payout).toMatchObject({ status: 'paid', amountMinor: 8000, provider: 'stripe' })
    expect(payout.providerRef).toMatch(/^tr_/)
    const [tr] = transfersFor(payout.id)
    expect(tr).toMatchObject({ id: payout.providerRef, amount: 8000, currency: 'eur', destination: acct })
    expect(
      server.requests.find((r) => r.path === '/v1/transfers' && r.idempotencyKey === payout.id),
    ).toBeDefined()
    expect(await available(payee)).toBe(0)
    const sent = (await t.events('commerce.payout.sent')).filter((e) => e.payload.payoutId === payout.id)
    expect(sent).toHaveLength(1)
    expect(await ledgerInvariants(t.database)).toEqual({ unbalanced: [], total: 0 })
    expect(await payoutsOf(orgId)).toHaveLength(1)
  })

  it('the recurring job reserves in its transaction and sends once it has committed (kernel runner: handle, commit, afterCommit)', async () => {
    const { orgId, payee } = await earner(5000)
    await connect(payee)
    const runner = payoutRunner(payoutJob())
    try {
      await runner.runDue() // registers the recurring row
      await payoutJobDue()
      await runner.runDue()
    } finally {
      await runner.stop()
    }
    // runDue resolved: the commit and afterCommit are behind us, nothing left on a timer.
    const [payout] = await payoutsOf(orgId)
    expect(payout).toMatchObject({ amount_minor: 4000, status: 'paid' })
    expect(transfersFor(payout!.id)).toHaveLength(1)
    const sent = (await t.events('commerce.payout.sent')).filter((e) => e.payload.payoutId === payout!.id)
    expect(sent).toHaveLength(1)
    expect(await ledgerInvariants(t.database)).toEqual({ unbalanced: [], total: 0 })
  })
})

/** The payout job as defined; `crash` makes its transaction fail after reserving. */
function payoutJob(crash = false): RecurringJob {
  const job = ledgerJobs(t.deps).find((j) => j.name === PAYOUT_JOB)!
  if (job.kind !== 'recurring') throw new Error('payout job is recurring')
  if (!crash) return job
  return {
    ...job,
    async handle(tx, ctx) {
      await job.handle(tx, ctx)
      throw new Error('crashed before the commit')
    },
  }
}

/** A kernel job runner over commerce.jobs with only `job` (polling off: runDue drives it). */
function payoutRunner(job: RecurringJob) {
  return createJobRunner({
    database: t.database,
    schema: 'commerce',
    handlers: [job],
    logger: t.deps.logger,
    pollMs: 3_600_000,
  })
}

/** Makes the payout run's occurrence due now. */
async function payoutJobDue() {
  await t.database.query(
    sql`update commerce.jobs set run_at = now() - interval '1 second', locked_until = null where name = ${PAYOUT_JOB}`,
  )
}

describe('errors', () => {
  it('a payout run whose transaction rolls back sends nothing: neither its reservations nor payouts left pending before', async () => {
    const { orgId, payee } = await earner(6000)
    await connect(payee)
    // A pending payout an earlier crash left (reserved, never sent).
    const [left] = await t.db.transaction((tx: Tx) =>
      reservePayouts(tx, provider(), {
        orgId,
        periodEnd: new Date(Date.now() - 3_600_000),
        minimumMinor: 1000,
      }),
    )
    const other = await earner(7000)
    await connect(other.payee)
    const transfers = server.transfers.size
    const runner = payoutRunner(payoutJob(true))
    try {
      await runner.runDue()
      await payoutJobDue()
      await runner.runDue()
      // Long enough for anything scheduled after the failed transaction to have fired.
      await new Promise((resolve) => setTimeout(resolve, 1500))
    } finally {
      await runner.stop()
    }
    expect(server.transfers.size).toBe(transfers)
    expect(await payoutsOf(other.orgId)).toEqual([]) // the run's reservation rolled back
    expect(await payoutsOf(orgId)).toEqual([expect.objectContaining({ id: left!.id, status: 'pending' })])
    const [job] = await t.database.query<{ last_error: string | null }>(
      sql`select last_error from commerce.jobs where name = ${PAYOUT_JOB}`,
    )
    expect(job!.last_error).toContain('crashed before the commit')
    // The next committed run sends both.
    const ok = payoutRunner(payoutJob())
    try {
      await payoutJobDue()
      await ok.runDue()
    } finally {
      await ok.stop()
    }
    expect((await payoutsOf(orgId))[0]).toMatchObject({ status: 'paid' })
    expect(transfersFor(left!.id)).toHaveLength(1)
    expect(await payoutsOf(other.orgId)).toEqual([expect.objectContaining({ status: 'paid' })])
  })

  it('a payee without a payout account is skipped: no payout, the balance waits', async () => {
    const { orgId, payee, admin } = await earner()
    const res = await run(admin)
    expect(res.json().payouts).toEqual([])
    expect(await payoutsOf(orgId)).toEqual([])
    expect(await available(payee)).toBe(8000)
  })

  it('Stripe refuses the transfer (insufficient platform balance): payout failed, money back on the payable balance', async () => {
    const { orgId, payee, admin } = await earner()
    await connect(payee)
    server.behaviour.transferError = 'balance_insufficient'
    try {
      const res = await run(admin)
      expect(res.json().payouts[0]).toMatchObject({ status: 'failed' })
    } finally {
      server.behaviour.transferError = null
    }
    expect(await available(payee)).toBe(8000)
    expect((await payoutsOf(orgId))[0]!.status).toBe('failed')
    expect(await ledgerInvariants(t.database)).toEqual({ unbalanced: [], total: 0 })
  })

  it('Stripe unreachable: the payout stays pending; the next run re-sends it with the same key and pays once', async () => {
    const { orgId, payee, admin } = await earner()
    await connect(payee)
    server.behaviour.failNext = 3 // the SDK's retries included
    const first = await run(admin)
    expect(first.json().payouts[0]).toMatchObject({ status: 'pending' })
    expect(await available(payee)).toBe(0) // reserved: cannot be paid twice by another period
    const second = await run(admin)
    expect(second.statusCode).toBe(200)
    const rows = await payoutsOf(orgId)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ status: 'paid' })
    expect(transfersFor(rows[0]!.id)).toHaveLength(1)
  })

  it('a crash after Stripe paid and before the settle: the re-send gets the same transfer back, paid once', async () => {
    const { orgId, payee } = await earner()
    await connect(payee)
    const rail = provider()
    const [reserved] = await t.db.transaction((tx: Tx) =>
      reservePayouts(tx, rail, { orgId, periodEnd: new Date(past()), minimumMinor: 1000 }),
    )
    const destination = [...server.accounts.values()].at(-1)!.id as string
    // The transfer went through, then the process died before recording it.
    const lost = await rail.send({
      payoutId: reserved!.id,
      orgId,
      payeeUserId: payee.userId,
      currency: 'EUR',
      amountMinor: reserved!.amountMinor,
      destination,
    })
    expect(lost.status).toBe('paid')
    const settled = await sendPendingPayouts(t.deps, rail, { orgId })
    expect(settled).toHaveLength(1)
    expect(settled[0]).toMatchObject({
      status: 'paid',
      providerRef: (lost as { providerRef: string }).providerRef,
    })
    expect(transfersFor(reserved!.id)).toHaveLength(1)
    expect(await sendPendingPayouts(t.deps, rail, { orgId })).toEqual([]) // nothing left to send
    const sent = (await t.events('commerce.payout.sent')).filter((e) => e.payload.payoutId === reserved!.id)
    expect(sent).toHaveLength(1)
    expect(await payoutsOf(orgId)).toHaveLength(1)
  })
})

describe('pay out now (POST /earnings/me/payouts) on the Stripe rail', () => {
  const payOut = (payee: ReturnType<typeof t.user>) =>
    t.call(payee, 'POST', '/earnings/me/payouts', {}, { 'idempotency-key': newId('k') })
  /** An earner whose Stripe payout account is registered. */
  const connectedEarner = async (gross?: number) => {
    const e = await earner(gross)
    await connect(e.payee)
    return e
  }

  it('pays by a Connect transfer keyed by the payout id and settles', async () => {
    const { orgId, payee } = await connectedEarner(10_000)
    const res = await payOut(payee)
    expect(res.statusCode, res.body).toBe(201)
    const [payout] = res.json().payouts
    expect(payout).toMatchObject({ status: 'paid', amountMinor: 8000, provider: 'stripe' })
    expect(transfersFor(payout.id)).toHaveLength(1)
    expect(server.requests.filter((r) => r.idempotencyKey === payout.id)).toHaveLength(1)
    expect(await available(payee)).toBe(0)
    expect(await payoutsOf(orgId)).toHaveLength(1)
    expect(await ledgerInvariants(t.database)).toEqual({ unbalanced: [], total: 0 })
  })

  it('Stripe unreachable: the reservation committed before sending stays pending, a new request is refused, the next run pays once', async () => {
    const { orgId, payee, admin } = await connectedEarner()
    server.behaviour.failNext = 3 // the SDK's retries included
    const res = await payOut(payee)
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json().payouts[0]).toMatchObject({ status: 'pending' })
    // Had the transfer been sent inside the reserving transaction, its failure would have rolled it back.
    expect(await payoutsOf(orgId)).toMatchObject([{ status: 'pending', amount_minor: 8000 }])
    expect(await available(payee)).toBe(0)
    const again = await payOut(payee)
    expect(again.statusCode).toBe(409)
    expect(again.json().reason).toBe('payout_pending')
    expect((await run(admin)).statusCode).toBe(200)
    const rows = await payoutsOf(orgId)
    expect(rows).toMatchObject([{ status: 'paid' }])
    expect(transfersFor(rows[0]!.id)).toHaveLength(1)
  })

  it('Stripe refuses the transfer: 201 with the payout failed, the money back on the balance', async () => {
    const { orgId, payee } = await connectedEarner()
    server.behaviour.transferError = 'balance_insufficient'
    try {
      const res = await payOut(payee)
      expect(res.statusCode).toBe(201)
      expect(res.json().payouts[0]).toMatchObject({ status: 'failed' })
    } finally {
      server.behaviour.transferError = null
    }
    expect(await available(payee)).toBe(8000)
    expect(await payoutsOf(orgId)).toMatchObject([{ status: 'failed' }])
    expect(await ledgerInvariants(t.database)).toEqual({ unbalanced: [], total: 0 })
  })

  it('without a Stripe payout account: 409 no_payout_account and nothing reserved', async () => {
    const { orgId, payee } = await earner()
    const res = await payOut(payee)
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ reason: 'no_payout_account', provider: 'stripe' })
    expect(await payoutsOf(orgId)).toEqual([])
    expect(await available(payee)).toBe(8000)
  })
})

describe('security', () => {
  it('payout accounts: only acct_ ids connected to the platform, only the configured rail', async () => {
    const { payee } = await earner()
    const put = (body: Record<string, unknown>) => t.call(payee, 'PUT', '/earnings/me/payout-account', body)
    expect((await put({ provider: 'stripe', accountRef: 'acct_notconnected1' })).statusCode).toBe(422)
    expect((await put({ provider: 'stripe', accountRef: 'ba_123456' })).statusCode).toBe(422)
    expect((await put({ provider: 'stellar', accountRef: `G${'A'.repeat(55)}` })).statusCode).toBe(422)
    expect((await put({ provider: 'stripe', accountRef: 'acct_x; drop' })).statusCode).toBe(400)
    expect((await put({ provider: 'stripe', accountRef: server.addAccount(), extra: 1 })).statusCode).toBe(
      400,
    )
    // Every refusal above left the payee without an account: a normal 200 answer, not a 404.
    const none = await t.call(payee, 'GET', '/earnings/me/payout-account')
    expect([none.statusCode, none.json()]).toEqual([200, { account: null }])
    // another payee's platform-created Express account cannot be claimed
    const other = await t.call(t.user(), 'POST', '/earnings/me/payout-account/onboarding')
    expect((await put({ provider: 'stripe', accountRef: other.json().accountRef })).statusCode).toBe(422)
    const anonymous = await t.app.inject({
      method: 'PUT',
      url: '/earnings/me/payout-account',
      payload: { provider: 'stripe', accountRef: server.addAccount() },
    })
    expect(anonymous.statusCode).toBe(401)
  })

  it('a payee’s account is theirs alone: another user or org sees none', async () => {
    const { payee, orgId } = await earner()
    await connect(payee)
    for (const other of [t.user([], orgId), t.user()]) {
      const res = await t.call(other, 'GET', '/earnings/me/payout-account')
      expect([res.statusCode, res.json()]).toEqual([200, { account: null }])
    }
    const anonymous = await t.app.inject({ method: 'GET', url: '/earnings/me/payout-account' })
    expect(anonymous.statusCode).toBe(401)
  })
})
