import { ConfigError, loadConfig, Type, type Static } from '@learnmesh/kernel'

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
  PAYOUT_PROVIDER: Type.Union([Type.Literal('sandbox')], {
    default: 'sandbox',
    description:
      'Payout provider adapter: `sandbox` (deterministic success, no keys). Stripe Connect and Stellar come later.',
  }),
  INVOICE_TAX_RATE_BASIS_POINTS: Type.Integer({
    default: 0,
    minimum: 0,
    maximum: 10_000,
    description:
      'Tax rate included in prices, in basis points (2000 = 20%), shown as a tax line on invoices; 0 = no tax line.',
  }),
  INVOICE_TAX_LABEL: Type.String({
    default: 'VAT',
    minLength: 1,
    description: 'Name of the tax printed on invoices (e.g. VAT, GST).',
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
  return config
}

/** Fastify's `trustProxy` option from TRUST_PROXY (`true`, `false`, or addresses/CIDRs, comma-separated). */
export function trustProxyOption(value: string): boolean | string {
  if (value === 'true') return true
  if (value === 'false' || value === '') return false
  return value
}
