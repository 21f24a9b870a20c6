// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AppNotification } from '../../api/chat.ts'
import { installDomStubs } from '../../test-setup.ts'
import { NotificationBell } from './HeaderWidgets.tsx'
import { realtime } from './realtime.ts'
import { bell } from './unread.ts'

installDomStubs()

const n = (i: number, read = false): AppNotification => ({
  id: `ntf_${i}`,
  type: 'learning.enrolled',
  title: `Enrolled ${i}`,
  body: 'You were enrolled',
  link: null,
  priority: 'normal',
  read,
  createdAt: new Date().toISOString(),
})

let posts: string[]
beforeEach(() => {
  posts = []
  bell.reset()
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost')
    if (init?.method === 'POST') {
      posts.push(url.pathname)
      return new Response(JSON.stringify({ unreadCount: 0 }), {
        headers: { 'content-type': 'application/json' },
      })
    }
    if (url.pathname === '/api/communication/notifications') {
      return new Response(JSON.stringify({ items: [n(1)], nextCursor: null, unreadCount: 1 }), {
        headers: { 'content-type': 'application/json' },
      })
    }
    return new Response('{}', { status: 404, headers: { 'content-type': 'application/json' } })
  })
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

function renderBell() {
  return render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient()}>
        <MemoryRouter>
          <NotificationBell />
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  )
}

describe('NotificationBell', () => {
  it('shows the unread count, counts a live notification once, lists it, and marks all read', async () => {
    renderBell()
    await screen.findByRole('button', { name: 'Notifications, 1 unread' })
    realtime.dispatch('notification:new', n(2))
    realtime.dispatch('notification:new', n(2))
    const button = await screen.findByRole('button', { name: 'Notifications, 2 unread' })
    fireEvent.click(button)
    const list = await screen.findByRole('list', { name: 'Latest notifications' })
    expect(list.textContent).toContain('Enrolled 2')
    expect(list.textContent).toContain('Enrolled 1')
    fireEvent.click(await screen.findByRole('button', { name: 'Mark all read' }))
    await screen.findByRole('button', { name: 'Notifications' })
    await waitFor(() => expect(posts).toContain('/api/communication/notifications/read-all'))
  })

  it('shows an error when the notifications cannot be loaded', async () => {
    vi.stubGlobal(
      'fetch',
      async () =>
        new Response('{"detail":"Down for maintenance"}', {
          status: 503,
          headers: { 'content-type': 'application/json' },
        }),
    )
    renderBell()
    fireEvent.click(screen.getByRole('button', { name: 'Notifications' }))
    expect((await screen.findByRole('alert')).textContent).toContain('Down for maintenance')
  })
})
