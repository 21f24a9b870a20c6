// @vitest-environment jsdom
import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { Route, Routes } from 'react-router'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Conversation } from '../../api/chat.ts'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage, stubApi } from '../../test-render.tsx'
import { LEARNER_ME } from '../../test-fixtures.ts'
import NewGroupPage from './NewGroupPage.tsx'
import { IVY, TOM } from './test-fixtures.ts'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const GROUP: Conversation = {
  id: 'cnv_0190a1b2c3d4e5f60718293a4b5c6d7e',
  kind: 'group',
  title: 'Study group',
  courseId: null,
  participantIds: ['usr_learner', 'usr_tom', 'usr_ivy'],
  unreadCount: 0,
  lastMessageId: null,
  lastReadMessageId: null,
  createdAt: '2026-11-28T10:00:00.000Z',
}

/** The server's answer to POST /conversations/group: the group, or this problem. */
let refusal: Record<string, unknown> | null = null
let posts: unknown[] = []

stubApi((path, query) => {
  if (path === '/api/identity/me') return LEARNER_ME
  if (path === '/api/communication/contacts') {
    const q = new URLSearchParams(query).get('q') ?? ''
    return {
      items: [IVY, TOM].filter((c) => c.displayName.toLowerCase().includes(q.toLowerCase())),
      nextCursor: null,
    }
  }
  if (path === '/api/communication/conversations/group') return GROUP
  if (path === '/api/communication/conversations') return { items: [] }
  return undefined
})
// Records the group's creation and answers it with `refusal` when one is set.
beforeEach(() => {
  posts = []
  refusal = null
  const answer = globalThis.fetch
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    if (String(input).endsWith('/conversations/group') && init?.method === 'POST') {
      posts.push(JSON.parse(String(init.body)))
      if (refusal) {
        return new Response(JSON.stringify(refusal), {
          status: refusal.status as number,
          headers: { 'content-type': 'application/problem+json' },
        })
      }
    }
    return answer(input, init)
  })
})

function renderNewGroup() {
  return renderPage(
    <Routes>
      <Route path="/chat/new/group" element={<NewGroupPage />} />
      <Route path="/chat/:id" element={<p>Conversation page</p>} />
    </Routes>,
    '/chat/new/group',
  )
}

const chosenList = () => screen.getByRole('list', { name: /^Members/ })

describe('new group page', () => {
  it('creates a group with a name and the people I choose, then opens it', async () => {
    renderNewGroup()
    fireEvent.change(screen.getByRole('textbox', { name: 'Group name' }), {
      target: { value: ' Study group ' },
    })
    fireEvent.click(await screen.findByRole('button', { name: /^Add Tom Tutor/ }))
    fireEvent.click(screen.getByRole('button', { name: /^Add Ivy Instructor/ }))
    expect(chosenList().textContent).toContain('Tom Tutor')
    // Chosen once: the picker shows them as added, not choosable again.
    expect(screen.getByRole('button', { name: /^Add Tom Tutor/ }).hasAttribute('disabled')).toBe(true)
    expect(screen.getByRole('heading', { name: 'Members (2)' })).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Create group' }))
    expect(await screen.findByText('Conversation page')).toBeTruthy()
    expect(posts).toEqual([{ title: 'Study group', memberIds: ['usr_tom', 'usr_ivy'] }])
  })

  it('lets me take someone out before creating it', async () => {
    renderNewGroup()
    fireEvent.change(screen.getByRole('textbox', { name: 'Group name' }), { target: { value: 'Pair' } })
    fireEvent.click(await screen.findByRole('button', { name: /^Add Tom Tutor/ }))
    fireEvent.click(screen.getByRole('button', { name: /^Add Ivy Instructor/ }))
    fireEvent.click(within(chosenList()).getByRole('button', { name: 'Take out Tom Tutor' }))
    expect(chosenList().textContent).not.toContain('Tom Tutor')
    fireEvent.click(screen.getByRole('button', { name: 'Create group' }))
    await waitFor(() => expect(posts).toEqual([{ title: 'Pair', memberIds: ['usr_ivy'] }]))
  })

  it('asks for a name and at least one person, and sends nothing until then', async () => {
    renderNewGroup()
    await screen.findByRole('button', { name: /^Add Tom Tutor/ })
    fireEvent.click(screen.getByRole('button', { name: 'Create group' }))
    expect(await screen.findByText('Give the group a name')).toBeTruthy()
    expect(screen.getByRole('alert').textContent).toBe('Choose at least one person')
    fireEvent.change(screen.getByRole('textbox', { name: 'Group name' }), { target: { value: '   ' } })
    fireEvent.click(screen.getByRole('button', { name: 'Create group' }))
    expect(posts).toEqual([])
  })

  /** Names the group, chooses Tom and Ivy and creates it. */
  async function createWithTomAndIvy() {
    renderNewGroup()
    fireEvent.change(screen.getByRole('textbox', { name: 'Group name' }), {
      target: { value: 'Study group' },
    })
    fireEvent.click(await screen.findByRole('button', { name: /^Add Tom Tutor/ }))
    fireEvent.click(screen.getByRole('button', { name: /^Add Ivy Instructor/ }))
    fireEvent.click(screen.getByRole('button', { name: 'Create group' }))
  }

  it('explains a refused non-contact, links to the people I can message, and marks them', async () => {
    refusal = {
      status: 404,
      code: 'not_found',
      title: 'Not Found',
      detail:
        'You can only add your contacts to a group, such as your tutors, learners, instructors and people you already talk to',
      reason: 'not_a_contact',
      missing: ['usr_ivy'],
    }
    await createWithTomAndIvy()
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Only your contacts can be added to a group')
    expect(alert.textContent).toContain('your tutors and learners, the instructors of your courses')
    expect(alert.textContent).not.toContain('/contacts')
    const link = within(alert).getByRole('link', { name: 'See the people you can message' })
    expect(link.getAttribute('href')).toBe('/chat/new')
    const ivy = within(chosenList()).getByText('Ivy Instructor').closest('li')!
    expect(ivy.textContent).toContain('Cannot be added')
    expect(within(chosenList()).getByText('Tom Tutor').closest('li')!.textContent).not.toContain(
      'Cannot be added',
    )
    expect(screen.queryByText('Conversation page')).toBeNull()
  })

  it('shows any other refusal as the server words it, without the contacts link', async () => {
    refusal = {
      status: 429,
      code: 'rate_limited',
      title: 'Too Many Requests',
      detail: 'Too many messages; retry in 3 s',
    }
    await createWithTomAndIvy()
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Too many messages; retry in 3 s')
    expect(within(alert).queryByRole('link')).toBeNull()
    expect(chosenList().textContent).not.toContain('Cannot be added')
  })
})
