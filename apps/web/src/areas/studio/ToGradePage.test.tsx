// @vitest-environment jsdom
import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { installDomStubs } from '../../test-setup.ts'
import { renderPage, stubApi } from '../../test-render.tsx'
import { formatDateTime } from '../../lib/dates.ts'
import type { Assignment, QueuedSubmission } from '../../api/studio.ts'
import StudioHomePage from './StudioHomePage.tsx'
import ToGradePage from './ToGradePage.tsx'

installDomStubs()
configure({ asyncUtilTimeout: 5000 })
// Mantine's autosize textarea (the feedback field) listens to font loading, which jsdom lacks.
if (!('fonts' in document))
  Object.defineProperty(document, 'fonts', {
    value: { addEventListener: () => undefined, removeEventListener: () => undefined },
  })

const INSTRUCTOR_ME = {
  user: { id: 'usr_ines', email: 'ines@example.com', displayName: 'Ines', platformAdmin: false },
  orgId: 'org_1',
  roles: ['instructor'],
}

const ASSIGNMENT: Assignment = {
  id: 'asg_1',
  courseId: 'crs_1',
  title: 'Build a parser',
  instructions: '',
  dueAt: null,
  latePolicy: 'accept',
  latePenaltyPercent: 0,
  rubric: [{ id: 'overall', title: 'Overall', description: '', maxPoints: 10 }],
  passPoints: 5,
  maxSubmissions: null,
  maxPoints: 10,
}

const queued = (id: string, over: Partial<QueuedSubmission>): QueuedSubmission => ({
  id,
  assignmentId: 'asg_1',
  courseId: 'crs_1',
  userId: 'usr_x',
  attemptNo: 1,
  text: 'My answer',
  links: [],
  submittedAt: '2026-11-20T09:30:00.000Z',
  late: false,
  status: 'submitted',
  rubricScores: null,
  score: null,
  maxScore: 10,
  passed: null,
  feedback: null,
  gradedAt: null,
  learnerName: null,
  courseTitle: 'Parsers',
  assignmentTitle: 'Build a parser',
  ...over,
})

const ADA = queued('sub_1', { learnerName: 'Ada Lovelace', late: true })
const BOB = queued('sub_2', {
  learnerName: 'Bob',
  courseId: 'crs_2',
  courseTitle: 'Databases',
  assignmentTitle: 'Design a schema',
  submittedAt: '2026-11-21T10:00:00.000Z',
})

const calls: string[] = []
stubApi((path) => {
  calls.push(path)
  return {
    '/api/identity/me': INSTRUCTOR_ME,
    '/api/learning/submissions': { items: [ADA, BOB], nextCursor: null },
    '/api/learning/assignments/asg_1': ASSIGNMENT,
    '/api/learning/submissions/sub_1/grade': { ...ADA, status: 'graded', score: 8, passed: true },
    '/api/learning/courses': { items: [], nextCursor: null },
  }[path]
})

describe('to grade', () => {
  it('lists the queue across courses with learner, submission time and a late badge', async () => {
    renderPage(<ToGradePage />, '/studio/to-grade')
    const table = await screen.findByRole('table', { name: 'Submissions to grade, oldest first' })
    const [, adaRow, bobRow] = within(table).getAllByRole('row')
    expect(within(adaRow!).getByText('Parsers')).toBeTruthy()
    expect(within(adaRow!).getByText('Ada Lovelace')).toBeTruthy()
    expect(within(adaRow!).getByText(formatDateTime(ADA.submittedAt))).toBeTruthy()
    expect(within(adaRow!).getByText('Late')).toBeTruthy()
    expect(within(bobRow!).getByText('Databases')).toBeTruthy()
    expect(within(bobRow!).getByText('Design a schema')).toBeTruthy()
    expect(within(bobRow!).queryByText('Late')).toBeNull()
  })

  it("'Grade' opens the rubric form for that submission and saving it grades it", async () => {
    renderPage(<ToGradePage />, '/studio/to-grade')
    fireEvent.click(await screen.findByRole('button', { name: "Grade Ada Lovelace's submission" }))
    const points = await screen.findByLabelText('Overall (of 10)')
    fireEvent.change(points, { target: { value: '8' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save grade' }))
    await waitFor(() => expect(calls).toContain('/api/learning/submissions/sub_1/grade'))
    await waitFor(() => expect(screen.queryByLabelText('Overall (of 10)')).toBeNull())
  })

  it('the studio home says how many submissions wait and links to the queue', async () => {
    renderPage(<StudioHomePage />, '/studio')
    const link = await screen.findByRole('link', { name: '2 submissions to grade' })
    expect(link.getAttribute('href')).toBe('/studio/to-grade')
  })
})
