import Stripe from 'stripe'
import { AppError } from '@learnmesh/kernel'
import type { CommerceConfig } from '../config.ts'
import type {
  NextAction,
  PaymentProvider,
  ProviderPaymentResult,
  ProviderRefundResult,
  ProviderWebhookEvent,
} from './provider.ts'

/** A Stripe webhook older than this (seconds) is refused: Stripe's default tolerance. */
export const STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
/** Header Stripe signs webhooks in. */
export const STRIPE_SIGNATURE_HEADER = 'stripe-signature'

/** Payment method ids a client may pass through (`pm_…`); anything else fails without calling Stripe. */
const PAYMENT_METHOD = /^pm_[A-Za-z0-9_]{1,200}$/

/**
 * The Stripe SDK client for commerce's config. STRIPE_API_URL (tests: the local Stripe-compatible
 * server) becomes the SDK's host/port/protocol. Two network retries, each POST with our own
 * idempotency key, 20 s timeout.
 */
export function createStripeClient(config: CommerceConfig): Stripe {
  const key = config.STRIPE_SECRET_KEY
  if (!key) throw new AppError('internal', 'STRIPE_SECRET_KEY is not configured')
  const options: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: 20_000 }
  if (config.STRIPE_API_URL) {
    const url = new URL(config.STRIPE_API_URL)
    options.host = url.hostname
    options.protocol = url.protocol === 'http:' ? 'http' : 'https'
    options.port = url.port || (url.protocol === 'http:' ? 80 : 443)
  }
  return new Stripe(key, options)
}

/**
 * A Stripe API failure as a plain error: type, code and message only (the SDK's error carries the
 * raw response and headers, which should not travel into logs).
 */
export class StripeCallError extends Error {
  constructor(
    readonly type: string,
    readonly code: string | undefined,
    readonly statusCode: number | undefined,
    message: string,
  ) {
    super(`stripe ${type}${code ? ` (${code})` : ''}: ${message}`)
    this.name = 'StripeCallError'
  }
}

function asCallError(err: unknown): StripeCallError {
  if (err instanceof Stripe.errors.StripeError) {
    return new StripeCallError(err.type, err.code, err.statusCode, err.message)
  }
  return new StripeCallError('connection_error', undefined, undefined, (err as Error)?.message ?? String(err))
}

/** The provider fee of a PaymentIntent whose `latest_charge.balance_transaction` was expanded (else 0). */
export function stripeFee(pi: Stripe.PaymentIntent): number {
  const charge = pi.latest_charge
  if (!charge || typeof charge === 'string') return 0
  const txn = charge.balance_transaction
  if (!txn || typeof txn === 'string') return 0
  return Number.isInteger(txn.fee) && txn.fee > 0 ? txn.fee : 0
}

/** Maps a PaymentIntent to our payment result. */
export function mapPaymentIntent(pi: Stripe.PaymentIntent): ProviderPaymentResult {
  const base = { providerRef: pi.id, feeMinor: 0 }
  const clientSecret = (): NextAction | undefined =>
    pi.client_secret ? { type: 'client_secret', clientSecret: pi.client_secret } : undefined
  switch (pi.status) {
    case 'succeeded':
      return { ...base, status: 'succeeded', feeMinor: stripeFee(pi) }
    case 'processing':
      return { ...base, status: 'processing' }
    case 'requires_action': {
      const url = pi.next_action?.redirect_to_url?.url
      const nextAction: NextAction | undefined = url
        ? { type: 'redirect_to_url', url, method: 'GET' }
        : clientSecret()
      return { ...base, status: 'requires_action', ...(nextAction ? { nextAction } : {}) }
    }
    case 'requires_payment_method':
      if (pi.last_payment_error) {
        return {
          ...base,
          status: 'failed',
          failureCode: pi.last_payment_error.code ?? pi.last_payment_error.type ?? 'payment_failed',
        }
      }
    // A fresh PaymentIntent without a payment method: the browser confirms it with Stripe.js.
    // falls through
    case 'requires_confirmation': {
      const nextAction = clientSecret()
      return { ...base, status: 'requires_action', ...(nextAction ? { nextAction } : {}) }
    }
    case 'canceled':
      return { ...base, status: 'failed', failureCode: pi.cancellation_reason ?? 'canceled' }
    case 'requires_capture':
      // Manual capture is never requested; treat an authorized-only intent as still processing.
      return { ...base, status: 'processing' }
  }
  return { ...base, status: 'processing' }
}

