// @vitest-environment jsdom
import { configure, screen } from '@testing-library/react'
import type { ReactElement } from 'react'
import { Route, Routes } from 'react-router'
import { describe, expect, it } from 'vitest'
import { api } from './api/client.ts'
import type { CatalogPage as CatalogAnswer, CourseDetail } from './api/endpoints.ts'
import type { Enrollment } from './api/learner.ts'
import type { StudioCourse } from './api/studio.ts'
import type { TutorCard, TutorProfile } from './api/tutoring.ts'
import MyLearningPage from './areas/learner/MyLearningPage.tsx'
import CourseBuilderPage from './areas/studio/CourseBuilderPage.tsx'
import EarningsPage from './areas/studio/EarningsPage.tsx'
import StudioHomePage from './areas/studio/StudioHomePage.tsx'
import MyLessonsPage from './areas/tutoring/MyLessonsPage.tsx'
import TutorProfilePage from './areas/tutoring/TutorProfilePage.tsx'
import TutorSearchPage from './areas/tutoring/TutorSearchPage.tsx'
import CatalogPage from './pages/CatalogPage.tsx'
import CoursePage from './pages/CoursePage.tsx'
import HomePage from './pages/HomePage.tsx'
import { booking, courseSummary, LEARNER_ME } from './test-fixtures.ts'
import { headingOutline, headingSkips } from './test-headings.ts'
import { renderPage, stubApi } from './test-render.tsx'
import { installDomStubs } from './test-setup.ts'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

// Fixture data: one of everything a page lists, so every kind of card (and its heading) is on the page.
const course = courseSummary({
  slug: 'git-basics',
  title: 'Git basics',
  price: { amountMinor: 1200, currency: 'EUR' },
})
const catalog: CatalogAnswer = {
  items: [course],
  total: 1,
  totalApproximate: false,
  facets: {
    category: [{ value: 'programming', label: 'Programming', count: 1 }],
    level: [{ value: 'beginner', label: null, count: 1 }],
    language: [],
    price: [],
    rating: [],
  },
  sort: 'popular',
  nextCursor: null,
}
const courseDetail: CourseDetail = {
  ...course,
  description: 'Learn Git.',
  version: 1,
  outline: [
    {
      id: 'sec_1',
      title: 'Basics',
      lessons: [{ id: 'les_1', title: 'A first commit', type: 'text', durationSeconds: 0, isPreview: true }],
    },
  ],
} as CourseDetail
const tutor: TutorCard = {
  id: 'tut_1',
  userId: 'usr_tutor',
  orgId: 'org_1',
  displayName: 'Theo Tutor',
  headline: 'Maths',
  timeZone: 'Europe/Paris',
  hourlyRate: { amountMinor: 4000, currency: 'EUR' },
  lessonMinutes: [60],
  trial: null,
  subjects: [{ subject: 'mathematics', levels: ['beginner'] }],
  languages: ['en'],
  offersOnline: true,
  offersInPerson: false,
  verified: true,
  rating: { average: null, count: 0, bayesian: 0 },
  responseRate: { rate: null, samples: 0 },
  distanceKm: null,
}
const profile: TutorProfile = {
  ...tutor,
  bio: 'I teach maths.',
  lessonPrices: [{ minutes: 60, amountMinor: 4000 }],
  bufferMinutes: 0,
  packages: [],
  lessonsTaught: 0,
}
const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
const slot = {
  startsAt: `${tomorrow}T09:00:00Z`,
  endsAt: `${tomorrow}T10:00:00Z`,
  localStart: `${tomorrow}T09:00:00+00:00`,
  localEnd: `${tomorrow}T10:00:00+00:00`,
}
const studioCourse = {
  id: 'crs_1',
  orgId: 'org_1',
  slug: 'git-basics',
  title: 'Git basics',
  subtitle: '',
  status: 'draft',
  publishedVersion: 0,
  hasUnpublishedChanges: false,
  review: { pending: false, requestedAt: null, requestedBy: null, note: null },
  revision: 1,
  myRole: 'owner',
  updatedAt: '2026-11-28T00:00:00Z',
} as StudioCourse
const enrollment: Enrollment = {
  id: 'enr_1',
  courseId: 'crs_1',
  courseTitle: 'Git basics',
  status: 'active',
  source: 'free',
  cohort: null,
  expiresAt: null,
  enrolledAt: '2026-11-28T00:00:00Z',
  completedAt: null,
  progressPercent: 50,
  resume: { lessonId: 'les_1', positionSeconds: 0, at: '2026-11-28T00:00:00Z' },
}
const lesson = booking(Date.parse(slot.startsAt))

const me = { ...LEARNER_ME, roles: ['learner', 'instructor'] }
const page = <T,>(items: T[]) => ({ items, nextCursor: null })

