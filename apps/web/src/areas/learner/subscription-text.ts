import type { PlanPrice, Subscription } from '../../api/subscriptions.ts'
import { formatDate } from '../../lib/dates.ts'
import { formatAmount } from '../../lib/money.ts'

/** "€15.00 a month", "€150.00 a year". */
export function perInterval(amountMinor: number, currency: string, interval: string | null): string {
  const amount = formatAmount(amountMinor, currency)
  if (interval === 'year') return `${amount} a year`
  if (interval === 'month') return `${amount} a month`
  return amount
}

export const priceText = (p: PlanPrice): string => perInterval(p.unitAmountMinor, p.currency, p.interval)

/** "14-day free trial" (nothing without a trial). */
export const trialText = (p: PlanPrice): string | null =>
  p.trialDays > 0 ? `${p.trialDays}-day free trial` : null

/** "Monthly", "Yearly": how the subscribe buttons of a plan with two prices tell them apart. */
export const intervalLabel = (interval: string | null): string =>
  interval === 'year' ? 'Yearly' : interval === 'month' ? 'Monthly' : 'One-off'

export const STATUS_LABEL: Record<string, string> = {
  incomplete: 'Awaiting payment',
  trialing: 'Free trial',
  active: 'Active',
  past_due: 'Payment failed',
  cancelled: 'Cancelled',
}

export const STATUS_COLOR: Record<string, string> = {
  incomplete: 'gray',
  trialing: 'blue',
  active: 'green',
  past_due: 'red',
  cancelled: 'gray',
}

const CANCEL_REASON: Record<string, string> = {
  period_end: 'cancelled by you at the end of the period',
  admin: 'ended by your organization',
  payment_failed: 'the renewal payment kept failing',
  refunded: 'the period was refunded',
  incomplete_expired: 'the first payment did not go through',
}

/** The sandbox's public test tokens, by what they do (commerce shows them whole). */
const SANDBOX_CARDS: Record<string, string> = {
  pm_sandbox_ok: 'Test card (payments succeed)',
  pm_sandbox_declined: 'Test card (payments are declined)',
  pm_sandbox_action: 'Test card (asks for authentication)',
  pm_sandbox_late: 'Test card (answers later)',
}

/** How the masked payment method reads: "Card ending 4242", or the sandbox test card's behaviour. */
export function paymentMethodText(masked: string): string {
  if (SANDBOX_CARDS[masked]) return SANDBOX_CARDS[masked]
  if (masked.startsWith('pm_sandbox_')) return 'Test card'
  const last4 = /…(.{4})$/.exec(masked)?.[1]
  return last4 ? `Card ending ${last4}` : 'Saved card'
}

/**
 * The one line that says where a subscription stands: what happens next and when. Dates are the
 * server's (period end, trial end, next retry).
 */
export function subscriptionSummary(s: Subscription): string {
  const amount = perInterval(s.unitAmountMinor, s.currency, s.interval)
  const end = formatDate(s.currentPeriodEnd)
  switch (s.status) {
    case 'incomplete':
      return 'Waiting for the first payment to go through.'
    case 'trialing':
      return s.cancelAtPeriodEnd
        ? `Free trial until ${formatDate(s.trialEnd ?? s.currentPeriodEnd)}. It ends then; you will not be charged.`
        : `Free trial until ${formatDate(s.trialEnd ?? s.currentPeriodEnd)}, then ${amount}. First charge on ${formatDate(s.trialEnd ?? s.currentPeriodEnd)}.`
    case 'active':
      return s.cancelAtPeriodEnd
        ? `Cancelled: access until ${end}. You will not be charged again.`
        : `${amount}. Renews on ${end}.`
    case 'past_due':
      return s.cancelAtPeriodEnd
        ? `The renewal payment failed and the subscription is set to end. Access until ${end} at the latest.`
        : `The renewal of ${amount} failed${s.nextAttemptAt ? `; next try on ${formatDate(s.nextAttemptAt)}` : ''}.`
    case 'cancelled':
      return `Ended ${formatDate(s.endedAt)}${s.cancelReason && CANCEL_REASON[s.cancelReason] ? `: ${CANCEL_REASON[s.cancelReason]}` : ''}.`
    default:
      return amount
  }
}
