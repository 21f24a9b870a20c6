// @vitest-environment jsdom
import { configure, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { renderPage, stubApi } from '../test-render.tsx'
import { installDomStubs } from '../test-setup.ts'
import VerifyEmailPage from './VerifyEmailPage.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

// `/identity/auth/verify-email` is not answered by the stub: a 404 problem, as for a dead link.
stubApi((path) => (path === '/api/identity/me' ? { user: null } : undefined))

describe('VerifyEmailPage', () => {
  it('on a dead link says so and points to where a new one can be asked for', async () => {
    renderPage(<VerifyEmailPage />, '/verify-email?token=' + 'A'.repeat(43))
    expect(await screen.findByText('Verification failed')).toBeTruthy()
    const link = screen.getByRole('link', { name: 'Ask for a new one' })
    expect(link.getAttribute('href')).toBe('/account')
  })

  it('without a token explains it and does not call identity', async () => {
    renderPage(<VerifyEmailPage />, '/verify-email')
    expect((await screen.findByRole('alert')).textContent).toContain('This link has no token')
  })
})