const ANSWERS: Record<string, unknown> = {
  '/api/identity/me': me,
  '/api/learning/catalog': catalog,
  '/api/learning/catalog/courses/git-basics': courseDetail,
  '/api/tutoring/tutors': { ...page([tutor]), sort: 'rating' },
  '/api/tutoring/tutors/tut_1': profile,
  '/api/tutoring/tutors/tut_1/slots': { tutorId: 'tut_1', minutes: 60, timeZone: 'UTC', slots: [slot] },
  '/api/tutoring/bookings': page([lesson]),
  '/api/learning/courses': page([studioCourse]),
  '/api/learning/courses/crs_1': {
    ...studioCourse,
    sections: [{ id: 'sec_1', title: 'Basics', position: 0, lessons: [] }],
  },
  '/api/learning/enrollments': page([enrollment]),
  '/api/commerce/earnings/me': {
    payeeUserId: 'usr_learner',
    balances: [{ currency: 'EUR', availableMinor: 100, pendingEscrowMinor: 0, paidOutMinor: 0 }],
    payoutMinimumMinor: 5000,
  },
  '/api/commerce/earnings/me/entries': page([]),
  '/api/commerce/earnings/me/payouts': page([]),
}
stubApi((path) => ANSWERS[path])

/** Renders `ui` at `path` (under `route` for pages that read parameters) and waits for `ready`. */
async function outline(ui: ReactElement, path: string, ready: string | RegExp, route = path.split('?')[0]!) {
  renderPage(
    <Routes>
      <Route path={route} element={ui} />
    </Routes>,
    path,
  )
  await screen.findAllByRole('heading', { name: ready })
  return { outline: headingOutline(), skips: headingSkips() }
}

describe('heading order: every page goes h1 → h2 → h3 without skipping a level', () => {
  it('home: sections are h2, their course and tutor cards h3', async () => {
    const home = await outline(<HomePage />, '/', 'Theo Tutor')
    await screen.findAllByRole('heading', { name: 'Git basics' })
    expect(headingOutline()).toEqual([
      'h1 Learn anything, with courses and live tutors',
      'h2 Popular courses',
      'h3 Git basics',
      'h2 Tutors',
      'h3 Theo Tutor',
    ])
    expect(home.skips).toEqual([])
  })

  it('catalog: course cards are h2 under the h1', async () => {
    const { outline: o, skips } = await outline(<CatalogPage />, '/catalog', 'Git basics')
    expect(o).toEqual(['h1 Catalog', 'h2 Git basics'])
    expect(skips).toEqual([])
  })

  it('course page', async () => {
    const { outline: o, skips } = await outline(
      <CoursePage />,
      '/courses/git-basics',
      'Syllabus',
      '/courses/:slug',
    )
    expect(o[0]).toBe('h1 Git basics')
    expect(skips).toEqual([])
  })

  it('tutor search: tutor cards are h2 under the h1', async () => {
    const { outline: o, skips } = await outline(<TutorSearchPage />, '/tutors', 'Theo Tutor')
    expect(o).toEqual(['h1 Find a tutor', 'h2 Theo Tutor'])
    expect(skips).toEqual([])
  })

  it('tutor profile: the open days are h3 under "Book a lesson"', async () => {
    renderPage(
      <Routes>
        <Route path="/tutors/:tutorId" element={<TutorProfilePage />} />
      </Routes>,
      '/tutors/tut_1?org=org_1',
    )
    await screen.findByRole('button', { name: /09:00/ })
    expect(headingOutline().slice(0, 5)).toEqual([
      'h1 Theo Tutor',
      'h2 Subjects',
      'h2 Prices',
      'h2 Book a lesson',
      expect.stringMatching(/^h3 /),
    ])
    expect(headingSkips()).toEqual([])
  })

  it('my lessons: lesson cards are h2 under the h1', async () => {
    const { outline: o, skips } = await outline(<MyLessonsPage />, '/lessons', /lesson with Ada Lovelace/)
    expect(o).toEqual(['h1 My lessons', 'h2 60-minute lesson with Ada Lovelace'])
    expect(skips).toEqual([])
  })

  it('my learning', async () => {
    const { outline: o, skips } = await outline(<MyLearningPage />, '/learning', 'Git basics')
    expect(o).toEqual(['h1 My learning', 'h2 Git basics'])
    expect(skips).toEqual([])
  })

  it('studio home', async () => {
    await outline(<StudioHomePage />, '/studio', 'Your courses')
    await screen.findByRole('link', { name: 'Git basics' })
    expect(headingSkips()).toEqual([])
  })

  it('studio course builder: curriculum sections are h2 under the h1', async () => {
    const { outline: o, skips } = await outline(
      <CourseBuilderPage />,
      '/studio/courses/crs_1',
      'Basics',
      '/studio/courses/:courseId',
    )
    expect(o).toEqual(['h1 Git basics', 'h2 Basics'])
    expect(skips).toEqual([])
  })

  it('studio earnings: "Pay out now" is an h2 like the sections after it', async () => {
    const { outline: o, skips } = await outline(<EarningsPage />, '/studio/earnings', 'Pay out now')
    expect(o.slice(0, 2)).toEqual(['h1 Earnings', 'h2 Pay out now'])
    expect(skips).toEqual([])
  })
})

describe('home page for a signed-out visitor', () => {
  it('lists tutors from the public search, each linking to its profile, and links to all tutors', async () => {
    api.tokens.clear()
    renderPage(<HomePage />, '/')
    const name = await screen.findByRole('link', { name: 'Theo Tutor' })
    expect(name.getAttribute('href')).toBe('/tutors/tut_1?org=org_1')
    expect(screen.getByRole('link', { name: 'See all tutors' }).getAttribute('href')).toBe('/tutors')
    expect(screen.getByRole('link', { name: 'See all courses' }).getAttribute('href')).toBe('/catalog')
  })
})
