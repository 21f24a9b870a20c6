import type { EventHandler } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it: tutoring.lesson.completed / cancelled (escrow). */
export function ledgerHandlers(_deps: CommerceDeps): EventHandler[] {
  return []
}