function mapRefund(r: Stripe.Refund): ProviderRefundResult {
  if (r.status === 'succeeded') return { providerRef: r.id, status: 'succeeded' }
  if (r.status === 'failed' || r.status === 'canceled') {
    return { providerRef: r.id, status: 'failed', failureCode: r.failure_reason ?? r.status }
  }
  return { providerRef: r.id, status: 'pending' } // pending, requires_action
}

/** A decline comes back as a 402 card error carrying the PaymentIntent: that is an answer, not a failure. */
function declined(err: unknown, paymentId: string): ProviderPaymentResult | null {
  if (!(err instanceof Stripe.errors.StripeError)) return null
  const pi = (err as { payment_intent?: Stripe.PaymentIntent }).payment_intent
  if (err.type === 'StripeCardError' && pi?.id) {
    return { providerRef: pi.id, status: 'failed', failureCode: err.code ?? 'card_declined', feeMinor: 0 }
  }
  if (err.type === 'StripeInvalidRequestError' && err.param === 'payment_method') {
    // No PaymentIntent exists at Stripe: the ref only has to be unique to this payment.
    return {
      providerRef: pi?.id ?? `unsent_${paymentId}`,
      status: 'failed',
      failureCode: 'invalid_payment_method',
      feeMinor: 0,
    }
  }
  return null
}

/**
 * The Stripe adapter (PaymentIntents). `createPayment` creates (and, with a `pm_…`, confirms) a
 * PaymentIntent with our payment id as idempotency key; refunds use our refund id; `cancel`
 * cancels an abandoned PaymentIntent (reason `abandoned`) or, when Stripe refuses because it
 * succeeded or was cancelled already, answers its current state. Webhooks are
 * verified by the official SDK over the raw body (`stripe-signature`, 300 s tolerance) before
 * anything is read. Network errors and 5xx throw `StripeCallError` (the caller keeps the payment
 * or refund pending and retries with the same key).
 */
