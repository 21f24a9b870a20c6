import type { CommerceConfig } from '../config.ts'
import { createSandboxProvider } from './sandbox.ts'
import { createStripeProvider } from './stripe.ts'
import { createStellarProvider } from './stellar.ts'
import { AppError } from '@learnmesh/kernel'

/** What a client must do to finish a payment (3-D Secure page, wallet, client-side confirmation). */
export type NextAction =
  | { type: 'redirect_to_url'; url: string; method: 'POST' | 'GET' }
  /** Stripe: the PaymentIntent's client secret, confirmed by Stripe.js in the browser. */
  | { type: 'client_secret'; clientSecret: string }
  /** Stellar: a SEP-0007 `web+stellar:pay?…` URI (destination, asset, amount, memo) for the wallet. */
  | { type: 'stellar_pay_uri'; url: string }

/** A payment's state as the provider reports it. */
export interface ProviderPaymentResult {
  /** The provider's id (PaymentIntent id, Stellar transaction hash, sandbox id). */
  providerRef: string
  status: 'succeeded' | 'requires_action' | 'processing' | 'failed'
  /** Machine-readable decline reason (`card_declined`) when failed. */
  failureCode?: string
  nextAction?: NextAction
  /** The provider's fee, minor units (0 when unknown at this point). */
  feeMinor: number
}

/** What createPayment is given. */
export interface CreatePaymentInput {
  /** Our payment id: also the provider-side idempotency key (a retried call creates nothing new). */
  paymentId: string
  orderId: string
  orgId: string
  amountMinor: number
  currency: string
  /** A provider payment-method reference chosen by the client (sandbox test token, Stripe `pm_…`). */
  paymentMethod: string | null
  /** Where the provider sends the customer back after an action. */
  returnUrl: string
}

/** A refund's outcome at the provider. */
export interface ProviderRefundResult {
  providerRef: string
  /** `pending`: the provider confirms later by webhook. */
  status: 'succeeded' | 'pending' | 'failed'
  failureCode?: string
}

/** A verified, parsed webhook event. */
export interface ProviderWebhookEvent {
  /** The provider's event id: applied once (provider_events). */
  id: string
  type: 'payment.succeeded' | 'payment.failed' | 'refund.succeeded' | 'refund.failed' | 'other'
  /** The payment (or refund) the event is about. */
  providerRef: string
  failureCode?: string
  feeMinor?: number
  /** Our own id (payment or refund id) from the provider object's metadata, when it carries one. */
  ourRef?: string
}

/**
 * A payment provider adapter. The interface follows Stripe's PaymentIntents model (create →
 * maybe requires_action with a client secret / redirect → succeeded by confirmation or webhook),
 * which Stellar (a payment request watched until its transaction lands) also fits.
 */
export interface PaymentProvider {
  /** `sandbox` | `stripe` | `stellar`: stored on payments. */
  readonly name: string
  /**
   * True when the adapter answers without network I/O (the sandbox): checkout then creates the
   * order, calls the provider and captures in ONE transaction. Networked adapters leave it unset:
   * the call happens between two transactions so no lock is held across the network.
   */
  readonly local?: boolean
  /** The only order currencies the adapter takes (checkout answers 422 for others); all when unset. */
  readonly currencies?: readonly string[]
  /** Starts a payment; idempotent on `paymentId`. */
  createPayment(input: CreatePaymentInput): Promise<ProviderPaymentResult>
  /** Server-side confirmation after the client acted (Stripe: PaymentIntent confirm). Optional. */
  confirm?(input: { providerRef: string; paymentMethod: string | null }): Promise<ProviderPaymentResult>
  /**
   * Cancels an open payment the customer abandoned (Stripe: PaymentIntent cancel) and answers its
   * state: `failed` once cancelled (or already cancelled); `succeeded` when the customer paid
   * meanwhile, which the caller applies instead of cancelling. Unset: nothing at the provider can
   * be paid without us (the sandbox), so the payment is only cancelled here.
   */
  cancel?(input: { providerRef: string }): Promise<ProviderPaymentResult>
  /** Refunds (part of) a captured payment; idempotent on `refundId`. */
  refund(input: {
    refundId: string
    providerRef: string
    amountMinor: number
    currency: string
  }): Promise<ProviderRefundResult>
  /**
   * Verifies a webhook over the RAW body bytes and its headers and parses it. Forged, stale or
   * re-serialized payloads throw `AppError('bad_request')`.
   */
  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): ProviderWebhookEvent
}

/** The configured provider adapter. */
export function createPaymentProvider(config: CommerceConfig): PaymentProvider {
  if (config.PAYMENT_PROVIDER === 'sandbox') return createSandboxProvider(config)
  if (config.PAYMENT_PROVIDER === 'stripe') return createStripeProvider(config)
  if (config.PAYMENT_PROVIDER === 'stellar') return createStellarProvider(config)
  // Later work: services/commerce/docs/checkout.md ("Providers") describes how they plug in.
  throw new AppError('internal', `payment provider ${config.PAYMENT_PROVIDER} is not available yet`)
}
