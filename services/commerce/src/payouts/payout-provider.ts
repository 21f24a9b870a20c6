import type { CommerceConfig } from '../config.ts'

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
  send(request: PayoutRequest): Promise<PayoutResult>
}

/** Deterministic success, no keys: the provider reference is derived from the payout id. */
export function sandboxPayoutProvider(): PayoutProvider {
  return {
    name: 'sandbox',
    needsDestination: false,
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
  }
}