export function createStripeProvider(
  config: CommerceConfig,
  options: { client?: Stripe; clock?: () => number } = {},
): PaymentProvider {
  const webhookSecret = config.STRIPE_WEBHOOK_SECRET
  if (!webhookSecret) throw new AppError('internal', 'STRIPE_WEBHOOK_SECRET is not configured')
  const stripe = options.client ?? createStripeClient(config)
  const clock = options.clock ?? Date.now
  const expand = ['latest_charge.balance_transaction']

  return {
    name: 'stripe',
    async createPayment(input) {
      if (input.paymentMethod !== null && !PAYMENT_METHOD.test(input.paymentMethod)) {
        return {
          providerRef: `unsent_${input.paymentId}`,
          status: 'failed',
          failureCode: 'invalid_payment_method',
          feeMinor: 0,
        }
      }
      const params: Stripe.PaymentIntentCreateParams = {
        amount: input.amountMinor,
        currency: input.currency.toLowerCase(),
        metadata: { orderId: input.orderId, paymentId: input.paymentId, orgId: input.orgId },
        expand,
        ...(input.paymentMethod
          ? { payment_method: input.paymentMethod, confirm: true, return_url: input.returnUrl }
          : {}),
      }
      try {
        const pi = await stripe.paymentIntents.create(params, { idempotencyKey: input.paymentId })
        return mapPaymentIntent(pi)
      } catch (err) {
        const answer = declined(err, input.paymentId)
        if (answer) return answer
        throw asCallError(err)
      }
    },
    async confirm(input) {
      try {
        let pi = await stripe.paymentIntents.retrieve(input.providerRef, { expand })
        const confirmable = pi.status === 'requires_payment_method' || pi.status === 'requires_confirmation'
        if (confirmable && input.paymentMethod && PAYMENT_METHOD.test(input.paymentMethod)) {
          pi = await stripe.paymentIntents.confirm(input.providerRef, {
            payment_method: input.paymentMethod,
            expand,
          })
        }
        return mapPaymentIntent(pi)
      } catch (err) {
        const answer = declined(err, input.providerRef)
        if (answer) return answer
        throw asCallError(err)
      }
    },
    async cancel(input) {
      try {
        return mapPaymentIntent(
          await stripe.paymentIntents.cancel(input.providerRef, { cancellation_reason: 'abandoned', expand }),
        )
      } catch (err) {
        // Succeeded, processing or already cancelled: Stripe refuses; its current state is the answer.
        if (!(err instanceof Stripe.errors.StripeError) || err.code !== 'payment_intent_unexpected_state') {
          throw asCallError(err)
        }
      }
      try {
        return mapPaymentIntent(await stripe.paymentIntents.retrieve(input.providerRef, { expand }))
      } catch (err) {
        throw asCallError(err)
      }
    },
    async refund(input) {
      try {
        const r = await stripe.refunds.create(
          {
            payment_intent: input.providerRef,
            amount: input.amountMinor,
            metadata: { refundId: input.refundId },
          },
          { idempotencyKey: input.refundId },
        )
        return mapRefund(r)
      } catch (err) {
        throw asCallError(err)
      }
    },
    parseWebhook(rawBody, headers) {
      const header = headers[STRIPE_SIGNATURE_HEADER]
      if (typeof header !== 'string' || header.length === 0 || header.length > 2000) {
        throw new AppError('bad_request', 'Missing Stripe-Signature header')
      }
      // The SDK refuses old timestamps; a timestamp far in the future is refused here too.
      const t = /(?:^|,)t=(\d{1,12})(?:,|$)/.exec(header)
      if (t && Number(t[1]) - clock() / 1000 > STRIPE_WEBHOOK_TOLERANCE_SECONDS) {
        throw new AppError('bad_request', 'Webhook timestamp is outside the tolerance')
      }
      let event: Stripe.Event
      try {
        event = stripe.webhooks.constructEvent(
          rawBody,
          header,
          webhookSecret,
          STRIPE_WEBHOOK_TOLERANCE_SECONDS,
          undefined,
          clock(),
        )
      } catch {
        throw new AppError('bad_request', 'Webhook signature verification failed')
      }
      return mapEvent(event)
    },
  }
}

/** Maps a verified Stripe event to ours; anything we do not act on is `other`. */
export function mapEvent(event: Stripe.Event): ProviderWebhookEvent {
  if (typeof event.id !== 'string' || event.id.length > 255) {
    throw new AppError('bad_request', 'Webhook event has no usable id')
  }
  const object = (event.data?.object ?? {}) as { id?: unknown; metadata?: Record<string, string> | null }
  const ref = typeof object.id === 'string' ? object.id.slice(0, 255) : ''
  const other: ProviderWebhookEvent = { id: event.id, type: 'other', providerRef: ref }
  // Our payment id, set as metadata at creation: finds the payment when its ref was never recorded.
  const paymentId = object.metadata?.paymentId
  const payment = {
    id: event.id,
    providerRef: ref,
    ...(typeof paymentId === 'string' ? { ourRef: paymentId.slice(0, 100) } : {}),
  }
  if (event.type === 'payment_intent.succeeded') {
    return { ...payment, type: 'payment.succeeded', feeMinor: stripeFee(event.data.object) }
  }
  if (event.type === 'payment_intent.payment_failed') {
    return {
      ...payment,
      type: 'payment.failed',
      failureCode: (event.data.object.last_payment_error?.code ?? 'payment_failed').slice(0, 100),
    }
  }
  if (event.type === 'refund.updated' || event.type === 'refund.failed') {
    const r = event.data.object
    const ourRef = typeof r.metadata?.refundId === 'string' ? r.metadata.refundId.slice(0, 100) : undefined
    const common = { id: event.id, providerRef: ref, ...(ourRef ? { ourRef } : {}) }
    if (r.status === 'succeeded') return { ...common, type: 'refund.succeeded' }
    if (r.status === 'failed' || r.status === 'canceled') {
      return { ...common, type: 'refund.failed', failureCode: (r.failure_reason ?? r.status).slice(0, 100) }
    }
  }
  // charge.refunded does not name the refund it is about: refund.updated carries the outcome.
  return other
}
