// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, cleanup, render, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from './client.ts'
import { SessionProvider, useSession } from './session.tsx'
import { SIGNED_IN_KEY } from './tokens.ts'

interface Sent {
  url: string
  headers: Record<string, string>
  body: unknown
}

const sent: Sent[] = []
let answers: Record<string, () => Response>
const ok = (body: unknown) =>
  new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })
const refused = () =>
  new Response(JSON.stringify({ status: 401, code: 'unauthenticated', detail: 'No refresh cookie' }), {
    status: 401,
    headers: { 'content-type': 'application/problem+json' },
  })
const me = () => ok({ user: { displayName: 'Ada', email: 'ada@example.com' }, orgId: 'o', roles: [] })

beforeEach(() => {
  sent.length = 0
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input).split('?')[0]!
    sent.push({
      url,
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    })
    const answer = answers[url]
    return answer ? answer() : new Response(null, { status: 404 })
  })
})
afterEach(() => {
  cleanup()
  api.tokens.clear()
  window.localStorage.clear()
  vi.unstubAllGlobals()
})

let session: ReturnType<typeof useSession> | undefined
function Probe() {
  session = useSession()
  return <p>{session.me ? `hello ${session.me.user.displayName}` : 'nobody'}</p>
}

function renderSession() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  render(
    <QueryClientProvider client={client}>
      <SessionProvider>
        <Probe />
      </SessionProvider>
    </QueryClientProvider>,
  )
}

describe('session', () => {
  describe('happy', () => {
    it('restores the session on load with a cookie refresh when the marker is set', async () => {
      window.localStorage.setItem(SIGNED_IN_KEY, 'ses_1')
      answers = {
        '/api/identity/auth/refresh': () =>
          ok({ accessToken: 'access-2', expiresIn: 900, sessionId: 'ses_1' }),
        '/api/identity/me': me,
      }
      renderSession()
      expect(await screen.findByText('hello Ada')).toBeTruthy()
      const refresh = sent.find((s) => s.url === '/api/identity/auth/refresh')!
      expect(refresh.headers['x-token-transport']).toBe('cookie')
      expect(refresh.body).toEqual({})
      expect(sent.find((s) => s.url === '/api/identity/me')?.headers.authorization).toBe('Bearer access-2')
    })

    it('sign-out asks identity to end the cookie session and clears the marker', async () => {
      answers = {
        '/api/identity/me': me,
        '/api/identity/auth/logout': () => new Response(null, { status: 204 }),
      }
      renderSession()
      await act(() => session!.start({ accessToken: 'access-1', expiresIn: 900, sessionId: 'ses_1' }))
      expect(window.localStorage.getItem(SIGNED_IN_KEY)).toBe('ses_1')
      await act(() => session!.signOut())
      const logout = sent.find((s) => s.url === '/api/identity/auth/logout')!
      expect(logout.headers['x-token-transport']).toBe('cookie')
      expect(logout.body).toEqual({})
      expect(window.localStorage.getItem(SIGNED_IN_KEY)).toBeNull()
      expect(await screen.findByText('nobody')).toBeTruthy()
    })
  })

  describe('error', () => {
    it('a refused cookie refresh on load leaves the visitor signed out', async () => {
      window.localStorage.setItem(SIGNED_IN_KEY, 'ses_1')
      answers = { '/api/identity/auth/refresh': refused, '/api/identity/me': me }
      renderSession()
      await waitFor(() => expect(window.localStorage.getItem(SIGNED_IN_KEY)).toBeNull())
      expect(screen.getByText('nobody')).toBeTruthy()
    })
  })

  describe('security', () => {
    it('no refresh is tried without the marker, and nothing secret is ever stored', async () => {
      answers = { '/api/identity/me': me }
      renderSession()
      expect(screen.getByText('nobody')).toBeTruthy()
      expect(sent.filter((s) => s.url === '/api/identity/auth/refresh')).toHaveLength(0)
      await act(() =>
        session!.start({
          accessToken: 'access-1',
          refreshToken: 'refresh-secret',
          expiresIn: 900,
          sessionId: 'ses_1',
        }),
      )
      const storage = window.localStorage
      const stored = Array.from({ length: storage.length }, (_, i) => {
        const key = storage.key(i)!
        return `${key}=${storage.getItem(key)}`
      }).join(' ')
      expect(stored).toContain(SIGNED_IN_KEY)
      expect(stored).not.toContain('refresh-secret')
      expect(stored).not.toContain('access-1')
    })
  })
})
