import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Stripe from 'stripe'

/**
 * Test-only: a small HTTP server on 127.0.0.1 speaking the subset of Stripe's API commerce uses
 * (PaymentIntents, Refunds, Connect Accounts / Account Links / Transfers), so the adapters are
 * tested with the official `stripe` SDK end to end. Like Stripe it reads form-encoded bodies with
 * `qs`-style nested keys, checks `Authorization: Bearer <secret key>`, honours `Idempotency-Key`
 * (same key + same params → the same response replayed; other params → 400 `idempotency_error`),
 * answers Stripe-shaped objects and errors, and signs the webhook events it sends with
 * `stripe.webhooks.generateTestHeaderString`.
 *
 * Test payment methods: `pm_card_visa` succeeds, `pm_card_chargeDeclined` is declined
 * (`card_declined`, HTTP 402 with the PaymentIntent in the error), `pm_card_threeDSecure2Required`
 * requires action (`next_action.redirect_to_url`); tests then call `completeAction`.
 */

/** One webhook as sent: the exact bytes and their signature header. */
export interface SentWebhook {
  event: StripeEvent
  rawBody: string
  signature: string
  /** What our endpoint answered. */
  status: number
}

/** A Stripe event object (`object: 'event'`). */
export interface StripeEvent {
  id: string
  object: 'event'
  api_version: string
  created: number
  livemode: false
  pending_webhooks: number
  type: string
  data: { object: Record<string, unknown> }
  request: { id: string | null; idempotency_key: string | null }
}

/** Delivers a signed webhook to the endpoint under test; returns its HTTP status. */
export type WebhookDeliverer = (rawBody: string, headers: Record<string, string>) => Promise<number>

type Obj = Record<string, unknown>
type Params = { [k: string]: string | Params | Params[] | string[] }

class StripeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: { type: string; code?: string; message: string; param?: string } & Obj,
  ) {
    super(body.message)
  }
}

/** Test payment-method ids the server knows (Stripe's own test tokens). */
export const stripeTestPaymentMethods = {
  visa: 'pm_card_visa',
  declined: 'pm_card_chargeDeclined',
  threeDSecure: 'pm_card_threeDSecure2Required',
} as const

