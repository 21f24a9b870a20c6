// @vitest-environment jsdom
import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { Route, Routes } from 'react-router'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { ChatMessage, Contact, Conversation, Participant } from '../../api/chat.ts'
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
const person = (userId: string, displayName: string, role: Participant['role']): Participant => ({
  userId,
  displayName,
  role,
  lastReadMessageId: null,
  joinedAt: '2026-11-20T10:00:00.000Z',
})
/** Study group: Lea (me) with the given role, Ben a member, Ada an admin (Lea owns it unless told). */
function group(myRole: Participant['role'] = 'owner'): Conversation {
  const participants = [
    person('usr_1', 'Lea', myRole),
    person('usr_2', 'Ben', 'member'),
    person('usr_3', 'Ada', myRole === 'owner' ? 'admin' : 'owner'),
  ]
  return {
    ...CHANNEL,
    id: 'cnv_g',
    kind: 'group',
    title: 'Study group',
    courseId: null,
    participants,
    participantIds: participants.map((p) => p.userId),
  }
}
const SYSTEM: ChatMessage = {
  id: 'msg_1',
  conversationId: 'cnv_g',
  senderId: 'usr_1',
  clientMessageId: 'system/msg_1',
  body: 'Lea added Ben and Ada',
  attachments: [],
  createdAt: '2026-11-20T10:00:00.000Z',
  editedAt: null,
  deletedAt: null,
  kind: 'system',
  event: { type: 'member_added', actor: { userId: 'usr_1', displayName: 'Lea' }, users: [] },
}
const CREATED: ChatMessage = {
  ...SYSTEM,
  id: 'msg_0',
  clientMessageId: 'system/msg_0',
  body: 'Lea created the group “Study group”',
  event: { type: 'created', actor: { userId: 'usr_1', displayName: 'Lea' }, users: [], title: 'Study group' },
}
const TOM: Contact = {
  userId: 'usr_4',
  displayName: 'Tom Tutor',
  reasons: [{ kind: 'your_tutor', course: null, label: 'Your tutor' }],
}
const BEN: Contact = { userId: 'usr_2', displayName: 'Ben', reasons: [] }

let conversations: Conversation[] = [CHANNEL]
let method = 'GET'
let calls: { method: string; path: string; body: unknown }[] = []
/** The server's answer to adding people to a group, when it refuses. */
let addRefusal: Record<string, unknown> | null = null

stubApi((path) => {
  if (path === '/api/identity/me') return ME
  if (path === '/api/communication/conversations') return { items: conversations }
  if (path === '/api/communication/contacts') return { items: [BEN, TOM], nextCursor: null }
  if (/\/messages$/.test(path)) {
    return { items: path.includes('cnv_g') ? [SYSTEM, CREATED] : [], nextCursor: null }
  }
  // 204s (leaving, removing someone) answer nothing.
  if (path.endsWith('/leave') || method === 'DELETE') return {}
  // GET /conversations/:id and the changes answer with the conversation (404 when not mine).
  return conversations.find((c) => path.startsWith(`/api/communication/conversations/${c.id}`))
})
// Records each call's method and body (stubApi's fetch answers it).
beforeEach(() => {
  calls = []
  addRefusal = null
  const answer = globalThis.fetch
  vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => {
    method = init?.method ?? 'GET'
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined
    calls.push({ method, path: String(input).split('?')[0]!, body })
    if (addRefusal && method === 'POST' && String(input).endsWith('/participants')) {
      return Promise.resolve(
        new Response(JSON.stringify(addRefusal), {
          status: addRefusal.status as number,
          headers: { 'content-type': 'application/problem+json' },
        }),
      )
    }
    return answer(input, init)
  })
})
const made = (m: string, path: string) =>
  calls.filter((c) => c.method === m && c.path === `/api/communication${path}`)

function renderChat(path: string) {
  return renderPage(
    <Routes>
      <Route path="/chat" element={<ChatPage />} />
      <Route path="/chat/:conversationId" element={<ChatPage />} />
    </Routes>,
    path,
  )
}

