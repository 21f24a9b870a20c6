import type { App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it: progress routes. */
export function progressRoutes(_app: App, _deps: LearningDeps): void {}
