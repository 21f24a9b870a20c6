import { lazy } from 'react'
import { signedIn, type Area } from '../types.ts'

const CartPage = lazy(() => import('./CartPage.tsx'))
const OrderPage = lazy(() => import('./OrderPage.tsx'))
const OrdersPage = lazy(() => import('./OrdersPage.tsx'))
const MyLearningPage = lazy(() => import('./MyLearningPage.tsx'))
const PlayerPage = lazy(() => import('./PlayerPage.tsx'))
const CertificatesPage = lazy(() => import('./CertificatesPage.tsx'))
const VerifyCertificatePage = lazy(() => import('./VerifyCertificatePage.tsx'))
const PlansPage = lazy(() => import('./PlansPage.tsx'))
const SubscriptionsPage = lazy(() => import('./SubscriptionsPage.tsx'))

// Pages are lazy chunks: hls.js, react-markdown and Stripe load only with the pages that use them.
export const area: Area = {
  routes: [
    { path: '/cart', element: <CartPage /> },
    { path: '/orders', element: <OrdersPage /> },
    { path: '/orders/:orderId', element: <OrderPage /> },
    { path: '/learning', element: <MyLearningPage /> },
    { path: '/learn/:courseId', element: <PlayerPage /> },
    { path: '/learn/:courseId/:lessonId', element: <PlayerPage /> },
    { path: '/certificates', element: <CertificatesPage /> },
    { path: '/plans', element: <PlansPage /> },
    { path: '/subscriptions', element: <SubscriptionsPage /> },
    // learning's certificates carry `${PUBLIC_URL}/verify/<code>`; the longer form reads better in links.
    { path: '/verify/:code', element: <VerifyCertificatePage /> },
    { path: '/certificates/:code/verify', element: <VerifyCertificatePage /> },
  ],
  links: [
    { to: '/learning', label: 'My learning', place: 'main', show: signedIn },
    { to: '/plans', label: 'Plans', place: 'main', show: signedIn },
    { to: '/cart', label: 'Cart', place: 'main', show: signedIn },
    { to: '/orders', label: 'Orders & receipts', place: 'account', show: signedIn },
    { to: '/subscriptions', label: 'My subscriptions', place: 'account', show: signedIn },
    { to: '/certificates', label: 'Certificates', place: 'account', show: signedIn },
  ],
}
