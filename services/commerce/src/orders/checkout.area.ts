import type { CommerceDeps } from '../deps.ts'
import { createCartsService } from '../carts/carts.service.ts'
import { createCouponsService } from '../coupons/coupons.service.ts'
import { createPaymentsCore } from '../payments/payments.service.ts'
import { createPaymentProvider, type PaymentProvider } from '../payments/provider.ts'
import { createProductsService } from '../products/products.service.ts'
import { createRefundsService } from '../refunds/refunds.service.ts'
import { createSelfRefunds } from '../refunds/self-refund.ts'
import { createIdempotency } from '../shared/idempotency.ts'
import { createCheckoutService } from './checkout.service.ts'

/** Every service of the checkout area, built from commerce's deps (plain factories, no state). */
export function createCheckoutArea(
  deps: CommerceDeps,
  provider: PaymentProvider = createPaymentProvider(deps.config),
) {
  const payments = createPaymentsCore(deps, provider)
  const refunds = createRefundsService(deps, provider)
  const idempotency = createIdempotency(deps.database)
  return {
    provider,
    payments,
    products: createProductsService(deps.database),
    coupons: createCouponsService(deps.database),
    carts: createCartsService(deps.database, deps.config),
    checkout: createCheckoutService(deps, provider, payments, idempotency),
    refunds,
    selfRefunds: createSelfRefunds(deps, refunds),
    idempotency,
  }
}

/** What createCheckoutArea returns. */
export type CheckoutArea = ReturnType<typeof createCheckoutArea>
