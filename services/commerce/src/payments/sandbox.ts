import { createHmac, timingSafeEqual } from 'node:crypto'
import { AppError } from '@learnmesh/kernel'
import type { CommerceConfig } from '../config.ts'
import type { PaymentProvider, ProviderPaymentResult, ProviderWebhookEvent } from './provider.ts'

/** Header carrying a sandbox webhook's signature, Stripe style: `t=<unix seconds>,v1=<hex HMAC>`. */
export const SANDBOX_SIGNATURE_HEADER = 'learnmesh-sandbox-signature'
/** A webhook older (or further in the future) than this is refused, like Stripe's default. */
export const WEBHOOK_TOLERANCE_SECONDS = 300

/**
 * Test payment-method tokens: the sandbox's whole behaviour is decided by them (deterministic, no
 * keys). Omitted = `pm_sandbox_ok`.
 */
export const sandboxTokens = {
  /** Succeeds at once. */
  ok: 'pm_sandbox_ok',
  /** Declined: failure code `card_declined`. */
  declined: 'pm_sandbox_declined',
  /** Requires action: the client completes it on POST /sandbox/payments/:ref/complete. */
  action: 'pm_sandbox_action',
  /** Processing: success arrives only later, as a webhook. */
  late: 'pm_sandbox_late',
} as const

const KNOWN = new Set<string>(Object.values(sandboxTokens))

/** A sandbox webhook body: what the sandbox "sends". */
export interface SandboxWebhookBody {
  id: string
  type: ProviderWebhookEvent['type']
  created: number
  data: { providerRef: string; failureCode?: string }
}

function hmac(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('hex')
}

/** The sandbox's payment id for one of our payments: deterministic, unguessable without the secret. */
export function sandboxPaymentRef(config: CommerceConfig, paymentId: string): string {
  return `sbx_pi_${hmac(config.COMMERCE_SECRET, `payment:${paymentId}`).slice(0, 32)}`
}

/** A deterministic event id: the same event re-sent has the same id (and is deduplicated). */
export function sandboxEventId(config: CommerceConfig, type: string, providerRef: string): string {
  return `evt_sbx_${hmac(config.COMMERCE_SECRET, `event:${type}:${providerRef}`).slice(0, 32)}`
}

/** Signs a raw body: the header value Stripe's `generateTestHeaderString` would produce. */
export function signSandboxPayload(
  config: CommerceConfig,
  rawBody: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): string {
  return `t=${timestampSeconds},v1=${hmac(config.COMMERCE_SECRET, `${timestampSeconds}.${rawBody}`)}`
}

/** Builds a signed sandbox webhook (body and header) for a payment or refund event. */
export function buildSandboxWebhook(
  config: CommerceConfig,
  event: { type: ProviderWebhookEvent['type']; providerRef: string; failureCode?: string },
  timestampSeconds = Math.floor(Date.now() / 1000),
): { rawBody: string; signature: string; body: SandboxWebhookBody } {
  const body: SandboxWebhookBody = {
    id: sandboxEventId(config, event.type, event.providerRef),
    type: event.type,
    created: timestampSeconds,
    data: {
      providerRef: event.providerRef,
      ...(event.failureCode ? { failureCode: event.failureCode } : {}),
    },
  }
  const rawBody = JSON.stringify(body)
  return { rawBody, signature: signSandboxPayload(config, rawBody, timestampSeconds), body }
}

const EVENT_TYPES = new Set(['payment.succeeded', 'payment.failed', 'refund.succeeded', 'refund.failed'])

/**
 * The sandbox provider: no keys, no network, deterministic. The payment method token decides the
 * outcome (see `sandboxTokens`); refunds always succeed. Webhooks are HMAC-SHA256 signed with
 * COMMERCE_SECRET over `<t>.<raw body>`, checked in constant time with a 300 s tolerance.
 */
export function createSandboxProvider(
  config: CommerceConfig,
  clock: () => number = Date.now,
): PaymentProvider {
  return {
    name: 'sandbox',
    local: true,
    async createPayment(input): Promise<ProviderPaymentResult> {
      const providerRef = sandboxPaymentRef(config, input.paymentId)
      const token = input.paymentMethod ?? sandboxTokens.ok
      switch (token) {
        case sandboxTokens.declined:
          return { providerRef, status: 'failed', failureCode: 'card_declined', feeMinor: 0 }
        case sandboxTokens.action:
          return {
            providerRef,
            status: 'requires_action',
            nextAction: {
              type: 'redirect_to_url',
              method: 'POST',
              url: `${config.PUBLIC_URL}/api/commerce/sandbox/payments/${providerRef}/complete`,
            },
            feeMinor: 0,
          }
        case sandboxTokens.late:
          return { providerRef, status: 'processing', feeMinor: 0 }
        default:
          if (!KNOWN.has(token)) {
            return { providerRef, status: 'failed', failureCode: 'invalid_payment_method', feeMinor: 0 }
          }
          return { providerRef, status: 'succeeded', feeMinor: 0 }
      }
    },
    async refund(input) {
      return {
        providerRef: `sbx_re_${hmac(config.COMMERCE_SECRET, `refund:${input.refundId}`).slice(0, 32)}`,
        status: 'succeeded',
      }
    },
    parseWebhook(rawBody, headers) {
      const header = headers[SANDBOX_SIGNATURE_HEADER]
      if (typeof header !== 'string' || header.length > 1000) {
        throw new AppError('bad_request', 'Missing webhook signature')
      }
      let timestamp: number | null = null
      const signatures: string[] = []
      for (const part of header.split(',')) {
        const [k, v] = part.split('=', 2) as [string, string | undefined]
        if (k.trim() === 't' && v && /^\d{1,12}$/.test(v.trim())) timestamp = Number(v.trim())
        if (k.trim() === 'v1' && v && /^[0-9a-f]{64}$/.test(v.trim())) signatures.push(v.trim())
      }
      if (timestamp === null || signatures.length === 0) {
        throw new AppError('bad_request', 'Malformed webhook signature header')
      }
      const expected = Buffer.from(
        hmac(config.COMMERCE_SECRET, `${timestamp}.${rawBody.toString('utf8')}`),
        'hex',
      )
      const valid = signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected))
      if (!valid) throw new AppError('bad_request', 'Webhook signature does not match the payload')
      if (Math.abs(clock() / 1000 - timestamp) > WEBHOOK_TOLERANCE_SECONDS) {
        throw new AppError('bad_request', 'Webhook timestamp is outside the tolerance')
      }
      let body: unknown
      try {
        body = JSON.parse(rawBody.toString('utf8'))
      } catch {
        throw new AppError('bad_request', 'Webhook body is not JSON')
      }
      const b = body as Partial<SandboxWebhookBody> | null
      if (
        !b ||
        typeof b.id !== 'string' ||
        b.id.length > 200 ||
        typeof b.type !== 'string' ||
        !b.data ||
        typeof b.data.providerRef !== 'string' ||
        b.data.providerRef.length > 200
      ) {
        throw new AppError('bad_request', 'Webhook body is not a sandbox event')
      }
      return {
        id: b.id,
        type: EVENT_TYPES.has(b.type) ? (b.type as ProviderWebhookEvent['type']) : 'other',
        providerRef: b.data.providerRef,
        ...(typeof b.data.failureCode === 'string' ? { failureCode: b.data.failureCode.slice(0, 100) } : {}),
      }
    },
  }
}
