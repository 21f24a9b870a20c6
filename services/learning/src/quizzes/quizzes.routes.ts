import type { App } from '@learnmesh/kernel'
import type { LearningDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it: quizzes routes. */
export function quizzesRoutes(_app: App, _deps: LearningDeps): void {}
