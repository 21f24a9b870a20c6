import { Type } from '@learnmesh/kernel'

/** A payee's account at the payout rail. */
export const PayoutAccountSchema = Type.Object({
  /** The rail (`stripe`, `stellar`): always the configured PAYOUT_PROVIDER. */
  provider: Type.String(),
  /** Stripe Connect account id (`acct_…`) or Stellar account (`G…`). */
  accountRef: Type.String(),
  /** When it was registered (or last changed). */
  createdAt: Type.String({ format: 'date-time' }),
})

/**
 * GET /earnings/me/payout-account: 200 either way, so a payee who has not registered an account yet
 * is a normal answer (`account: null`), not a 404 the web app would report as an error.
 */
export const MyPayoutAccountSchema = Type.Object({
  /** The caller's account at the payout rail; null while they have registered none. */
  account: Type.Union([PayoutAccountSchema, Type.Null()]),
})

/** PUT /earnings/me/payout-account. */
export const PutPayoutAccountBody = Type.Object(
  {
    /** Must be the configured payout rail. */
    provider: Type.Union([Type.Literal('stripe'), Type.Literal('stellar')]),
    /** `acct_…` (Stripe, a connected account of this platform) or a `G…` Stellar public key. */
    accountRef: Type.String({ minLength: 6, maxLength: 80, pattern: '^[A-Za-z0-9_]+$' }),
  },
  { additionalProperties: false },
)

/** POST /earnings/me/payout-account/onboarding. */
export const OnboardingResponse = Type.Object({
  provider: Type.Literal('stripe'),
  /** The payee's Express account (created on the first call, reused after). */
  accountRef: Type.String(),
  /** Stripe-hosted onboarding page: send the payee there. Single use, short-lived. */
  url: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
})
