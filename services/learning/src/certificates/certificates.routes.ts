import type { App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it: certificates routes. */
export function certificatesRoutes(_app: App, _deps: LearningDeps): void {}
