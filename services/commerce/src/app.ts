import { authPlugin, createApp, type App, type TokenVerifier } from '@learnmesh/kernel'
import { trustProxyOption } from './config.ts'
import type { CommerceDeps } from './deps.ts'
import { checkoutRoutes } from './orders/checkout.routes.ts'
import { ledgerRoutes } from './ledger/ledger.routes.ts'
import { invoicesRoutes } from './invoices/invoices.routes.ts'
import { payoutAccountsRoutes } from './payouts/payout-accounts.routes.ts'
import { subscriptionsRoutes } from './subscriptions/subscriptions.routes.ts'
import { kpisRoutes } from './kpis/kpis.routes.ts'
import { attentionRoutes } from './attention/attention.routes.ts'

/**
 * Builds commerce's HTTP app: kernel chassis, the bearer token plugin, then every route group.
 * Tests call this with an in-memory database.
 */
export async function buildApp(deps: CommerceDeps, options: { verifier: TokenVerifier }): Promise<App> {
  const { config, database } = deps
  const app = await createApp({
    name: 'commerce',
    description:
      'Products and prices, carts and coupons, checkout and payments, the double-entry ledger, escrow, refunds and payouts.',
    logger: deps.logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    readyChecks: { database: () => database.ping() },
  })
  await app.register(authPlugin, { verifier: options.verifier })
  await checkoutRoutes(app, deps)
  await ledgerRoutes(app, deps)
  await payoutAccountsRoutes(app, deps)
  await invoicesRoutes(app, deps)
  subscriptionsRoutes(app, deps)
  kpisRoutes(app, deps)
  attentionRoutes(app, deps)
  return app
}
