// @vitest-environment jsdom
import { cleanup, configure, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client.ts'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage } from '../../test-render.tsx'
import MyLessonsPage from './MyLessonsPage.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

let roles: string[]
beforeEach(() => {
  api.tokens.set({ accessToken: 'a', refreshToken: 'refresh-token-1234567890', expiresIn: 900 } as never)
  vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
    const path = String(input).split('?')[0]
    if (path === '/api/identity/me')
      return json({
        user: { id: 'usr_1', email: 'theo@example.com', displayName: 'Theo', platformAdmin: false },
        orgId: 'org_1',
        roles,
      })
    if (path === '/api/tutoring/bookings') return json({ items: [], nextCursor: null })
    return json({ status: 404, detail: 'No route' }, 404)
  })
})
afterEach(() => {
  cleanup()
  api.tokens.clear()
  vi.unstubAllGlobals()
})

describe('my lessons', () => {
  it("points a tutor to the console's bookings for the lessons they teach", async () => {
    roles = ['tutor']
    renderPage(<MyLessonsPage />, '/lessons')
    await screen.findByText(/No upcoming lessons/)
    const link = await screen.findByRole('link', { name: /Bookings/ })
    expect(link.getAttribute('href')).toBe('/tutor?tab=bookings')
  })

  it('shows a learner no tutor console link', async () => {
    roles = ['learner']
    renderPage(<MyLessonsPage />, '/lessons')
    await screen.findByText(/No upcoming lessons/)
    expect(screen.queryByRole('link', { name: /Bookings/ })).toBeNull()
  })
})
