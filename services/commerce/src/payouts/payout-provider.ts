import type { CommerceConfig } from '../config.ts'
import { stripePayoutProvider } from './stripe-payouts.ts'
import { stellarPayoutProvider } from './stellar-payouts.ts'

/** A payout to send. */
export interface PayoutRequest {
  /** Also the idempotency key at the provider: sending the same payout twice pays once. */
  payoutId: string
  orgId: string
  payeeUserId: string
  currency: string
  amountMinor: number
  /** The payee's account at the provider (payout_accounts), when one is needed. */
  destination: string | null
}

/** What the provider said. */
export type PayoutResult = { status: 'paid'; providerRef: string } | { status: 'failed'; reason: string }

/**
 * A payout rail. `send` must be idempotent by `payoutId` (Stripe transfers and Stellar payments
 * are sent with it as the idempotency key / memo), because a crash after sending and before the
 * commit re-sends on the next run.
 */
export interface PayoutProvider {
  readonly name: string
  /** Whether the payee can be paid without a payout account (sandbox: yes). */
  readonly needsDestination: boolean
  /**
   * True when `send` answers without network I/O (the sandbox): a run then reserves, sends and
   * settles in one transaction. Networked rails leave it unset: reserve, send outside any
   * transaction, settle (payouts.service.ts).
   */
  readonly local?: boolean
  send(request: PayoutRequest): Promise<PayoutResult>
}

/** Deterministic success, no keys: the provider reference is derived from the payout id. */
export function sandboxPayoutProvider(): PayoutProvider {
  return {
    name: 'sandbox',
    needsDestination: false,
    local: true,
    send(request) {
      return Promise.resolve({ status: 'paid', providerRef: `sbx_tr_${request.payoutId.slice(-24)}` })
    },
  }
}

/** The adapter PAYOUT_PROVIDER selects. */
export function payoutProviderFrom(config: CommerceConfig): PayoutProvider {
  switch (config.PAYOUT_PROVIDER) {
    case 'sandbox':
      return sandboxPayoutProvider()
    case 'stripe':
      return stripePayoutProvider(config)
    case 'stellar':
      return stellarPayoutProvider(config)
  }
}