const API_VERSION = '2026-10-28.endive'
const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`
const now = () => Math.floor(Date.now() / 1000)

/**
 * Parses `a[b][0]=x&a[b][1]=y&c=z` into nested objects, the encoding the SDK sends (qs-style,
 * indexed arrays). Numeric keys become arrays.
 */
export function parseStripeForm(body: string): Params {
  const root: Params = {}
  for (const pair of body.split('&')) {
    if (!pair) continue
    const eq = pair.indexOf('=')
    const rawKey = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '))
    const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '))
    const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey)
    if (!m)
      throw new StripeHttpError(400, { type: 'invalid_request_error', message: `Invalid key ${rawKey}` })
    const path = [m[1]!, ...[...m[2]!.matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1]!)]
    let node: Obj = root
    for (let i = 0; i < path.length; i++) {
      const key = path[i] === '' ? String(Object.keys(node).length) : path[i]!
      if (['__proto__', 'constructor', 'prototype'].includes(key)) break
      if (i === path.length - 1) node[key] = value
      else {
        if (typeof node[key] !== 'object' || node[key] === null) node[key] = {}
        node = node[key] as Obj
      }
    }
  }
  return arrays(root) as Params
}

function arrays(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v
  const o = v as Obj
  const keys = Object.keys(o)
  if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => arrays(o[k]))
  return Object.fromEntries(keys.map((k) => [k, arrays(o[k])]))
}

function str(p: Params, key: string, required = true): string | undefined {
  const v = p[key]
  if (v === undefined || v === '') {
    if (required) {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        code: 'parameter_missing',
        param: key,
        message: `Missing required param: ${key}.`,
      })
    }
    return undefined
  }
  if (typeof v !== 'string') {
    throw new StripeHttpError(400, { type: 'invalid_request_error', param: key, message: `Invalid ${key}` })
  }
  return v
}

function int(p: Params, key: string, required = true): number | undefined {
  const v = str(p, key, required)
  if (v === undefined) return undefined
  if (!/^\d{1,12}$/.test(v) || Number(v) < 1) {
    throw new StripeHttpError(400, {
      type: 'invalid_request_error',
      code: 'parameter_invalid_integer',
      param: key,
      message: `Invalid integer: ${v}`,
    })
  }
  return Number(v)
}

function missing(kind: string, ref: string, param?: string): StripeHttpError {
  return new StripeHttpError(400 + (param ? 0 : 4), {
    type: 'invalid_request_error',
    code: 'resource_missing',
    ...(param ? { param } : {}),
    message: `No such ${kind}: '${ref}'`,
  })
}

/** Starts the server; `close()` when done. */
export async function startStripeServer(
  options: {
    secretKey?: string
    webhookSecret?: string
    /** Where events go; set later with `setDeliverer` too. */
    deliver?: WebhookDeliverer
  } = {},
) {
  const secretKey = options.secretKey ?? `sk_test_${randomBytes(12).toString('hex')}`
  const webhookSecret = options.webhookSecret ?? `whsec_${randomBytes(16).toString('hex')}`
  const signer = new Stripe('sk_test_signer_only')
  let deliver: WebhookDeliverer | undefined = options.deliver

  const paymentIntents = new Map<string, Obj>()
  const charges = new Map<string, Obj>()
  const balanceTransactions = new Map<string, Obj>()
  const refunds = new Map<string, Obj>()
  const accounts = new Map<string, Obj>()
  const transfers = new Map<string, Obj>()
  const idempotency = new Map<string, { fingerprint: string; status: number; body: string }>()
  /** Every request received (method, path, idempotency key): tests check what the SDK sent. */
  const requests: { method: string; path: string; idempotencyKey: string | null; params: Params }[] = []
  const sent: SentWebhook[] = []
  /** Knobs tests turn. */
  const behaviour = {
    /** `pending`: refunds stay pending until `settleRefund`. */
    refunds: 'succeeded' as 'succeeded' | 'pending',
    /** When set, transfers fail with this error code (e.g. `balance_insufficient`). */
    transferError: null as string | null,
    /** When > 0, that many next API calls answer 500 (network trouble at Stripe). */
    failNext: 0,
    /** When > 0, that many next API calls are carried out but their answer is lost (500). */
    loseNext: 0,
  }

  function fee(amount: number): number {
    return Math.round(amount * 0.029) + 30
  }

  function charge(pi: Obj): Obj {
    const amount = pi.amount as number
    const txn = {
      id: id('txn'),
      object: 'balance_transaction',
      amount,
      fee: fee(amount),
      net: amount - fee(amount),
    }
    balanceTransactions.set(txn.id, txn)
    const ch = {
      id: id('ch'),
      object: 'charge',
      amount,
      amount_refunded: 0,
      currency: pi.currency,
      payment_intent: pi.id,
      balance_transaction: txn.id,
      status: 'succeeded',
      paid: true,
      refunded: false,
    }
    charges.set(ch.id, ch)
    return ch
  }

  /** The PaymentIntent as answered, with `expand` applied (latest_charge, latest_charge.balance_transaction). */
  function view(pi: Obj, expand: string[]): Obj {
    const out: Obj = { ...pi }
    if (expand.some((e) => e.startsWith('latest_charge')) && typeof pi.latest_charge === 'string') {
      const ch: Obj = { ...charges.get(pi.latest_charge)! }
      if (expand.includes('latest_charge.balance_transaction')) {
        ch.balance_transaction = balanceTransactions.get(ch.balance_transaction as string)
      }
      out.latest_charge = ch
    }
    return out
  }

  function confirmWith(pi: Obj, pm: string): void {
    pi.payment_method = pm
    pi.last_payment_error = null
    pi.next_action = null
    switch (pm) {
      case stripeTestPaymentMethods.visa:
        pi.status = 'succeeded'
        pi.latest_charge = charge(pi).id
        pi.amount_received = pi.amount
        return
      case stripeTestPaymentMethods.threeDSecure:
        pi.status = 'requires_action'
        pi.next_action = {
          type: 'redirect_to_url',
          redirect_to_url: {
            url: `http://127.0.0.1:${port()}/3ds/${pi.id as string}`,
            return_url: pi.return_url ?? null,
          },
        }
        return
      case stripeTestPaymentMethods.declined: {
        const error = {
          type: 'card_error',
          code: 'card_declined',
          decline_code: 'generic_decline',
          message: 'Your card was declined.',
          payment_method: { id: pm, object: 'payment_method' },
        }
        pi.status = 'requires_payment_method'
        pi.last_payment_error = error
        throw new StripeHttpError(402, { ...error, payment_intent: { ...pi } })
      }
      default:
        throw missing('PaymentMethod', pm, 'payment_method')
    }
  }

  function createPaymentIntent(p: Params): Obj {
    const amount = int(p, 'amount')!
    const currency = str(p, 'currency')!
    if (!/^[a-z]{3}$/.test(currency)) {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        code: 'parameter_invalid_string',
        param: 'currency',
        message: `Invalid currency: ${currency}. Stripe currently supports these currencies: eur, usd, …`,
      })
    }
    const piId = id('pi')
    const pi: Obj = {
      id: piId,
      object: 'payment_intent',
      amount,
      amount_received: 0,
      currency,
      client_secret: `${piId}_secret_${randomBytes(12).toString('hex')}`,
      created: now(),
      livemode: false,
      metadata: p.metadata ?? {},
      payment_method: null,
      return_url: str(p, 'return_url', false) ?? null,
      status: 'requires_payment_method',
      latest_charge: null,
      last_payment_error: null,
      next_action: null,
    }
    paymentIntents.set(piId, pi)
    const pm = str(p, 'payment_method', false)
    if (pm) {
      pi.payment_method = pm
      pi.status = 'requires_confirmation'
      if (p.confirm === 'true') confirmWith(pi, pm)
    }
    return pi
  }

  /** Stripe's cancel: only an intent not yet succeeded, processing or cancelled (400 `payment_intent_unexpected_state` otherwise). */
  function cancelPaymentIntent(pi: Obj, p: Params): Obj {
    const cancellable = [
      'requires_payment_method',
      'requires_confirmation',
      'requires_action',
      'requires_capture',
    ]
    if (!cancellable.includes(pi.status as string)) {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        code: 'payment_intent_unexpected_state',
        message: `You cannot cancel this PaymentIntent because it has a status of ${pi.status as string}.`,
        payment_intent: { ...pi },
      })
    }
    pi.status = 'canceled'
    pi.cancellation_reason = str(p, 'cancellation_reason', false) ?? null
    pi.canceled_at = now()
    pi.next_action = null
    return pi
  }

  function createRefund(p: Params): Obj {
    const piId = str(p, 'payment_intent')!
    const pi = paymentIntents.get(piId)
    if (!pi) throw missing('payment_intent', piId, 'payment_intent')
    if (pi.status !== 'succeeded' || typeof pi.latest_charge !== 'string') {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        code: 'charge_not_refundable',
        message: `This PaymentIntent (${piId}) does not have a successful charge to refund.`,
      })
    }
    const ch = charges.get(pi.latest_charge)!
    const left = (ch.amount as number) - (ch.amount_refunded as number)
    const amount = int(p, 'amount', false) ?? left
    if (amount > left) {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        code: 'amount_too_large',
        param: 'amount',
        message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`,
      })
    }
    ch.amount_refunded = (ch.amount_refunded as number) + amount
    const refund: Obj = {
      id: id('re'),
      object: 'refund',
      amount,
      currency: ch.currency,
      charge: ch.id,
      payment_intent: piId,
      metadata: p.metadata ?? {},
      created: now(),
      status: behaviour.refunds,
      failure_reason: null,
    }
    refunds.set(refund.id as string, refund)
    return refund
  }

  function createAccount(p: Params): Obj {
    const type = str(p, 'type', false) ?? 'express'
    if (!['express', 'standard', 'custom'].includes(type)) {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        param: 'type',
        message: `Invalid type: ${type}`,
      })
    }
    const acct: Obj = {
      id: id('acct'),
      object: 'account',
      type,
      country: str(p, 'country', false) ?? 'US',
      email: str(p, 'email', false) ?? null,
      metadata: p.metadata ?? {},
      charges_enabled: false,
      payouts_enabled: false,
      details_submitted: false,
      capabilities: { transfers: 'inactive' },
    }
    accounts.set(acct.id as string, acct)
    return acct
  }

  function createAccountLink(p: Params): Obj {
    const acct = str(p, 'account')!
    if (!accounts.has(acct)) throw missing('account', acct, 'account')
    const type = str(p, 'type')!
    if (type !== 'account_onboarding' && type !== 'account_update') {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        param: 'type',
        message: `Invalid type: ${type}`,
      })
    }
    str(p, 'return_url')
    str(p, 'refresh_url')
    return {
      object: 'account_link',
      created: now(),
      expires_at: now() + 300,
      url: `http://127.0.0.1:${port()}/connect/onboarding/${acct}/${randomBytes(8).toString('hex')}`,
    }
  }

  function createTransfer(p: Params): Obj {
    const amount = int(p, 'amount')!
    const currency = str(p, 'currency')!
    const destination = str(p, 'destination')!
    const acct = accounts.get(destination)
    if (!acct) throw missing('destination', destination, 'destination')
    if (behaviour.transferError) {
      throw new StripeHttpError(400, {
        type: 'invalid_request_error',
        code: behaviour.transferError,
        message: `Transfer refused: ${behaviour.transferError}`,
      })
    }
    const tr: Obj = {
      id: id('tr'),
      object: 'transfer',
      amount,
      currency,
      destination,
      metadata: p.metadata ?? {},
      transfer_group: str(p, 'transfer_group', false) ?? null,
      reversed: false,
      created: now(),
    }
    transfers.set(tr.id as string, tr)
    return tr
  }

  function expandOf(p: Params | URLSearchParams): string[] {
    if (p instanceof URLSearchParams)
      return [...p.entries()].filter(([k]) => k.startsWith('expand')).map(([, v]) => v)
    const e = p.expand
    return Array.isArray(e) ? (e as string[]) : typeof e === 'string' ? [e] : []
  }

  function route(method: string, path: string, p: Params, query: URLSearchParams): Obj {
    let m: RegExpExecArray | null
    if (method === 'POST' && path === '/v1/payment_intents') return view(createPaymentIntent(p), expandOf(p))
    if ((m = /^\/v1\/payment_intents\/([\w]+)(\/confirm|\/cancel)?$/.exec(path))) {
      const pi = paymentIntents.get(m[1]!)
      if (!pi) throw missing('payment_intent', m[1]!)
      if (method === 'GET' && !m[2]) return view(pi, expandOf(query))
      if (method === 'POST' && m[2] === '/cancel') return view(cancelPaymentIntent(pi, p), expandOf(p))
      if (method === 'POST' && m[2]) {
        if (!['requires_payment_method', 'requires_confirmation'].includes(pi.status as string)) {
          throw new StripeHttpError(400, {
            type: 'invalid_request_error',
            code: 'payment_intent_unexpected_state',
            message: `This PaymentIntent's status is ${pi.status as string}; it cannot be confirmed.`,
            payment_intent: { ...pi },
          })
        }
        const pm = str(p, 'payment_method', false) ?? (pi.payment_method as string | null)
        if (!pm) throw missing('PaymentMethod', '', 'payment_method')
        confirmWith(pi, pm)
        return view(pi, expandOf(p))
      }
    }
    if (method === 'POST' && path === '/v1/refunds') return createRefund(p)
    if ((m = /^\/v1\/refunds\/([\w]+)$/.exec(path)) && method === 'GET') {
      const r = refunds.get(m[1]!)
      if (!r) throw missing('refund', m[1]!)
      return r
    }
    if (method === 'POST' && path === '/v1/accounts') return createAccount(p)
    if ((m = /^\/v1\/accounts\/([\w]+)$/.exec(path)) && method === 'GET') {
      const a = accounts.get(m[1]!)
      if (!a) throw missing('account', m[1]!)
      return a
    }
    if (method === 'POST' && path === '/v1/account_links') return createAccountLink(p)
    if (method === 'POST' && path === '/v1/transfers') return createTransfer(p)
    throw new StripeHttpError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}).`,
    })
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const method = req.method ?? 'GET'
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null
    const answer = (status: number, json: string, replayed = false) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'request-id': id('req'),
        ...(key ? { 'idempotency-key': key } : {}),
        ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
      })
      res.end(json)
    }
    const fail = (e: StripeHttpError) => answer(e.status, JSON.stringify({ error: e.body }))
    if (req.headers.authorization !== `Bearer ${secretKey}`) {
      return fail(
        new StripeHttpError(401, {
          type: 'invalid_request_error',
          message: 'Invalid API Key provided: sk_test_********',
        }),
      )
    }
    let params: Params
    try {
      params = method === 'POST' ? parseStripeForm(body) : {}
    } catch (e) {
      return fail(e as StripeHttpError)
    }
    requests.push({ method, path: url.pathname, idempotencyKey: key, params })
    if (behaviour.failNext > 0) {
      behaviour.failNext--
      return fail(
        new StripeHttpError(500, { type: 'api_error', message: 'Something went wrong on our end.' }),
      )
    }
    const fingerprint = createHash('sha256').update(`${method} ${url.pathname}\n${body}`).digest('hex')
    if (method === 'POST' && key) {
      const seen = idempotency.get(key)
      if (seen) {
        if (seen.fingerprint !== fingerprint) {
          return fail(
            new StripeHttpError(400, {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            }),
          )
        }
        if (behaviour.loseNext > 0) {
          behaviour.loseNext--
          return fail(
            new StripeHttpError(500, { type: 'api_error', message: 'Something went wrong on our end.' }),
          )
        }
        return answer(seen.status, seen.body, true)
      }
    }
    let status = 200
    let json: string
    try {
      json = JSON.stringify(route(method, url.pathname, params, url.searchParams))
    } catch (e) {
      if (!(e instanceof StripeHttpError)) throw e
      status = e.status
      json = JSON.stringify({ error: e.body })
    }
    // Stripe stores the first answer of a key, errors included (except 5xx).
    if (method === 'POST' && key) idempotency.set(key, { fingerprint, status, body: json })
    if (behaviour.loseNext > 0) {
      behaviour.loseNext--
      return fail(
        new StripeHttpError(500, { type: 'api_error', message: 'Something went wrong on our end.' }),
      )
    }
    answer(status, json)
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { type: 'api_error', message: String(err) } }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = () => (server.address() as AddressInfo).port

  /** Builds an event about an object (not sent). */
  function event(type: string, object: Obj): StripeEvent {
    return {
      id: id('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: now(),
      livemode: false,
      pending_webhooks: 1,
      type,
      data: { object: JSON.parse(JSON.stringify(object)) as Obj },
      request: { id: null, idempotency_key: null },
    }
  }

  /**
   * Serializes (pretty-printed, like Stripe), signs with the official SDK and delivers. `options`
   * forge what a test needs: another secret, an old timestamp, or changed bytes after signing.
   */
  async function send(
    ev: StripeEvent,
    options: { timestamp?: number; secret?: string; tamper?: (raw: string) => string } = {},
  ): Promise<SentWebhook> {
    if (!deliver) throw new Error('no webhook deliverer set')
    const signed = JSON.stringify(ev, null, 2)
    const signature = signer.webhooks.generateTestHeaderString({
      payload: signed,
      secret: options.secret ?? webhookSecret,
      timestamp: options.timestamp ?? now(),
    })
    const rawBody = options.tamper ? options.tamper(signed) : signed
    const status = await deliver(rawBody, {
      'content-type': 'application/json',
      'stripe-signature': signature,
    })
    const record = { event: ev, rawBody, signature, status }
    sent.push(record)
    return record
  }

  return {
    url: `http://127.0.0.1:${port()}`,
    port: port(),
    secretKey,
    webhookSecret,
    behaviour,
    requests,
    sent,
    paymentIntents,
    refunds,
    accounts,
    transfers,
    setDeliverer(d: WebhookDeliverer) {
      deliver = d
    },
    event,
    send,
    /** The customer finished (or failed) 3-D Secure: the PaymentIntent moves on and its event is sent. */
    async completeAction(piId: string, outcome: 'succeeded' | 'failed' = 'succeeded') {
      const pi = paymentIntents.get(piId)
      if (!pi || pi.status !== 'requires_action') throw new Error(`${piId} does not require action`)
      pi.next_action = null
      if (outcome === 'succeeded') {
        pi.status = 'succeeded'
        pi.amount_received = pi.amount
        pi.latest_charge = charge(pi).id
        return send(event('payment_intent.succeeded', pi))
      }
      pi.status = 'requires_payment_method'
      pi.last_payment_error = {
        type: 'card_error',
        code: 'payment_intent_authentication_failure',
        message: 'The provided PaymentMethod has failed authentication.',
      }
      return send(event('payment_intent.payment_failed', pi))
    },
    /** Settles a pending refund and sends `refund.updated` (or `refund.failed`). */
    async settleRefund(refundId: string, outcome: 'succeeded' | 'failed') {
      const r = refunds.get(refundId)
      if (!r || r.status !== 'pending') throw new Error(`${refundId} is not pending`)
      r.status = outcome
      if (outcome === 'failed') {
        r.failure_reason = 'expired_or_canceled_card'
        const ch = charges.get(r.charge as string)!
        ch.amount_refunded = (ch.amount_refunded as number) - (r.amount as number)
      }
      return send(event(outcome === 'failed' ? 'refund.failed' : 'refund.updated', r))
    },
    /** The payee finished Express onboarding: transfers become possible. */
    completeOnboarding(accountId: string) {
      const a = accounts.get(accountId)
      if (!a) throw new Error(`no account ${accountId}`)
      Object.assign(a, {
        details_submitted: true,
        payouts_enabled: true,
        charges_enabled: true,
        capabilities: { transfers: 'active' },
      })
    },
    /** A connected account created directly (as if onboarded elsewhere). */
    addAccount(): string {
      const a = createAccount({ type: 'express' })
      this.completeOnboarding(a.id as string)
      return a.id as string
    },
    close(): Promise<void> {
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

/** What startStripeServer returns. */
export type StripeTestServer = Awaited<ReturnType<typeof startStripeServer>>
