import { MantineProvider } from '@mantine/core'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, render, type RenderResult } from '@testing-library/react'
import type { ReactElement } from 'react'
import { MemoryRouter } from 'react-router'
import { afterEach, beforeEach, vi } from 'vitest'
import { api } from './api/client.ts'
import { SessionProvider } from './api/session.tsx'

/**
 * Renders a page as the app does (Mantine, a fresh query client without retries, the session, a
 * router at `path`). Tests stub `fetch` for `/api/identity/me` and the page's own calls.
 */
export function renderPage(ui: ReactElement, path = '/'): RenderResult {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <SessionProvider>
          <MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>
        </SessionProvider>
      </QueryClientProvider>
    </MantineProvider>,
  )
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

/**
 * For every test of the file: a signed-in session's tokens and a `fetch` stub that answers a call to
 * `/api/<path>?<query>` with `answer(path, query)` as JSON (a 404 problem when it returns undefined).
 * After each test: the DOM, the tokens and the stub are cleared.
 */
export function stubApi(answer: (path: string, query: string) => unknown): void {
  beforeEach(() => {
    api.tokens.set({ accessToken: 'a', refreshToken: 'refresh-token-1234567890', expiresIn: 900 } as never)
    vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
      const [path = '', query = ''] = String(input).split('?')
      const body = answer(path, query)
      return body === undefined ? json({ status: 404, detail: 'No route' }, 404) : json(body)
    })
  })
  afterEach(() => {
    cleanup()
    api.tokens.clear()
    vi.unstubAllGlobals()
  })
}
