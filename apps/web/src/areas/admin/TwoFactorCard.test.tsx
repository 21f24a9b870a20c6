// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, configure, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { User } from '../../api/endpoints.ts'
import { installDomStubs } from '../../test-setup.ts'
import { TwoFactorCard } from './TwoFactorCard.tsx'

installDomStubs()
// A loaded machine renders slowly: wait up to 5 s for what a test expects to appear.
configure({ asyncUtilTimeout: 5000 })

vi.mock('qrcode', () => ({ toDataURL: async (uri: string) => `data:image/png;base64,${btoa(uri)}` }))

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const problem = (status: number, code: string, detail: string) =>
  new Response(JSON.stringify({ status, code, title: 'Bad Request', detail }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  })

let answers: Record<string, () => Response>
const sent: { url: string; method: string; body: unknown }[] = []
beforeEach(() => {
  sent.length = 0
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input).split('?')[0]!
    const method = init?.method ?? 'GET'
    sent.push({ url, method, body: init?.body ? JSON.parse(String(init.body)) : undefined })
    const answer = answers[`${method} ${url}`]
    return answer ? answer() : problem(404, 'not_found', 'No route')
  })
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

const user = (twoFactorEnabled: boolean): User => ({
  id: 'usr_1',
  email: 'ada@example.com',
  displayName: 'Ada',
  emailVerified: true,
  platformAdmin: false,
  twoFactorEnabled,
  defaultOrgId: 'org_1',
})

function renderCard(u: User) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <TwoFactorCard user={u} />
      </QueryClientProvider>
    </MantineProvider>,
  )
}

const CODES = Array.from({ length: 10 }, (_, i) => `abcde-${String(i).padStart(5, '0')}`)

describe('two-step verification card', () => {
  it('enrols: draws the QR code from the otpauth URI, confirms a code, shows the recovery codes once', async () => {
    answers = {
      'POST /api/identity/me/2fa/totp': () =>
        json({
          secret: 'JBSWY3DPEHPK3PXP',
          otpauthUri: 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP',
          qrCodeDataUrl: '',
        }),
      'POST /api/identity/me/2fa/totp/confirm': () => json({ recoveryCodes: CODES }),
    }
    renderCard(user(false))
    fireEvent.click(screen.getByRole('button', { name: 'Set up two-step verification' }))
    const img = await screen.findByRole('img', { name: /QR code/ })
    expect(img.getAttribute('src')).toBe(
      `data:image/png;base64,${btoa('otpauth://totp/x?secret=JBSWY3DPEHPK3PXP')}`,
    )
    expect(screen.getByTestId('totp-secret').textContent).toBe('JBSWY3DPEHPK3PXP')
    fireEvent.change(screen.getByLabelText(/Code from the app/), { target: { value: '123456' } })
    fireEvent.click(screen.getByRole('button', { name: 'Turn on' }))
    const list = await screen.findByRole('list', { name: 'Recovery codes' })
    expect(list.querySelectorAll('li')).toHaveLength(10)
    expect(sent.find((s) => s.url.endsWith('/confirm'))?.body).toEqual({ code: '123456' })
    fireEvent.click(screen.getByRole('button', { name: 'I have saved them' }))
    expect(screen.queryByRole('list', { name: 'Recovery codes' })).toBeNull()
  })

  it("validates the code in the browser and shows the server's problem detail for a wrong one", async () => {
    answers = {
      'POST /api/identity/me/2fa/totp': () =>
        json({ secret: 'S', otpauthUri: 'otpauth://totp/x', qrCodeDataUrl: '' }),
      'POST /api/identity/me/2fa/totp/confirm': () => problem(400, 'invalid_code', 'That code is not valid'),
    }
    renderCard(user(false))
    fireEvent.click(screen.getByRole('button', { name: 'Set up two-step verification' }))
    const input = await screen.findByLabelText(/Code from the app/)
    fireEvent.change(input, { target: { value: '12' } })
    fireEvent.click(screen.getByRole('button', { name: 'Turn on' }))
    expect(await screen.findByText('Enter the 6-digit code')).toBeTruthy()
    expect(sent.filter((s) => s.url.endsWith('/confirm'))).toHaveLength(0)
    fireEvent.change(input, { target: { value: '000000' } })
    fireEvent.click(screen.getByRole('button', { name: 'Turn on' }))
    expect((await screen.findByRole('alert')).textContent).toContain('That code is not valid')
  })

  it('turns 2FA off with the password and a recovery code', async () => {
    answers = { 'DELETE /api/identity/me/2fa/totp': () => new Response(null, { status: 204 }) }
    renderCard(user(true))
    fireEvent.click(screen.getByRole('button', { name: 'Turn off two-step verification' }))
    fireEvent.change(screen.getByLabelText(/Password/), { target: { value: 'my password' } })
    fireEvent.change(screen.getByLabelText(/Authentication or recovery code/), {
      target: { value: 'abcde-12345' },
    })
    fireEvent.click(screen.getByRole('button', { name: 'Turn off' }))
    await vi.waitFor(() => expect(sent.find((s) => s.method === 'DELETE')).toBeTruthy())
    expect(sent.find((s) => s.method === 'DELETE')?.body).toEqual({
      password: 'my password',
      recoveryCode: 'abcde-12345',
    })
  })
})
