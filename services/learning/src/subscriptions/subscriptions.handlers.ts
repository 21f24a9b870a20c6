import type { EventHandler } from '@learnmesh/kernel'
import { onSubscriptionActivated } from './on-subscription-activated.ts'
import { onSubscriptionCancelled } from './on-subscription-cancelled.ts'
import { onSubscriptionPastDue } from './on-subscription-past-due.ts'
import { onSubscriptionRenewed } from './on-subscription-renewed.ts'

/** The commerce subscription events learning turns into course access. */
export function subscriptionHandlers(): EventHandler[] {
  return [onSubscriptionActivated, onSubscriptionRenewed, onSubscriptionPastDue, onSubscriptionCancelled]
}
