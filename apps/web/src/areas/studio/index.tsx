import { lazy } from 'react'
import type { Area } from '../types.ts'
import { canAuthor } from './access.ts'

// Every studio page is its own lazy chunk; dnd-kit and the markdown editor load only with the pages
// that use them (the builder, and the lesson editor inside it).
const StudioHomePage = lazy(() => import('./StudioHomePage.tsx'))
const CourseBuilderPage = lazy(() => import('./CourseBuilderPage.tsx'))
const QuizEditorPage = lazy(() => import('./QuizEditorPage.tsx'))
const GradingPage = lazy(() => import('./GradingPage.tsx'))
const ToGradePage = lazy(() => import('./ToGradePage.tsx'))
const EarningsPage = lazy(() => import('./EarningsPage.tsx'))

export const area: Area = {
  routes: [
    { path: '/studio', element: <StudioHomePage /> },
    { path: '/studio/courses/:courseId', element: <CourseBuilderPage /> },
    { path: '/studio/courses/:courseId/quizzes/:quizId', element: <QuizEditorPage /> },
    { path: '/studio/to-grade', element: <ToGradePage /> },
    { path: '/studio/grading', element: <GradingPage /> },
    { path: '/studio/earnings', element: <EarningsPage /> },
  ],
  links: [{ to: '/studio', label: 'Studio', place: 'account', show: canAuthor }],
}
