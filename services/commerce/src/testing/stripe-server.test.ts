import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Stripe from 'stripe'
import {
  parseStripeForm,
  startStripeServer,
  stripeTestPaymentMethods as pm,
  type StripeTestServer,
} from './stripe-server.ts'

let server: StripeTestServer
let stripe: Stripe
const delivered: { raw: string; headers: Record<string, string> }[] = []

function client(key: string): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port: server.port, protocol: 'http', maxNetworkRetries: 0 })
}

beforeAll(async () => {
  server = await startStripeServer({
    deliver: async (raw, headers) => {
      delivered.push({ raw, headers })
      return 200
    },
  })
  stripe = client(server.secretKey)
})
afterAll(() => server.close())

describe('happy', () => {
  it('parses qs-style nested form bodies as the SDK sends them', () => {
    expect(
      parseStripeForm(
        'amount=100&metadata[orderId]=ord_1&expand[0]=a.b&expand[1]=c&capabilities[transfers][requested]=true',
      ),
    ).toEqual({
      amount: '100',
      metadata: { orderId: 'ord_1' },
      expand: ['a.b', 'c'],
      capabilities: { transfers: { requested: 'true' } },
    })
  })

  it('creates and confirms a PaymentIntent with pm_card_visa, the charge and fee expanded', async () => {
    const pi = await stripe.paymentIntents.create(
      {
        amount: 2000,
        currency: 'eur',
        payment_method: pm.visa,
        confirm: true,
        metadata: { orderId: 'ord_1' },
        expand: ['latest_charge.balance_transaction'],
      },
      { idempotencyKey: 'pay_happy_1' },
    )
    expect(pi).toMatchObject({ object: 'payment_intent', status: 'succeeded', amount: 2000, currency: 'eur' })
    expect(pi.metadata).toEqual({ orderId: 'ord_1' })
    const charge = pi.latest_charge as Stripe.Charge
    expect((charge.balance_transaction as Stripe.BalanceTransaction).fee).toBe(88) // 2.9% + 30
    expect(server.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/v1/payment_intents',
      idempotencyKey: 'pay_happy_1',
    })
  })

  it('replays the same answer for the same Idempotency-Key and parameters', async () => {
    const params = { amount: 1500, currency: 'usd', payment_method: pm.visa, confirm: true }
    const a = await stripe.paymentIntents.create(params, { idempotencyKey: 'pay_same' })
    const b = await stripe.paymentIntents.create(params, { idempotencyKey: 'pay_same' })
    expect(b.id).toBe(a.id)
    expect([...server.paymentIntents.values()].filter((p) => p.id === a.id)).toHaveLength(1)
  })

  it('3-D Secure: requires_action with a redirect, then completeAction sends a signed payment_intent.succeeded', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'eur',
      payment_method: pm.threeDSecure,
      confirm: true,
      return_url: 'http://web.test/orders/x',
    })
    expect(pi.status).toBe('requires_action')
    expect(pi.next_action?.redirect_to_url?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/3ds\//)
    const sent = await server.completeAction(pi.id)
    const event = stripe.webhooks.constructEvent(sent.rawBody, sent.signature, server.webhookSecret, 300)
    expect(event).toMatchObject({
      type: 'payment_intent.succeeded',
      data: { object: { id: pi.id, status: 'succeeded' } },
    })
    expect(delivered.at(-1)!.headers['stripe-signature']).toBe(sent.signature)
  })

  it('Connect: account, onboarding link, transfer to the account', async () => {
    const account = await stripe.accounts.create({
      type: 'express',
      capabilities: { transfers: { requested: true } },
    })
    expect(account.id).toMatch(/^acct_/)
    const link = await stripe.accountLinks.create({
      account: account.id,
      type: 'account_onboarding',
      return_url: 'http://web.test/return',
      refresh_url: 'http://web.test/refresh',
    })
    expect(link.url).toContain(account.id)
    server.completeOnboarding(account.id)
    const tr = await stripe.transfers.create(
      { amount: 5000, currency: 'eur', destination: account.id },
      { idempotencyKey: 'pyo_1' },
    )
    expect(tr).toMatchObject({ object: 'transfer', amount: 5000, destination: account.id })
    const again = await stripe.transfers.create(
      { amount: 5000, currency: 'eur', destination: account.id },
      { idempotencyKey: 'pyo_1' },
    )
    expect(again.id).toBe(tr.id)
    expect(server.transfers.size).toBe(1)
  })

  it('refunds: full by default, pending until settled, settled by a signed refund.updated', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 3000,
      currency: 'eur',
      payment_method: pm.visa,
      confirm: true,
    })
    const part = await stripe.refunds.create({ payment_intent: pi.id, amount: 1000 })
    expect(part).toMatchObject({ status: 'succeeded', amount: 1000 })
    server.behaviour.refunds = 'pending'
    try {
      const rest = await stripe.refunds.create({ payment_intent: pi.id })
      expect(rest).toMatchObject({ status: 'pending', amount: 2000 })
      const sent = await server.settleRefund(rest.id, 'succeeded')
      expect(JSON.parse(sent.rawBody)).toMatchObject({
        type: 'refund.updated',
        data: { object: { id: rest.id, status: 'succeeded' } },
      })
    } finally {
      server.behaviour.refunds = 'succeeded'
    }
  })
})

