import type { App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it: courses routes. */
export function coursesRoutes(_app: App, _deps: LearningDeps): void {}
