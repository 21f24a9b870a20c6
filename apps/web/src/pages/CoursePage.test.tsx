// @vitest-environment jsdom
import { cleanup, configure, screen } from '@testing-library/react'
import { Route, Routes } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../api/client.ts'
import type { CourseDetail } from '../api/endpoints.ts'
import { courseSummary, LEARNER_ME } from '../test-fixtures.ts'
import { renderPage } from '../test-render.tsx'
import { installDomStubs } from '../test-setup.ts'
import CoursePage from './CoursePage.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const course = {
  ...courseSummary({
    id: 'crs_1',
    slug: 'git-basics',
    title: 'Git basics',
    price: { amountMinor: 900, currency: 'USD' },
  }),
  description: 'Learn Git.',
  version: 1,
  outline: [
    {
      id: 'sec_1',
      title: 'Basics',
      lessons: [
        { id: 'les_1', title: 'A first commit', type: 'video', durationSeconds: 20, isPreview: false },
      ],
    },
  ],
} as CourseDetail

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

/** Every call the page makes, and a stub answering the course; commerce's price lookup answers `price`. */
let calls: string[] = []
function stub(price: () => Response) {
  vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
    const url = String(input)
    calls.push(url)
    const path = url.split('?')[0]
    if (path === '/api/identity/me') return json(LEARNER_ME)
    if (path === '/api/learning/catalog/courses/git-basics') return json(course)
    if (path === '/api/commerce/prices') return price()
    return json({ items: [], nextCursor: null })
  })
}

const render = () =>
  renderPage(
    <Routes>
      <Route path="/courses/:slug" element={<CoursePage />} />
    </Routes>,
    '/courses/git-basics',
  )

beforeEach(() => {
  calls = []
})
afterEach(() => {
  cleanup()
  api.tokens.clear()
  vi.unstubAllGlobals()
})

describe('CoursePage price', () => {
  it('shows a signed-in learner the price commerce sells the course at', async () => {
    api.tokens.set({ accessToken: 'a', refreshToken: 'refresh-token-1234567890', expiresIn: 900 } as never)
    stub(() =>
      json({
        product: { id: 'prd_1', title: 'Git basics', active: true },
        prices: [{ id: 'pri_1', currency: 'USD', unitAmountMinor: 700, interval: null, active: true }],
      }),
    )
    render()
    expect(await screen.findByText('$7.00')).toBeTruthy()
  })

  it('shows a visitor the list price without asking commerce, and no "could not be loaded" note', async () => {
    stub(() => json({ status: 400, detail: 'orgId is required when not signed in' }, 400))
    render()
    expect(await screen.findByText('$9.00')).toBeTruthy()
    expect(screen.getByRole('link', { name: 'Sign in to buy' })).toBeTruthy()
    expect(screen.queryByText(/could not be loaded/)).toBeNull()
    expect(calls.some((c) => c.includes('/commerce/prices'))).toBe(false)
  })

  it('falls back to the list price with a note when the lookup fails for a signed-in learner', async () => {
    api.tokens.set({ accessToken: 'a', refreshToken: 'refresh-token-1234567890', expiresIn: 900 } as never)
    stub(() => json({ status: 500, detail: 'boom' }, 500))
    render()
    expect(await screen.findByText(/could not be loaded/)).toBeTruthy()
    expect(screen.getByText('$9.00')).toBeTruthy()
  })
})

describe('CoursePage syllabus', () => {
  it('gives a lesson shorter than a minute as "< 1 min", not "0 min"', async () => {
    stub(() => json({}, 404))
    render()
    expect(await screen.findByText(/video · < 1 min/)).toBeTruthy()
  })
})
