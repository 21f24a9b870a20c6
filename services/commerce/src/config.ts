import { ConfigError, loadConfig, Type, type Static } from '@learnmesh/kernel'
import { stellarConfigProblems } from './payments/stellar.config.ts'

/** The commerce secret used when none is configured: fine on a laptop, refused in production. */
export const DEV_COMMERCE_SECRET = 'learnmesh-dev-commerce-secret-do-not-use-in-production'

/** Commerce's environment. Every variable has a description: the README's config table is generated from them. */
export const CommerceConfigSchema = Type.Object({
  NODE_ENV: Type.String({
    default: 'development',
    description:
      'Runtime mode; `production` refuses development defaults such as the embedded COMMERCE_SECRET.',
  }),
  PUBLIC_URL: Type.String({
    default: 'http://localhost:3000',
    description: 'Public URL of the web app; payment return URLs point here.',
  }),
  COMMERCE_SECRET: Type.String({
    default: DEV_COMMERCE_SECRET,
    minLength: 32,
    description:
      'Secret (>= 32 chars) for the sandbox provider’s webhook signatures and guest cart tokens. Required in production.',
  }),
  PAYMENT_PROVIDER: Type.Union([Type.Literal('sandbox'), Type.Literal('stripe'), Type.Literal('stellar')], {
    default: 'sandbox',
    description: 'Payment provider adapter: `sandbox` (no keys, deterministic), `stripe` or `stellar`.',
  }),
  COURSE_REVENUE_SHARE_PERCENT: Type.Integer({
    default: 80,
    minimum: 0,
    maximum: 100,
    description:
      'Share of a course sale (after discounts, before provider fees) credited to its instructor; the rest is platform revenue.',
  }),
  TUTORING_COMMISSION_POLICY: Type.Union([Type.Literal('flat'), Type.Literal('tiered')], {
    default: 'flat',
    description:
      '`flat`: TUTORING_COMMISSION_PERCENT on every lesson; `tiered`: the rate falls with the tutor’s hours taught.',
  }),
  TUTORING_COMMISSION_PERCENT: Type.Integer({
    default: 20,
    minimum: 0,
    maximum: 100,
    description: 'Platform commission on a tutoring lesson under the flat policy (the tutor gets the rest).',
  }),
  PAYOUT_MINIMUM_MINOR: Type.Integer({
    default: 5000,
    minimum: 0,
    description: 'Payable balances below this (minor units) wait for the next payout period.',
  }),
  PAYOUT_SCHEDULE: Type.String({
    default: '0 6 * * 1',
    description:
      'Cron expression (UTC) of the payout run; each run pays every payable balance >= PAYOUT_MINIMUM_MINOR. Default: Mondays 06:00.',
  }),
  PAYOUT_REQUESTS_PER_DAY: Type.Integer({
    default: 3,
    minimum: 1,
    maximum: 100,
    description:
      'How many times a payee may ask to be paid now (POST /earnings/me/payouts) in any 24 hours; only requests that paid something count.',
  }),
  PAYOUT_PROVIDER: Type.Union([Type.Literal('sandbox'), Type.Literal('stripe'), Type.Literal('stellar')], {
    default: 'sandbox',
    description:
      'Payout provider adapter: `sandbox` (deterministic success, no keys), `stripe` (Connect transfers to the payee’s `acct_…`) or `stellar` (payments to the payee’s `G…` account).',
  }),
  STRIPE_SECRET_KEY: Type.Optional(
    Type.String({
      minLength: 8,
      description:
        'Stripe secret key (`sk_live_…` / `sk_test_…`); required when PAYMENT_PROVIDER or PAYOUT_PROVIDER is `stripe`. Never logged.',
    }),
  ),
  STRIPE_WEBHOOK_SECRET: Type.Optional(
    Type.String({
      minLength: 8,
      description:
        'Signing secret of the Stripe webhook endpoint (`whsec_…`); required when PAYMENT_PROVIDER is `stripe`. Never logged.',
    }),
  ),
  STRIPE_PUBLISHABLE_KEY: Type.Optional(
    Type.String({
      minLength: 8,
      description:
        'Stripe publishable key (`pk_live_…` / `pk_test_…`) the web app gives Stripe.js (GET /checkout/options) when PAYMENT_PROVIDER is `stripe`; public by design.',
    }),
  ),
  STRIPE_API_URL: Type.Optional(
    Type.String({
      description:
        'Base URL of the Stripe API (default https://api.stripe.com); tests point it at the local Stripe-compatible server.',
    }),
  ),
  STELLAR_HORIZON_URL: Type.String({
    default: 'https://horizon-testnet.stellar.org',
    description:
      'Horizon server the stellar provider talks to (https in production; tests point it at the local Horizon-compatible server).',
  }),
  STELLAR_NETWORK_PASSPHRASE: Type.String({
    default: 'Test SDF Network ; September 2015',
    minLength: 1,
    description:
      'Stellar network passphrase (testnet by default; `Public Global Stellar Network ; September 2015` for the public network).',
  }),
  STELLAR_PLATFORM_ACCOUNT: Type.String({
    default: '',
    description:
      'The platform’s Stellar account (`G…`) that receives payments and sends refunds and payouts; empty = derived from STELLAR_SECRET_SEED.',
  }),
  STELLAR_SECRET_SEED: Type.Optional(
    Type.String({
      description:
        'Secret seed (`S…`) of STELLAR_PLATFORM_ACCOUNT, signs refunds and payouts; required when PAYMENT_PROVIDER or PAYOUT_PROVIDER is `stellar`. Never logged.',
    }),
  ),
  STELLAR_ASSET_CODE: Type.String({
    default: 'USDC',
    description:
      'Asset customers pay in and payees are paid in: `XLM` (native) or an issued asset code such as `USDC`.',
  }),
  STELLAR_ASSET_ISSUER: Type.String({
    default: '',
    description: 'Issuer account (`G…`) of STELLAR_ASSET_CODE; required unless the asset is XLM.',
  }),
  STELLAR_CURRENCY: Type.String({
    default: 'USD',
    pattern: '^[A-Z]{3}$',
    description:
      'The one order currency the stellar provider accepts; one minor unit of it is priced as 10^(7 − its decimals) stroops of the asset (USD cents → USDC).',
  }),
  STELLAR_POLL_SECONDS: Type.Integer({
    default: 10,
    minimum: 1,
    maximum: 59,
    description: 'How often (seconds) the platform account’s incoming payments are read from Horizon.',
  }),
  STELLAR_PAYMENT_WINDOW_HOURS: Type.Integer({
    default: 24,
    minimum: 1,
    maximum: 720,
    description:
      'An order waiting for its Stellar payment is cancelled this many hours after checkout (its coupons come back); a payment landing later is recorded for reconciliation, not captured.',
  }),
  CARD_PAYMENT_WINDOW_HOURS: Type.Integer({
    default: 24,
    minimum: 1,
    maximum: 720,
    description:
      'An order whose card payment is still open (3-D Secure abandoned, never confirmed) this many hours after it started is cancelled: the PaymentIntent is cancelled at the provider and the coupons come back; a payment that succeeded meanwhile is captured instead.',
  }),
  COURSE_REFUND_WINDOW_DAYS: Type.Integer({
    default: 14,
    minimum: 0,
    maximum: 365,
    description:
      'Days after payment during which a buyer may refund a course line themselves (POST /orders/:orderId/items/:orderItemId/refund); 0 = no self-service refunds.',
  }),
  INVOICE_TAX_RATE_BASIS_POINTS: Type.Integer({
    default: 0,
    minimum: 0,
    maximum: 10_000,
    description:
      'Tax rate included in prices, in basis points (2000 = 20%): shown as a tax line on invoices and, from checkout, credited to the ledger’s tax_payable (payee shares apply to the net); 0 = no tax.',
  }),
  INVOICE_TAX_LABEL: Type.String({
    default: 'VAT',
    minLength: 1,
    description: 'Name of the tax printed on invoices (e.g. VAT, GST).',
  }),
  SUBSCRIPTION_RETRY_DAYS: Type.String({
    default: '1,3,5',
    pattern: '^\\s*\\d{1,3}(\\s*,\\s*\\d{1,3}){0,9}\\s*$',
    description:
      'Failed subscription renewals: retry this many days after the period end (comma-separated, increasing, at most 10); the subscription is `past_due` meanwhile and cancelled after the last retry fails.',
  }),
  SUBSCRIPTION_RENEWAL_SCHEDULE: Type.String({
    default: '*/5 * * * *',
    description:
      'Cron expression (UTC) of the sweep that renews subscriptions whose period ended, retries failed renewals and ends cancelled ones.',
  }),
  BODY_LIMIT_BYTES: Type.Integer({
    default: 1_048_576,
    minimum: 1024,
    description: 'Largest request body accepted (413 beyond).',
  }),
  TRUST_PROXY: Type.String({
    default: 'loopback',
    description:
      'Proxies whose X-Forwarded-For is trusted (Fastify `trustProxy`): `loopback`, `true`, or a list.',
  }),
})