describe('chat page', () => {
  it('drops a course channel the learner was taken out of (conversation:removed)', async () => {
    conversations = [CHANNEL]
    renderChat('/chat/cnv_1')
    expect(await screen.findByRole('link', { name: /Algebra I/ })).toBeTruthy()
    conversations = []
    realtime.dispatch('conversation:removed', { conversationId: 'cnv_1' })
    await waitFor(() => expect(screen.queryByRole('link', { name: /Algebra I/ })).toBeNull())
    expect(await screen.findByText('This conversation is not available')).toBeTruthy()
  })

  it('says a conversation the server refuses is not available, with the way back', async () => {
    conversations = [CHANNEL]
    renderChat('/chat/cnv_0190a1b2c3d4e5f60718293a4b5c6d7e')
    expect(await screen.findByText('This conversation is not available')).toBeTruthy()
    expect(screen.getByRole('link', { name: 'Back to your conversations' }).getAttribute('href')).toBe(
      '/chat',
    )
    expect(screen.queryByRole('textbox', { name: 'Message' })).toBeNull()
  })

  it('shows a group change as a line, not as a message anyone can edit', async () => {
    conversations = [group()]
    renderChat('/chat/cnv_g')
    expect(await screen.findByText(/Lea added Ben and Ada/)).toBeTruthy()
    // The group's history starts with its creation, a line too, before the later changes.
    const created = screen.getByText(/Lea created the group “Study group”/).closest('li')!
    expect(created.nextElementSibling?.textContent).toContain('Lea added Ben and Ada')
    expect(screen.queryByRole('button', { name: 'Edit message' })).toBeNull()
  })

  it('explains why someone who is not my contact cannot be added, with the way to those who can', async () => {
    conversations = [group('owner')]
    addRefusal = {
      status: 404,
      code: 'not_found',
      detail:
        'You can only add your contacts to a group, such as your tutors, learners, instructors and people you already talk to',
      reason: 'not_a_contact',
      missing: ['usr_4'],
    }
    renderChat('/chat/cnv_g')
    fireEvent.click(await screen.findByRole('button', { name: 'Members' }))
    const panel = await screen.findByRole('region', { name: 'Group members' })
    fireEvent.click(within(panel).getByRole('button', { name: 'Add people' }))
    fireEvent.click(await within(panel).findByRole('button', { name: /^Add Tom Tutor/ }))
    const alert = await within(panel).findByRole('alert')
    expect(alert.textContent).toContain('Only your contacts can be added to a group')
    expect(
      within(alert).getByRole('link', { name: 'See the people you can message' }).getAttribute('href'),
    ).toBe('/chat/new')
  })

  it("lets a group's owner rename it, add a contact and remove a member", async () => {
    conversations = [group('owner')]
    renderChat('/chat/cnv_g')
    fireEvent.click(await screen.findByRole('button', { name: 'Members' }))
    const panel = await screen.findByRole('region', { name: 'Group members' })
    const members = within(panel).getByRole('list', { name: 'Members' })
    expect(members.textContent).toContain('Lea (you)')
    expect(members.textContent).toContain('Owner')
    expect(members.textContent).toContain('Admin')

    fireEvent.change(within(panel).getByRole('textbox', { name: 'Group name' }), {
      target: { value: 'Algebra club' },
    })
    fireEvent.click(within(panel).getByRole('button', { name: 'Rename' }))
    await waitFor(() => expect(made('PATCH', '/conversations/cnv_g')).toHaveLength(1))
    expect(made('PATCH', '/conversations/cnv_g')[0]!.body).toEqual({ title: 'Algebra club' })

    fireEvent.click(within(panel).getByRole('button', { name: 'Add people' }))
    expect((await within(panel).findByRole('button', { name: /^Add Ben/ })).hasAttribute('disabled')).toBe(
      true,
    )
    fireEvent.click(within(panel).getByRole('button', { name: /^Add Tom Tutor/ }))
    await waitFor(() =>
      expect(made('POST', '/conversations/cnv_g/participants')[0]?.body).toEqual({ userIds: ['usr_4'] }),
    )

    fireEvent.click(within(panel).getByRole('button', { name: 'Remove Ben from the group' }))
    fireEvent.click(within(panel).getByRole('button', { name: 'Remove Ben (confirm)' }))
    await waitFor(() => expect(made('DELETE', '/conversations/cnv_g/participants/usr_2')).toHaveLength(1))
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it("lets a group's owner hand it over, once confirmed", async () => {
    conversations = [group('owner')]
    renderChat('/chat/cnv_g')
    fireEvent.click(await screen.findByRole('button', { name: 'Members' }))
    const panel = await screen.findByRole('region', { name: 'Group members' })
    expect(within(panel).queryByRole('button', { name: 'Make owner: Lea' })).toBeNull()
    fireEvent.click(within(panel).getByRole('button', { name: 'Make owner: Ben' }))
    const confirm = within(panel).getByRole('group', { name: 'Hand the group over' })
    expect(confirm.textContent).toContain('You become an admin')
    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }))
    expect(made('PATCH', '/conversations/cnv_g/participants/usr_2')).toHaveLength(0)
    fireEvent.click(within(panel).getByRole('button', { name: 'Make owner: Ben' }))
    fireEvent.click(within(panel).getByRole('button', { name: 'Make owner: Ben (confirm)' }))
    await waitFor(() =>
      expect(made('PATCH', '/conversations/cnv_g/participants/usr_2')[0]?.body).toEqual({ role: 'owner' }),
    )
    await waitFor(() =>
      expect(within(panel).queryByRole('group', { name: 'Hand the group over' })).toBeNull(),
    )
  })

  it('lets a plain member see who is in a group and leave it, but not change it', async () => {
    conversations = [group('member')]
    renderChat('/chat/cnv_g')
    fireEvent.click(await screen.findByRole('button', { name: 'Members' }))
    const panel = await screen.findByRole('region', { name: 'Group members' })
    expect(within(panel).queryByRole('button', { name: 'Add people' })).toBeNull()
    expect(within(panel).queryByRole('textbox', { name: 'Group name' })).toBeNull()
    expect(within(panel).queryByRole('button', { name: /^Remove/ })).toBeNull()
    expect(within(panel).queryByRole('button', { name: /the owner$/ })).toBeNull()
    fireEvent.click(within(panel).getByRole('button', { name: 'Leave group' }))
    conversations = []
    fireEvent.click(within(panel).getByRole('button', { name: 'Leave' }))
    await waitFor(() => expect(made('POST', '/conversations/cnv_g/leave')).toHaveLength(1))
    expect(await screen.findByText('Choose a conversation.')).toBeTruthy()
  })
})
