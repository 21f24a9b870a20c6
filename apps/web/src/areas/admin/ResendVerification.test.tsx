// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, configure, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { installDomStubs } from '../../test-setup.ts'
import { ResendVerification } from './AccountPage.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

let answer: () => Response
const asked: string[] = []
beforeEach(() => {
  asked.length = 0
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    asked.push(`${init?.method ?? 'GET'} ${String(input)}`)
    return answer()
  })
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

function renderIt() {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  })
  render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <ResendVerification />
      </QueryClientProvider>
    </MantineProvider>,
  )
}

describe('ResendVerification', () => {
  it('asks identity for a new link and says it is on its way', async () => {
    answer = () =>
      new Response(JSON.stringify({ status: 'accepted' }), {
        status: 202,
        headers: { 'content-type': 'application/json' },
      })
    renderIt()
    fireEvent.click(screen.getByRole('button', { name: 'Send the verification email again' }))
    expect((await screen.findByRole('status')).textContent).toContain('A new verification link is on its way')
    expect(asked).toEqual(['POST /api/identity/auth/verify-email/resend'])
    expect(screen.queryByRole('button', { name: 'Send the verification email again' })).toBeNull()
  })

  it("shows identity's throttle answer and keeps the button", async () => {
    answer = () =>
      new Response(
        JSON.stringify({
          type: 'about:blank',
          title: 'Too many requests',
          status: 429,
          code: 'rate_limited',
          detail:
            'A verification email was sent to you moments ago: check your inbox (and spam folder), or ask again later',
        }),
        { status: 429, headers: { 'content-type': 'application/problem+json', 'retry-after': '42' } },
      )
    renderIt()
    fireEvent.click(screen.getByRole('button', { name: 'Send the verification email again' }))
    expect((await screen.findByRole('alert')).textContent).toContain('sent to you moments ago')
    expect(screen.getByRole('button', { name: 'Send the verification email again' })).toBeTruthy()
  })
})
