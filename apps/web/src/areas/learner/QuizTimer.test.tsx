// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { act, cleanup, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { installDomStubs } from '../../test-setup.ts'
import { formatRemaining, QuizTimer } from './QuizTimer.tsx'

installDomStubs()

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(new Date('2026-01-01T10:00:00Z'))
})
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

const renderTimer = (props: { deadlineAt: string; serverTime: string; onExpire?: () => void }) =>
  render(
    <MantineProvider>
      <QuizTimer {...props} />
    </MantineProvider>,
  )

describe('formatRemaining', () => {
  it('formats minutes and seconds, hours when needed, never below zero', () => {
    expect(formatRemaining(600_000)).toBe('10:00')
    expect(formatRemaining(59_001)).toBe('1:00')
    expect(formatRemaining(9_000)).toBe('0:09')
    expect(formatRemaining(3_725_000)).toBe('1:02:05')
    expect(formatRemaining(-5_000)).toBe('0:00')
  })
})

describe('QuizTimer', () => {
  it('counts down to the server deadline and calls onExpire exactly once', async () => {
    const onExpire = vi.fn()
    renderTimer({ deadlineAt: '2026-01-01T10:01:30Z', serverTime: '2026-01-01T10:00:00Z', onExpire })
    expect(screen.getByRole('timer').textContent).toBe('1:30')
    await act(async () => {
      vi.advanceTimersByTime(31_000)
    })
    expect(screen.getByRole('timer').textContent).toBe('0:59')
    expect(screen.getByText('1 minute left')).toBeTruthy()
    expect(onExpire).not.toHaveBeenCalled()
    await act(async () => {
      vi.advanceTimersByTime(60_000)
    })
    expect(screen.getByRole('timer').textContent).toBe('0:00')
    expect(screen.getByText('Time is up')).toBeTruthy()
    await act(async () => {
      vi.advanceTimersByTime(5_000)
    })
    expect(onExpire).toHaveBeenCalledTimes(1)
  })

  it("uses the server's clock: a device clock 5 minutes fast does not eat the time", () => {
    // The server said it is 09:55 when this device thinks it is 10:00; the deadline is 09:57.
    renderTimer({ deadlineAt: '2026-01-01T09:57:00Z', serverTime: '2026-01-01T09:55:00Z' })
    expect(screen.getByRole('timer').textContent).toBe('2:00')
    expect(screen.getByRole('timer').getAttribute('aria-label')).toBe('Time left 2:00')
  })

  it('an attempt already past its deadline expires at once', () => {
    const onExpire = vi.fn()
    renderTimer({ deadlineAt: '2026-01-01T09:59:00Z', serverTime: '2026-01-01T10:00:00Z', onExpire })
    expect(screen.getByRole('timer').textContent).toBe('0:00')
    expect(onExpire).toHaveBeenCalledTimes(1)
  })
})
