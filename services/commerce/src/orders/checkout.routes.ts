import type { App } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'
import { cartsRoutes } from '../carts/carts.routes.ts'
import { couponsRoutes } from '../coupons/coupons.routes.ts'
import { webhooksRoutes } from '../payments/webhooks.routes.ts'
import { productsRoutes } from '../products/products.routes.ts'
import { createCheckoutArea } from './checkout.area.ts'
import { checkoutOptionsRoutes } from './checkout-options.routes.ts'
import { ordersRoutes } from './orders.routes.ts'

/** Products and prices, carts, coupons, checkout, orders, refunds, payment webhooks and the sandbox. */
export async function checkoutRoutes(app: App, deps: CommerceDeps): Promise<void> {
  const area = createCheckoutArea(deps)
  productsRoutes(app, area)
  couponsRoutes(app, area)
  cartsRoutes(app, area)
  ordersRoutes(app, area)
  checkoutOptionsRoutes(app, deps.config)
  await webhooksRoutes(app, { payments: area.payments, providerName: area.provider.name })
}
