// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { Notifications } from '@mantine/notifications'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, configure, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { installDomStubs } from '../../test-setup.ts'
import { describeDevice, SessionsCard } from './SessionsCard.tsx'

installDomStubs()
// A loaded machine renders slowly: wait up to 5 s for what a test expects to appear.
configure({ asyncUtilTimeout: 5000 })

const session = (id: string, current: boolean, userAgent: string) => ({
  id,
  orgId: 'org_1',
  method: 'password',
  userAgent,
  ip: '127.0.0.1',
  createdAt: '2026-01-01T10:00:00Z',
  lastUsedAt: '2026-01-02T10:00:00Z',
  expiresAt: '2026-02-01T10:00:00Z',
  current,
})

let items: ReturnType<typeof session>[]
let revokeAnswer: () => Response
beforeEach(() => {
  items = [
    session('ses_me', true, 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0'),
    session('ses_other', false, 'Mozilla/5.0 (Windows NT 10.0) Firefox/140.0'),
  ]
  revokeAnswer = () => {
    items = items.filter((s) => s.id !== 'ses_other')
    return new Response(null, { status: 204 })
  }
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input)
    if (init?.method === 'DELETE' && url === '/api/identity/sessions/ses_other') return revokeAnswer()
    if (url === '/api/identity/sessions')
      return new Response(JSON.stringify({ items }), { headers: { 'content-type': 'application/json' } })
    return new Response('{}', { status: 404 })
  })
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

function renderCard() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  render(
    <MantineProvider>
      <Notifications />
      <QueryClientProvider client={client}>
        <SessionsCard />
      </QueryClientProvider>
    </MantineProvider>,
  )
}

describe('sessions card', () => {
  it('marks the current session, offers no revoke for it, and revokes another one', async () => {
    renderCard()
    expect(await screen.findByText('This device')).toBeTruthy()
    const buttons = screen.getAllByRole('button', { name: /^Revoke/ })
    expect(buttons).toHaveLength(1)
    expect(buttons[0]!.getAttribute('aria-label')).toContain('Firefox on Windows')
    fireEvent.click(buttons[0]!)
    await vi.waitFor(() => expect(screen.queryAllByRole('button', { name: /^Revoke/ })).toHaveLength(0))
  })

  it("shows the server's problem when revoking fails", async () => {
    revokeAnswer = () =>
      new Response(
        JSON.stringify({ status: 404, code: 'not_found', title: 'Not Found', detail: 'Session not found' }),
        {
          status: 404,
          headers: { 'content-type': 'application/problem+json' },
        },
      )
    renderCard()
    fireEvent.click(await screen.findByRole('button', { name: /^Revoke/ }))
    expect((await screen.findByText('Session not found')).closest('[role="alert"]')).toBeTruthy()
  })

  it('names devices from their user agent', () => {
    expect(describeDevice('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1')).toBe(
      'Safari on iOS',
    )
    expect(describeDevice(null)).toBe('Unknown device')
    expect(describeDevice('curl/8.0')).toBe('curl/8.0')
  })
})
