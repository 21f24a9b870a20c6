import { lazy } from 'react'
import { hasRole, signedIn, type Area } from '../types.ts'

const TutorSearchPage = lazy(() => import('./TutorSearchPage.tsx'))
const TutorProfilePage = lazy(() => import('./TutorProfilePage.tsx'))
const MyLessonsPage = lazy(() => import('./MyLessonsPage.tsx'))
const TutorConsolePage = lazy(() => import('./TutorConsolePage.tsx'))
const LessonLinkPage = lazy(() => import('./LessonLinkPage.tsx'))
const EarningsLinkPage = lazy(() => import('../EarningsLinkPage.tsx'))

// Tutoring: public search and profiles (booking needs a sign-in), the learner's lessons, the tutor's console.
export const area: Area = {
  routes: [
    { path: '/tutors', element: <TutorSearchPage /> },
    { path: '/tutors/:tutorId', element: <TutorProfilePage /> },
    { path: '/lessons', element: <MyLessonsPage /> },
    { path: '/lessons/:bookingId', element: <LessonLinkPage /> },
    { path: '/tutor', element: <TutorConsolePage /> },
    { path: '/earnings', element: <EarningsLinkPage /> },
  ],
  links: [
    { to: '/tutors', label: 'Tutors', place: 'main' },
    { to: '/lessons', label: 'My lessons', place: 'account', show: signedIn },
    { to: '/tutor', label: 'Tutor console', place: 'account', show: hasRole('tutor') },
  ],
}
