import { AppError } from '@learnmesh/kernel'
import type { CommerceConfig } from '../config.ts'
import type { PaymentProvider, ProviderPaymentResult, ProviderRefundResult } from './provider.ts'
import { minorToAmount } from './stellar.amounts.ts'
import { createStellarClient, memoFor, type StellarClient } from './stellar.client.ts'
import { stellarSettings } from './stellar.config.ts'

/** A Stellar transaction hash: what a captured stellar payment's providerRef becomes. */
export const TX_HASH = /^[0-9a-f]{64}$/

/**
 * The stellar payment provider (PAYMENT_PROVIDER=stellar, docs/providers.md).
 *
 * - createPayment answers `requires_action` with a payment request: a SEP-0007 URI to pay the
 *   exact amount of the configured asset to the platform account with a text memo derived from our
 *   payment id. The memo is the payment's providerRef until the payment lands. No network I/O.
 * - The watcher job (stellar.watch.ts) reads the platform account's incoming payments from Horizon
 *   and captures the payment whose memo, asset and amount match; the transaction hash then becomes
 *   the providerRef (and the provider event id).
 * - refund sends the amount back to the account that paid, signed with STELLAR_SECRET_SEED, with a
 *   memo derived from the refund id, at most once (stellar.client.ts).
 * - There are no Stellar webhooks: parseWebhook refuses everything (400).
 */
export function createStellarProvider(config: CommerceConfig, client?: StellarClient): PaymentProvider {
  const settings = stellarSettings(config)
  const stellar = client ?? createStellarClient(settings)
  return {
    name: 'stellar',
    currencies: [settings.currency],
    async createPayment(input): Promise<ProviderPaymentResult> {
      const memo = memoFor('payment', input.paymentId)
      if (input.currency !== settings.currency) {
        return { providerRef: memo, status: 'failed', failureCode: 'currency_not_supported', feeMinor: 0 }
      }
      return {
        providerRef: memo,
        status: 'requires_action',
        nextAction: {
          type: 'stellar_pay_uri',
          url: stellar.payUri(minorToAmount(input.amountMinor, settings.decimals), memo),
        },
        feeMinor: 0,
      }
    },
    async refund(input): Promise<ProviderRefundResult> {
      const memo = memoFor('refund', input.refundId)
      if (!TX_HASH.test(input.providerRef) || input.currency !== settings.currency) {
        // Never captured through Stellar (no landed transaction to send back to).
        return { providerRef: memo, status: 'failed', failureCode: 'payment_not_refundable' }
      }
      const payer = await stellar.payerOf(input.providerRef, settings.asset)
      if (!payer) return { providerRef: memo, status: 'failed', failureCode: 'payer_not_found' }
      // An unknown outcome (StellarUnknownOutcome) throws: the refund stays pending and a retry
      // finds the landed transaction or sends anew once the first can no longer land.
      const sent = await stellar.sendOnce(payer, minorToAmount(input.amountMinor, settings.decimals), memo)
      return sent.status === 'sent'
        ? { providerRef: sent.hash, status: 'succeeded' }
        : { providerRef: memo, status: 'failed', failureCode: sent.code }
    },
    parseWebhook() {
      throw new AppError('bad_request', 'Stellar sends no webhooks; incoming payments are read from Horizon')
    },
  }
}
