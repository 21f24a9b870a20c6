import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from '@learnmesh/kernel'
import { createTestCommerce, type TestCommerce } from '../test-helpers.ts'
import { checkoutKit } from '../orders/checkout.test-kit.ts'
import { loadCommerceConfig } from '../config.ts'
import {
  buildSandboxWebhook,
  SANDBOX_SIGNATURE_HEADER,
  sandboxTokens,
  signSandboxPayload,
} from './sandbox.ts'
import { SANDBOX_LATE_WEBHOOK_JOB } from './payments.service.ts'

let t: TestCommerce
let kit: ReturnType<typeof checkoutKit>
beforeAll(async () => {
  t = await createTestCommerce()
  kit = checkoutKit(t)
})
afterAll(() => t.close())

function post(rawBody: string, signature: string | undefined, contentType = 'application/json') {
  return t.app.inject({
    method: 'POST',
    url: '/webhooks/sandbox',
    payload: rawBody,
    headers: { 'content-type': contentType, ...(signature ? { [SANDBOX_SIGNATURE_HEADER]: signature } : {}) },
  })
}

/** A paid-later order (pm_sandbox_late) and its sandbox payment id. */
async function lateOrder() {
  const o = await kit.openOrder((await kit.product({ amount: 3100 })).price.id, sandboxTokens.late)
  expect(o.detail).toMatchObject({ status: 'pending_payment', payments: [{ status: 'processing' }] })
  return o
}

async function state(orderId: string) {
  const [o] = await t.database.query<{ status: string }>(
    sql`select status from commerce.orders where id = ${orderId}`,
  )
  const paid = (await t.events('commerce.order.paid')).filter((e) => e.payload.orderId === orderId).length
  return { status: o!.status, paidEvents: paid, ledger: await kit.ledger() }
}

describe('happy', () => {
  it('"late webhook": the success arrives only as a signed webhook and pays the order once', async () => {
    const { orderId, ref } = await lateOrder()
    const [job] = await t.database.query<{ n: number }>(
      sql`select count(*)::int as n from commerce.jobs where name = ${SANDBOX_LATE_WEBHOOK_JOB}`,
    )
    expect(job!.n).toBeGreaterThan(0) // the sandbox would send it by itself a few seconds later
    const before = await kit.ledger()
    const hook = buildSandboxWebhook(t.config, { type: 'payment.succeeded', providerRef: ref })
    const res = await post(hook.rawBody, hook.signature)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ received: true, duplicate: false })
    const after = await state(orderId)
    expect(after).toMatchObject({ status: 'paid', paidEvents: 1 })
    expect(after.ledger).toEqual({ sum: 0, transactions: before.transactions + 1 })
  })

  it('a duplicated webhook (same event) is acknowledged and changes nothing', async () => {
    const { orderId, ref } = await lateOrder()
    const hook = buildSandboxWebhook(t.config, { type: 'payment.succeeded', providerRef: ref })
    await post(hook.rawBody, hook.signature)
    const once = await state(orderId)
    const again = await post(hook.rawBody, hook.signature)
    expect(again.json()).toEqual({ received: true, duplicate: true })
    expect(await state(orderId)).toEqual(once)
  })

  it('a success webhook after a synchronous success is ignored: exactly one capture', async () => {
    const u = t.user()
    const order = await kit.paidOrder(u, [(await kit.product()).price.id])
    const [row] = await t.database.query<{ provider_ref: string }>(
      sql`select provider_ref from commerce.payments where order_id = ${order.id}`,
    )
    const before = await state(order.id)
    const hook = buildSandboxWebhook(t.config, { type: 'payment.succeeded', providerRef: row!.provider_ref })
    expect((await post(hook.rawBody, hook.signature)).statusCode).toBe(200)
    expect(await state(order.id)).toEqual(before)
  })

  it('a payment.failed webhook fails a processing payment; webhooks for unknown payments are acknowledged', async () => {
    const { orderId, ref } = await lateOrder()
    const hook = buildSandboxWebhook(t.config, {
      type: 'payment.failed',
      providerRef: ref,
      failureCode: 'card_declined',
    })
    expect((await post(hook.rawBody, hook.signature)).statusCode).toBe(200)
    expect((await state(orderId)).status).toBe('failed')
    const unknown = buildSandboxWebhook(t.config, {
      type: 'payment.succeeded',
      providerRef: 'sbx_pi_unknown',
    })
    expect((await post(unknown.rawBody, unknown.signature)).json()).toEqual({
      received: true,
      duplicate: false,
    })
  })
})

