import type { App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it: enrollments routes. */
export function enrollmentsRoutes(_app: App, _deps: LearningDeps): void {}