describe('errors', () => {
  it('a declined card is a 402 card error carrying the PaymentIntent', async () => {
    const err = await stripe.paymentIntents
      .create({ amount: 1000, currency: 'eur', payment_method: pm.declined, confirm: true })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError)
    const e = err as Stripe.errors.StripeCardError
    expect(e).toMatchObject({ statusCode: 402, code: 'card_declined' })
    expect(e.payment_intent).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'card_declined' },
    })
  })

  it('the same Idempotency-Key with other parameters is a 400 idempotency_error', async () => {
    await stripe.paymentIntents.create({ amount: 100, currency: 'eur' }, { idempotencyKey: 'pay_diff' })
    const err = await stripe.paymentIntents
      .create({ amount: 200, currency: 'eur' }, { idempotencyKey: 'pay_diff' })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError)
    expect((err as Stripe.errors.StripeError).statusCode).toBe(400)
  })

  it('missing or invalid parameters and unknown objects are Stripe-shaped 400/404 errors', async () => {
    const noAmount = await stripe.paymentIntents.create({ currency: 'eur' } as never).catch((e: unknown) => e)
    expect(noAmount).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'amount' })
    const unknownPm = await stripe.paymentIntents
      .create({ amount: 100, currency: 'eur', payment_method: 'pm_nope', confirm: true })
      .catch((e: unknown) => e)
    expect(unknownPm).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'payment_method' })
    const noPi = await stripe.paymentIntents.retrieve('pi_missing').catch((e: unknown) => e)
    expect(noPi).toMatchObject({ statusCode: 404, code: 'resource_missing' })
    const noDest = await stripe.transfers
      .create({ amount: 100, currency: 'eur', destination: 'acct_missing' })
      .catch((e: unknown) => e)
    expect(noDest).toMatchObject({ statusCode: 400, code: 'resource_missing' })
  })

  it('refunding more than is left is refused', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 500,
      currency: 'eur',
      payment_method: pm.visa,
      confirm: true,
    })
    const err = await stripe.refunds.create({ payment_intent: pi.id, amount: 600 }).catch((e: unknown) => e)
    expect(err).toMatchObject({ statusCode: 400, code: 'amount_too_large' })
  })
})

describe('security', () => {
  it('a wrong API key is a 401 authentication error and creates nothing', async () => {
    const before = server.paymentIntents.size
    const err = await client('sk_test_wrong')
      .paymentIntents.create({ amount: 100, currency: 'eur' })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError)
    expect(server.paymentIntents.size).toBe(before)
  })

  it('webhooks it sends verify only with its secret and only byte for byte', async () => {
    const ev = server.event('payment_intent.succeeded', { id: 'pi_x', object: 'payment_intent' })
    const sent = await server.send(ev)
    expect(() => stripe.webhooks.constructEvent(sent.rawBody, sent.signature, 'whsec_other', 300)).toThrow()
    const reserialized = JSON.stringify(JSON.parse(sent.rawBody))
    expect(() =>
      stripe.webhooks.constructEvent(reserialized, sent.signature, server.webhookSecret, 300),
    ).toThrow()
    expect(stripe.webhooks.constructEvent(sent.rawBody, sent.signature, server.webhookSecret, 300).id).toBe(
      ev.id,
    )
  })
})
