// @vitest-environment jsdom
import { configure, fireEvent, screen, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { CourseDetail } from '../../api/endpoints.ts'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage } from '../../test-render.tsx'
import { LEARNER_ME } from '../../test-fixtures.ts'
import { CourseActions } from './CourseActions.tsx'
import {
  catalogCourse,
  EMPTY_CART,
  COURSE_A,
  COURSE_B,
  fakeApi,
  plan,
  subscription,
  type Call,
} from './subscription-test-kit.ts'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })

const GIT = catalogCourse(COURSE_A, 'Git Basics') as CourseDetail
const OTHER = catalogCourse(`crs_${'9'.repeat(32)}`, 'Pottery') as CourseDetail

let mine: unknown[]
const kit = fakeApi(
  (c: Call) =>
    ({
      '/learning/enrollments':
        c.method === 'POST' ? { id: 'enr_1', courseId: COURSE_A } : { items: [], nextCursor: null },
      '/commerce/cart': EMPTY_CART,
      '/commerce/plans': {
        items: [plan({ entitlement: { scope: 'courses', courseIds: [COURSE_A, COURSE_B] } })],
      },
      '/commerce/subscriptions/mine': { items: mine, nextCursor: null },
    })[c.path],
)

describe('course actions with subscription plans', () => {
  it('a running subscription that includes the course opens it with "Start learning"', async () => {
    kit.me = LEARNER_ME
    mine = [subscription({ status: 'trialing' })]
    renderPage(<CourseActions course={GIT} priceId="pri_course" />, '/courses/git-basics')
    expect(await screen.findByText('Included in your Pro subscription')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Buy now' })).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Start learning' }))
    await waitFor(() =>
      expect(kit.calls.find((c) => c.method === 'POST')).toMatchObject({
        path: '/learning/enrollments',
        body: { courseId: COURSE_A },
      }),
    )
  })

  it('without one, the course is for sale and the plan that includes it is pointed to', async () => {
    kit.me = LEARNER_ME
    mine = [subscription({ status: 'cancelled' })]
    renderPage(<CourseActions course={GIT} priceId="pri_course" />, '/courses/git-basics')
    expect(await screen.findByRole('link', { name: 'the Pro plan' })).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Buy now' })).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Start learning' })).toBeNull()
  })

  it('a course no plan includes shows no plan link', async () => {
    kit.me = LEARNER_ME
    mine = [subscription()]
    renderPage(<CourseActions course={OTHER} priceId="pri_course" />, '/courses/pottery')
    expect(await screen.findByRole('button', { name: 'Buy now' })).toBeTruthy()
    await waitFor(() => expect(kit.calls.some((c) => c.path === '/commerce/plans')).toBe(true))
    expect(screen.queryByRole('link', { name: /plan/ })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Start learning' })).toBeNull()
  })
})
