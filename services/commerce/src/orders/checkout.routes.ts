import type { App } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it: products, carts, coupons, checkout, payments, webhooks, refunds. */
export async function checkoutRoutes(_app: App, _deps: CommerceDeps): Promise<void> {}
