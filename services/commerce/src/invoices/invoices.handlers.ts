import { defineHandler, type EventHandler } from '@learnmesh/kernel'
import { commerceOrderPaid, commercePaymentRefunded } from '@learnmesh/contracts'
import type { CommerceDeps } from '../deps.ts'
import { issueCreditNoteForRefund, issueInvoiceForOrder } from './invoices.service.ts'

/**
 * commerce.order.paid → the order's invoice; commerce.payment.refunded → a credit note. Both are
 * idempotent (inbox, then one document per order / refund enforced by unique indexes and a check
 * under the order's row lock).
 */
export function invoiceHandlers(deps: CommerceDeps): EventHandler[] {
  return [
    defineHandler({
      event: commerceOrderPaid,
      async handle(tx, payload, envelope, { log }) {
        if (!envelope.orgId) {
          log.warn('commerce.order.paid without an organization: no invoice')
          return
        }
        await issueInvoiceForOrder(tx, deps.config, envelope.orgId, payload.orderId, log)
      },
    }),
    defineHandler({
      event: commercePaymentRefunded,
      async handle(tx, payload, envelope, { log }) {
        if (!envelope.orgId) {
          log.warn('commerce.payment.refunded without an organization: no credit note')
          return
        }
        await issueCreditNoteForRefund(tx, deps.config, envelope.orgId, payload.refundId, log)
      },
    }),
  ] as EventHandler[]
}
