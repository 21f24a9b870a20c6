// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, NetworkError } from '../api/problem.ts'
import { installDomStubs } from '../test-setup.ts'
import { ErrorState } from './states.tsx'

installDomStubs()

afterEach(cleanup)

const renderIn = (error: unknown, retry = vi.fn()) => {
  render(
    <MantineProvider>
      <ErrorState error={error} retry={retry} />
    </MantineProvider>,
  )
  return retry
}
const problem = (status: number, code: string, detail: string) =>
  new ApiError({ status, code, title: code, detail })

describe('ErrorState', () => {
  it('offers "Try again" for server errors and lost connections, and it refetches', () => {
    const retry = renderIn(problem(503, 'unavailable', 'The learning service is unavailable'))
    expect(screen.getByRole('alert').textContent).toContain('Could not load this')
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(retry).toHaveBeenCalledOnce()
    cleanup()
    renderIn(new NetworkError(new TypeError('fetch failed')))
    expect(screen.getByRole('alert').textContent).toContain('could not be reached')
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy()
  })

  it('says "not found" without a retry for a 404', () => {
    renderIn(problem(404, 'not_found', 'Tutor not found'))
    const alert = screen.getByRole('alert')
    expect(alert.textContent).toContain('Not found')
    expect(alert.textContent).toContain('Tutor not found. It may have been removed')
    expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull()
  })

  it('turns a malformed id in the address into "not found", never showing the validator\'s words', () => {
    renderIn(problem(400, 'validation_failed', 'params/tutorId must match pattern "^tut_[0-9a-f]{32}$"'))
    const alert = screen.getByRole('alert')
    expect(alert.textContent).toContain('This address does not point to anything')
    expect(alert.textContent).not.toContain('pattern')
    expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull()
  })

  it('shows other client errors as they are, without a retry that would get the same answer', () => {
    renderIn(problem(403, 'forbidden', 'Your access to this course has ended'))
    expect(screen.getByRole('alert').textContent).toContain('Not available')
    expect(screen.getByRole('alert').textContent).toContain('Your access to this course has ended')
    expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull()
    cleanup()
    renderIn(problem(400, 'validation_failed', 'querystring/limit must be <= 100'))
    expect(screen.getByRole('alert').textContent).toContain('Could not load this')
    expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull()
    cleanup()
    renderIn(problem(429, 'rate_limited', 'Too many requests'))
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy()
  })
})
