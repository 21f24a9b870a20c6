// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client.ts'
import type { Booking } from '../../api/tutoring.ts'
import { booking } from '../../test-fixtures.ts'
import { installDomStubs } from '../../test-setup.ts'
import { LessonCard, type Role } from './LessonList.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

const MINUTE = 60_000
/** A paid 60-minute lesson that started `startedMinutesAgo` minutes ago. */
const lesson = (startedMinutesAgo: number, extra: Partial<Booking> = {}): Booking =>
  booking(Date.now() - startedMinutesAgo * MINUTE, extra)

const posted: string[] = []
let answer: () => Response
beforeEach(() => {
  posted.length = 0
  api.tokens.set({ accessToken: 'a', refreshToken: 'refresh-token-1234567890', expiresIn: 900 } as never)
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    if ((init?.method ?? 'GET') === 'POST') posted.push(String(input))
    return answer()
  })
})
afterEach(() => {
  cleanup()
  api.tokens.clear()
  vi.unstubAllGlobals()
})

function renderCard(booking: Booking, role: Role) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <LessonCard booking={booking} role={role} />
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  )
}

describe('lesson card: names', () => {
  it('shows the learner to the tutor and the tutor to the learner, by name', () => {
    renderCard(lesson(-120), 'tutor')
    expect(screen.getByRole('heading', { name: '60-minute lesson with Grace Hopper' })).toBeTruthy()
    expect(screen.getByRole('link', { name: 'Message Grace Hopper' }).getAttribute('href')).toBe(
      '/chat/new?with=usr_learner',
    )
    cleanup()
    renderCard(lesson(-120), 'learner')
    expect(screen.getByRole('heading', { name: '60-minute lesson with Ada Lovelace' })).toBeTruthy()
    expect(screen.getByRole('link', { name: 'Message Ada Lovelace' }).getAttribute('href')).toBe(
      '/chat/new?with=usr_tutor',
    )
  })

  it('never shows an id when a name is not known yet', () => {
    renderCard(lesson(-120, { learnerName: null }), 'tutor')
    expect(screen.getByRole('heading', { name: '60-minute lesson with a learner' })).toBeTruthy()
  })
})

describe('lesson card: learner no-show', () => {
  it('lets the tutor report an absent learner after the grace period, after confirming', async () => {
    answer = () => json(lesson(15, { status: 'completed', learnerNoShowAt: new Date().toISOString() }))
    renderCard(lesson(15), 'tutor')
    fireEvent.click(screen.getByRole('button', { name: 'Learner did not come' }))
    const dialog = await screen.findByRole('dialog', { name: 'The learner did not come' })
    expect(within(dialog).getByText(/Grace Hopper will see that you reported the absence/)).toBeTruthy()
    expect(posted).toEqual([])
    fireEvent.click(within(dialog).getByRole('button', { name: 'Report the absence' }))
    await waitFor(() => expect(posted).toEqual(['/api/tutoring/bookings/bkg_1/no-show']))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
  })

  it('offers no report before the grace period, nor to the learner', () => {
    renderCard(lesson(5), 'tutor')
    expect(screen.queryByRole('button', { name: 'Learner did not come' })).toBeNull()
    cleanup()
    renderCard(lesson(15), 'learner')
    expect(screen.queryByRole('button', { name: 'Learner did not come' })).toBeNull()
    expect(screen.getByRole('button', { name: 'Tutor did not come' })).toBeTruthy()
  })

  it('tells the learner that the tutor reported them absent', () => {
    const at = new Date(Date.now() - 30 * MINUTE).toISOString()
    renderCard(lesson(90, { status: 'completed', learnerNoShowAt: at }), 'learner')
    expect(screen.getByText(/Your tutor reported that you did not come/)).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Tutor did not come' })).toBeNull()
  })
})
