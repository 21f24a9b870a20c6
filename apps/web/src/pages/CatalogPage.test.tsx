// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { MemoryRouter, Route, Routes, useLocation } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { CatalogPage as CatalogAnswer, CourseSummary } from '../api/endpoints.ts'
import { courseSummary } from '../test-fixtures.ts'
import { installDomStubs } from '../test-setup.ts'
import CatalogPage from './CatalogPage.tsx'

installDomStubs()

const course = (n: number): CourseSummary =>
  courseSummary({ id: `crs_${n}`, slug: `course-${n}`, title: `Course ${n}` })
const answer = (items: CourseSummary[], nextCursor: string | null = null): CatalogAnswer => ({
  items,
  total: items.length,
  totalApproximate: false,
  facets: {
    category: [{ value: 'programming', label: 'Programming', count: items.length }],
    level: [
      { value: 'beginner', label: null, count: items.length },
      { value: 'advanced', label: null, count: 0 },
    ],
    language: [],
    price: [],
    rating: [],
  },
  sort: 'popular',
  nextCursor,
})

let requests: URL[]
let respond: (url: URL) => Response

beforeEach(() => {
  requests = []
  vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
    const url = new URL(String(input), 'http://localhost')
    requests.push(url)
    return respond(url)
  })
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })

function Location() {
  const location = useLocation()
  return <output data-testid="location">{location.search}</output>
}

function renderAt(path: string) {
  render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route
              path="/catalog"
              element={
                <>
                  <CatalogPage />
                  <Location />
                </>
              }
            />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  )
}

const catalogCalls = () => requests.filter((u) => u.pathname === '/api/learning/catalog')

describe('catalog page', () => {
  it('reads its query from the URL and shows facet counts, hiding empty values', async () => {
    respond = () => json(answer([course(1), course(2)]))
    renderAt('/catalog?q=type&level=beginner')
    await screen.findByRole('link', { name: 'Course 1' })
    const first = catalogCalls()[0]!
    expect(first.searchParams.get('q')).toBe('type')
    expect(first.searchParams.getAll('level')).toEqual(['beginner'])
    expect(screen.getByRole('checkbox', { name: 'beginner (2)' })).toHaveProperty('checked', true)
    expect(screen.queryByRole('checkbox', { name: /advanced/ })).toBeNull()
  })

  it('counts lessons in the singular on a course card with one lesson', async () => {
    respond = () => json(answer([course(1)]))
    renderAt('/catalog')
    await screen.findByRole('link', { name: 'Course 1' })
    expect(screen.getByText('1 lesson · 1 min')).toBeTruthy()
    expect(screen.queryByText(/1 lessons/)).toBeNull()
  })

  it('searches as you type: the debounced text lands in the URL and the query', async () => {
    respond = () => json(answer([course(1)]))
    renderAt('/catalog')
    await screen.findByRole('link', { name: 'Course 1' })
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'rust' } })
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('?q=rust'))
    await waitFor(() => expect(catalogCalls().at(-1)?.searchParams.get('q')).toBe('rust'))
  })

  it('adds a checked facet to the URL', async () => {
    respond = () => json(answer([course(1)]))
    renderAt('/catalog')
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Programming (1)' }))
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('?category=programming'))
  })

  it('loads the next keyset page with the cursor', async () => {
    respond = (url) =>
      json(url.searchParams.get('cursor') === 'next-1' ? answer([course(2)]) : answer([course(1)], 'next-1'))
    renderAt('/catalog')
    fireEvent.click(await screen.findByRole('button', { name: 'Load more' }))
    await screen.findByRole('link', { name: 'Course 2' })
    expect(screen.getByRole('link', { name: 'Course 1' })).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull()
  })

  it('shows the empty state when nothing matches', async () => {
    respond = () => json(answer([]))
    renderAt('/catalog?q=zzz')
    expect(await screen.findByText(/No courses match/)).toBeTruthy()
  })

  it("shows the server's problem detail when the search fails", async () => {
    respond = () =>
      new Response(JSON.stringify({ status: 400, code: 'bad_request', detail: 'The cursor is not valid' }), {
        status: 400,
        headers: { 'content-type': 'application/problem+json' },
      })
    renderAt('/catalog')
    expect((await screen.findByRole('alert')).textContent).toContain('The cursor is not valid')
  })
})
