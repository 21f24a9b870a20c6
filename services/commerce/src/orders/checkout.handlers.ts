import type { EventHandler } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it: learning.enrollment.rejected (refund compensation), learning.course.published (products). */
export function checkoutHandlers(_deps: CommerceDeps): EventHandler[] {
  return []
}
