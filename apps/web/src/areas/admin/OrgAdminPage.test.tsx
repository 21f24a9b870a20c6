// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, configure, fireEvent, render, screen, within } from '@testing-library/react'
import { MemoryRouter, Route, Routes } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client.ts'
import { SessionProvider } from '../../api/session.tsx'
import { installDomStubs } from '../../test-setup.ts'
import OrgAdminPage from './OrgAdminPage.tsx'

installDomStubs()
// A loaded machine renders slowly: wait up to 5 s for what a test expects to appear.
configure({ asyncUtilTimeout: 5000 })

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const problem = (status: number, code: string, title: string, detail: string) =>
  new Response(JSON.stringify({ status, code, title, detail }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  })

const ME = {
  user: { id: 'usr_admin', email: 'boss@example.com', displayName: 'Boss', platformAdmin: false },
  orgId: 'org_1',
  roles: ['org_admin'],
}
const member = (userId: string, displayName: string, email: string, roles: string[]) => ({
  userId,
  displayName,
  email,
  roles,
  joinedAt: '2026-01-01T00:00:00Z',
})

let answers: Record<string, (body: unknown) => Response>
const sent: { key: string; body: unknown }[] = []
beforeEach(() => {
  sent.length = 0
  api.tokens.set({ accessToken: 'a', refreshToken: 'refresh-token-1234567890', expiresIn: 900 } as never)
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const key = `${init?.method ?? 'GET'} ${String(input).split('?')[0]}`
    const body = init?.body ? JSON.parse(String(init.body)) : undefined
    sent.push({ key, body })
    if (key === 'GET /api/identity/me') return json(ME)
    const answer = answers[key]
    return answer ? answer(body) : problem(404, 'not_found', 'Not Found', 'No route')
  })
})
afterEach(() => {
  cleanup()
  api.tokens.clear()
  vi.unstubAllGlobals()
})

function renderPage(path: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <SessionProvider>
          <MemoryRouter initialEntries={[path]}>
            <Routes>
              <Route path="/org" element={<OrgAdminPage />} />
              <Route path="/org/:tab" element={<OrgAdminPage />} />
            </Routes>
          </MemoryRouter>
        </SessionProvider>
      </QueryClientProvider>
    </MantineProvider>,
  )
}

describe('organization admin page', () => {
  it('lists and searches members; a refused role change shows the problem detail', async () => {
    answers = {
      'GET /api/identity/orgs/org_1/members': () =>
        json({
          items: [
            member('usr_admin', 'Boss', 'boss@example.com', ['org_admin']),
            member('usr_2', 'Lea Learner', 'lea@example.com', ['learner']),
          ],
          nextCursor: null,
        }),
      'PATCH /api/identity/orgs/org_1/members/usr_admin': () =>
        problem(409, 'conflict', 'Conflict', 'The last org_admin cannot be demoted'),
    }
    renderPage('/org')
    expect(await screen.findByText('Lea Learner')).toBeTruthy()
    fireEvent.change(screen.getByLabelText('Search members'), { target: { value: 'lea@' } })
    expect(screen.queryByText('boss@example.com')).toBeNull()
    fireEvent.change(screen.getByLabelText('Search members'), { target: { value: '' } })
    fireEvent.click(screen.getByRole('button', { name: 'Change roles of Boss' }))
    const dialog = await screen.findByRole('dialog')
    fireEvent.click(within(dialog).getByLabelText('Learner'))
    fireEvent.click(within(dialog).getByLabelText('Organization admin'))
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save roles' }))
    expect((await within(dialog).findByRole('alert')).textContent).toContain(
      'The last org_admin cannot be demoted',
    )
    expect(sent.find((s) => s.key.startsWith('PATCH'))?.body).toEqual({ roles: ['learner'] })
  })

  it("shows identity's forbidden problem when the member list is refused", async () => {
    answers = {
      'GET /api/identity/orgs/org_1/members': () =>
        problem(403, 'forbidden', 'Forbidden', 'This needs one of the roles: org_admin'),
    }
    renderPage('/org/members')
    expect((await screen.findByRole('alert')).textContent).toContain('This needs one of the roles: org_admin')
  })

  it('invites by email with roles and lists the pending invitation', async () => {
    const pending: unknown[] = []
    answers = {
      'GET /api/identity/orgs/org_1/invitations': () => json({ items: pending }),
      'POST /api/identity/orgs/org_1/invitations': (body) => {
        const b = body as { email: string; roles: string[] }
        const inv = {
          id: 'inv_1',
          orgId: 'org_1',
          invitedBy: 'usr_admin',
          expiresAt: '2026-02-01T00:00:00Z',
          createdAt: '2026-01-01T00:00:00Z',
          ...b,
        }
        pending.push(inv)
        return json(inv, 201)
      },
    }
    renderPage('/org/invitations')
    expect(await screen.findByText('No pending invitations.')).toBeTruthy()
    fireEvent.change(screen.getByLabelText(/Email/), { target: { value: 'not-an-email' } })
    fireEvent.click(screen.getByRole('button', { name: 'Send invitation' }))
    expect(await screen.findByText('Enter a valid email address')).toBeTruthy()
    fireEvent.change(screen.getByLabelText(/Email/), { target: { value: 'new@example.com' } })
    fireEvent.click(screen.getByLabelText('Instructor'))
    fireEvent.click(screen.getByRole('button', { name: 'Send invitation' }))
    expect(await screen.findByRole('cell', { name: 'new@example.com' })).toBeTruthy()
    expect(sent.find((s) => s.key.startsWith('POST'))?.body).toEqual({
      email: 'new@example.com',
      roles: ['learner', 'instructor'],
    })
  })
})
