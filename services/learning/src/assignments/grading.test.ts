import { describe, expect, it } from 'vitest'
import {
  finalScore,
  isLate,
  linksProblem,
  rubricProblem,
  scoresProblem,
  type RubricCriterion,
} from './grading.ts'

const rubric: RubricCriterion[] = [
  { id: 'a', title: 'A', description: '', maxPoints: 5 },
  { id: 'b', title: 'B', description: '', maxPoints: 5 },
]

describe('happy', () => {
  it('a consistent rubric has no problem', () => {
    expect(rubricProblem(rubric, 10)).toBeNull()
    expect(rubricProblem(rubric, 0)).toBeNull()
  })

  it('accepts http and https links', () => {
    expect(linksProblem(['https://github.com/x/y', 'http://example.test/a?b=c'])).toBeNull()
  })

  it('scores every criterion once', () => {
    expect(
      scoresProblem(rubric, [
        { criterionId: 'b', points: 0, comment: '' },
        { criterionId: 'a', points: 5, comment: '' },
      ]),
    ).toBeNull()
  })

  it('sums the points; no penalty when on time or under accept', () => {
    const scores = [
      { criterionId: 'a', points: 4, comment: '' },
      { criterionId: 'b', points: 3, comment: '' },
    ]
    expect(finalScore({ scores, late: false, latePolicy: 'penalty', latePenaltyPercent: 50 }).score).toBe(7)
    expect(finalScore({ scores, late: true, latePolicy: 'accept', latePenaltyPercent: 50 }).score).toBe(7)
  })

  it('takes the late penalty off, rounded half up to a whole point', () => {
    const s = (points: number, pct: number) =>
      finalScore({
        scores: [{ criterionId: 'a', points, comment: '' }],
        late: true,
        latePolicy: 'penalty',
        latePenaltyPercent: pct,
      })
    expect(s(7, 10)).toEqual({ raw: 7, penalty: 1, score: 6 }) // 0.7 → 1
    expect(s(4, 10)).toEqual({ raw: 4, penalty: 0, score: 4 }) // 0.4 → 0
    expect(s(5, 10)).toEqual({ raw: 5, penalty: 1, score: 4 }) // 0.5 → 1 (half up)
    expect(s(10, 100)).toEqual({ raw: 10, penalty: 10, score: 0 })
  })

  it('is late only strictly after the due date', () => {
    const due = new Date('2026-01-01T00:00:00Z')
    expect(isLate(due, new Date('2026-01-01T00:00:00Z'))).toBe(false)
    expect(isLate(due, new Date('2026-01-01T00:00:01Z'))).toBe(true)
    expect(isLate(null, new Date())).toBe(false)
  })
})

describe('errors', () => {
  it('refuses duplicate criterion ids and an unreachable pass mark', () => {
    expect(rubricProblem([...rubric, { ...rubric[0]! }], 0)).toMatch(/used twice/)
    expect(rubricProblem(rubric, 11)).toMatch(/more than the rubric's maximum/)
  })

  it('refuses non-http links, non-URLs and more than ten links', () => {
    expect(linksProblem(['javascript:alert(1)'])).toMatch(/Only http and https/)
    expect(linksProblem(['ftp://example.test/f'])).toMatch(/Only http and https/)
    expect(linksProblem(['not a url'])).toMatch(/Not a URL/)
    expect(linksProblem(Array.from({ length: 11 }, (_, i) => `https://e.test/${i}`))).toMatch(/At most 10/)
  })

  it('refuses missing, repeated, unknown and out-of-range scores', () => {
    expect(scoresProblem(rubric, [{ criterionId: 'a', points: 1, comment: '' }])).toMatch(/missing: b/)
    expect(
      scoresProblem(rubric, [
        { criterionId: 'a', points: 1, comment: '' },
        { criterionId: 'a', points: 1, comment: '' },
        { criterionId: 'b', points: 1, comment: '' },
      ]),
    ).toMatch(/twice/)
    expect(
      scoresProblem(rubric, [
        { criterionId: 'a', points: 1, comment: '' },
        { criterionId: 'b', points: 1, comment: '' },
        { criterionId: 'z', points: 1, comment: '' },
      ]),
    ).toMatch(/Unknown/)
    expect(
      scoresProblem(rubric, [
        { criterionId: 'a', points: 6, comment: '' },
        { criterionId: 'b', points: 1, comment: '' },
      ]),
    ).toMatch(/from 0 to 5/)
    expect(
      scoresProblem(rubric, [
        { criterionId: 'a', points: -1, comment: '' },
        { criterionId: 'b', points: 1, comment: '' },
      ]),
    ).toMatch(/from 0 to 5/)
  })
})
