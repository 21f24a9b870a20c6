import { StrKey } from '@stellar/stellar-sdk'
import type { CommerceConfig } from '../config.ts'
import { minorToAmount } from '../payments/stellar.amounts.ts'
import { createStellarClient, memoFor, type StellarClient } from '../payments/stellar.client.ts'
import { stellarSettings } from '../payments/stellar.config.ts'
import type { PayoutProvider } from './payout-provider.ts'

/**
 * Stellar payouts: a payment of the configured asset from the platform account to the payee's
 * account (`G…` from payout_accounts), signed with STELLAR_SECRET_SEED, memo derived from the
 * payout id. Sent at most once per payout (stellar.client.ts `sendOnce`: a successful platform
 * transaction with the payout's memo is found and reused). A refusal (no such account, no
 * trustline for the asset, platform underfunded) is `failed` (the money goes back to the payee's
 * payable balance); an unknown outcome throws and the payout stays `pending` for the next run.
 */
export function stellarPayoutProvider(config: CommerceConfig, client?: StellarClient): PayoutProvider {
  const settings = stellarSettings(config)
  const stellar = client ?? createStellarClient(settings)
  return {
    name: 'stellar',
    needsDestination: true,
    async send(request) {
      if (!request.destination || !StrKey.isValidEd25519PublicKey(request.destination)) {
        return { status: 'failed', reason: 'invalid_destination' }
      }
      if (request.currency !== settings.currency)
        return { status: 'failed', reason: 'currency_not_supported' }
      if (request.destination === settings.platform)
        return { status: 'failed', reason: 'invalid_destination' }
      const sent = await stellar.sendOnce(
        request.destination,
        minorToAmount(request.amountMinor, settings.decimals),
        memoFor('payout', request.payoutId),
      )
      return sent.status === 'sent'
        ? { status: 'paid', providerRef: sent.hash }
        : { status: 'failed', reason: sent.code }
    },
  }
}
