// @vitest-environment jsdom
import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { Route, Routes } from 'react-router'
import { describe, expect, it, vi } from 'vitest'
import type { Contact } from '../../api/chat.ts'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage, stubApi } from '../../test-render.tsx'
import { LEARNER_ME } from '../../test-fixtures.ts'
import NewConversationPage from './NewConversationPage.tsx'
import { IVY, TOM } from './test-fixtures.ts'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const CONVERSATION = {
  id: 'cnv_0190a1b2c3d4e5f60718293a4b5c6d7e',
  kind: 'direct',
  title: null,
  courseId: null,
  participantIds: ['usr_learner', 'usr_tom'],
  participants: [],
  unreadCount: 0,
  lastMessageId: null,
  lastReadMessageId: null,
  createdAt: '2026-11-28T10:00:00.000Z',
}

let searches: string[] = []
let contacts: Contact[] = [IVY, TOM]
stubApi((path, query) => {
  if (path === '/api/identity/me') return LEARNER_ME
  if (path === '/api/communication/contacts') {
    const q = new URLSearchParams(query).get('q') ?? ''
    searches.push(q)
    return {
      items: contacts.filter((c) => c.displayName.toLowerCase().includes(q.toLowerCase())),
      nextCursor: null,
    }
  }
  if (path === '/api/communication/conversations/direct') return CONVERSATION
  if (path === '/api/communication/conversations') return { items: [] }
  return undefined
})

function renderNew(path = '/chat/new') {
  searches = []
  return renderPage(
    <Routes>
      <Route path="/chat/new" element={<NewConversationPage />} />
      <Route path="/chat/:id" element={<p>Conversation page</p>} />
    </Routes>,
    path,
  )
}

describe('new conversation page', () => {
  it('lists the people I can message with why, and opens the conversation with the one I choose', async () => {
    contacts = [IVY, TOM]
    renderNew()
    const list = await screen.findByRole('list', { name: 'People you can message' })
    expect(list.textContent).toContain('Instructor of Algebra I')
    const tom = screen.getByRole('link', { name: /^Message Tom Tutor/ })
    fireEvent.click(tom)
    expect(await screen.findByText('Conversation page')).toBeTruthy()
  })

  it('searches by name', async () => {
    contacts = [IVY, TOM]
    renderNew()
    await screen.findByRole('link', { name: /Message Ivy Instructor/ })
    fireEvent.change(screen.getByRole('searchbox', { name: 'Find a person' }), { target: { value: 'tom' } })
    await waitFor(() => expect(screen.queryByRole('link', { name: /Message Ivy Instructor/ })).toBeNull())
    expect(screen.getByRole('link', { name: /Message Tom Tutor/ })).toBeTruthy()
    expect(searches).toContain('tom')
  })

  it('explains who appears there when no one does, and when a search finds no one', async () => {
    contacts = []
    renderNew()
    expect(await screen.findByText(/Once you book a lesson, join a course/)).toBeTruthy()
    expect(screen.getByText(/your tutors and learners, the instructors of your courses/)).toBeTruthy()
    fireEvent.change(screen.getByRole('searchbox', { name: 'Find a person' }), { target: { value: 'zed' } })
    expect(await screen.findByText(/No one whose name contains “zed”/)).toBeTruthy()
  })

  it('explains why someone who is not my contact cannot be messaged, with the way to those who can', async () => {
    const answer = globalThis.fetch
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) =>
      String(input).endsWith('/conversations/direct')
        ? new Response(
            JSON.stringify({
              status: 404,
              code: 'not_found',
              detail:
                'You can only message your contacts, such as your tutors, learners, instructors and people you already talk to',
              reason: 'not_a_contact',
            }),
            { status: 404, headers: { 'content-type': 'application/problem+json' } },
          )
        : answer(input, init),
    )
    contacts = [IVY, TOM]
    renderNew('/chat/new?with=usr_sam')
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('You can only message your contacts')
    expect(within(alert).queryByRole('button', { name: 'Try again' })).toBeNull()
    fireEvent.click(within(alert).getByRole('link', { name: 'See the people you can message' }))
    expect(await screen.findByRole('list', { name: 'People you can message' })).toBeTruthy()
  })
})
