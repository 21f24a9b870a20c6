// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { MemoryRouter, Route, Routes } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SessionProvider } from '../api/session.tsx'
import { installDomStubs } from '../test-setup.ts'
import SignInPage from './SignInPage.tsx'

installDomStubs()

const problem = (status: number, code: string, detail: string, extra: object = {}) =>
  new Response(JSON.stringify({ status, code, title: 'Unauthorized', detail, ...extra }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  })

let answers: Record<string, () => Response>
const sent: { url: string; body: unknown }[] = []

beforeEach(() => {
  sent.length = 0
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input).split('?')[0]!
    sent.push({ url, body: init?.body ? JSON.parse(String(init.body)) : undefined })
    const answer = answers[url]
    return answer ? answer() : problem(404, 'not_found', 'No route')
  })
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <SessionProvider>
          <MemoryRouter initialEntries={['/signin']}>
            <Routes>
              <Route path="/signin" element={<SignInPage />} />
              <Route path="/" element={<p>home page</p>} />
            </Routes>
          </MemoryRouter>
        </SessionProvider>
      </QueryClientProvider>
    </MantineProvider>,
  )
}

function fillAndSubmit(email: string, password: string) {
  fireEvent.change(screen.getByLabelText(/Email/), { target: { value: email } })
  fireEvent.change(screen.getByLabelText(/Password/), { target: { value: password } })
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
}

describe('sign-in page', () => {
  it("shows the server's problem detail when the password is wrong", async () => {
    answers = { '/api/identity/auth/login': () => problem(401, 'unauthorized', 'Wrong email or password') }
    renderPage()
    fillAndSubmit('ada@example.com', 'not the password')
    expect((await screen.findByRole('alert')).textContent).toContain('Wrong email or password')
  })

  it('validates in the browser before calling the server', async () => {
    answers = {}
    renderPage()
    fillAndSubmit('not-an-email', '')
    expect(await screen.findByText('Enter a valid email address')).toBeTruthy()
    expect(sent.filter((s) => s.url === '/api/identity/auth/login')).toHaveLength(0)
  })

  it('asks for the second factor when identity answers mfa_required, then signs in', async () => {
    answers = {
      '/api/identity/auth/login': () =>
        problem(401, 'mfa_required', 'Enter the code from your authenticator app', {
          mfaToken: 'mfa-token-1234567890',
        }),
      '/api/identity/auth/login/mfa': () =>
        new Response(
          JSON.stringify({ accessToken: 'a', refreshToken: 'refresh-token-12345678', expiresIn: 900 }),
          {
            headers: { 'content-type': 'application/json' },
          },
        ),
      '/api/identity/me': () =>
        new Response(
          JSON.stringify({ user: { displayName: 'Ada', email: 'ada@example.com' }, orgId: 'o', roles: [] }),
          {
            headers: { 'content-type': 'application/json' },
          },
        ),
    }
    renderPage()
    fillAndSubmit('ada@example.com', 'the right password')
    const code = await screen.findByLabelText(/Authentication code/)
    fireEvent.change(code, { target: { value: '123456' } })
    fireEvent.click(screen.getByRole('button', { name: 'Verify' }))
    expect(await screen.findByText('home page')).toBeTruthy()
    expect(sent.find((s) => s.url === '/api/identity/auth/login/mfa')?.body).toEqual({
      mfaToken: 'mfa-token-1234567890',
      code: '123456',
    })
  })
})
