import Stripe from 'stripe'
import { AppError } from '@learnmesh/kernel'
import type { CommerceConfig } from '../config.ts'
import { createStripeClient } from '../payments/stripe.ts'
import type { PayoutProvider } from './payout-provider.ts'

/** A Stripe Connect account id. */
export const STRIPE_ACCOUNT_ID = /^acct_[A-Za-z0-9]{1,64}$/

/** Stripe error codes that mean "this transfer will never go through as is": the payout fails. */
const REFUSED = new Set([
  'balance_insufficient',
  'resource_missing',
  'account_invalid',
  'transfers_not_allowed',
  'insufficient_capabilities_for_transfer',
  'parameter_invalid_integer',
  'amount_too_small',
])

/**
 * Stripe Connect payouts: a transfer from the platform balance to the payee's connected account
 * (`acct_…` from payout_accounts), idempotency key = our payout id, so a payout re-sent after a
 * crash is paid once. A refusal (insufficient balance, unknown account…) is `failed` (the money
 * goes back to the payee's payable balance); a network error or 5xx throws and the payout stays
 * `pending` for the next run.
 */
export function stripePayoutProvider(
  config: CommerceConfig,
  client: Stripe = createStripeClient(config),
): PayoutProvider {
  return {
    name: 'stripe',
    needsDestination: true,
    async send(request) {
      if (!request.destination || !STRIPE_ACCOUNT_ID.test(request.destination)) {
        return { status: 'failed', reason: 'no_connected_account' }
      }
      try {
        const transfer = await client.transfers.create(
          {
            amount: request.amountMinor,
            currency: request.currency.toLowerCase(),
            destination: request.destination,
            transfer_group: request.payoutId,
            metadata: { payoutId: request.payoutId, orgId: request.orgId, payeeUserId: request.payeeUserId },
          },
          { idempotencyKey: request.payoutId },
        )
        return { status: 'paid', providerRef: transfer.id }
      } catch (err) {
        if (
          err instanceof Stripe.errors.StripeError &&
          (err.statusCode ?? 500) < 500 &&
          err.statusCode !== 429 &&
          err.code &&
          REFUSED.has(err.code)
        ) {
          return { status: 'failed', reason: err.code }
        }
        const e = err as { type?: string; code?: string; message?: string }
        throw new Error(
          `stripe transfer failed: ${e.type ?? 'error'} ${e.code ?? ''} ${e.message ?? ''}`.trim(),
        )
      }
    },
  }
}

/**
 * Connect onboarding: creates an Express account for the payee and an onboarding link (Stripe
 * hosts the KYC pages). The account id is stored in payout_accounts by the caller.
 */
export function createStripeConnect(config: CommerceConfig, client: Stripe = createStripeClient(config)) {
  return {
    async createAccount(input: { orgId: string; userId: string; email?: string }): Promise<string> {
      try {
        const account = await client.accounts.create(
          {
            type: 'express',
            ...(input.email ? { email: input.email } : {}),
            capabilities: { transfers: { requested: true } },
            metadata: { orgId: input.orgId, userId: input.userId },
          },
          { idempotencyKey: `acct:${input.orgId}:${input.userId}` },
        )
        return account.id
      } catch (err) {
        throw new AppError('bad_gateway', 'Stripe could not create the connected account', {
          reason: (err as { code?: string }).code ?? 'stripe_error',
        })
      }
    },
    /**
     * Whether Stripe knows this account as one connected to the platform and, when the platform
     * created it (metadata orgId/userId), created it for this payee.
     */
    async isConnected(accountId: string, owner: { orgId: string; userId: string }): Promise<boolean> {
      try {
        const account = await client.accounts.retrieve(accountId)
        const meta = account.metadata ?? {}
        if (meta.userId !== undefined && (meta.userId !== owner.userId || meta.orgId !== owner.orgId)) {
          return false
        }
        return account.id === accountId
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode ?? 0
        if (err instanceof Stripe.errors.StripeError && status >= 400 && status < 500 && status !== 429) {
          return false
        }
        throw new AppError('bad_gateway', 'Stripe could not be reached to check the account')
      }
    },
    async onboardingLink(accountId: string, urls: { returnUrl: string; refreshUrl: string }) {
      try {
        const link = await client.accountLinks.create({
          account: accountId,
          type: 'account_onboarding',
          return_url: urls.returnUrl,
          refresh_url: urls.refreshUrl,
        })
        return { url: link.url, expiresAt: new Date(link.expires_at * 1000).toISOString() }
      } catch (err) {
        throw new AppError('bad_gateway', 'Stripe could not create the onboarding link', {
          reason: (err as { code?: string }).code ?? 'stripe_error',
        })
      }
    },
  }
}
