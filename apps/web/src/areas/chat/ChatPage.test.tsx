// @vitest-environment jsdom
import { configure, screen, waitFor } from '@testing-library/react'
import { Route, Routes } from 'react-router'
import { describe, expect, it } from 'vitest'
import type { Conversation } from '../../api/chat.ts'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage, stubApi } from '../../test-render.tsx'
import ChatPage from './ChatPage.tsx'
import { realtime } from './realtime.ts'

installDomStubs()
// Mantine's autosizing textarea listens for font loads.
Object.defineProperty(document, 'fonts', {
  value: { addEventListener() {}, removeEventListener() {} },
  configurable: true,
})
configure({ asyncUtilTimeout: 5000 })

const ME = { user: { id: 'usr_1', displayName: 'Lea' }, orgId: 'org_1', roles: ['learner'] }
const CHANNEL: Conversation = {
  id: 'cnv_1',
  kind: 'course',
  title: 'Algebra I',
  courseId: 'crs_1',
  participantIds: ['usr_1', 'usr_2'],
  unreadCount: 0,
  lastMessageId: null,
  lastReadMessageId: null,
  createdAt: '2026-11-20T10:00:00.000Z',
}
let conversations = [CHANNEL]

stubApi((path) => {
  if (path === '/api/identity/me') return ME
  if (path === '/api/communication/conversations') return { items: conversations }
  if (path.startsWith('/api/communication/conversations/cnv_1/messages')) return { items: [], more: false }
  return undefined
})

describe('chat page', () => {
  it('drops a course channel the learner was taken out of (conversation:removed)', async () => {
    conversations = [CHANNEL]
    renderPage(
      <Routes>
        <Route path="/chat/:conversationId" element={<ChatPage />} />
      </Routes>,
      '/chat/cnv_1',
    )
    expect(await screen.findByRole('link', { name: /Algebra I/ })).toBeTruthy()
    conversations = []
    realtime.dispatch('conversation:removed', { conversationId: 'cnv_1' })
    await waitFor(() => expect(screen.queryByRole('link', { name: /Algebra I/ })).toBeNull())
    expect(await screen.findByText('Conversation not found')).toBeTruthy()
  })
})
