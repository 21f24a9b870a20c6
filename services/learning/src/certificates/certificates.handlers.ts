import type { EventHandler } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it. */
export function certificateHandlers(_deps: LearningDeps): EventHandler[] {
  return []
}
