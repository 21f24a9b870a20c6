// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { cleanup, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, NetworkError } from '../api/problem.ts'
import { installDomStubs } from '../test-setup.ts'
import { FormError } from './FormError.tsx'

installDomStubs()

afterEach(cleanup)

const renderIn = (error: unknown) =>
  render(
    <MantineProvider>
      <FormError error={error} />
    </MantineProvider>,
  )

describe('FormError', () => {
  it("shows the server's problem title and detail as an alert", () => {
    renderIn(
      new ApiError({
        status: 409,
        code: 'conflict',
        title: 'Conflict',
        detail: 'An account with this email already exists',
      }),
    )
    const alert = screen.getByRole('alert')
    expect(alert.textContent).toContain('Conflict')
    expect(alert.textContent).toContain('An account with this email already exists')
  })

  it('explains a network failure without technical noise', () => {
    renderIn(new NetworkError(new TypeError('fetch failed')))
    expect(screen.getByRole('alert').textContent).toContain('could not be reached')
  })

  it('renders nothing without an error', () => {
    renderIn(null)
    expect(screen.queryByRole('alert')).toBeNull()
  })
})
