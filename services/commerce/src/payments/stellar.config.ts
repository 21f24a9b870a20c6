import { Asset, Keypair, StrKey } from '@stellar/stellar-sdk'
import type { CommerceConfig } from '../config.ts'

/** True when commerce uses Stellar for payments or payouts. */
export function usesStellar(config: Pick<CommerceConfig, 'PAYMENT_PROVIDER' | 'PAYOUT_PROVIDER'>): boolean {
  return config.PAYMENT_PROVIDER === 'stellar' || config.PAYOUT_PROVIDER === 'stellar'
}

/**
 * The STELLAR_* variables' cross-field rules, checked only when a stellar provider is selected.
 * Messages name the variable and never echo a secret's value.
 */
export function stellarConfigProblems(config: CommerceConfig): { variable: string; message: string }[] {
  if (!usesStellar(config)) return []
  const problems: { variable: string; message: string }[] = []
  const seed = config.STELLAR_SECRET_SEED
  if (!seed) {
    problems.push({
      variable: 'STELLAR_SECRET_SEED',
      message: 'is required when the stellar provider is used',
    })
  } else if (!StrKey.isValidEd25519SecretSeed(seed)) {
    problems.push({ variable: 'STELLAR_SECRET_SEED', message: 'is not a Stellar secret seed (S…)' })
  }
  const platform = config.STELLAR_PLATFORM_ACCOUNT
  if (platform !== '') {
    if (!StrKey.isValidEd25519PublicKey(platform)) {
      problems.push({ variable: 'STELLAR_PLATFORM_ACCOUNT', message: 'is not a Stellar account id (G…)' })
    } else if (
      seed &&
      StrKey.isValidEd25519SecretSeed(seed) &&
      Keypair.fromSecret(seed).publicKey() !== platform
    ) {
      problems.push({
        variable: 'STELLAR_PLATFORM_ACCOUNT',
        message:
          'is not the account of STELLAR_SECRET_SEED (the platform receives and sends with one account)',
      })
    }
  }
  if (!/^[A-Za-z0-9]{1,12}$/.test(config.STELLAR_ASSET_CODE)) {
    problems.push({
      variable: 'STELLAR_ASSET_CODE',
      message: 'must be XLM or an asset code of 1–12 letters/digits',
    })
  } else if (
    config.STELLAR_ASSET_CODE !== 'XLM' &&
    !StrKey.isValidEd25519PublicKey(config.STELLAR_ASSET_ISSUER)
  ) {
    problems.push({
      variable: 'STELLAR_ASSET_ISSUER',
      message: `must be the issuer account (G…) of ${config.STELLAR_ASSET_CODE}`,
    })
  }
  if (currencyDecimals(config.STELLAR_CURRENCY) === null) {
    problems.push({ variable: 'STELLAR_CURRENCY', message: 'is not an ISO 4217 currency with 0–7 decimals' })
  }
  const url = config.STELLAR_HORIZON_URL
  if (!/^https?:\/\/[^\s]+$/.test(url)) {
    problems.push({ variable: 'STELLAR_HORIZON_URL', message: 'must be an http(s) URL' })
  } else if (config.NODE_ENV === 'production' && !url.startsWith('https://')) {
    problems.push({ variable: 'STELLAR_HORIZON_URL', message: 'must use https in production' })
  }
  return problems
}

/** Decimals of a currency's minor unit (USD 2, JPY 0, BHD 3); null when unknown or above 7. */
export function currencyDecimals(currency: string): number | null {
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits
    return digits !== undefined && digits <= 7 ? digits : null
  } catch {
    return null
  }
}

/** Stellar settings resolved from a config that passed `stellarConfigProblems`. */
export interface StellarSettings {
  horizonUrl: string
  networkPassphrase: string
  /** The platform account: receives payments, sends refunds and payouts. */
  platform: string
  /** Signs refunds and payouts. Holds the secret: never log this object. */
  keypair: Keypair
  asset: Asset
  /** The order currency accepted, and its minor-unit decimals. */
  currency: string
  decimals: number
  pollSeconds: number
  /** http Horizon URLs are allowed outside production (the local test server). */
  allowHttp: boolean
}

/** Resolves the Stellar settings; throws when the config was not validated for Stellar. */
export function stellarSettings(config: CommerceConfig): StellarSettings {
  const seed = config.STELLAR_SECRET_SEED
  if (!seed || !StrKey.isValidEd25519SecretSeed(seed)) {
    throw new Error('STELLAR_SECRET_SEED is not configured')
  }
  const keypair = Keypair.fromSecret(seed)
  const asset =
    config.STELLAR_ASSET_CODE === 'XLM'
      ? Asset.native()
      : new Asset(config.STELLAR_ASSET_CODE, config.STELLAR_ASSET_ISSUER)
  return {
    horizonUrl: config.STELLAR_HORIZON_URL,
    networkPassphrase: config.STELLAR_NETWORK_PASSPHRASE,
    platform: config.STELLAR_PLATFORM_ACCOUNT || keypair.publicKey(),
    keypair,
    asset,
    currency: config.STELLAR_CURRENCY,
    decimals: currencyDecimals(config.STELLAR_CURRENCY) ?? 2,
    pollSeconds: config.STELLAR_POLL_SECONDS,
    allowHttp: config.NODE_ENV !== 'production',
  }
}