/** Commerce's typed, frozen configuration. */
export type CommerceConfig = Static<typeof CommerceConfigSchema>

/** Reads and validates commerce's config; a wrong value stops the service naming the variable. */
export function loadCommerceConfig(env: Record<string, string | undefined>): CommerceConfig {
  const config = loadConfig('commerce', CommerceConfigSchema, env)
  if (config.NODE_ENV === 'production' && config.COMMERCE_SECRET === DEV_COMMERCE_SECRET) {
    throw new ConfigError(
      [
        {
          variable: 'COMMERCE_SECRET',
          message: 'must be set in production (the development default is public)',
        },
      ],
      'commerce',
    )
  }
  const missing: { variable: string; message: string }[] = []
  const stripe = config.PAYMENT_PROVIDER === 'stripe' || config.PAYOUT_PROVIDER === 'stripe'
  if (stripe && !config.STRIPE_SECRET_KEY) {
    missing.push({ variable: 'STRIPE_SECRET_KEY', message: 'is required when the stripe provider is used' })
  }
  if (config.PAYMENT_PROVIDER === 'stripe' && !config.STRIPE_WEBHOOK_SECRET) {
    missing.push({
      variable: 'STRIPE_WEBHOOK_SECRET',
      message: 'is required when PAYMENT_PROVIDER is stripe',
    })
  }
  missing.push(...stellarConfigProblems(config))
  if (missing.length > 0) throw new ConfigError(missing, 'commerce')
  return config
}

/** Fastify's `trustProxy` option from TRUST_PROXY (`true`, `false`, or addresses/CIDRs, comma-separated). */
export function trustProxyOption(value: string): boolean | string {
  if (value === 'true') return true
  if (value === 'false' || value === '') return false
  return value
}
