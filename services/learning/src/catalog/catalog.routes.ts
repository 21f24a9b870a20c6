import type { App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it: catalog routes. */
export function catalogRoutes(_app: App, _deps: LearningDeps): void {}
