import { describe, expect, it } from 'vitest'
import { sql, uuid7 } from '@learnmesh/kernel'
import { createTestCommerce } from '../test-helpers.ts'
import { ledgerInvariants } from '../ledger/ledger.test-kit.ts'
import { refundJobs } from './refunds.jobs.ts'
import { REFUND_RESEND_WINDOW_MS, REFUND_SEND_GRACE_MS } from './refunds.service.ts'
import { useRefundKit } from './refunds.test-kit.ts'

const rk = useRefundKit()

const stripeRefundsFor = (refundId: string) =>
  [...rk.server.refunds.values()].filter((r) => (r.metadata as Record<string, string>).refundId === refundId)

async function orderStatus(orderId: string) {
  const [o] = await rk.t.database.query<{ status: string }>(
    sql`select status from commerce.orders where id = ${orderId}`,
  )
  return o!.status
}

describe('happy', () => {
  it('the saga refund is reserved in the consumer without calling Stripe, then sent after the job commits: refunded once', async () => {
    const { order, payload } = await rk.paidCourse()
    const calls = rk.server.requests.length
    await rk.rejectEnrollment(payload)
    expect(rk.server.requests.length).toBe(calls) // no provider call inside the inbox transaction
    const [pending] = await rk.refundsOf(order.id)
    expect(pending).toMatchObject({ status: 'pending', provider_ref: null, reason: 'enrollment_rejected' })
    expect(await orderStatus(order.id)).toBe('paid')

    await rk.runJob()
    const [done] = await rk.refundsOf(order.id)
    expect(done).toMatchObject({ status: 'succeeded' })
    expect(done!.provider_ref).toMatch(/^re_/)
    expect(stripeRefundsFor(done!.id)).toHaveLength(1)
    expect(
      rk.server.requests.find((r) => r.path === '/v1/refunds' && r.idempotencyKey === done!.id),
    ).toBeDefined()
    expect(await orderStatus(order.id)).toBe('refunded')
    const events = (await rk.t.events('commerce.payment.refunded')).filter(
      (e) => e.payload.orderId === order.id,
    )
    expect(events).toHaveLength(1)
    expect(await ledgerInvariants(rk.t.database)).toEqual({ unbalanced: [], total: 0 })

    // Later runs and a redelivered rejection change nothing.
    await rk.runJob()
    await rk.rejectEnrollment(payload)
    await rk.runJob()
    expect(await rk.refundsOf(order.id)).toHaveLength(1)
    expect(stripeRefundsFor(done!.id)).toHaveLength(1)
  })
})

describe('errors', () => {
  it('a consumer transaction that rolls back leaves no refund and nothing for the job to send', async () => {
    const { order, payload } = await rk.paidCourse()
    await expect(rk.rejectEnrollment(payload, true)).rejects.toThrow('crashed before the commit')
    expect(await rk.refundsOf(order.id)).toEqual([])
    const calls = rk.server.requests.filter((r) => r.path === '/v1/refunds').length
    await rk.runJob()
    expect(rk.server.requests.filter((r) => r.path === '/v1/refunds').length).toBe(calls)
    expect(await orderStatus(order.id)).toBe('paid')
  })

  it('Stripe unreachable: the refund stays pending; the next run sends it with the same key and refunds once', async () => {
    const { order, payload } = await rk.paidCourse()
    await rk.rejectEnrollment(payload)
    rk.server.behaviour.failNext = 3 // the SDK's retries included
    await rk.runJob()
    rk.server.behaviour.failNext = 0
    expect((await rk.refundsOf(order.id))[0]).toMatchObject({ status: 'pending', provider_ref: null })
    await rk.runJob()
    const [r] = await rk.refundsOf(order.id)
    expect(r).toMatchObject({ status: 'succeeded' })
    expect(stripeRefundsFor(r!.id)).toHaveLength(1)
  })

  it('a request-made refund without an answer waits the grace period; one older than the resend window is left for a person', async () => {
    const fresh = await rk.paidCourse()
    const old = await rk.paidCourse()
    for (const o of [fresh, old]) {
      rk.server.behaviour.failNext = 3 // the request's call gets no answer (the SDK's retries included)
      const res = await rk.t.call(
        rk.kit.admin,
        'POST',
        `/orders/${o.order.id}/refunds`,
        { reason: 'customer request' },
        { 'idempotency-key': uuid7() },
      )
      rk.server.behaviour.failNext = 0
      expect(res.statusCode, res.body).toBeLessThan(300)
      expect((await rk.refundsOf(o.order.id))[0]).toMatchObject({ status: 'pending', provider_ref: null })
    }
    await rk.t.database.query(
      sql`update commerce.refunds set created_at = now() - make_interval(secs => ${(REFUND_RESEND_WINDOW_MS + 60_000) / 1000}) where order_id = ${old.order.id}`,
    )
    const before = rk.server.requests.filter((r) => r.path === '/v1/refunds').length
    await rk.runJob()
    // Within the grace period: the request's own call may still answer.
    expect(rk.server.requests.filter((r) => r.path === '/v1/refunds').length).toBe(before)
    await rk.t.database.query(
      sql`update commerce.refunds set created_at = now() - make_interval(secs => ${(REFUND_SEND_GRACE_MS + 60_000) / 1000}) where order_id = ${fresh.order.id}`,
    )
    await rk.runJob()
    expect((await rk.refundsOf(fresh.order.id))[0]).toMatchObject({ status: 'succeeded' })
    expect((await rk.refundsOf(old.order.id))[0]).toMatchObject({ status: 'pending', provider_ref: null })
  })
})

describe('security', () => {
  it('with the sandbox (local) there is no send job: refunds are answered inside the consumer', async () => {
    const local = await createTestCommerce()
    try {
      expect(refundJobs(local.deps)).toEqual([])
    } finally {
      await local.close()
    }
  })
})
