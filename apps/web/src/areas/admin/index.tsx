import { lazy } from 'react'
import { hasRole, signedIn, type Area } from '../types.ts'

const AccountPage = lazy(() => import('./AccountPage.tsx'))
const OrgAdminPage = lazy(() => import('./OrgAdminPage.tsx'))
const KpisPage = lazy(() => import('./platform/KpisPage.tsx'))
const UsersPage = lazy(() => import('./platform/UsersPage.tsx'))
const RefundsPage = lazy(() => import('./platform/RefundsPage.tsx'))
const DisputesPage = lazy(() => import('./platform/DisputesPage.tsx'))
const TutorReviewPage = lazy(() => import('./platform/TutorReviewPage.tsx'))
const AttentionPage = lazy(() => import('./AttentionPage.tsx'))
const PlansAdminPage = lazy(() => import('./PlansAdminPage.tsx'))
const SubscribersAdminPage = lazy(() => import('./SubscribersAdminPage.tsx'))

/** Account security (everyone signed in), organization admin (org_admin), platform admin. */
export const area: Area = {
  routes: [
    { path: '/account', element: <AccountPage /> },
    { path: '/org', element: <OrgAdminPage /> },
    // A static segment outranks `/org/:tab` in React Router.
    { path: '/org/plans', element: <PlansAdminPage /> },
    { path: '/org/subscriptions', element: <SubscribersAdminPage /> },
    { path: '/org/:tab', element: <OrgAdminPage /> },
    { path: '/admin', element: <KpisPage /> },
    { path: '/admin/kpis', element: <KpisPage /> },
    { path: '/admin/users', element: <UsersPage /> },
    { path: '/admin/refunds', element: <RefundsPage /> },
    { path: '/admin/disputes', element: <DisputesPage /> },
    { path: '/admin/tutors', element: <TutorReviewPage /> },
    { path: '/admin/attention', element: <AttentionPage /> },
  ],
  links: [
    { to: '/account', label: 'Account & security', place: 'account', show: signedIn },
    { to: '/org', label: 'Organization', place: 'account', show: hasRole('org_admin') },
    { to: '/org/plans', label: 'Subscription plans', place: 'account', show: hasRole('org_admin') },
    { to: '/org/subscriptions', label: 'Subscribers', place: 'account', show: hasRole('org_admin') },
    { to: '/admin/attention', label: 'Needs attention', place: 'account', show: hasRole('org_admin') },
    { to: '/admin/kpis', label: 'Platform admin', place: 'account', show: (me) => !!me?.user.platformAdmin },
  ],
}
