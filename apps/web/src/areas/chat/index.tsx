import { lazy } from 'react'
import { signedIn, type Area } from '../types.ts'

const ChatPage = lazy(() => import('./ChatPage.tsx'))
const NewConversationPage = lazy(() => import('./NewConversationPage.tsx'))
const NewGroupPage = lazy(() => import('./NewGroupPage.tsx'))
const NotificationsPage = lazy(() => import('./NotificationsPage.tsx'))
const NotificationSettingsPage = lazy(() => import('./NotificationSettingsPage.tsx'))

export { chatWithHref, conversationHref } from './links.ts'

export const area: Area = {
  routes: [
    { path: '/chat', element: <ChatPage /> },
    { path: '/chat/new', element: <NewConversationPage /> },
    { path: '/chat/new/group', element: <NewGroupPage /> },
    { path: '/chat/:conversationId', element: <ChatPage /> },
    { path: '/notifications', element: <NotificationsPage /> },
    { path: '/settings/notifications', element: <NotificationSettingsPage /> },
  ],
  links: [
    { to: '/chat', label: 'Messages', place: 'main', show: signedIn },
    { to: '/notifications', label: 'Notifications', place: 'account', show: signedIn },
    { to: '/settings/notifications', label: 'Notification settings', place: 'account', show: signedIn },
  ],
}
