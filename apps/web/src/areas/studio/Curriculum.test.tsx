// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core'
import { Notifications } from '@mantine/notifications'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { StudioCourseDetail, StudioLesson } from '../../api/studio.ts'
import { installDomStubs } from '../../test-setup.ts'
import { Curriculum } from './Curriculum.tsx'

installDomStubs()

const lesson = (id: string, sectionId: string, position: number): StudioLesson => ({
  id,
  sectionId,
  position,
  type: 'text',
  title: `Lesson ${id}`,
  durationSeconds: 0,
  content: { type: 'text', markdown: '' },
  prerequisiteIds: [],
  isPreview: false,
})
const course = {
  id: 'crs_1',
  title: 'Course',
  sections: [
    { id: 's1', title: 'First', position: 0, lessons: [lesson('a', 's1', 0), lesson('b', 's1', 1)] },
    { id: 's2', title: 'Second', position: 1, lessons: [] },
  ],
} as unknown as StudioCourseDetail

const sent: { method: string; url: string; body: unknown }[] = []
let answer: () => Response
beforeEach(() => {
  sent.length = 0
  answer = () =>
    new Response(JSON.stringify({ courseRevision: 2 }), { headers: { 'content-type': 'application/json' } })
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    sent.push({
      method: init?.method ?? 'GET',
      url: String(input),
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    })
    return answer()
  })
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

function renderCurriculum() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  render(
    <MantineProvider>
      <Notifications />
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <Curriculum course={course} />
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  )
}

const order = () =>
  screen.getAllByRole('button', { name: /^Reorder lesson / }).map((b) => b.getAttribute('aria-label'))

describe('curriculum', () => {
  it('gives every section and lesson a labelled, focusable reorder handle', () => {
    renderCurriculum()
    expect(screen.getByRole('button', { name: 'Reorder section First' })).toBeTruthy()
    expect(order()).toEqual(['Reorder lesson Lesson a', 'Reorder lesson Lesson b'])
  })

  it('moving a lesson down sends the whole new order and shows it at once', async () => {
    renderCurriculum()
    fireEvent.click(screen.getByRole('button', { name: 'More actions for Lesson a' }))
    fireEvent.click(await screen.findByRole('menuitem', { name: 'Move down' }))
    expect(order()).toEqual(['Reorder lesson Lesson b', 'Reorder lesson Lesson a'])
    await waitFor(() => expect(sent.some((r) => r.method === 'PUT')).toBe(true))
    expect(sent.find((r) => r.method === 'PUT')).toEqual({
      method: 'PUT',
      url: '/api/learning/courses/crs_1/sections/s1/lessons/order',
      body: { lessonIds: ['b', 'a'] },
    })
  })

  it('moving the first lesson up sends nothing', async () => {
    renderCurriculum()
    fireEvent.click(screen.getByRole('button', { name: 'More actions for Lesson a' }))
    fireEvent.click(await screen.findByRole('menuitem', { name: 'Move up' }))
    expect(order()).toEqual(['Reorder lesson Lesson a', 'Reorder lesson Lesson b'])
    expect(sent.filter((r) => r.method !== 'GET')).toEqual([])
  })

  it('moves a lesson to another section through the menu', async () => {
    renderCurriculum()
    fireEvent.click(screen.getByRole('button', { name: 'More actions for Lesson b' }))
    fireEvent.click(await screen.findByRole('menuitem', { name: 'Second' }))
    await waitFor(() => expect(sent.some((r) => r.url.endsWith('/lessons/b/move'))).toBe(true))
    expect(sent.find((r) => r.url.endsWith('/move'))?.body).toEqual({ sectionId: 's2' })
  })

  it('says so when the server refuses a reorder (problem+json detail)', async () => {
    answer = () =>
      new Response(
        JSON.stringify({ status: 409, code: 'conflict', detail: 'The course is waiting for review' }),
        {
          status: 409,
          headers: { 'content-type': 'application/problem+json' },
        },
      )
    renderCurriculum()
    fireEvent.click(screen.getByRole('button', { name: 'More actions for Lesson a' }))
    fireEvent.click(await screen.findByRole('menuitem', { name: 'Move down' }))
    await screen.findByText('The course is waiting for review')
  })
})