describe('errors', () => {
  it('missing, malformed or empty signatures and unsigned junk are 400 with no effect', async () => {
    const { orderId, ref } = await lateOrder()
    const hook = buildSandboxWebhook(t.config, { type: 'payment.succeeded', providerRef: ref })
    for (const sig of [
      undefined,
      '',
      't=abc,v1=zz',
      `v1=${'a'.repeat(64)}`,
      `t=${Math.floor(Date.now() / 1000)}`,
    ]) {
      expect((await post(hook.rawBody, sig)).statusCode, String(sig)).toBe(400)
    }
    const notJson = 'not json'
    expect((await post(notJson, signSandboxPayload(t.config, notJson))).statusCode).toBe(400)
    const wrongShape = JSON.stringify({ id: 1 })
    expect((await post(wrongShape, signSandboxPayload(t.config, wrongShape))).statusCode).toBe(400)
    expect((await state(orderId)).status).toBe('pending_payment')
  })

  it('an oversized webhook body is a 413', async () => {
    const big = 'x'.repeat(70 * 1024)
    expect((await post(big, signSandboxPayload(t.config, big))).statusCode).toBe(413)
  })
})

describe('security', () => {
  it('a forged webhook (signed with another secret) is rejected with no effect', async () => {
    const { orderId, ref } = await lateOrder()
    const attacker = loadCommerceConfig({ COMMERCE_SECRET: 'an-attacker-secret-that-is-long-enough-0000' })
    const forged = buildSandboxWebhook(attacker, { type: 'payment.succeeded', providerRef: ref })
    expect((await post(forged.rawBody, forged.signature)).statusCode).toBe(400)
    expect(await state(orderId)).toMatchObject({ status: 'pending_payment', paidEvents: 0 })
  })

  it('a stale webhook (timestamp older than 300 s, correctly signed) is rejected', async () => {
    const { orderId, ref } = await lateOrder()
    const stale = buildSandboxWebhook(
      t.config,
      { type: 'payment.succeeded', providerRef: ref },
      Math.floor(Date.now() / 1000) - 301,
    )
    expect((await post(stale.rawBody, stale.signature)).statusCode).toBe(400)
    const future = buildSandboxWebhook(
      t.config,
      { type: 'payment.succeeded', providerRef: ref },
      Math.floor(Date.now() / 1000) + 400,
    )
    expect((await post(future.rawBody, future.signature)).statusCode).toBe(400)
    expect((await state(orderId)).status).toBe('pending_payment')
  })

  it('a re-serialized body (whitespace changed) no longer verifies', async () => {
    const { orderId, ref } = await lateOrder()
    const hook = buildSandboxWebhook(t.config, { type: 'payment.succeeded', providerRef: ref })
    const reserialized = JSON.stringify(JSON.parse(hook.rawBody), null, 2)
    expect((await post(reserialized, hook.signature)).statusCode).toBe(400)
    expect((await post(`${hook.rawBody} `, hook.signature)).statusCode).toBe(400)
    expect((await state(orderId)).status).toBe('pending_payment')
  })

  it('a replayed event re-signed with a fresh timestamp is deduplicated by its event id', async () => {
    const { orderId, ref } = await lateOrder()
    const hook = buildSandboxWebhook(t.config, { type: 'payment.succeeded', providerRef: ref })
    await post(hook.rawBody, hook.signature)
    const once = await state(orderId)
    const later = buildSandboxWebhook(
      t.config,
      { type: 'payment.succeeded', providerRef: ref },
      Math.floor(Date.now() / 1000) + 5,
    )
    expect((await post(later.rawBody, later.signature)).json().duplicate).toBe(true)
    expect(await state(orderId)).toEqual(once)
  })

  it('the raw-body parser is scoped to the webhook: other routes keep the default parsers and refuse a text body', async () => {
    const u = t.user()
    const res = await t.app.inject({
      method: 'POST',
      url: '/cart/items',
      payload: 'priceId=x',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${await t.token(u)}` },
    })
    // Parsed as text by the default parser, then refused by the JSON schema: never taken as a raw buffer.
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('validation_failed')
  })
})
