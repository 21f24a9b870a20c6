import { and, eq } from 'drizzle-orm'
import { AppError, type Principal } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { payoutAccounts } from '../db/schema.ts'
import { createStripeConnect, STRIPE_ACCOUNT_ID } from './stripe-payouts.ts'

/** A payout_accounts row. */
export type PayoutAccountRow = typeof payoutAccounts.$inferSelect

/** Stellar public keys (StrKey ed25519: `G` + 55 base32 characters). */
const STELLAR_ACCOUNT = /^G[A-Z2-7]{55}$/

/** What Stripe Connect onboarding needs (a fake in no test: the local Stripe server plays Stripe). */
export type StripeConnect = ReturnType<typeof createStripeConnect>

/**
 * Where a payee is paid: one payout_accounts row per (org, user), for the configured rail.
 * Stripe: `startOnboarding` creates the payee's Express account (idempotent per org and user)
 * and a Stripe-hosted onboarding link; `put` accepts only an `acct_…` Stripe confirms is connected
 * to this platform. Stellar: a valid `G…` public key.
 */
export function createPayoutAccountsService(deps: CommerceDeps, options: { connect?: StripeConnect } = {}) {
  const db = deps.database.db
  const rail = deps.config.PAYOUT_PROVIDER
  let connect = options.connect
  const stripe = (): StripeConnect => (connect ??= createStripeConnect(deps.config))

  async function save(p: Principal, provider: string, accountRef: string): Promise<PayoutAccountRow> {
    const [row] = await db
      .insert(payoutAccounts)
      .values({ orgId: p.orgId, userId: p.userId, provider, providerAccountRef: accountRef })
      .onConflictDoUpdate({
        target: [payoutAccounts.orgId, payoutAccounts.userId],
        set: { provider, providerAccountRef: accountRef, createdAt: new Date() },
      })
      .returning()
    return row!
  }

  async function find(p: Principal): Promise<PayoutAccountRow | undefined> {
    const [row] = await db
      .select()
      .from(payoutAccounts)
      .where(and(eq(payoutAccounts.orgId, p.orgId), eq(payoutAccounts.userId, p.userId)))
    return row
  }

  return {
    /** GET /earnings/me/payout-account: the caller's account, or null while they have none. */
    async get(p: Principal): Promise<PayoutAccountRow | null> {
      return (await find(p)) ?? null
    },

    /** PUT /earnings/me/payout-account: registers (or replaces) the caller's account at the rail. */
    async put(p: Principal, body: { provider: string; accountRef: string }): Promise<PayoutAccountRow> {
      if (body.provider !== rail) {
        throw new AppError(
          'unprocessable',
          `Payouts are sent with ${rail}; a ${body.provider} account cannot be used`,
        )
      }
      if (rail === 'stripe') {
        if (!STRIPE_ACCOUNT_ID.test(body.accountRef)) {
          throw new AppError('unprocessable', 'A Stripe payout account is an acct_… id')
        }
        if (!(await stripe().isConnected(body.accountRef, { orgId: p.orgId, userId: p.userId }))) {
          throw new AppError(
            'unprocessable',
            'This Stripe account is not a connected account of yours on this platform',
          )
        }
      } else if (rail === 'stellar' && !STELLAR_ACCOUNT.test(body.accountRef)) {
        throw new AppError('unprocessable', 'A Stellar payout account is a G… public key')
      }
      return save(p, rail, body.accountRef)
    },

    /** POST /earnings/me/payout-account/onboarding (Stripe): the Express account and its onboarding link. */
    async startOnboarding(p: Principal) {
      if (rail !== 'stripe')
        throw new AppError('conflict', `Payouts are sent with ${rail}: no Stripe onboarding`)
      const existing = await find(p)
      const accountRef =
        existing?.provider === 'stripe'
          ? existing.providerAccountRef
          : (await save(p, 'stripe', await stripe().createAccount({ orgId: p.orgId, userId: p.userId })))
              .providerAccountRef
      const base = deps.config.PUBLIC_URL
      const link = await stripe().onboardingLink(accountRef, {
        returnUrl: `${base}/earnings/payout-account?onboarding=done`,
        refreshUrl: `${base}/earnings/payout-account?onboarding=refresh`,
      })
      return { provider: 'stripe' as const, accountRef, ...link }
    },
  }
}

/** Presents a payout account. */
export function presentPayoutAccount(row: PayoutAccountRow) {
  return {
    provider: row.provider,
    accountRef: row.providerAccountRef,
    createdAt: row.createdAt.toISOString(),
  }
}
