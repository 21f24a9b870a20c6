import { lazy } from 'react'
import { createBrowserRouter } from 'react-router'
import { Layout } from './components/Layout.tsx'
import { areas } from './areas/all.ts'

// Every page is its own chunk: the catalog's initial JavaScript is the shell plus the catalog page
// (scripts/check-bundle.mjs holds it to 250 KB gzipped).
const HomePage = lazy(() => import('./pages/HomePage.tsx'))
const CatalogPage = lazy(() => import('./pages/CatalogPage.tsx'))
const CoursePage = lazy(() => import('./pages/CoursePage.tsx'))
const SignUpPage = lazy(() => import('./pages/SignUpPage.tsx'))
const SignInPage = lazy(() => import('./pages/SignInPage.tsx'))
const SignInCompletePage = lazy(() => import('./pages/SignInCompletePage.tsx'))
const VerifyEmailPage = lazy(() => import('./pages/VerifyEmailPage.tsx'))
const ForgotPasswordPage = lazy(() => import('./pages/ForgotPasswordPage.tsx'))
const ResetPasswordPage = lazy(() => import('./pages/ResetPasswordPage.tsx'))
const MailboxPage = lazy(() => import('./pages/MailboxPage.tsx'))
const NotFoundPage = lazy(() => import('./pages/NotFoundPage.tsx'))

export const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <HomePage /> },
      { path: '/catalog', element: <CatalogPage /> },
      { path: '/courses/:slug', element: <CoursePage /> },
      { path: '/signup', element: <SignUpPage /> },
      { path: '/signin', element: <SignInPage /> },
      { path: '/signin/complete', element: <SignInCompletePage /> },
      { path: '/verify-email', element: <VerifyEmailPage /> },
      { path: '/forgot-password', element: <ForgotPasswordPage /> },
      { path: '/reset-password', element: <ResetPasswordPage /> },
      { path: '/dev/mailbox', element: <MailboxPage /> },
      { path: '/dev/mailbox/:id', element: <MailboxPage /> },
      ...areas.flatMap((a) => a.routes),
      { path: '*', element: <NotFoundPage /> },
    ],
  },
])
