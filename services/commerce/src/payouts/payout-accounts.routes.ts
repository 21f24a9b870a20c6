import { requireAuth, bearer, problems, type App } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import {
  MyPayoutAccountSchema,
  OnboardingResponse,
  PayoutAccountSchema,
  PutPayoutAccountBody,
} from './payout-accounts.schemas.ts'
import {
  createPayoutAccountsService,
  presentPayoutAccount,
  type StripeConnect,
} from './payout-accounts.service.ts'

const tags = ['earnings']

/** The signed-in payee's payout account: read, register, and Stripe Connect onboarding. */
export async function payoutAccountsRoutes(
  app: App,
  deps: CommerceDeps,
  options: { connect?: StripeConnect } = {},
): Promise<void> {
  const s = createPayoutAccountsService(deps, options)

  app.get(
    '/earnings/me/payout-account',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My payout account (where payouts are sent)',
        description: '`account` is null while the caller has registered none (not a 404).',
        response: { 200: MyPayoutAccountSchema, ...problems(401) },
      },
    },
    async (request) => {
      const row = await s.get(requireAuth(request))
      return { account: row ? presentPayoutAccount(row) : null }
    },
  )

  app.put(
    '/earnings/me/payout-account',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Register or replace my payout account at the configured payout rail',
        description:
          'Stripe: an `acct_…` connected to the platform (checked with Stripe). Stellar: a `G…` public key. Another rail than PAYOUT_PROVIDER is a 422.',
        body: PutPayoutAccountBody,
        response: { 200: PayoutAccountSchema, ...problems(400, 401, 422, 502) },
      },
    },
    async (request) => presentPayoutAccount(await s.put(requireAuth(request), request.body)),
  )

  app.post(
    '/earnings/me/payout-account/onboarding',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Stripe Connect onboarding: my Express account and a link to Stripe’s onboarding pages',
        description:
          'Creates the Express account on the first call (reused after) and registers it as my payout account; answers a short-lived, single-use onboarding URL. 409 when payouts do not use Stripe.',
        response: { 200: OnboardingResponse, ...problems(401, 409, 502) },
      },
    },
    async (request) => s.startOnboarding(requireAuth(request)),
  )
}
