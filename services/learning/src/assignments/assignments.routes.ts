import type { App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it: assignments routes. */
export function assignmentsRoutes(_app: App, _deps: LearningDeps): void {}
