import type { EventHandler } from '@learnmesh/kernel'
import type { CommerceDeps } from './deps.ts'
import { checkoutHandlers } from './orders/checkout.handlers.ts'
import { ledgerHandlers } from './ledger/ledger.handlers.ts'
import { invoiceHandlers } from './invoices/invoices.handlers.ts'

/** Every event commerce consumes, with its handler. */
export function commerceHandlers(deps: CommerceDeps): EventHandler[] {
  return [...checkoutHandlers(deps), ...ledgerHandlers(deps), ...invoiceHandlers(deps)]
}
